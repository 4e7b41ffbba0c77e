"""Pipeline calls from 8 threads, started together on a pipeline whose models are not loaded yet,
give exactly what the same calls give one after another on another fresh pipeline."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from kgqa.config import PipelineConfig
from kgqa.demo import DEMO_CLAIMS, DEMO_QUESTIONS
from kgqa.paths import models_dir
from kgqa.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]
MINI_WORLD = ROOT / "tests" / "checks" / "fixtures" / "mini_world.ttl"
THREADS = 8

#: a job is what one thread does: calls on the pipeline, giving JSON-ready results
Job = Callable[[Pipeline], list[Any]]

TIMING_KEYS = frozenset({"ms", "total_ms"})


def without_timings(value: Any) -> Any:
    """``value`` (a ``to_dict()``) without its timing fields, which differ from run to run."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def ask(question: str, premises: list[str] | None = None) -> Job:
    return lambda pipe: [without_timings(pipe.ask(question, premises=premises).to_dict())]


def check(*claims: str) -> Job:
    return lambda pipe: [pipe.check(c).to_dict() for c in claims]


def ask_batch(items: list[tuple[str, list[str] | None]]) -> Job:
    def job(pipe: Pipeline) -> list[Any]:
        answers = pipe.ask_batch([q for q, _ in items], [p for _, p in items])
        return [without_timings(a.to_dict()) for a in answers]

    return job


def resolve(name: str) -> Job:
    return lambda pipe: [m.to_dict() for m in pipe.linker.resolve(name)]


def then(*jobs: Job) -> Job:
    return lambda pipe: [r for job in jobs for r in job(pipe)]


def assert_cold(pipe: Pipeline) -> None:
    assert not pipe.reader.loaded and not pipe.nli.loaded


def run_together(pipe: Pipeline, jobs: list[Job]) -> list[list[Any]]:
    """Each job in its own thread; a barrier releases them at the same moment."""
    barrier = threading.Barrier(len(jobs))
    results: list[list[Any] | None] = [None] * len(jobs)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i](pipe)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,), name=f"job-{i}") for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not [t.name for t in threads if t.is_alive()], "a thread hung"
    assert not errors, errors
    return [r for r in results if r is not None]


def assert_same(concurrent: list[list[Any]], sequential: list[list[Any]]) -> None:
    assert len(concurrent) == len(sequential)
    for i, (got, want) in enumerate(zip(concurrent, sequential, strict=True)):
        # json round trip: the comparison sees what a caller would serialise
        assert json.loads(json.dumps(got)) == json.loads(json.dumps(want)), f"job {i} differs"


def check_cold_concurrency(load: Callable[[], Pipeline], jobs: list[Job]) -> Pipeline:
    """Run ``jobs`` together on one fresh pipeline and one after another on another; compare."""
    assert len(jobs) == THREADS
    together, alone = load(), load()
    assert_cold(together)
    assert_cold(alone)
    concurrent = run_together(together, jobs)
    sequential = [job(alone) for job in jobs]
    assert_same(concurrent, sequential)
    assert together.reader.loaded and together.nli.loaded
    # a tokenizer per call running at the same time at most, never one per call made
    assert together.reader._tokenizers.size <= THREADS
    assert alone.reader._tokenizers.size == 1 and alone.nli._tokenizers.size == 1
    return together


# ---------------------------------------------------------------------------------- the shipped world


def _shipped_models_present() -> bool:
    return all((models_dir() / name / "model.safetensors").is_file() for name in ("reader", "nli"))


EXTRA_QUESTIONS: list[tuple[str, list[str] | None]] = [
    ("Who wrote Macbeth?", ["Shakespeare was a playwright."]),
    ("What is the capital of Japan?", None),
    ("When was Marie Curie born?", ["Marie Curie was a chemist."]),
]


@pytest.mark.skipif(not _shipped_models_present(), reason="the shipped models are missing; run `kgqa train`")
def test_eight_threads_from_a_cold_start_match_sequential_calls() -> None:
    demo = [ask(q, premises) for q, premises in DEMO_QUESTIONS]
    jobs = [
        *demo[:6],
        # "Mister Einstein" is linked by embedding similarity: the name embeddings load lazily too
        then(resolve("Mister Einstein"), check(*DEMO_CLAIMS)),
        then(resolve("Doctor Curie"), ask_batch(EXTRA_QUESTIONS)),
    ]
    pipe = check_cold_concurrency(Pipeline.load, jobs)
    assert pipe.linker.resolve("Mister Einstein")[0].method == "embedding"


# ---------------------------------------------------------------------------------- tiny models


PASSAGES = [
    ("p1", "Ada Finch", "Ada Finch was a novelist born in Port Vell. She wrote The Glass Orchard in 1890."),
    ("p2", "Jon Reed", "Jon Reed was an inventor. He built the steam loom in 1810 and died in 1841."),
    ("p3", "Norland", "Norland is a country on the continent of Borea. Its capital is Eastholm."),
    ("p4", "Great Flood", "The Great Flood of Norland in 1702 caused the Norland famine of 1703."),
    ("p5", "Port Vell", "Port Vell is a harbour city of Norland, west of Eastholm."),
]


def _tiny_model(out: Path, head: str, words: list[str]) -> Path:
    """A random 2-layer BERT with a QA or 3-way NLI head, saved as a kgqa model folder."""
    from transformers import BertConfig, BertForQuestionAnswering, BertForSequenceClassification, BertTokenizerFast

    from kgqa.reader.modelio import save_model_folder

    out.mkdir(parents=True)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    (out / "vocab.txt").write_text("\n".join(dict.fromkeys([*specials, *words])) + "\n")
    tok = BertTokenizerFast(vocab_file=str(out / "vocab.txt"), do_lower_case=True)
    torch.manual_seed(0 if head == "qa" else 1)
    config = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=2 if head == "qa" else 3,
    )
    model = (BertForQuestionAnswering if head == "qa" else BertForSequenceClassification)(config)
    return save_model_folder(model.eval(), tok, out / "model", task=head, dtype="float32", share_word_embeddings=False)


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory: pytest.TempPathFactory) -> PipelineConfig:
    """The mini world, five passages and random tiny reader and NLI models (the base encoder retrieves)."""
    root = tmp_path_factory.mktemp("tiny-pipeline")
    passages = root / "passages.jsonl"
    passages.write_text("".join(json.dumps({"id": i, "title": t, "text": x}) + "\n" for i, t, x in PASSAGES))
    words = sorted(
        {w.lower().strip(".,?") for _, _, text in PASSAGES for w in text.split()}
        | set("abcdefghijklmnopqrstuvwxyz0123456789.,?")
    )
    return PipelineConfig(
        graphs=[str(ROOT / "graphs" / "ontology.ttl"), str(MINI_WORLD)],
        passages=[str(passages)],
        reader_dir=str(_tiny_model(root / "reader", "qa", words)),
        nli_dir=str(_tiny_model(root / "nli", "nli", words)),
        precision="fp32",
    )


def test_eight_threads_on_tiny_models_match_sequential_calls(tiny_config: PipelineConfig) -> None:
    jobs = [
        ask("Who wrote The Glass Orchard?"),
        ask("What is the capital of Norland?", ["Norland is a country."]),
        ask("When was Ada Finch born?"),
        ask("Did Jon Reed invent the steam loom?", ["Jon Reed was not an inventor."]),
        ask("Why did Ada Finch invent the steam loom?"),
        ask("Where was Ada Finch born?", ["Ada Finch was a novelist."]),
        check("The Great Flood of Norland caused the Norland famine.", "The Norland famine caused the Great Flood."),
        ask_batch(
            [("Who invented the steam loom?", None), ("What is the capital of Norland?", ["Eastholm is a city."])]
        ),
    ]
    check_cold_concurrency(lambda: Pipeline.load(tiny_config), jobs)
