"""Pipeline configuration: a validated dataclass, stored as JSON (``kgqa.json``) in a pipeline folder."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgqa.errors import ConfigError
from kgqa.precision import PRECISIONS

CONFIG_FILE = "kgqa.json"


@dataclass
class PipelineConfig:
    """Where the pipeline's parts come from and how it decides.

    Relative paths are resolved against the folder the config was loaded from.
    ``None`` means the shipped default (the embedded demo world and models).
    """

    graphs: list[str] | None = None
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
    entail_threshold: float = 0.6
    contradict_threshold: float = 0.6
    max_question_chars: int = 10_000
    #: split passages read from ``passages`` files into pieces of at most this many words (None: as they are)
    max_passage_words: int | None = None
    passage_overlap_words: int = 0
    device: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.top_k < 1 or self.read_k < 1 or self.nli_k < 0:
            raise ConfigError("top_k and read_k must be at least 1, nli_k at least 0")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        for name in ("entail_threshold", "contradict_threshold"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be in (0, 1]")
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
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> PipelineConfig:
        """Read a config file (or a folder holding ``kgqa.json``); relative paths become absolute."""
        path = Path(path)
        file = path / CONFIG_FILE if path.is_dir() else path
        if not file.is_file():
            raise ConfigError(f"no pipeline config at {file}; write one with PipelineConfig(...).save(DIR)")
        try:
            data = json.loads(file.read_text())
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{file} is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{file}: unknown keys {unknown}; known keys are {sorted(known)}")
        base = file.parent

        def absolute(p: str) -> str:
            return str(p if Path(p).is_absolute() else (base / p).resolve())

        for key in ("graphs", "passages"):
            if data.get(key) is not None:
                data[key] = [absolute(p) for p in data[key]]
        for key in ("index_dir", "reader_dir", "nli_dir", "encoder_dir"):
            if data.get(key):
                data[key] = absolute(data[key])
        return cls(**data)
