"""Fuzz fixtures: a tiny pipeline over the mini world (random 2-layer models, built once) and the case budget.

``pytest -m fuzz`` sets ``KGQA_FUZZ_EXAMPLES=10000`` before the fuzz tests are imported (see
``fuzzkit.budget``) and lifts the per-test timeout, which 10,000 cases would exceed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINI_WORLD = ROOT / "tests" / "checks" / "fixtures" / "mini_world.ttl"
ONTOLOGY = ROOT / "graphs" / "ontology.ttl"
PASSAGES = [
    {
        "id": "p1",
        "title": "Ada Finch",
        "text": "Ada Finch was a novelist born in Port Vell in 1850. She wrote The Glass Orchard.",
    },
    {"id": "p2", "title": "Jon Reed", "text": "Jon Reed invented the steam loom in 1810. He was born in 1780."},
    {"id": "p3", "title": "Norland", "text": "Norland is a country in Borea. Its capital is Eastholm."},
    {"id": "p4", "title": "Great Flood", "text": "The Great Flood of Norland in 1702 caused the Norland famine."},
    {"id": "p5", "text": "The Norland famine of 1703 led to the Norland emigration wave."},
]
VOCAB = sorted(
    {w.lower().strip(".,") for p in PASSAGES for w in (p["text"] + " " + p.get("title", "")).split()}
    | set("who what when where why how did does is was were not a an the of in by to and".split())
)


def _fuzz_selected(markexpr: str) -> bool:
    return bool(re.search(r"(?<!not )\bfuzz\b", markexpr or ""))


def pytest_configure(config: pytest.Config) -> None:
    if _fuzz_selected(config.getoption("markexpr", "")):
        os.environ.setdefault("KGQA_FUZZ_EXAMPLES", "10000")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("KGQA_FUZZ_EXAMPLES"):
        for item in items:
            if item.get_closest_marker("fuzz"):
                item.add_marker(pytest.mark.timeout(6 * 3600))


def _tokenizer(folder: Path):  # noqa: ANN202 - a transformers tokenizer
    from transformers import BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = list(dict.fromkeys([*specials, *VOCAB, *"abcdefghijklmnopqrstuvwxyz0123456789.,?!'"]))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return BertTokenizerFast(str(folder / "vocab.txt"), do_lower_case=True), len(vocab)


def _bert_config(vocab_size: int, **kw):  # noqa: ANN202 - a transformers config
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        **kw,
    )


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """One intra-op thread: tiny models on a busy machine run some 30 times faster without thread hand-offs."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline folder (``kgqa.json``) over the mini world with random 2-layer encoder, reader and NLI models."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertForQuestionAnswering, BertForSequenceClassification, BertModel

    from kgqa.config import PipelineConfig
    from kgqa.reader.modelio import save_model_folder

    root = tmp_path_factory.mktemp("tiny-pipeline")
    torch.manual_seed(0)
    hf = root / "hf"
    hf.mkdir()
    tok, size = _tokenizer(hf)
    BertModel(_bert_config(size)).save_pretrained(hf)
    tok.save_pretrained(hf)
    encoder = SentenceTransformer(
        modules=[Transformer(str(hf), max_seq_length=128), Pooling(32, "mean"), Normalize()], device="cpu"
    )
    encoder.save(str(root / "encoder"))
    reader = BertForQuestionAnswering(_bert_config(size))
    save_model_folder(reader, tok, root / "reader", task="qa", dtype="float32", share_word_embeddings=False)
    labels = {0: "entailment", 1: "neutral", 2: "contradiction"}
    nli = BertForSequenceClassification(_bert_config(size, num_labels=3, id2label=labels))
    save_model_folder(nli, tok, root / "nli", task="nli", dtype="float32", share_word_embeddings=False)
    passages = root / "passages.jsonl"
    passages.write_text("".join(json.dumps(p) + "\n" for p in PASSAGES), encoding="utf-8")
    config = PipelineConfig(
        graphs=[str(ONTOLOGY), str(MINI_WORLD)],
        passages=[str(passages)],
        encoder_dir=str(root / "encoder"),
        reader_dir=str(root / "reader"),
        nli_dir=str(root / "nli"),
        device="cpu",
        precision="fp32",
        sparql_timeout_s=10.0,
    )
    config.save(root)
    return root


@pytest.fixture(scope="session")
def tiny_pipeline(tiny_pipeline_dir: Path):
    """The tiny pipeline, loaded once (its methods are safe to call again and again)."""
    from kgqa.pipeline import Pipeline

    return Pipeline.load(tiny_pipeline_dir).warm_up()
