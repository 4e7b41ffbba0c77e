"""The shipped models on hand-written examples: clear NLI pairs and a passage the reader must read right."""

from __future__ import annotations

import pytest

from kgqa.paths import models_dir


def _need(name: str) -> None:
    if not (models_dir() / name / "model.safetensors").is_file():
        pytest.skip(f"the shipped {name} model is missing under {models_dir()}; run `kgqa train`")


@pytest.fixture(scope="module")
def nli():
    _need("nli")
    from kgqa.reader.nli import NLIModel

    return NLIModel()


@pytest.fixture(scope="module")
def reader():
    _need("reader")
    from kgqa.reader.qa import Reader

    return Reader()


CLEAR_PAIRS = [
    ("A man is playing a guitar on a stage.", "A man is playing an instrument.", "entailment"),
    ("A woman is slicing tomatoes in the kitchen.", "A woman is cutting vegetables.", "entailment"),
    ("Two dogs are running through a field of snow.", "Animals are outside.", "entailment"),
    ("A man is playing a guitar on a stage.", "Nobody is playing any instrument.", "contradiction"),
    ("The children are sleeping in their beds.", "The children are playing football outside.", "contradiction"),
    ("A black cat sits on the red sofa.", "A white dog is swimming in a lake.", "contradiction"),
    ("A man is walking down the street.", "The man is going to buy bread for his wife.", "neutral"),
    ("A girl is reading a book in the park.", "The girl is reading her favourite novel for school.", "neutral"),
]


def test_nli_labels_clear_pairs(nli) -> None:
    labels = nli.predict_labels([(p, h) for p, h, _ in CLEAR_PAIRS])
    gold = [g for _, _, g in CLEAR_PAIRS]
    correct = sum(a == b for a, b in zip(labels, gold, strict=True))
    assert correct >= len(gold) - 1, list(zip(labels, gold, strict=True))
    probs = nli.predict(CLEAR_PAIRS[0][:2])
    assert probs.shape == (3,) and abs(float(probs.sum()) - 1.0) < 1e-4


def test_nli_batch_equals_single(nli) -> None:
    pairs = [(p, h) for p, h, _ in CLEAR_PAIRS]
    batch = nli.predict(pairs)
    for i, pair in enumerate(pairs[:3]):
        assert abs(float(nli.predict(pair)[0]) - float(batch[i][0])) < 1e-4


PASSAGE = (
    "The Vell Bridge is a stone arch bridge over the river Osk. It was designed by the engineer Tomas Rielle "
    "and opened to traffic in 1887. The bridge is 214 metres long and has seven arches."
)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Who designed the Vell Bridge?", "Tomas Rielle"),
        ("When did the Vell Bridge open?", "1887"),
        ("How many arches does the bridge have?", "seven"),
    ],
)
def test_reader_extracts_the_span(reader, question: str, answer: str) -> None:
    spans = reader.read(question, [("p1", PASSAGE)])
    assert spans, "no span returned"
    best = spans[0]
    assert answer in best.text and len(best.text) <= len(answer) + 15
    assert PASSAGE[best.start : best.end] == best.text
    assert best.passage_id == "p1"


def test_reduced_precision_agrees_with_fp32(nli, reader) -> None:
    """``precision="auto"`` (bf16 on CPUs that have it) labels and reads like float32."""
    from kgqa.reader.nli import NLIModel
    from kgqa.reader.qa import Reader

    pairs = [(p, h) for p, h, _ in CLEAR_PAIRS]
    fp32 = NLIModel(precision="fp32").predict(pairs)
    assert (fp32.argmax(-1) == nli.predict(pairs).argmax(-1)).all()
    assert float(abs(fp32 - nli.predict(pairs)).max()) < 0.1
    q = "Who designed the Vell Bridge?"
    assert Reader(precision="fp32").read(q, [("p", PASSAGE)])[0].text == reader.read(q, [("p", PASSAGE)])[0].text
