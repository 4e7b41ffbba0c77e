"""The SPARQL endpoint backend on its own: the plain layout, bound values, the cache, retries, typed errors,
the config field and the CLI. Lookups shared with the other backends are in ``test_graph_backends.py``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, EndpointError, GraphError, InputError
from kgqa.graph import KnowledgeGraph
from kgqa.graph.endpoint import SparqlEndpoint, values_block

TOY = Path(__file__).resolve().parent / "fixtures" / "toy.ttl"
T = "http://toy.example/ns#"
E = "http://toy.example/e/"
ASK_TRUE = json.dumps({"head": {}, "boolean": True}).encode()


# ---------------------------------------------------------------- a scripted HTTP server for failure paths
class Scripted(ThreadingHTTPServer):
    """A loopback HTTP server answering each POST with the next (status, body) of its script."""

    def __init__(self, script: list[tuple[int, bytes]]) -> None:
        self.script = list(script)
        self.seen: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/query"


class _Handler(BaseHTTPRequestHandler):
    server: Scripted

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.server.seen.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
        status, body = self.server.script.pop(0) if self.server.script else (200, ASK_TRUE)
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted(request: pytest.FixtureRequest) -> Iterator[Scripted]:
    server = Scripted(getattr(request, "param", []))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# ---------------------------------------------------------------- the plain layout: any endpoint's default graph
def test_a_plain_endpoint_is_read_as_asserted_facts(plain_endpoint: str) -> None:
    kg = KnowledgeGraph.connect(plain_endpoint)
    memory = KnowledgeGraph.load([TOY], reason=False)
    assert len(kg) == len(memory) and len(kg._inferred) == 0
    assert kg.objects("http://toy.example/e/England", f"{T}capital") == [f"{E}London"]
    assert kg.subjects(f"{T}date", "1600") == [f"{E}Hamlet"]  # a literal found by its lexical form
    facts = kg.facts(f"{E}Hamlet", f"{T}author")
    assert [(f.object, f.inferred) for f in facts] == [(f"{E}Shakespeare", False)]
    assert facts[0].source.startswith("sparql:127.0.0.1:")
    assert kg.label(f"{E}Shakespeare") == "William Shakespeare"
    # nothing is inferred over a plain endpoint: the asserted type holds, the superclass is not derived
    assert kg.is_instance(f"{E}Shakespeare", f"{T}Playwright")[0]
    assert not kg.is_instance(f"{E}Shakespeare", f"{T}Person")[0]
    assert kg.query(f"ASK {{ <{E}Hamlet> <{T}author> ?a }}") == [{}]


# ---------------------------------------------------------------- values are bound, never pasted
def test_values_are_escaped_by_the_serialiser() -> None:
    from rdflib import Literal, URIRef

    block = values_block({"a": Literal('x" } ; DROP ALL #\n'), "b": URIRef(f"{E}Hamlet")})
    assert block == f'VALUES (?a ?b) {{ ("x\\" }} ; DROP ALL #\\n" <{E}Hamlet>) }}'
    with pytest.raises(GraphError, match="blank node"):
        values_block({"a": __import__("rdflib").BNode("b0")})
    with pytest.raises(ValueError):
        values_block({"a": URIRef("http://example.org/a b>")})


def test_an_injection_attempt_is_one_literal(toy_endpoint: str) -> None:
    kg = KnowledgeGraph.connect(toy_endpoint)
    assert kg.objects(f"{E}Hamlet", f'{T}author> ?x . ?y ?z "') == []
    assert kg.subjects(f"{T}author", '" } UNION { ?s ?p ?o } #') == []
    rows = kg.query("SELECT ?w WHERE { ?w t:author ?a }", {"a": '"} UNION {?w ?p ?o} #'})
    assert rows == []


# ---------------------------------------------------------------- the cache
def test_answers_are_cached_and_the_cache_is_bounded(toy_endpoint: str) -> None:
    kg = KnowledgeGraph.connect(toy_endpoint, cache_size=2)
    stats = kg._store.endpoint.stats
    kg.objects(f"{E}England", f"{T}capital")
    sent = stats["requests"]
    kg.objects(f"{E}England", f"{T}capital")
    assert stats["requests"] == sent and stats["cache_hits"] >= 1
    kg.objects(f"{E}Hamlet", f"{T}author")
    kg.objects(f"{E}Hamlet", f"{T}date")
    kg.objects(f"{E}England", f"{T}capital")  # pushed out of a 2-answer cache: asked again
    assert stats["requests"] > sent + 2
    uncached = KnowledgeGraph.connect(toy_endpoint, cache_size=0)
    uncached.objects(f"{E}England", f"{T}capital")
    uncached.objects(f"{E}England", f"{T}capital")
    assert uncached._store.endpoint.stats["cache_hits"] == 0


# ---------------------------------------------------------------- retries and typed errors
@pytest.mark.parametrize("scripted", [[(503, b"busy"), (502, b"busy")]], indirect=True)
def test_busy_answers_are_retried_with_backoff(scripted: Scripted) -> None:
    endpoint = SparqlEndpoint(scripted.url, retries=2, backoff_s=0.01)
    assert bool(endpoint.results("ASK {}")) is True and len(scripted.seen) == 3


@pytest.mark.parametrize("scripted", [[(503, b"busy")] * 5], indirect=True)
def test_retries_end_in_a_typed_error(scripted: Scripted) -> None:
    endpoint = SparqlEndpoint(scripted.url, retries=1, backoff_s=0.01)
    with pytest.raises(EndpointError, match=r"refused the query \(HTTP 503\): busy"):
        endpoint.results("ASK {}")
    assert len(scripted.seen) == 2


@pytest.mark.parametrize("scripted", [[(400, b"Parser error at line 1\nmore")]], indirect=True)
def test_a_refused_query_names_the_status_and_the_servers_reason(scripted: Scripted) -> None:
    with pytest.raises(EndpointError, match=r"HTTP 400\): Parser error at line 1$"):
        SparqlEndpoint(scripted.url, retries=3).results("ASK {}")
    assert len(scripted.seen) == 1  # a client error is not retried


@pytest.mark.parametrize("scripted", [[(200, b"<html>not sparql</html>")]], indirect=True)
def test_an_unreadable_answer_is_a_typed_error(scripted: Scripted) -> None:
    with pytest.raises(EndpointError, match="kgqa cannot read"):
        SparqlEndpoint(scripted.url).results("ASK {}")


@pytest.mark.parametrize(
    "scripted",
    [[(200, json.dumps({"head": {"vars": ["d"]}, "results": {"bindings": [
        {"d": {"type": "literal", "value": json.dumps({"version": 99})}}]}}).encode())]],
    indirect=True,
)  # fmt: skip
def test_an_export_of_another_version_is_refused(scripted: Scripted) -> None:
    with pytest.raises(EndpointError, match=r"version 99, this kgqa reads 1; export the graph again"):
        KnowledgeGraph.connect(scripted.url)


def test_an_unreachable_endpoint_is_a_typed_error() -> None:
    from kgqa.bench.sparql_server import free_port

    url = f"http://127.0.0.1:{free_port()}/query"
    with pytest.raises(EndpointError, match=r"cannot reach the SPARQL endpoint .* after 2 attempts.*server is running"):
        KnowledgeGraph.connect(url, retries=1)


@pytest.mark.parametrize(
    "url, kwargs, message",
    [
        ("ftp://example.org/sparql", {}, "not an http"),
        ("", {}, "non-empty"),
        ("http://127.0.0.1:1/query", {"retries": -1}, "retries must be"),
        ("http://127.0.0.1:1/query", {"timeout_s": 0}, "timeout_s must be"),
        ("http://127.0.0.1:1/query", {"cache_size": 1.5}, "cache_size must be"),
    ],
)
def test_bad_arguments_are_input_errors(url: str, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        KnowledgeGraph.connect(url, **kwargs)


def test_an_endpoint_graph_cannot_be_exported_again(toy_endpoint: str, tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="SPARQL endpoint"):
        KnowledgeGraph.connect(toy_endpoint).export_nquads(tmp_path / "again.nq")


# ---------------------------------------------------------------- export, config and CLI
def test_the_export_round_trips_through_a_gzip_file(tmp_path: Path) -> None:
    import pyoxigraph as ox

    kg = KnowledgeGraph.load([TOY])
    out = kg.export_nquads(tmp_path / "toy.nq.gz")
    store = ox.Store()
    import gzip

    with gzip.open(out, "rb") as fh:
        store.load(fh, format=ox.RdfFormat.N_QUADS)
    graphs = {str(q.graph_name.value) for q in store}
    assert "urn:kgqa:file:toy.ttl" in graphs and "urn:kgqa:inferred:transitive" in graphs and "urn:kgqa:meta" in graphs
    facts = sum(1 for q in store if not q.graph_name.value.startswith("urn:kgqa:meta"))
    assert facts == len(kg) + len(kg._inferred)


def test_config_graph_endpoint_is_checked() -> None:
    assert PipelineConfig(graph_endpoint="http://127.0.0.1:7878/query").graph_endpoint.endswith("/query")
    with pytest.raises(ConfigError, match="graph_endpoint must be an http"):
        PipelineConfig(graph_endpoint="127.0.0.1:7878")
    with pytest.raises(ConfigError, match="both set"):
        PipelineConfig(graph_endpoint="http://127.0.0.1:7878/query", graph_store="/tmp/store")


def test_cli_sparql_options(toy_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kgqa.cli import _config, build_parser, main

    ns = build_parser().parse_args(["ask", "--sparql", toy_endpoint, "Who wrote Hamlet?"])
    assert _config(ns).graph_endpoint == toy_endpoint and _config(ns).graph_store is None
    assert (
        main(["graph", "query", "--sparql", toy_endpoint, "--json", "SELECT ?c WHERE { e:England t:capital ?c }"]) == 0
    )
    assert json.loads(capsys.readouterr().out) == [{"c": f"{E}London"}]
    code = main(["ask", "--sparql", toy_endpoint, "--graph-store", str(tmp_path), "Who wrote Hamlet?"])
    err = capsys.readouterr().err
    assert code == 2 and "give one of --graph, --graph-store and --sparql" in err and err.count("\n") == 1
    code = main(["graph", "query", "--sparql", "http://127.0.0.1:1/query", "ASK {}"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the SPARQL endpoint" in err and "Traceback" not in err
    assert main(["graph", "export", str(tmp_path / "toy.nq"), "--graph", str(TOY)]) == 0
    assert "urn:kgqa:meta" in (tmp_path / "toy.nq").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the linker's names catalogue for an endpoint
def test_an_endpoint_catalogue_is_written_once_and_links_as_in_memory(toy_endpoint: str, tmp_path: Path) -> None:
    from kgqa.graph import EntityLinker

    path = tmp_path / "names.sqlite"
    first = KnowledgeGraph.connect(toy_endpoint, catalogue=path)
    assert path.is_file() and first.catalogue() is not None
    written = path.stat().st_mtime_ns
    again = KnowledgeGraph.connect(toy_endpoint, catalogue=path)
    assert path.stat().st_mtime_ns == written  # reused, not rewritten
    memory = EntityLinker(KnowledgeGraph.load([TOY]))
    remote = EntityLinker(again)
    for text in ["Did the Bard write Hamlet?", "Shakspeare was born in London", "Which writers lived in England?"]:
        assert remote.find_mentions(text, classes=True) == memory.find_mentions(text, classes=True), text
    assert remote.resolve("Shakspeare") == memory.resolve("Shakspeare")
    with pytest.raises(ConfigError, match="set graph_endpoint too"):
        PipelineConfig(graph_catalogue=str(path))
    with pytest.raises(InputError, match="unknown option"):
        KnowledgeGraph.connect(toy_endpoint, retry=2)
