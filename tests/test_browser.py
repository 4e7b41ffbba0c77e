"""The HTML of answers and traces, opened in a real browser (headless Chromium driven by playwright).

The demo questions are asked of the shipped pipeline; each answer's page (``answer_html``) and its
trace's page (``trace_html``) is written to ``test-artifacts/browser/`` and opened from disk in
Debian's Chromium. The page must raise no console error or exception, request nothing but itself,
show each premise check once in its rendered text (the stages are folded), and draw the graph
inside the page. A full-page screenshot of each is kept next to the HTML.

Skipped when Chromium or playwright is missing (``apt-get install chromium``; ``pip install -e .[dev]``).
Playwright never downloads a browser here: it is given Debian's executable.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from kgqa.demo import DEMO_QUESTIONS
from kgqa.paths import models_dir
from kgqa.render import answer_html, html_document, trace_html
from kgqa.types import Answer

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# as root in a container: no sandbox, no GPU, and nothing that reaches out on its own
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1000, "height": 800}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(), reason=f"no Chromium at {CHROMIUM}: install Debian's `chromium` package"
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@pytest.fixture(scope="module")
def answers() -> list[Answer]:
    """The demo questions asked of the shipped pipeline."""
    if not all((models_dir() / name / "model.safetensors").is_file() for name in ("reader", "nli")):
        pytest.skip(f"the shipped models are missing under {models_dir()}; run `kgqa train` (see README)")
    from kgqa.pipeline import Pipeline

    pipe = Pipeline.load().warm_up()
    return [pipe.ask(question, premises=premises) for question, premises in DEMO_QUESTIONS]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A headless Chromium with a fresh profile, as a playwright browser context."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing: pip install -e .[dev]")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        try:
            yield context
        finally:
            context.close()


def _check_texts(answer: Answer, kind: str) -> set[str]:
    """The claims the page must show once: the answer's premises, and for a trace every recorded check."""
    texts = {p.text for p in answer.premises}
    if kind == "trace" and answer.trace is not None:
        for step in answer.trace.to_dict()["steps"]:
            if step["stage"] in ("premise_check", "causal_check"):
                texts |= {c["text"] for c in step["outputs"].get("checks", [])}
    return texts


def _has_graph(answer: Answer) -> bool:
    """Whether the answer holds any graph fact the page should draw."""
    d = answer.to_dict()
    evidence = d["evidence"] + [e for p in d["premises"] for e in p["evidence"]]
    steps = (d.get("trace") or {}).get("steps", [])
    return bool(
        d["graph_facts"]
        or any(e.get("triples") for e in evidence)
        or any(s["stage"] == "graph" and (s["outputs"].get("facts") or s["outputs"].get("paths")) for s in steps)
    )


def _open(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    """Open ``path``; return the page, its console errors and exceptions, and every other URL it asked for."""
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"exception: {e}"))

    def route(r: Any) -> None:
        if r.request.url != path.as_uri():
            requests.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    return page, errors, requests


def test_the_demo_has_graph_facts_to_draw(answers: list[Answer]) -> None:
    assert any(_has_graph(a) for a in answers), "no demo answer holds a graph fact: the drawing goes untested"


@pytest.mark.parametrize("kind", ["trace", "answer"])
@pytest.mark.parametrize("n", range(len(DEMO_QUESTIONS)), ids=[_slug(q) for q, _ in DEMO_QUESTIONS])
def test_demo_page_in_chromium(browser: Any, answers: list[Answer], n: int, kind: str) -> None:
    answer = answers[n]
    assert answer.trace is not None
    fragment = trace_html(answer.trace) if kind == "trace" else answer_html(answer)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = f"{n + 1:02d}-{_slug(answer.question)}-{kind}"
    path = ARTIFACTS / f"{name}.html"
    path.write_text(html_document(fragment, title=answer.question), encoding="utf-8")
    page, errors, requests = _open(browser, path)
    try:
        where = f"{kind} page of {answer.question!r} ({path})"
        assert errors == [], f"{where}: {errors}"
        assert requests == [], f"{where} asked for {requests}"
        # the rendered text: what a reader sees, folded stages excluded
        text = page.inner_text("body")
        assert answer.question in text, where
        claims = _check_texts(answer, kind)
        for claim in claims:
            assert text.count(claim) == 1, f"{where}: {claim!r} shown {text.count(claim)} times"
        assert page.locator(".kgqa-premise").count() == len(claims), where
        if answer.answer is None:  # no answer: nothing is shown as its span
            assert "Answer span" not in text, where

        svgs = page.locator(".kgqa-trace svg.kgqa-graph")
        assert svgs.count() == int(_has_graph(answer)), where
        if svgs.count():
            box, frame = svgs.first.bounding_box(), page.locator(".kgqa-trace").bounding_box()
            assert box and frame and box["width"] > 0 and box["height"] > 0, f"{where}: drawing box {box}"
            assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"], where
            assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"], where
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{where} overflows"

        shot = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 1000
    finally:
        page.close()
