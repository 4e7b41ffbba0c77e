"""Pipeline configuration: a validated dataclass, stored as JSON (``kgqa.json``) in a pipeline folder."""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import ConfigError
from kgqa.precision import PRECISIONS

CONFIG_FILE = "kgqa.json"


#: threshold field -> (lowest, highest, lowest allowed itself?): probabilities and difflib ratios in (0, 1],
#: cosines in [-1, 1]
THRESHOLDS: dict[str, tuple[float, float, bool]] = {
    "entail_threshold": (0.0, 1.0, False),
    "contradict_threshold": (0.0, 1.0, False),
    "min_passage_relevance": (-1.0, 1.0, True),
    "min_retrieval_score": (-1.0, 1.0, True),
    "linker_fuzzy_threshold": (0.0, 1.0, False),
    "linker_embedding_threshold": (-1.0, 1.0, False),
}
#: the fact-sentence thresholds (kgqa.checks.fact_sentences), in the same form: calibrated probabilities and a share
FACT_THRESHOLDS: dict[str, tuple[float, float, bool]] = {
    "fact_entail_threshold": (0.0, 1.0, False),
    "fact_contradict_threshold": (0.0, 1.0, False),
    "fact_single_valued_share": (0.0, 1.0, False),
    "fact_two_sided_share": (0.0, 1.0, False),
    "fact_substitution_threshold": (0.0, 1.0, False),
}


def _check_thresholds(config: PipelineConfig) -> None:
    """Raise :class:`ConfigError` for a threshold that is not a number in its range, or one hidden in ``extra``."""
    for name, (low, high, closed) in {**THRESHOLDS, **FACT_THRESHOLDS}.items():
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{name} must be a number, not {value!r}")
        if not (low <= value if closed else low < value) or value > high:
            raise ConfigError(f"{name} must be in {'[' if closed else '('}{low:g}, {high:g}], not {value!r}")
    hidden = sorted(set(config.extra) & {f.name for f in dataclasses.fields(config)})
    if hidden:
        raise ConfigError(f"extra holds {hidden}, which are config fields: set them as fields, not in extra")


def _check_vector_backend(config: PipelineConfig) -> None:
    """Raise :class:`ConfigError` for an unknown ``vector_backend`` or a ``milvus_uri`` Milvus would refuse."""
    from kgqa.errors import InputError
    from kgqa.retrieval.backends import BACKENDS
    from kgqa.retrieval.milvus import DEFAULT_COLLECTION, check_milvus_args

    if config.vector_backend not in BACKENDS:
        raise ConfigError(f"vector_backend must be one of {', '.join(BACKENDS)}, not {config.vector_backend!r}")
    if config.milvus_uri is not None:
        try:
            check_milvus_args(config.milvus_uri, DEFAULT_COLLECTION)
        except InputError as exc:
            raise ConfigError(f"milvus_uri: {exc}") from exc
    if config.vector_backend == "milvus" and config.passages and config.milvus_uri is None:
        raise ConfigError(
            'vector_backend "milvus" builds the passages into Milvus: set milvus_uri to http://host:19530 '
            "or a milvus-lite file such as ./milvus.db"
        )


def _check_graph_source(config: PipelineConfig) -> None:
    """Raise :class:`ConfigError` for a ``graph_endpoint`` that is not an http(s) URL or one set beside ``graph_store``."""
    from urllib.parse import urlsplit

    url = config.graph_endpoint
    if url is None:
        if config.graph_catalogue is not None:
            raise ConfigError(
                "graph_catalogue names the linker's catalogue of a graph_endpoint; set graph_endpoint too "
                "(a graph store keeps its catalogue in its folder)"
            )
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"graph_endpoint must be an http(s) SPARQL endpoint URL such as http://127.0.0.1:7878/query, not {url!r}"
        )
    if config.graph_store is not None:
        raise ConfigError("graph_endpoint and graph_store are both set; keep the one the graph should be read from")


#: the least value of each numeric field (``sparql_timeout_s`` must also be above 0)
MINIMUMS: dict[str, float] = {
    "top_k": 1,
    "read_k": 1,
    "nli_k": 0,
    "max_answer_length": 1,
    "retrieval_weight": 0.0,
    "posthumous_years": 0,
    "max_question_chars": 1,
    "max_premise_chars": 1,
    "max_claim_chars": 1,
    "max_premises": 0,
    "max_batch_size": 1,
    "passage_overlap_words": 0,
    "hybrid_dense_weight": 0.0,
    "path_budget": 1,
    "path_text_budget": 1,
    "path_hop_margin": 0.0,
    "fact_budget": 1,
    "nli_pair_budget": 1,
}
_PATH_LISTS = ("graphs", "passages")
_PATH_FIELDS = (
    "graph_store",
    "graph_catalogue",
    "index_dir",
    "reader_dir",
    "nli_dir",
    "encoder_dir",
    "false_premise_dir",
    "link_model_dir",
)


def _fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` (as read from JSON or passed in Python) has the annotated type; bool is not a number."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (types.UnionType, typing.Union):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        try:
            return math.isfinite(float(value))
        except OverflowError:  # an int too large for a float
            return False
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_fits(k, args[0]) and _fits(v, args[1]) for k, v in value.items())
    return isinstance(value, hint) if isinstance(hint, type) else True


def _describe(hint: Any) -> str:
    """``hint`` in words, as the fix in an error message."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_describe(a) for a in args)
    if origin is list:
        return f"a list of {_describe(args[0]).removeprefix('a ')}s"
    if origin is dict:
        return "an object with string keys"
    names = {
        type(None): "null",
        bool: "true or false",
        int: "a whole number",
        float: "a finite number",
        str: "a string",
    }
    return names.get(hint, getattr(hint, "__name__", str(hint)))


def check_values(values: dict[str, Any], where: str = "") -> None:
    """Raise :class:`ConfigError` for a value of the wrong type or below its minimum.

    Args:
        values: field name -> value, as in ``kgqa.json`` (fields left out keep their defaults).
        where: what the message starts with, e.g. the file's path and ``": "``.
    """
    hints = typing.get_type_hints(PipelineConfig)
    defaults = {f.name: f.default for f in dataclasses.fields(PipelineConfig)}
    for name, value in values.items():
        hint = hints.get(name)
        if hint is None:
            continue
        if not _fits(value, hint):
            if name in _PATH_LISTS and isinstance(value, str):
                fix = f"write a list: [{json.dumps(value, ensure_ascii=False)}]"
            else:
                default = defaults[name]
                shown = "" if default is dataclasses.MISSING else f" (the default is {json.dumps(default)})"
                fix = f"set it to {_describe(hint)}{shown}"
            raise ConfigError(
                f"{where}{name} must be {_describe(hint)}, not {type(value).__name__} {_short(value)}; {fix}"
            )
        paths = value if name in _PATH_LISTS else [value] if name in _PATH_FIELDS else []
        if any(isinstance(p, str) and "\x00" in p for p in paths or ()):
            raise ConfigError(f"{where}{name} holds a NUL character, which no file name has; fix the path")
        low = MINIMUMS.get(name)
        if low is not None and value is not None and value < low:
            raise ConfigError(f"{where}{name} must be at least {low:g}, not {value!r}; the default is {defaults[name]}")
    timeout = values.get("sparql_timeout_s")
    if timeout is not None and timeout <= 0:
        raise ConfigError(f"{where}sparql_timeout_s must be above 0 seconds, not {timeout!r}; the default is 30")


def check_device(device: str | None) -> None:
    """Raise :class:`ConfigError` unless ``device`` is ``None`` or a torch device this machine has.

    Checked when a pipeline is loaded, not when a config is made: a config may be written on one
    machine for another.
    """
    if device is None:
        return
    import torch

    fix = "use 'cpu', 'cuda' or 'cuda:N' (where a GPU is present), or leave device unset to choose automatically"
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise ConfigError(f"device {device!r} is not a torch device; {fix}") from exc
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (dev.index or 0) >= count:
            raise ConfigError(f"device {device!r}: this machine has {count} CUDA device(s); {fix}")
    elif dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError(f"device {device!r}: MPS is not available on this machine; {fix}")
    elif dev.type != "cpu":
        raise ConfigError(f"device {device!r} is not supported by kgqa; {fix}")


def _no_constant(name: str) -> Any:
    """JSON has no NaN or Infinity (Python's reader accepts them): refuse them."""
    raise ValueError(f"{name} is not a JSON number; write a finite number")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class PipelineConfig:
    """Where the pipeline's parts come from and how it decides.

    Relative paths are resolved against the folder the config was loaded from.
    ``None`` means the shipped default (the embedded demo world and models).
    """

    graphs: list[str] | None = None
    #: a graph store folder (``KnowledgeGraph.save_store``, ``kgqa world build``): opened instead of parsing ``graphs``
    graph_store: str | None = None
    #: a SPARQL query endpoint URL (``KnowledgeGraph.connect``): the graph is read from it instead of files or a store
    graph_endpoint: str | None = None
    #: a names catalogue file for ``graph_endpoint``'s entity linker, written from the endpoint when missing
    graph_catalogue: str | None = None
    passages: list[str] | None = None
    index_dir: str | None = None
    reader_dir: str | None = None
    nli_dir: str | None = None
    encoder_dir: str | None = None
    top_k: int = 5
    read_k: int = 3
    nli_k: int = 3
    max_answer_length: int = 30
    retrieval_weight: float = 8.0
    quantize: bool = False
    precision: str = "auto"
    posthumous_years: int = 30
    # -- decision thresholds, each read where it is used (the README's table of thresholds) --
    #: NLI entailment probability from which a passage supports an answer (decision) or a claim (premise check)
    entail_threshold: float = 0.6
    #: NLI contradiction probability from which a passage refutes an answer or a claim
    contradict_threshold: float = 0.6
    #: premise check: a passage is evidence for a claim about no linked entity only if retrieved with this cosine
    min_passage_relevance: float = 0.45
    #: decision: an unconfirmed reader answer without a graph answer is dropped below this best retrieval cosine
    min_retrieval_score: float = 0.2
    #: reader: it abstains on a passage whose no-answer score (null minus best span logit) exceeds this;
    #: None: the threshold stored with the reader model (none stored: it never abstains)
    reader_no_answer_threshold: float | None = None
    #: entity linker: the least difflib ratio of a fuzzy match and the least cosine of an embedding match
    linker_fuzzy_threshold: float = 0.85
    linker_embedding_threshold: float = 0.75
    # -- limits on what one call may ask for (README: "Limits"); the CLI applies the same numbers --
    #: longest question, in characters once runs of whitespace are collapsed
    max_question_chars: int = 10_000
    #: longest premise passed to ask()/ask_batch(), in characters
    max_premise_chars: int = 10_000
    #: longest claim passed to check(), in characters
    max_claim_chars: int = 10_000
    #: most premises with one question
    max_premises: int = 20
    #: most questions in one ask_batch() call
    max_batch_size: int = 1_000
    #: seconds a SPARQL query (KnowledgeGraph.query, ``kgqa graph query``) may run before it is stopped
    sparql_timeout_s: float = 30.0
    #: split passages read from ``passages`` files into pieces of at most this many words (None: as they are)
    max_passage_words: int | None = None
    passage_overlap_words: int = 0
    #: "dense" (the FAISS index), "bm25" or "hybrid" (BM25 fused with dense, kgqa.retrieval.hybrid;
    #: both need ``pip install "kgqa[hybrid]"``); Hit.score stays the dense cosine in all three
    retrieval: str = "dense"
    #: retrieval "hybrid": the weight in [0, 1] of the normalised dense scores (BM25's is 1 minus it)
    hybrid_dense_weight: float = 0.5
    #: where the vectors of an index built from ``passages`` live: "flat", "hnsw", "ivf", "ivfpq" (FAISS) or
    #: "milvus" (needs ``milvus_uri``); an ``index_dir`` folder records its own backend
    vector_backend: str = "flat"
    #: a Milvus server (``http://host:19530``) or milvus-lite file (``./milvus.db``); for a Milvus index
    #: folder it replaces the URI recorded there
    milvus_uri: str | None = None
    device: str | None = None
    # -- the learned false-premise detector (kgqa.checks.false_premise) --
    #: run it on questions whose presupposition neither the graph nor the passages decide; off by default:
    #: it flags about 14% of ordinary questions (SQuAD dev) as resting on a false premise, and a false
    #: contradiction is worse than ``unknown``
    false_premise_detector: bool = False
    #: its model folder (``kgqa train false-premise``); None: the shipped one, and without it the detector is off
    false_premise_dir: str | None = None
    #: the probability in (0, 1) from which it rejects a premise; None: the threshold stored with the model
    false_premise_threshold: float | None = None
    #: the verdict calibrator (kgqa.calibration): None: the shipped data/models/calibration/verdict.json;
    #: "none": off (confidence is then each rule's own score); or the path of a file from `kgqa train calibration`
    calibration_file: str | None = None
    #: the learned relation matcher (kgqa.graph.relation_model): "default": the shipped data/models/relations;
    #: None or "none": off (relations are matched by their names only); or a folder from `kgqa train relations`
    relation_model_dir: str | None = "default"
    #: a link model of this world's graph (``kgqa train link-model``, kgqa.graph.link_model): where the graph
    #: holds another value of a mostly single-valued relation, a claimed value the model ranks as implausible
    #: (beyond the threshold it chose on held-out facts) is contradicted (rule "implausible_value"); None: off
    link_model_dir: str | None = None
    #: cosine a relation path must gain per step beyond the first to beat a shorter one
    #: (kgqa.graph.relation_paths.HOP_MARGIN); a world may choose its own on its training questions
    path_hop_margin: float = 0.04
    #: least cosine of a relation-path answer; None: the relation model's own (chosen on its dev split: its
    #: one-relation threshold for a one-step path, its path threshold for a longer one)
    path_threshold: float | None = None
    # -- fact sentences judged by NLI (kgqa.checks.fact_sentences; thresholds chosen on graph-derived training
    # cases, data/fact_sentence_thresholds.json records how) --
    #: calibrated NLI entailment probability from which a fact sentence supports a claim the graph rules left unknown
    fact_entail_threshold: float = 0.91
    #: calibrated NLI contradiction probability from which a fact of the claim's subject and relation refutes it
    fact_contradict_threshold: float = 0.5
    #: the least share of a relation's holders with one value for a fact sentence to refute a claim
    fact_single_valued_share: float = 0.9
    #: the least share, on each of its two sides, of a relation's holders with one value for a fact sentence to
    #: refute a claim whose value is itself tied by the relation to another holder ("kgqa bench single-valued")
    fact_two_sided_share: float = 0.8
    #: calibrated NLI entailment of the claim by a fact rewritten with the claim's value, from which that fact's
    #: relation is taken to be the claim's (kgqa.checks.fact_substitution)
    fact_substitution_threshold: float = 0.93
    # -- budgets: the most work one question may cost on a big graph; a cut is recorded in the trace as
    # {"budget": NAME, "limit": N, "used": M} (kgqa.budget) --
    #: nodes whose facts the relation-path search (kgqa.graph.relation_paths) may read per question
    path_budget: int = 2_000
    #: texts of relation paths of several steps the path search may score per question, embedded already or not
    path_text_budget: int = 48
    #: graph facts read around a claim's linked entities for fact sentences
    fact_budget: int = 200
    #: fact sentences judged by the NLI model per claim
    nli_pair_budget: int = 16
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_values({f.name: getattr(self, f.name) for f in dataclasses.fields(self)}, "PipelineConfig: ")
        if self.top_k < 1 or self.read_k < 1 or self.nli_k < 0:
            raise ConfigError("top_k and read_k must be at least 1, nli_k at least 0")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        if self.retrieval not in ("dense", "bm25", "hybrid"):
            raise ConfigError(f"retrieval must be one of dense, bm25, hybrid, not {self.retrieval!r}")
        if self.hybrid_dense_weight > 1:
            raise ConfigError(f"hybrid_dense_weight must be in [0, 1], not {self.hybrid_dense_weight!r}")
        _check_thresholds(self)
        _check_vector_backend(self)
        _check_graph_source(self)
        t = self.false_premise_threshold
        if t is not None and not 0 < t < 1:
            raise ConfigError(f"false_premise_threshold must be in (0, 1) or null (the model's own), not {t!r}")
        if self.path_threshold is not None and not -1 <= self.path_threshold <= 1:
            raise ConfigError(
                f"path_threshold is a cosine in [-1, 1] or null (the model's own), not {self.path_threshold!r}"
            )
        from kgqa.retrieval.split import check_split_args

        check_split_args(self.max_passage_words, self.passage_overlap_words)
        for name in ("graphs", "passages"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{name} must be a list of paths")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, folder: str | Path) -> Path:
        """Write ``kgqa.json`` into ``folder``."""
        path = Path(folder) / CONFIG_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: Any, where: str = "", base: Path | None = None) -> PipelineConfig:
        """Build a config from a dict such as ``kgqa.json`` holds, checking every key and value first.

        Args:
            data: field name -> value; fields left out keep their defaults.
            where: what error messages start with (e.g. ``"DIR/kgqa.json: "``).
            base: resolve relative paths against this folder (``None``: keep them as they are).

        Raises:
            ConfigError: ``data`` is not a dict, has an unknown key, or a value of the wrong type or range.

        Example:
            >>> PipelineConfig.from_dict({"top_k": 10}).top_k
            10
        """
        if not isinstance(data, dict):
            raise ConfigError(
                f"{where}a pipeline config is a JSON object of settings, not {type(data).__name__}; "
                'write e.g. {"top_k": 5}'
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(str(k) for k in set(data) - known)
        if unknown:
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{where}unknown keys {unknown}; {hint}known keys are {sorted(known)}")
        check_values(data, where)
        data = dict(data)
        if base is not None:

            def absolute(p: str) -> str:
                return str(p if Path(p).is_absolute() else (base / p).resolve())

            for key in _PATH_LISTS:
                if data.get(key) is not None:
                    data[key] = [absolute(p) for p in data[key]]
            for key in _PATH_FIELDS:
                if data.get(key):
                    data[key] = absolute(data[key])
            if data.get("calibration_file") and str(data["calibration_file"]).lower() not in ("none", "off"):
                data["calibration_file"] = absolute(data["calibration_file"])
            rel = data.get("relation_model_dir")
            if rel and str(rel).lower() not in ("none", "default"):
                data["relation_model_dir"] = absolute(rel)
        try:
            return cls(**data)
        except ConfigError as exc:
            raise ConfigError(f"{where}{str(exc).removeprefix('PipelineConfig: ')}") from exc

    @classmethod
    def load(cls, path: str | Path) -> PipelineConfig:
        """Read a config file (or a folder holding ``kgqa.json``); relative paths become absolute.

        Raises:
            ConfigError: the file is missing, unreadable, not UTF-8 JSON, or holds an invalid setting
                (the message names the file, the key and the fix).
        """
        if not isinstance(path, str | Path):
            raise ConfigError(f"a pipeline config is a folder or a kgqa.json path, not {type(path).__name__}")
        path = Path(path)
        file = path / CONFIG_FILE if path.is_dir() else path
        if not file.is_file():
            raise ConfigError(f"no pipeline config at {file}; write one with PipelineConfig(...).save(DIR)")
        try:
            text = file.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc.strerror or exc}; check its permissions") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{file} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8 JSON"
            ) from exc
        try:
            data = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{file} is not valid JSON (line {exc.lineno}: {exc.msg}); fix the JSON syntax") from exc
        except ValueError as exc:  # NaN / Infinity
            raise ConfigError(f"{file}: {exc}") from exc
        except RecursionError as exc:
            raise ConfigError(f"{file} nests JSON too deeply; a config is one flat object of settings") from exc
        return cls.from_dict(data, f"{file}: ", base=file.parent)
