"""False-presupposition questions generated from a graph's facts by question templates from a data file.

The template file (``benchmarks/fb_premise_templates.json`` for one world) names, per relation
kind, the graph property, which end of its facts the question replaces (``"direction"``:
``"forward"`` replaces the object, ``"inverse"`` the subject), the class every replacement must
belong to (``"value_class"``) and several question templates with ``{s}`` (the entity the
question is about) and ``{o}`` (the presupposed value)::

    {"relations": {"capital": {"property": "https://example.org/capital", "direction": "forward",
                               "value_class": "https://example.org/City",
                               "templates": ["Why is {o} the capital of {s}?", "When did {o} become ..."]}}}

:func:`generate_cases` draws, for each relation kind in turn, a fact ``(s, value)`` and a wrong
value: another entity of the value class that the property has as a value elsewhere in the graph
(so that it is a plausible one), that is not a value of ``s``, shares no name with a true value
and has no edge to one (so that a place containing the true value, or contained in it, is not
offered as the wrong one). The case holds the question with the wrong value and its true twin: the same
template with the true value. Nothing here names a property or class of one graph.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from kgqa.errors import InputError
from kgqa.text import normalize_answer

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DIRECTIONS = ("forward", "inverse")
_FIELDS = {"s", "o"}
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class RelationTemplates:
    """One relation kind of the template file.

    Attributes:
        name: the kind's name (``"capital"``).
        property: the graph property's IRI.
        direction: ``"forward"``: the question is about the fact's subject and presupposes its
            object; ``"inverse"``: about the object, presupposing the subject.
        value_class: the class every presupposed value (true or wrong) belongs to.
        templates: questions with ``{s}`` (the entity asked about) and ``{o}`` (the value).
    """

    name: str
    property: str
    direction: str
    value_class: str
    templates: tuple[str, ...]


@dataclass(frozen=True)
class FBPremiseCase:
    """A question whose presupposition states a wrong value, and its true twin.

    ``false_question`` and ``true_question`` are the same template filled with ``wrong_value``'s
    and ``true_value``'s labels; the subject and everything else are the same.
    """

    id: str
    relation: str
    property: str
    template: str
    shape: str
    subject: str
    subject_label: str
    true_value: str
    true_label: str
    wrong_value: str
    wrong_label: str
    false_question: str
    true_question: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bad(path: Path, what: str, fix: str) -> InputError:
    return InputError(f"{path}: {what}; {fix}")


def _template_ok(path: Path, name: str, template: Any) -> str:
    if not isinstance(template, str) or not template.strip():
        raise _bad(path, f"relation {name!r} has a template that is not a non-empty string", "write each as text")
    try:
        fields = [f for _, f, _, _ in Formatter().parse(template) if f is not None]
    except ValueError as exc:
        raise _bad(
            path, f"relation {name!r}: template {template!r} is malformed ({exc})", "balance its braces"
        ) from exc
    unknown = sorted(set(fields) - _FIELDS)
    if unknown:
        raise _bad(
            path,
            f"relation {name!r}: template {template!r} uses {{{unknown[0]}}}",
            "use only {s} (the entity asked about) and {o} (the presupposed value)",
        )
    if not {"s", "o"} <= set(fields):
        raise _bad(
            path,
            f"relation {name!r}: template {template!r} lacks {{s}} or {{o}}",
            "put both the entity asked about ({s}) and the presupposed value ({o}) in it",
        )
    if not template.rstrip().endswith("?"):
        raise _bad(path, f"relation {name!r}: template {template!r} is not a question", "end it with '?'")
    return template.strip()


def load_templates(path: str | Path) -> list[RelationTemplates]:
    """The relation kinds of a template file, validated.

    Raises:
        InputError: the file is missing or not JSON, or an entry lacks a field or has a bad one;
            the message names the entry and the fix.
    """
    p = Path(path)
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _bad(
            p, "no such template file", "pass --templates FILE (see benchmarks/fb_premise_templates.json)"
        ) from exc
    except (OSError, ValueError) as exc:
        raise _bad(p, f"not a readable JSON file ({exc})", "fix the JSON syntax") from exc
    relations = raw.get("relations") if isinstance(raw, dict) else None
    if not isinstance(relations, dict) or not relations:
        raise _bad(p, "no 'relations' object", 'write {"relations": {"NAME": {"property": ..., "templates": [...]}}}')
    out = []
    for name, spec in relations.items():
        if not isinstance(spec, dict):
            raise _bad(p, f"relation {name!r} is not an object", "give it property, direction, value_class, templates")
        for key in ("property", "value_class"):
            if not isinstance(spec.get(key), str) or not _IRI.match(spec[key]):
                raise _bad(p, f"relation {name!r} has no {key} IRI", f"set {key} to the graph's full IRI")
        direction = spec.get("direction", "forward")
        if direction not in DIRECTIONS:
            raise _bad(p, f"relation {name!r} has direction {direction!r}", f"use one of {', '.join(DIRECTIONS)}")
        templates = spec.get("templates")
        if not isinstance(templates, list) or len(templates) < 2:
            raise _bad(p, f"relation {name!r} has fewer than 2 templates", "write several question shapes per relation")
        checked = tuple(_template_ok(p, name, t) for t in templates)
        if len(set(checked)) != len(checked):
            raise _bad(p, f"relation {name!r} repeats a template", "remove the duplicate")
        out.append(RelationTemplates(str(name), spec["property"], direction, spec["value_class"], checked))
    return out


def shape_of(template: str) -> str:
    """The question word a template starts with (``"why"``, ``"how"``...)."""
    first = re.match(r"\s*([A-Za-z]+)", template)
    return first.group(1).lower() if first else ""


def _named(kg: Any, iri: str) -> bool:
    return bool(kg.facts(iri, RDFS_LABEL, None, inferred=False))


def _pairs(kg: Any, rel: RelationTemplates, keep: Callable[[str], bool] | None = None) -> dict[str, list[str]]:
    """About-entity -> its values of ``rel`` (asserted facts whose subject ``keep`` accepts), both IRIs."""
    out: dict[str, list[str]] = defaultdict(list)
    for t in kg.facts(None, rel.property, None, inferred=False):
        if not _IRI.match(t.object) or (keep is not None and not keep(t.subject)):
            continue
        about, value = (t.subject, t.object) if rel.direction == "forward" else (t.object, t.subject)
        out[about].append(value)
    return out


def _linked(kg: Any, a: str, b: str) -> bool:
    return bool(kg.facts(a, None, b, inferred=False) or kg.facts(b, None, a, inferred=False))


def wrong_value(kg: Any, rng: random.Random, pool: list[str], true_values: list[str], about: str) -> str | None:
    """A value of the pool that is not true of ``about``, shares no name with a true value and touches none."""
    taken = {normalize_answer(name) for v in true_values for name in kg.labels(v)}
    taken.add(normalize_answer(kg.label(about)))
    for _ in range(40):
        candidate = rng.choice(pool)
        if candidate in true_values or candidate == about:
            continue
        if any(normalize_answer(name) in taken for name in kg.labels(candidate)):
            continue
        if any(_linked(kg, candidate, v) for v in true_values):
            continue
        return candidate
    return None


def generate_cases(
    kg: Any,
    relations: list[RelationTemplates],
    n_pairs: int,
    seed: int = 0,
    keep: Callable[[str], bool] | None = None,
) -> list[FBPremiseCase]:
    """``n_pairs`` cases, the relation kinds taking turns, each about a different entity (seeded).

    Fewer come back when the graph runs out of facts of a kind. ``keep``, when given, accepts the
    subjects whose facts may be asked about (the benchmark keeps the held-out band of
    :func:`kgqa.train.graph_pairs.split_of`, whose facts no model was trained or tuned on).
    """
    rng = random.Random(seed)
    queues: list[tuple[RelationTemplates, list[str], dict[str, list[str]], list[str]]] = []
    for rel in relations:
        pairs = _pairs(kg, rel, keep)
        values = sorted({v for vs in pairs.values() for v in vs})
        pool = [v for v in values if kg.is_instance(v, rel.value_class)[0] and _named(kg, v)]
        abouts = sorted(a for a, vs in pairs.items() if _named(kg, a) and any(v in pool for v in vs))
        rng.shuffle(abouts)
        if pool and abouts:
            queues.append((rel, abouts, pairs, pool))
    cases: list[FBPremiseCase] = []
    used: set[str] = set()
    while len(cases) < n_pairs and any(q[1] for q in queues):
        for rel, abouts, pairs, pool in queues:
            if len(cases) >= n_pairs or not abouts:
                continue
            about = abouts.pop()
            if about in used:
                continue
            true_value = next(v for v in sorted(pairs[about]) if v in pool)
            wrong = wrong_value(kg, rng, pool, pairs[about], about)
            if wrong is None:
                continue
            used.add(about)
            template = rng.choice(rel.templates)
            s_label, t_label, w_label = kg.label(about), kg.label(true_value), kg.label(wrong)
            cases.append(
                FBPremiseCase(
                    id=f"{rel.name}-{len(cases)}",
                    relation=rel.name,
                    property=rel.property,
                    template=template,
                    shape=shape_of(template),
                    subject=about,
                    subject_label=s_label,
                    true_value=true_value,
                    true_label=t_label,
                    wrong_value=wrong,
                    wrong_label=w_label,
                    false_question=template.format(s=s_label, o=w_label),
                    true_question=template.format(s=s_label, o=t_label),
                )
            )
    return cases
