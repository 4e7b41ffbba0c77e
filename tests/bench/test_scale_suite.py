"""``kgqa bench scale`` at tiny sizes, its option parsing, and the graph and vector data it generates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kgqa.bench import cli, scale_graph, scale_suite, scale_vectors
from kgqa.bench.report import REQUIRED_KEYS
from kgqa.errors import ConfigError, DataNotFoundError, MissingDependencyError

PNG = b"\x89PNG\r\n\x1a\n"


def _bench(argv: list[str]) -> dict:
    assert cli.main(argv) == 0
    out = argv[argv.index("--out") + 1]
    return json.loads(Path(out, "results.json").read_text())


def _tiny_world(folder: Path) -> Path:
    """A world folder of 6 labelled people, 2 classes and 8 facts (32 triples), with a kgqa.json."""
    ex, rdf = "http://example.org/", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    rdfs, owl = "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2002/07/owl#"
    lines = [
        f"<{ex}Person> <{rdf}type> <{owl}Class> .",
        f'<{ex}Person> <{rdfs}label> "person"@en .',
        f"<{ex}Painter> <{rdfs}subClassOf> <{ex}Person> .",
        f'<{ex}Painter> <{rdfs}label> "painter"@en .',
        f"<{ex}knows> <{rdf}type> <{owl}ObjectProperty> .",
        f'<{ex}knows> <{rdfs}label> "knows"@en .',
    ]
    names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Emmy Noether", "Kurt Goedel", "Marie Curie"]
    for i, name in enumerate(names):
        lines += [f"<{ex}p{i}> <{rdf}type> <{ex}Painter> .", f'<{ex}p{i}> <{rdfs}label> "{name}"@en .']
        lines += [f'<{ex}p{i}> <{rdfs}comment> "person number {i}"@en .']
        lines += [f"<{ex}p{i}> <{ex}knows> <{ex}p{(i + 1) % 6}> ."]
    lines += [f"<{ex}p0> <{ex}knows> <{ex}p3> .", f"<{ex}p2> <{ex}knows> <{ex}p5> ."]
    folder.mkdir()
    (folder / "people.nt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "kgqa.json").write_text(json.dumps({"graphs": ["people.nt"]}), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the suite end to end
def test_scale_suite_tiny_sizes(tmp_path):
    out = tmp_path / "scale"
    res = _bench(
        ["scale", "--sizes", "1k", "--vector-sizes", "2k", "--backends", "memory,oxigraph"]
        + ["--vector-backends", "flat,hnsw", "--claims", "8", "--queries", "20", "--out", str(out)]
    )
    for key in REQUIRED_KEYS:
        assert key in res, key
    assert res["suite"] == "scale" and res["n"] == 4 and res["skipped"] == 0
    assert res["data"]["graph"]["world"] is None and "synthetic" in res["data"]["vectors"]
    for backend in ("memory", "oxigraph"):
        row = res["graph"][backend]["1000"]
        assert row["triples"] == row["synthetic_triples"] == row["asserted"] == 1000 and row["real_triples"] == 0
        assert row["claims"] == 8 and row["peak_rss_mb"] >= row["baseline_rss_mb"] > 0
        assert 0 < row["check_p50_ms"] <= row["check_p95_ms"] and row["load_s"] > 0
        # every true claim is a fact of the graph, so the graph-side check supports it
        assert row["true_claims"] == {"supported": 4}
        assert "supported" not in row["false_claims"]
    assert res["graph"]["oxigraph"]["1000"]["store_bytes"] > 0 and res["graph"]["oxigraph"]["1000"]["load"] == "open"
    flat, hnsw = res["vectors"]["flat"]["2000"], res["vectors"]["hnsw"]["2000"]
    assert flat["recall_at_10"] == 1.0 and flat["bytes_per_passage"] == pytest.approx(384 * 4, abs=1)
    assert hnsw["recall_at_10"] >= 0.9 and hnsw["bytes_per_passage"] > flat["bytes_per_passage"]
    for row in (flat, hnsw):
        assert row["queries"] == 20 and row["search_p95_ms"] >= row["search_p50_ms"] > 0 and row["build_s"] > 0
        assert row["search_threads"] == 1
    assert set(res["plots"]) == {
        "graph_load_time.png",
        "graph_memory.png",
        "graph_check_latency.png",
        "vector_recall_latency.png",
    }
    for plot in res["plots"]:
        assert (out / plot).read_bytes()[:8] == PNG
    assert (out / "results.md").read_text().startswith("# kgqa bench `scale`")


def test_scale_suite_sparql_backend(tmp_path):
    from kgqa.bench.sparql_server import oxigraph_binary

    try:
        oxigraph_binary()
    except MissingDependencyError:
        pytest.skip("the oxigraph server program is not installed")
    out = tmp_path / "scale"
    res = _bench(
        ["scale", "--only", "graph", "--sizes", "500", "--backends", "sparql", "--claims", "4", "--out", str(out)]
    )
    row = res["graph"]["sparql"]["500"]
    assert "skipped" not in row, row.get("skipped")
    assert row["load"] == "connect" and row["asserted"] == 500 and row["true_claims"] == {"supported": 2}
    assert row["server_load_s"] > 0 and row["catalogue_s"] > 0 and res["vectors"] == {}


def test_scale_suite_with_a_world_says_what_is_real(tmp_path):
    world = _tiny_world(tmp_path / "world")
    out = tmp_path / "scale"
    res = _bench(
        ["scale", "--only", "graph", "--world", str(world), "--sizes", "20,200", "--backends", "memory"]
        + ["--claims", "4", "--out", str(out)]
    )
    small, large = res["graph"]["memory"]["20"], res["graph"]["memory"]["200"]
    assert small["real_triples"] == 20 and small["synthetic_triples"] == 0
    assert large["real_triples"] == 32 and large["synthetic_triples"] == 168 and large["asserted"] == 200
    assert res["data"]["graph"]["world_files"] == ["people.nt"] and res["data"]["graph"]["world_triples"] == 32
    assert res["data"]["file"].startswith("world (world) + synthetic")


# --------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "args, message",
    [
        (["--sizes", "0"], "--sizes takes positive sizes"),
        (["--sizes", "10k,-5"], "--sizes takes positive sizes"),
        (["--vector-sizes", "lots"], "--vector-sizes takes positive sizes"),
        (["--backends", "memory,neo4j"], "unknown backend 'neo4j'"),
        (["--vector-backends", "annoy"], "unknown backend 'annoy'"),
        (["--claims", "1"], "--claims must be at least 2"),
        (["--timeout", "0"], "--timeout must be a positive number"),
        (["--search-threads", "-1"], "--search-threads must be 0"),
        (["--world", "/nonexistent/world"], "no world folder at /nonexistent/world"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, args, message):
    assert cli.main(["scale", *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_parse_sizes_and_backends():
    assert scale_suite.parse_sizes("10k,300k,3M", "--sizes") == [10_000, 300_000, 3_000_000]
    assert scale_suite.parse_sizes("2000, 1.5k,2k", "--sizes") == [1500, 2000]
    for bad in ("", "0", "1.5", "3X", "k", "10k,,20k"):
        with pytest.raises(ConfigError):
            scale_suite.parse_sizes(bad, "--sizes")
    assert scale_suite.parse_backends("hnsw,flat,hnsw", scale_suite.VECTOR_BACKENDS, "-") == ["hnsw", "flat"]
    with pytest.raises(ConfigError, match="unknown backend ''"):
        scale_suite.parse_backends("flat,", scale_suite.VECTOR_BACKENDS, "--vector-backends")


# --------------------------------------------------------------------------- isolated measurements
def test_run_isolated_records_failures_and_timeouts(tmp_path):
    failed = scale_suite.run_isolated(scale_graph.world_files, {"world": tmp_path / "none"}, 60, tmp_path)
    assert failed["skipped"].startswith("DataNotFoundError: no world folder at")
    late = scale_suite.run_isolated(scale_graph.world_files, {"world": tmp_path}, 0.001, tmp_path)
    assert late == {"skipped": "timed out after 0 s"}


# --------------------------------------------------------------------------- generated graphs
def test_real_world_sample_keeps_the_names_of_its_facts(tmp_path):
    world = scale_graph.RealWorld(_tiny_world(tmp_path / "world"))
    assert len(world) == 32 and len(world.facts) == 8
    chosen = world.select(20, seed=0)
    assert len(chosen) == 20 and chosen == sorted(chosen)
    triples = [world.triples[i] for i in chosen]
    facts = [t for t in triples if scale_graph.is_fact(t[1], t[2])]
    assert facts
    for node in {x for s, p, o in facts for x in (s, p, o)}:
        assert any(s == node and p == scale_graph.RDFS_LABEL for s, p, _ in triples), node
    assert world.select(10_000, seed=0) == list(range(32))
    claims = world.claims(world.select(32, 0), 4, seed=0)
    assert [c.true for c in claims] == [True, False, True, False] and all(c.real for c in claims)
    assert all(c.text.endswith(".") and " knows " in c.text for c in claims)


def test_real_world_files_of_the_same_stem_stay_apart(tmp_path):
    world = _tiny_world(tmp_path / "world")
    ex = "http://example.org/"
    (world / "people.ttl").write_text(f'<{ex}p9> <http://www.w3.org/2000/01/rdf-schema#label> "Nine" .\n')
    (world / "kgqa.json").write_text(json.dumps({"graphs": ["people.nt", "people.ttl"]}))
    real = scale_graph.RealWorld(world)
    assert real.out_names == ["people.nt", "1-people.nt"] and len(real) == 33
    files = real.write(list(range(len(real))), tmp_path / "out")
    assert [f.name for f in files] == ["people.nt", "1-people.nt"]
    assert len(files[0].read_text().splitlines()) == 32 and "Nine" in files[1].read_text()


def test_world_files_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="no world folder"):
        scale_graph.world_files(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataNotFoundError, match="holds no RDF files"):
        scale_graph.world_files(tmp_path / "empty")
    (tmp_path / "empty" / "kgqa.json").write_text('{"graphs": ["gone.nt"]}')
    with pytest.raises(DataNotFoundError, match="missing graph files"):
        scale_graph.world_files(tmp_path / "empty")


def test_synthetic_graph_has_exact_size_unique_names_and_claims(tmp_path):
    count, claims = scale_graph.write_synthetic(tmp_path / "syn.nt", 5000, 10, seed=3)
    lines = (tmp_path / "syn.nt").read_text().splitlines()
    assert count == len(lines) == 5000
    assert len(claims) == 10 and sum(c.true for c in claims) == 5
    fact_lines = {tuple(line[:-2].split(" ", 2)) for line in lines}
    for c in claims:
        assert ((c.subject, c.predicate, c.object) in fact_lines) == c.true
    names = {scale_graph.entity_name(i, 3) for i in range(50_000)}
    assert len(names) == 50_000
    assert scale_graph.entity_name(7, 3) != scale_graph.entity_name(7, 4)


# --------------------------------------------------------------------------- generated vectors
def test_synthetic_vectors_on_disk_match_in_memory_and_exact_search(tmp_path):
    x, q = scale_vectors.synthetic_vectors(3000, 16, 20, seed=1)
    y, r = scale_vectors.synthetic_vectors(3000, 16, 20, seed=1, out=tmp_path / "x.npy")
    assert np.array_equal(x, np.load(tmp_path / "x.npy")) and np.array_equal(q, r)
    assert np.allclose(np.linalg.norm(x, axis=1), 1, atol=1e-5)
    exact = scale_vectors.exact_top_k(x, q, 10)
    brute = np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :10]
    assert exact.shape == (20, 10) and all(set(a) == set(b) for a, b in zip(exact, brute, strict=True))
