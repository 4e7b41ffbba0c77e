"""Text and HTML rendering of answers and traces, on hand-built objects (no models)."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kgqa.render import answer_html, answer_text, premise_html, premise_text, subgraph_svg, trace_html, trace_text
from kgqa.trace import Step, Trace
from kgqa.types import Answer, Evidence, PremiseCheck, Triple

FIXTURE = Path(__file__).parent / "fixtures" / "trace_shakespeare.json"
EX = "http://example.org/kgqa/"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Balance(HTMLParser):
    """Checks that every opened tag is closed in order (void and self-closed ones excepted)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def check_html(doc: str) -> _Balance:
    """Assert the fragment is balanced, self-contained and wrapped in one ``kgqa-trace`` div."""
    p = _Balance()
    p.feed(doc)
    p.close()
    assert not p.errors, p.errors
    assert not p.stack, f"unclosed: {p.stack}"
    assert p.tags[0] == ("div", {"class": "kgqa-trace"})
    assert doc.endswith("</div>")
    low = doc.lower()
    assert "<script" not in low
    assert "@import" not in low and "url(" not in low.replace("url(#kgqa-arrow", "")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", low)
    assert all(tag not in ("link", "img", "iframe", "object") for tag, _ in p.tags)
    return p


def test_balance_checker_catches_unclosed_tags() -> None:
    with pytest.raises(AssertionError):
        check_html('<div class="kgqa-trace"><details><summary>x</summary></div>')
    with pytest.raises(AssertionError):
        check_html('<div class="kgqa-trace"><b><i>x</b></i></div>')


# ----------------------------------------------------------------------------- fixtures


def _t(s: str, p: str, o: str, sl: str, pl: str, ol: str) -> Triple:
    return Triple(EX + s, EX + p, EX + o, sl, pl, ol, "graphs/world.ttl")


TYPE = _t("Shakespeare", "type", "Playwright", "William Shakespeare", "type", "playwright")
SUB = _t("Playwright", "subClassOf", "Writer", "playwright", "subClassOf", "writer")
AUTHOR = _t("Hamlet", "author", "Shakespeare", "Hamlet", "author", "William Shakespeare")


@pytest.fixture
def trace() -> Trace:
    return Trace.from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


@pytest.fixture
def answer(trace: Trace) -> Answer:
    passage = "Hamlet is a tragedy <i>written</i> by William Shakespeare & others."
    start = passage.index("William Shakespeare")
    contradicted = PremiseCheck(
        "Shakespeare was not a writer.",
        "contradicted",
        0.97,
        (Evidence("path", "contradicts", "type path", 1.0, triples=(TYPE, SUB)),),
        correction="William Shakespeare is a writer.",
        rule="kg_type_path",
    )
    supported = PremiseCheck(
        "Hamlet exists.",
        "supported",
        0.88,
        (
            Evidence(
                "passage",
                "supports",
                passage,
                0.9,
                "p9",
                start,
                start + 19,
                nli={"entailment": 0.9, "neutral": 0.06, "contradiction": 0.04},
            ),
        ),
        source="presupposed",
    )
    unknown = PremiseCheck("Hamlet was written in 1700.", "unknown", 0.4)
    return Answer(
        "Did Shakespeare write Hamlet?",
        "yes",
        "premise_rejected",
        0.93,
        evidence=[Evidence("passage", "supports", passage, 0.9, "p9", start, start + 19)],
        premises=[contradicted, supported, unknown],
        graph_facts=[AUTHOR, TYPE],
        trace=trace,
    )


def _marks(doc: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", doc, flags=re.S)]


# ----------------------------------------------------------------------------- HTML


def test_trace_html_structure(trace: Trace) -> None:
    doc = trace_html(trace)
    p = check_html(doc)
    assert doc == trace._repr_html_()
    # summary before the stages, one <details> per step with its time in the <summary>
    assert doc.index("premise_rejected") < doc.index("<details")
    assert doc.count("<details") == len(trace.steps)
    for step, summary in zip(trace.steps, re.findall(r"<summary>(.*?)</summary>", doc), strict=True):
        assert f">{step.stage}<" in summary
        assert f"{step.ms:.1f} ms" in summary
    assert ("style", {}) in p.tags
    assert "kgqa-badge kgqa-contradicted" in doc and "kgqa-badge kgqa-supported" in doc
    assert "kgqa-badge kgqa-unknown" in doc
    assert "width:91.0%" in doc  # NLI bars


def test_css_is_scoped(trace: Trace) -> None:
    css = re.search(r"<style>(.*?)</style>", trace_html(trace), flags=re.S).group(1)
    selectors = [sel.strip() for rule in re.findall(r"([^{}]+)\{", css) for sel in rule.split(",")]
    assert selectors and all(sel.startswith(".kgqa-trace") for sel in selectors), selectors


def test_answer_span_is_marked_in_its_passage(trace: Trace) -> None:
    doc = trace_html(trace)
    marks = _marks(doc)
    assert marks and set(marks) <= {"William Shakespeare", "Shakespeare"}
    # text on both sides of the span is escaped separately
    assert "&amp; first performed &lt;c. 1602&gt;." in doc
    assert "<c. 1602>" not in doc


def test_mark_uses_character_offsets() -> None:
    text = "<b>Tom</b> met Tom & Jerry."
    start = text.index("Tom &")
    t = Trace("Who met?")
    with t.stage("retrieval") as s:
        s.outputs["hits"] = [{"passage": {"id": "x", "title": "T", "text": text}, "score": 1.0, "rank": 1}]
    with t.stage("reader") as s:
        s.outputs["spans"] = [{"passage_id": "x", "text": "Tom", "start": start, "end": start + 3, "score": 0.5}]
    doc = trace_html(t)
    check_html(doc)
    assert _marks(doc) and set(_marks(doc)) == {"Tom"}
    assert "&lt;b&gt;Tom&lt;/b&gt; met <mark>Tom</mark> &amp; Jerry." in doc


def test_user_text_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    t = Trace(f"Is {evil} safe?", premises=[evil])
    with t.stage("retrieval") as s:
        s.outputs["hits"] = [{"passage": {"id": evil, "title": evil, "text": f"a {evil} b"}, "score": 1}]
    with t.stage(evil, **{evil: evil}) as s:
        s.outputs[evil] = [evil]
    t.decision = {"verdict": evil, "answer": evil, "confidence": 0.5}
    for doc in (
        trace_html(t),
        answer_html(
            Answer(
                evil,
                evil,
                evil,
                0.1,
                premises=[PremiseCheck(evil, evil, 0)],
                graph_facts=[Triple(evil, evil, evil, evil, evil, evil)],
                trace=t,
            )
        ),
    ):
        check_html(doc)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc


def test_answer_html(answer: Answer) -> None:
    doc = answer_html(answer)
    assert doc == answer._repr_html_()
    check_html(doc)
    assert doc.index("premise_rejected") < doc.index("<details")
    assert "William Shakespeare" in _marks(doc)
    assert "&lt;i&gt;written&lt;/i&gt;" in doc and "&amp; others." in doc
    assert "Correction: William Shakespeare is a writer." in doc
    assert "<svg" in doc and "kgqa-edge kgqa-hl" in doc
    for label in ("Hamlet", "William Shakespeare", "playwright", "writer"):
        assert f">{label}</text>" in doc


def test_premise_html_badges() -> None:
    for status, colour in (("supported", "#1a7f37"), ("contradicted", "#cf222e"), ("unknown", "#6e7781")):
        doc = premise_html(PremiseCheck(f"claim {status}", status, 0.5))
        assert f'<span class="kgqa-badge kgqa-{status}">{status}</span>' in doc
        assert colour in trace_html(Trace("q"))  # the colour is defined in the stylesheet
        p = _Balance()
        p.feed(doc)
        assert not p.errors and not p.stack


# ----------------------------------------------------------------------------- SVG


def test_subgraph_svg_is_xml_with_every_label() -> None:
    facts = [AUTHOR, TYPE, SUB, Triple(EX + "A&B", EX + "r", EX + "A&B", "A & <B>", "self", "A & <B>")]
    svg = subgraph_svg(facts, highlight=[TYPE, SUB])
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    texts = {t.text for t in root.iter(f"{ns}text")}
    assert {"Hamlet", "William Shakespeare", "playwright", "writer", "A & <B>"} <= texts
    assert {"author", "type", "subClassOf", "self"} <= texts
    markers = {m.get("id") for m in root.iter(f"{ns}marker")}
    assert len(markers) == 2
    edges = [g for g in root.iter(f"{ns}g") if "kgqa-edge" in g.get("class", "")]
    assert len(edges) == 4
    assert sum("kgqa-hl" in g.get("class", "") for g in edges) == 2
    for g in edges:
        assert g.find(f"{ns}path").get("marker-end").strip("url(#)") in markers


def test_subgraph_svg_accepts_dicts_tuples_and_cycles() -> None:
    svg = subgraph_svg([("ex:a", "ex:p", "ex:b"), ("ex:b", "ex:q", "ex:a"), AUTHOR.to_dict(), {"bad": 1}, None])
    root = ET.fromstring(svg)
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"a", "b", "p", "q", "Hamlet"} <= texts
    assert subgraph_svg([]) == ""


# ----------------------------------------------------------------------------- text


def test_answer_text(answer: Answer) -> None:
    text = answer_text(answer)
    lines = text.splitlines()
    assert lines[0] == "Q: Did Shakespeare write Hamlet?"
    assert lines[1] == "A: yes   [premise_rejected, confidence 0.93]"
    assert "Premises:" in lines and "Trace:" in lines
    assert lines.index("Premises:") < lines.index("Trace:")
    assert "  ✗ contradicted  Shakespeare was not a writer.   (0.97)" in lines
    assert any(line.startswith("  ✓ supported ") for line in lines)
    assert any(line.startswith("  ? unknown ") for line in lines)
    assert "      graph: William Shakespeare —type→ playwright —subClassOf→ writer  [contradicts]" in lines
    assert "«William Shakespeare»" in text
    assert "\x1b" not in text
    assert "\x1b[31m" in answer_text(answer, color=True)


def test_trace_text_is_aligned(trace: Trace) -> None:
    text = trace_text(trace)
    assert text == trace.to_text() == str(trace)
    lines = text.splitlines()
    stage_lines = lines[lines.index("Trace:") + 1 :]
    assert len(stage_lines) == len(trace.steps) + 1  # + total
    assert stage_lines[0].startswith("  question_analysis   0.4 ms  type=yes_no")
    columns = {line.index(" ms") for line in stage_lines}
    assert len(columns) == 1, stage_lines
    assert "premise_rejected" in lines[1]
    assert any("✗ contradicted" in line for line in lines)


def test_premise_text() -> None:
    check = PremiseCheck(
        "Paris is in France.",
        "supported",
        0.9,
        (Evidence("triple", "supports", "", triples=(Triple("ex:Paris", "ex:in", "ex:France"),)),),
    )
    assert premise_text(check).splitlines() == [
        "✓ supported     Paris is in France.   (0.90)",
        "    graph: Paris —in→ France  [supports]",
    ]
    assert premise_text(check.to_dict()) == premise_text(check)


# ----------------------------------------------------------------------------- robustness


def _odd_trace() -> Trace:
    steps = [
        Step(stage)
        for stage in (
            "question_analysis",
            "premises",
            "retrieval",
            "reader",
            "nli",
            "entity_linking",
            "graph",
            "premise_check",
            "causal_check",
            "decision",
        )
    ]
    steps += [
        Step("retrieval", outputs={"hits": [{"score": "n/a"}, {"passage": None}, "junk", {"passage": {"id": 3}}]}),
        Step("reader", outputs={"spans": [{"text": "zz", "start": 50, "end": 2, "passage_id": "nope"}, {}]}),
        Step("nli", outputs={"checks": [{"probs": {"entailment": "x", "neutral": None}}, {"probs": [1, 2]}]}),
        Step("graph", outputs={"facts": [{"subject": "s"}, ("a", "b", "c"), 5], "paths": [[None], "x"]}),
        Step("premise_check", outputs={"checks": [{"status": "supported"}, {"text": "t", "evidence": [{"x": 1}]}]}),
        Step("retrieval", outputs={"hits": {"not": "a list"}}),
        Step("decision", outputs={"confidence": None}),
        Step(
            "rerank",
            inputs={"k": 3},
            outputs={"scores": [0.1, 0.2], "model": "tiny", "nested": {"a": {"b": 1}}, "temperature": 0.123456},
            ms=7.0,
        ),
    ]
    return Trace("odd?", steps=steps, decision={"verdict": "answered"})


def test_unknown_stages_and_missing_keys_do_not_crash() -> None:
    t = _odd_trace()
    doc = trace_html(t)
    check_html(doc)
    assert doc.count("<details") == len(t.steps)
    # the unknown stage is a key/value table
    assert re.search(r"<th>model</th><td>tiny</td>", doc)
    assert "<th>temperature</th><td>0.123</td>" in doc
    assert "<th>k</th><td>3</td>" in doc
    text = trace_text(t)
    assert "rerank" in text and "model=tiny" in text
    check_html(answer_html(Answer("odd?", None, "no_answer", float("nan"), trace=t)))
    assert "A: —   [no_answer, confidence —]" in answer_text(Answer("odd?", None, "no_answer", float("nan"), trace=t))


def test_empty_trace() -> None:
    t = Trace("Who wrote Hamlet?")
    check_html(trace_html(t))
    assert trace_text(t) == "Q: Who wrote Hamlet?"
    check_html(answer_html(Answer("Who wrote Hamlet?", None, "no_answer", 0.0)))


def test_trace_round_trip_renders_the_same(trace: Trace) -> None:
    again = Trace.from_dict(json.loads(trace.to_json()))
    assert trace_html(again) == trace_html(trace)
    assert trace_text(again) == trace_text(trace)


# ----------------------------------------------------------------------------- display faults (issue 17)

PASSAGE = "Hamlet is a tragedy written by William Shakespeare around 1600."


def _checked_trace(answer: str | None, *, causal_repeats: bool = True, second_claim: str | None = None) -> Trace:
    """A trace shaped like the pipeline's: the causal stage lists again the presupposition it also checked."""
    claim = {
        "text": "Marlowe did write Hamlet",
        "status": "contradicted",
        "confidence": 0.95,
        "source": "presupposed",
        "evidence": [{"kind": "triple", "stance": "contradicts", "text": "", "triples": [AUTHOR.to_dict()]}],
    }
    checks = [claim] + ([{**claim, "text": second_claim, "status": "unknown"}] if second_claim else [])
    t = Trace("Why did Marlowe write Hamlet?")
    with t.stage("retrieval") as s:
        s.outputs["hits"] = [{"passage": {"id": "p1", "title": "Hamlet", "text": PASSAGE}, "score": 0.8, "rank": 1}]
    with t.stage("reader") as s:
        start = PASSAGE.index("a tragedy")
        s.outputs["spans"] = [{"passage_id": "p1", "text": "a tragedy", "start": start, "end": start + 9, "score": 7.5}]
    with t.stage("premise_check") as s:
        s.outputs["checks"] = checks
    with t.stage("causal_check") as s:
        s.outputs["checks"] = [claim] if causal_repeats else []
    verdict = "premise_rejected" if answer is None else "answered"
    t.decision = {"verdict": verdict, "answer": answer, "confidence": 0.95}
    return t


def _premise_blocks(doc: str) -> list[str]:
    return re.findall(r'<div class="kgqa-premise kgqa-st-\w+">.*?</div>', doc, flags=re.S)


def test_a_check_repeated_by_the_causal_stage_is_shown_once() -> None:
    t = _checked_trace(None)
    doc = trace_html(t)
    check_html(doc)
    blocks = _premise_blocks(doc)
    assert len(blocks) == 1 and "Marlowe did write Hamlet" in blocks[0]
    assert trace_text(t).count("Marlowe did write Hamlet") == 1
    # the answer's page agrees: its premises come from the same check
    answer = Answer(
        t.question,
        None,
        "premise_rejected",
        0.95,
        premises=[PremiseCheck.from_dict(t.steps[2].outputs["checks"][0])],
        trace=t,
    )
    assert len(_premise_blocks(answer_html(answer))) == 1


def test_distinct_checks_are_all_shown() -> None:
    t = _checked_trace(None, second_claim="Marlowe wrote plays")
    blocks = _premise_blocks(trace_html(t))
    assert len(blocks) == 2
    assert "Marlowe did write Hamlet" in blocks[0] and "Marlowe wrote plays" in blocks[1]
    # a check only the causal stage holds is shown too
    only_causal = _checked_trace(None)
    only_causal.steps[2].outputs["checks"] = []
    assert len(_premise_blocks(trace_html(only_causal))) == 1


def test_no_answer_span_without_an_answer() -> None:
    doc = trace_html(_checked_trace(None))
    check_html(doc)
    assert "Answer span" not in doc
    retrieval = re.search(r"<details><summary><span class=\"kgqa-stage\">retrieval</span>.*?</details>", doc, re.S)
    assert retrieval and "<mark>" not in retrieval.group(0)
    # the reader stage still shows what the reader proposed
    reader = re.search(r"<details><summary><span class=\"kgqa-stage\">reader</span>.*?</details>", doc, re.S)
    assert reader and "<mark>a tragedy</mark>" in reader.group(0)


def test_an_answered_question_shows_its_span() -> None:
    doc = trace_html(_checked_trace("a tragedy"))
    check_html(doc)
    assert "Answer span" in doc
    head = doc[doc.index("Answer span") : doc.index("<h4>Premises")]
    assert _marks(head) == ["a tragedy"]


def test_the_answer_span_is_the_span_that_gave_the_answer() -> None:
    t = _checked_trace("William Shakespeare")
    start = PASSAGE.index("William Shakespeare")
    t.steps[1].outputs["spans"].append(
        {"passage_id": "p1", "text": "William Shakespeare", "start": start, "end": start + 19, "score": 2.0}
    )
    doc = trace_html(t)
    head = doc[doc.index("Answer span") : doc.index("<h4>Premises")]
    assert _marks(head) == ["William Shakespeare"]  # not the higher-scored "a tragedy"


# ----------------------------------------------------------------------------- layout


def test_layers_are_longest_paths_and_cycles_are_broken() -> None:
    from kgqa.render.graph_svg import layers

    # a -> b -> c and a -> c: c sits after b, not beside it
    assert layers(["a", "b", "c"], [("a", "b"), ("b", "c"), ("a", "c")]) == {"a": 0, "b": 1, "c": 2}
    # a cycle is broken at the edge that comes back to where the search started
    assert layers(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")]) == {"a": 0, "b": 1, "c": 2}
    # a source feeding a cycle stays first; self-loops do not move a node
    assert layers(["x", "a", "b"], [("a", "b"), ("b", "a"), ("x", "a"), ("b", "b")]) == {"x": 0, "a": 1, "b": 2}
    # disconnected nodes all start in the first column
    assert layers(["a", "b"], []) == {"a": 0, "b": 0}


def test_the_graph_stage_line_names_the_path_taken_or_not_taken() -> None:
    chosen = {"chosen": {"text": "author ; place of birth", "score": 0.7125}, "threshold": 0.5927}
    taken = Trace("q", steps=[Step("graph", outputs={"facts": [{}, {}], "relation_path": chosen})])
    assert "2 facts, path 'author ; place of birth' 0.713 (threshold 0.593)" in trace_text(taken)
    low = {"chosen": {"text": "film actor film", "score": 0.5011}, "threshold": 0.5927, "why": "under"}
    refused = Trace("q", steps=[Step("graph", outputs={"facts": [], "path_not_taken": low})])
    assert "0 facts, path not taken 'film actor film' 0.501 (threshold 0.593)" in trace_text(refused)
    # negative: a record without a chosen path adds nothing
    bare = Trace("q", steps=[Step("graph", outputs={"facts": [], "path_not_taken": {"threshold": 0.5}})])
    assert "path not taken" not in trace_text(bare) and "0 facts" in trace_text(bare)
