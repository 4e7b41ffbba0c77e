"""The resumable build driver and the ``kgqa world build`` command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kgqa import cli
from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, DataNotFoundError, InputError
from kgqa.paths import PROJECT_ROOT
from kgqa.world import build
from kgqa.world.build import STATE_FILE, WorldSpec, build_world

EX = "http://example.org/"


@pytest.fixture
def inputs(tmp_path) -> dict[str, Path]:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.nt").write_text(f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}b> <{EX}p> <{EX}c> .\n")
    (src / "b.ttl").write_text(f'@prefix ex: <{EX}> .\nex:c ex:name "C" .\n')
    (src / "p.jsonl").write_text('{"id": "p1", "text": "A is next to B."}\n{"id": "p2", "text": "C.", "title": "C"}\n')
    return {"nt": src / "a.nt", "ttl": src / "b.ttl", "passages": src / "p.jsonl"}


def _spec(inputs, **kw) -> WorldSpec:
    return WorldSpec(rdf=[inputs["nt"], inputs["ttl"]], passages=[inputs["passages"]], index=False, **kw)


def _touch(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # a new mtime even on coarse clocks


def test_build_writes_graphs_passages_and_config(inputs, tmp_path):
    out = tmp_path / "world"
    summary = build_world(_spec(inputs), out, show_progress=False)
    assert summary["ran"] == ["rdf:a.nt", "rdf:b.ttl", "passages:p.jsonl"] and summary["kept"] == []
    assert summary["triples"] == {"rdf:a.nt": 2, "rdf:b.ttl": 1} and summary["passages"] == 2
    config = json.loads((out / "kgqa.json").read_text())
    assert config["graphs"] == ["ontology.ttl", "rdf-01-a.nt", "rdf-02-b.nt"]
    assert config["passages"] == ["passages-01-p.jsonl"] and config["index_dir"] is None
    assert PipelineConfig.load(out).graphs[1] == str((out / "rdf-01-a.nt").resolve())
    state = json.loads((out / STATE_FILE).read_text())
    assert set(state["steps"]) == {"rdf:a.nt", "rdf:b.ttl", "passages:p.jsonl"}
    umask = os.umask(0)
    os.umask(umask)
    assert (out / "rdf-01-a.nt").stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_non_empty_folder_needs_resume_or_overwrite(inputs, tmp_path):
    out = tmp_path / "world"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty; pass --resume .* or --overwrite"):
        build_world(_spec(inputs), out, show_progress=False)
    with pytest.raises(ConfigError, match="exclude each other"):
        build_world(_spec(inputs), out, resume=True, overwrite=True, show_progress=False)
    build_world(_spec(inputs), out, overwrite=True, show_progress=False)
    assert (out / "notes.txt").read_text() == "mine"  # overwrite removes only what a build writes


def test_resume_skips_done_steps_and_redoes_changed_ones(inputs, tmp_path):
    out = tmp_path / "world"
    build_world(_spec(inputs), out, show_progress=False)
    again = build_world(_spec(inputs), out, resume=True, show_progress=False)
    assert again["ran"] == [] and len(again["kept"]) == 3 and again["triples"]["rdf:a.nt"] == 2
    _touch(inputs["nt"], f"<{EX}a> <{EX}p> <{EX}b> .\n")
    changed = build_world(_spec(inputs), out, resume=True, show_progress=False)
    assert changed["ran"] == ["rdf:a.nt"] and changed["triples"]["rdf:a.nt"] == 1
    assert (out / "rdf-01-a.nt").read_text().count("\n") == 1
    (out / "rdf-02-b.nt").unlink()  # an output that went missing is rebuilt too
    assert build_world(_spec(inputs), out, resume=True, show_progress=False)["ran"] == ["rdf:b.ttl"]
    optioned = build_world(_spec(inputs, skip_bad_lines=True), out, resume=True, show_progress=False)
    assert optioned["ran"] == ["rdf:a.nt", "rdf:b.ttl"]  # options are part of the fingerprint


def test_interrupted_step_leaves_no_partial_output_and_resumes(inputs, tmp_path, monkeypatch):
    out = tmp_path / "world"
    real = build.convert_rdf

    def crash(path, writer):
        writer.add_terms(f"<{EX}half>", f"<{EX}written>", f"<{EX}triple>")
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-step

    monkeypatch.setattr(build, "convert_rdf", crash)
    with pytest.raises(KeyboardInterrupt):
        build_world(_spec(inputs), out, show_progress=False)
    assert (out / "rdf-01-a.nt").is_file() and not (out / "rdf-02-b.nt").exists()
    assert not list(out.glob(".*.tmp")) and not (out / "kgqa.json").exists()
    assert set(json.loads((out / STATE_FILE).read_text())["steps"]) == {"rdf:a.nt"}
    monkeypatch.setattr(build, "convert_rdf", real)
    resumed = build_world(_spec(inputs), out, resume=True, show_progress=False)
    assert resumed["kept"] == ["rdf:a.nt"] and resumed["ran"] == ["rdf:b.ttl", "passages:p.jsonl"]
    assert "half" not in (out / "rdf-02-b.nt").read_text()


def test_stale_temporary_files_of_a_killed_build_are_removed(inputs, tmp_path):
    out = tmp_path / "world"
    build_world(_spec(inputs), out, show_progress=False)
    (out / ".rdf-01-a.nt.x1.tmp").write_text("half a file")
    build_world(_spec(inputs), out, resume=True, show_progress=False)
    assert not list(out.glob(".*.tmp"))


def test_passages_are_validated(inputs, tmp_path):
    inputs["passages"].write_text('{"id": "p1", "text": "ok"}\n{"id": "", "text": "no id"}\n')
    with pytest.raises(InputError, match=r"p\.jsonl:2: 'id' must be a non-empty string"):
        build_world(_spec(inputs), tmp_path / "world", show_progress=False)
    assert not list((tmp_path / "world").glob("passages-*"))


def test_bad_options(inputs, tmp_path):
    with pytest.raises(InputError, match="nothing to build"):
        build_world(WorldSpec(index=False), tmp_path / "w", show_progress=False)
    with pytest.raises(InputError, match="--wikidata DUMP"):
        build_world(_spec(inputs, items=inputs["nt"]), tmp_path / "w", show_progress=False)
    with pytest.raises(InputError, match="--items FILE and/or --properties FILE"):
        build_world(_spec(inputs, wikidata_dump=inputs["nt"]), tmp_path / "w", show_progress=False)
    with pytest.raises(DataNotFoundError, match="--rdf .*missing.nt: no such file"):
        build_world(WorldSpec(rdf=[tmp_path / "missing.nt"]), tmp_path / "w", show_progress=False)
    with pytest.raises(InputError, match="--limit-passages must be positive"):
        build_world(_spec(inputs, limit_passages=0), tmp_path / "w", show_progress=False)
    assert not (tmp_path / "w").exists()


def test_wikidata_step(inputs, tmp_path):
    dump = tmp_path / "src" / "truthy.nt"
    dump.write_text(
        "<http://www.wikidata.org/entity/Q1> <http://www.wikidata.org/prop/direct/P31> "
        "<http://www.wikidata.org/entity/Q5> .\n"
        "<http://www.wikidata.org/entity/Q2> <http://www.wikidata.org/prop/direct/P31> "
        "<http://www.wikidata.org/entity/Q5> .\n"
    )
    (tmp_path / "src" / "items.txt").write_text("Q1\n")
    spec = WorldSpec(wikidata_dump=dump, items=tmp_path / "src" / "items.txt", index=False)
    summary = build_world(spec, tmp_path / "world", show_progress=False)
    assert summary["triples"] == {"wikidata": 1}
    (tmp_path / "src" / "items.txt").write_text("Q1\nQ2\n")  # a changed item list redoes the step
    os.utime(tmp_path / "src" / "items.txt", ns=(0, 10**18))
    again = build_world(spec, tmp_path / "world", resume=True, show_progress=False)
    assert again["ran"] == ["wikidata"] and again["triples"] == {"wikidata": 2}


# --------------------------------------------------------------------------- the command line
def test_cli_builds_and_resumes(inputs, tmp_path, capsys):
    out = tmp_path / "world"
    args = ["world", "build", "--out", str(out), "--rdf", str(inputs["nt"]), "--passages", str(inputs["passages"])]
    assert cli.main([*args, "--no-index", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "built rdf:a.nt: 2 triples" in printed and "kgqa.json" in printed
    assert cli.main([*args, "--no-index", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--resume" in err and "--overwrite" in err
    assert cli.main([*args, "--no-index", "--no-progress", "--resume"]) == 0
    assert "kept  rdf:a.nt" in capsys.readouterr().out
    assert cli.main([*args, "--resume", "--overwrite"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_cli_bad_input_is_one_line_exit_2(inputs, tmp_path, capsys):
    bad = tmp_path / "src" / "bad.nt"
    bad.write_text(f"<{EX}a> <{EX}p> <{EX}b> .\n<{EX}a> <{EX}p>\n")
    assert cli.main(["world", "build", "--out", str(tmp_path / "w"), "--rdf", str(bad), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "bad.nt, line 2" in err and "Traceback" not in err
    (tmp_path / "x.csv").write_text("a,b,c\n")
    assert cli.main(["world", "build", "--out", str(tmp_path / "w2"), "--rdf", str(tmp_path / "x.csv")]) == 2
    assert "cannot tell the RDF format" in capsys.readouterr().err


def test_cli_default_builds_the_data_directory_world(data_dir, tmp_path, capsys):
    out = tmp_path / "world"
    assert cli.main(["world", "build", "--data-dir", str(data_dir), "--out", str(out), "--no-index"]) == 0
    printed = capsys.readouterr().out
    for step in ("fb15k237", "wordnet", "conceptnet", "squad: 3 passages"):
        assert step in printed
    assert PipelineConfig.load(out).passages == [str((out / "passages.jsonl").resolve())]


def test_cli_refusal_leaves_no_folder_in_data(data_dir, capsys):
    target = PROJECT_ROOT / "data" / "kgqa-test-world-refused"
    assert cli.main(["world", "build", "--data-dir", str(data_dir), "--out", str(target), "--no-index"]) == 2
    assert "outside the repository" in capsys.readouterr().err
    assert not target.exists()
