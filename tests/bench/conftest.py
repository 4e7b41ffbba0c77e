"""Fakes for the benchmark tests: reader, NLI model, encoder, index and pipeline without real models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from kgqa.types import Passage

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@dataclass(frozen=True)
class FakeSpan:
    passage_id: str
    text: str
    start: int
    end: int
    score: float
    no_answer_score: float


class FakeReader:
    """Finds a known answer when its passage holds it (score 10), else the passage's first word (score 1)."""

    model_dir = "<fake-reader>"
    max_length, stride, batch_size = 256, 96, 32

    def __init__(self, known: dict[str, str], no_answer: dict[str, float] | None = None) -> None:
        self.known = known
        self.no_answer = no_answer or {}
        self.calls = 0

    def read_batch(self, questions, passages, n_best=5, max_answer_length=30):
        self.calls += 1
        out = []
        for q, plist in zip(questions, passages, strict=True):
            spans = []
            for pid, text in plist:
                ans = self.known.get(q)
                if ans and ans in text:
                    s = text.index(ans)
                    spans.append(FakeSpan(pid, ans, s, s + len(ans), 10.0, self.no_answer.get(q, -5.0)))
                else:
                    w = text.split()[0]
                    spans.append(FakeSpan(pid, w, 0, len(w), 1.0, self.no_answer.get(q, -5.0)))
            out.append(sorted(spans, key=lambda s: -s.score))
        return out

    def read(self, question, passages, n_best=5, max_answer_length=30):
        return self.read_batch([question], [passages], n_best, max_answer_length)[0]


class FakeNLI:
    """Entailment when every hypothesis word is in the premise (the lexical-overlap heuristic HANS targets)."""

    model_dir = "<fake-nli>"
    labels = ("entailment", "neutral", "contradiction")
    max_length, batch_size = 128, 64

    def predict(self, pairs):
        out = []
        for p, h in pairs:
            pw, hw = set(re.findall(r"\w+", p.lower())), set(re.findall(r"\w+", h.lower()))
            out.append([0.8, 0.15, 0.05] if hw <= pw else [0.1, 0.3, 0.6])
        return np.asarray(out, dtype=np.float32)


@dataclass(frozen=True)
class FakeHit:
    passage: Passage
    score: float
    rank: int


class FakeEncoder:
    model_dir = None
    name = "fake-encoder"

    def encode(self, texts):
        vecs = np.zeros((len(texts), 16), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                vecs[i, hash(w) % 16] += 1.0
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)


class FakeIndex:
    """Ranks passages by the number of shared words (ties by position)."""

    def __init__(self, encoder, passages):
        self.encoder = encoder
        self.store = list(passages)

    def search(self, queries, top_k=5):
        out = []
        for q in queries:
            qw = set(re.findall(r"\w+", q.lower()))
            scored = [(len(qw & set(re.findall(r"\w+", p.text.lower()))), -i, p) for i, p in enumerate(self.store)]
            scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
            out.append([FakeHit(p, float(s), r) for r, (s, _, p) in enumerate(scored[:top_k], 1)])
        return out


class FakePipeline:
    def __init__(self, passages, known):
        self.reader = FakeReader(known)
        self.nli = FakeNLI()
        self.index = FakeIndex(FakeEncoder(), passages)
        self.known = known

    def ask(self, question, premises=None, top_k=5):
        hits = self.index.search([question], top_k)[0]
        spans = self.reader.read(question, [(h.passage.id, h.passage.text) for h in hits])
        return SimpleNamespace(answer=spans[0].text if spans else None)

    def ask_batch(self, questions, premises=None):
        return [self.ask(q) for q in questions]


@pytest.fixture
def fake_reader_cls():
    return FakeReader


@pytest.fixture
def fake_nli():
    return FakeNLI()


@pytest.fixture
def fake_index_cls():
    return FakeIndex


@pytest.fixture
def fake_encoder():
    return FakeEncoder()


@pytest.fixture
def fake_pipeline_cls():
    return FakePipeline
