"""PipelineConfig and Pipeline.load on generated settings and kgqa.json files: a config or a ConfigError.

Every value of a wrong type, out of range or unreadable ends in a :class:`ConfigError` naming the
key; a config that is accepted loads a pipeline or fails with a typed error naming the file.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import pytest
from fuzzkit import any_text, budget, expect_typed, json_values, mutate
from hypothesis import given
from hypothesis import strategies as st

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, KGQAError

pytestmark = pytest.mark.fuzz

FIELDS = [f.name for f in dataclasses.fields(PipelineConfig)]
settings_dicts = st.dictionaries(st.one_of(st.sampled_from(FIELDS), any_text), json_values, max_size=6)


@budget("config_json")
@given(data=st.one_of(settings_dicts, json_values))
def test_from_dict(data) -> None:
    try:
        config = PipelineConfig.from_dict(data, "kgqa.json: ")
    except ConfigError as exc:
        assert str(exc).startswith("kgqa.json: ")
        return
    # what was accepted round-trips through kgqa.json
    with tempfile.TemporaryDirectory() as tmp:
        config.save(tmp)
        again = PipelineConfig.load(tmp)
    assert again.to_dict() == {
        **config.to_dict(),
        **{k: again.to_dict()[k] for k in ("graphs", "passages", "index_dir", "reader_dir", "nli_dir", "encoder_dir")},
    }


@budget("config_bytes")
@given(data=st.data())
def test_load_file_bytes(data) -> None:
    valid = json.dumps({"top_k": 4, "graphs": ["a.ttl"], "precision": "fp32", "sparql_timeout_s": 5}).encode()
    raw = data.draw(st.one_of(st.binary(max_size=200), st.just(valid)))
    if data.draw(st.booleans()):
        raw = mutate(raw, data.draw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kgqa.json"
        path.write_bytes(raw)
        try:
            PipelineConfig.load(tmp)
        except ConfigError as exc:
            assert str(path) in str(exc)


@pytest.mark.parametrize(
    ("data", "key", "fix"),
    [
        ({"graphs": "x.ttl"}, "graphs", '["x.ttl"]'),
        ({"passages": 3}, "passages", "list of strings"),
        ({"top_k": 2.5}, "top_k", "whole number"),
        ({"top_k": True}, "top_k", "whole number"),
        ({"quantize": 1}, "quantize", "true or false"),
        ({"retrieval_weight": float("nan")}, "retrieval_weight", "finite number"),
        ({"max_premises": -1}, "max_premises", "at least 0"),
        ({"sparql_timeout_s": 0}, "sparql_timeout_s", "above 0"),
        ({"extra": []}, "extra", "object"),
        ({"top_kk": 3}, "top_kk", "did you mean 'top_k'"),
        ({"graphs": ["a\x00.ttl"]}, "graphs", "NUL character"),
        ([1, 2], "JSON object", "{"),
    ],
)
def test_config_errors_name_key_type_and_fix(data, key, fix) -> None:
    with pytest.raises(ConfigError) as err:
        PipelineConfig.from_dict(data, "f.json: ")
    assert key in str(err.value) and fix in str(err.value)


def test_config_files_that_are_not_utf8_json_objects(tmp_path: Path) -> None:
    cases = {
        "latin1": '{"device": "cafè"}'.encode("latin-1"),
        "utf16": '{"top_k": 3}'.encode("utf-16"),
        "nan": b'{"retrieval_weight": NaN}',
        "list": b"[1, 2]",
        "deep": b"[" * 100_000,
    }
    for name, raw in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "kgqa.json").write_bytes(raw)
        with pytest.raises(ConfigError, match="kgqa.json"):
            PipelineConfig.load(folder)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "kgqa.json").write_bytes(b'\xef\xbb\xbf{"top_k": 3}')  # a BOM is fine
    assert PipelineConfig.load(tmp_path / "ok").top_k == 3


def test_a_string_where_a_list_is_expected_is_not_read_letter_by_letter(tmp_path: Path) -> None:
    (tmp_path / "kgqa.json").write_text('{"graphs": "x.ttl"}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'graphs must be a list .* not str .*write a list: \["x.ttl"\]'):
        PipelineConfig.load(tmp_path)


@budget("pipeline_load")
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=2), as_file=st.booleans())
def test_pipeline_load(tiny_pipeline_dir, changes, as_file) -> None:
    """The tiny pipeline's kgqa.json with some settings changed: a working pipeline or a typed error."""
    from kgqa.pipeline import Pipeline

    base = json.loads((tiny_pipeline_dir / "kgqa.json").read_text(encoding="utf-8"))
    changes = {k: v for k, v in changes.items() if k not in ("device",) or v in (None, "cpu", "cuda:7", "gpu", 3)}
    if as_file:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "kgqa.json").write_text(json.dumps({**base, **changes}, allow_nan=True), encoding="utf-8")
            pipe = expect_typed(Pipeline.load, tmp)
    else:
        pipe = expect_typed(Pipeline.load, tiny_pipeline_dir, **changes)
    if pipe is not None:
        try:
            pipe.ask("Who wrote The Glass Orchard?", premises=["Ada Finch was a writer."])
        except KGQAError:  # e.g. a model folder that is missing: found when the model first loads
            pass


def test_pipeline_load_rejects_bad_sources_and_overrides(tiny_pipeline_dir) -> None:
    from kgqa.pipeline import Pipeline

    with pytest.raises(ConfigError, match="not int"):
        Pipeline.load(5)
    with pytest.raises(ConfigError, match="unknown keys"):
        Pipeline.load(tiny_pipeline_dir, top_kay=3)
    with pytest.raises(ConfigError, match="device 'gpu' is not a torch device"):
        Pipeline.load(tiny_pipeline_dir, device="gpu")
