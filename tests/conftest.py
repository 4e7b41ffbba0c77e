"""Shared fixtures: the network is blocked for every test, tiny models and graphs are built once."""

from __future__ import annotations

import os
import socket

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
