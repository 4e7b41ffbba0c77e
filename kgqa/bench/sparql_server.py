"""A real SPARQL server on loopback for the tests and benchmarks: Oxigraph's own server (PyPI ``oxigraph``).

:class:`OxigraphServer` starts ``oxigraph serve`` on 127.0.0.1 with a free port and a data folder,
waits until it answers, loads N-Quads into it (bulk-loaded with ``oxigraph load`` before the start,
or POSTed by the SPARQL 1.1 Graph Store Protocol while it runs) and stops it on exit.

Example:
    >>> with OxigraphServer(tmp / "db", nquads=[world_nq]) as server:        # doctest: +SKIP
    ...     kg = KnowledgeGraph.connect(server.query_url)
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from kgqa.errors import EndpointError, MissingDependencyError

logger = logging.getLogger(__name__)

INSTALL_HINT = 'pip install "oxigraph>=0.5,<0.6" (it is in kgqa[bench] and kgqa[dev])'


def oxigraph_binary() -> str:
    """The ``oxigraph`` server program: beside this Python's interpreter, else on ``PATH``.

    Raises:
        MissingDependencyError: it is not installed.
    """
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise MissingDependencyError(f"the oxigraph server program is not installed; {INSTALL_HINT}")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OxigraphServer:
    """``oxigraph serve`` on 127.0.0.1 over a data folder, as a context manager.

    Args:
        location: the server's data folder (created when missing).
        nquads: N-Quads files bulk-loaded (``oxigraph load``) before the server starts.
        read_only: serve with ``serve-read-only`` (no updates, no Graph Store POST).
        timeout_s: the server's own limit on each query, in seconds (Oxigraph holds a thread per query for up
            to that long, so a long limit under many small lookups exhausts its threads).
        start_timeout_s: how long to wait for the server to answer.
    """

    def __init__(
        self,
        location: str | Path,
        nquads: list[str | Path] | None = None,
        read_only: bool = False,
        timeout_s: float = 10.0,
        start_timeout_s: float = 30.0,
    ) -> None:
        self.location = Path(location)
        self.nquads = [Path(p) for p in nquads or []]
        self.read_only = read_only
        self.timeout_s = timeout_s
        self.start_timeout_s = start_timeout_s
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log = b""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return f"{self.base_url}/query"

    def _run(self, *args: str) -> None:
        done = subprocess.run([oxigraph_binary(), *args], capture_output=True, check=False)
        if done.returncode != 0:
            raise EndpointError(
                f"`oxigraph {' '.join(args)}` failed: {done.stderr.decode('utf-8', 'replace').strip()[-300:]}"
            )

    def start(self) -> OxigraphServer:
        """Bulk-load the N-Quads, start the server and wait until it answers a query.

        Raises:
            MissingDependencyError: the oxigraph program is not installed.
            EndpointError: loading failed, or the server exited or did not answer in time.
        """
        import urllib3

        self.location.mkdir(parents=True, exist_ok=True)
        for path in self.nquads:
            self._run("load", "--location", str(self.location), "--file", str(path), "--format", "nq")
        self.port = free_port()
        command = "serve-read-only" if self.read_only else "serve"
        args = [oxigraph_binary(), command, "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"]
        args += ["--timeout-s", str(int(self.timeout_s))]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        http = urllib3.PoolManager(retries=False)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = (self._process.stderr.read() if self._process.stderr else b"").decode("utf-8", "replace")
                raise EndpointError(f"the oxigraph server exited at start: {err.strip()[-300:]}")
            try:
                r = http.request("GET", self.query_url, fields={"query": "ASK {}"}, timeout=1.0)
                if r.status == 200:
                    logger.info("oxigraph server on %s (%s)", self.base_url, self.location)
                    return self
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise EndpointError(f"the oxigraph server on {self.base_url} did not answer within {self.start_timeout_s:g} s")

    def post_rdf(self, path: str | Path) -> None:
        """Add an RDF file to the running server by the Graph Store Protocol: quads as they are, triples to the default graph.

        Raises:
            EndpointError: the file's format is unknown, or the server refused it.
        """
        import pyoxigraph as ox
        import urllib3

        path = Path(path)
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt is None:
            raise EndpointError(f"cannot tell the RDF format of {path} from its extension; use .nq, .nt, .ttl or .rdf")
        target = f"{self.base_url}/store" + ("" if fmt.supports_datasets else "?default")
        r = urllib3.PoolManager().request(
            "POST", target, body=path.read_bytes(), headers={"Content-Type": fmt.media_type}, timeout=600
        )
        if r.status not in (200, 201, 204):
            raise EndpointError(f"the oxigraph server refused {path} (HTTP {r.status}): {r.data[:300]!r}")

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 5 s)."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stderr:
            self._process.stderr.close()
        self._process = None

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


__all__ = ["INSTALL_HINT", "OxigraphServer", "free_port", "oxigraph_binary"]
