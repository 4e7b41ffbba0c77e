"""Shared fixtures: the network is blocked for every test, tiny models and graphs are built once."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class NetworkBlocked(RuntimeError):
    """Raised when a test tries to open a network connection."""


@pytest.fixture(autouse=True)
def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any attempt to reach a non-loopback address."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address, *args, **kwargs):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
            return real_connect(self, address, *args, **kwargs)
        raise NetworkBlocked(f"test tried to reach {address!r}; kgqa must work offline")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(NetworkBlocked(str(a))))


@pytest.fixture(scope="session")
def data_root():
    """The shared data directory, or skip."""
    from kgqa.paths import data_dir

    root = data_dir()
    if root is None:
        pytest.skip("no data directory: set KGQA_DATA or place the datasets at ../shared/datasets")
    return root


@pytest.fixture(scope="session")
def league_kg(tmp_path_factory):
    """The mini world plus an invented league: 60 teams with one coach each (single-valued by the data,
    declared nothing) and 25 clubs with three members each, each member in three clubs (multi-valued)."""
    from kgqa.graph.kg import KnowledgeGraph

    lines = [
        "@prefix x: <http://league.example/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        'x:coach a owl:ObjectProperty ; rdfs:label "coach" .',
        'x:member a owl:ObjectProperty ; rdfs:label "member" .',
    ]
    names = ["Mara Holt", "Ivo Brant", "Lena Sorb", "Tomas Quill", "Rhea Vunt"]
    for i in range(60):
        lines.append(f'x:team{i} rdfs:label "Team {i}" ; x:coach x:person{i} .')
        first = names[i] if i < len(names) else f"Coach Nr {i}"
        lines.append(f'x:person{i} rdfs:label "{first}" .')
        # every member is in three clubs and every club has three members
        members = " , ".join(f"x:m{(i + j) % 60}" for j in range(3))
        lines.append(f'x:club{i} rdfs:label "Club {i}" ; x:member {members} .')
        lines.append(f'x:m{i} rdfs:label "Member {i}" .')
    path = tmp_path_factory.mktemp("league") / "league.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    mini = Path(__file__).resolve().parent / "checks" / "fixtures" / "mini_world.ttl"
    return KnowledgeGraph.load([root / "graphs" / "ontology.ttl", mini, path])
