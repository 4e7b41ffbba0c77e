"""BM25 and hybrid retrieval: rare-word matches, reciprocal rank fusion, dense cosines as scores, checked files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from kgqa.config import PipelineConfig
from kgqa.errors import ConfigError, IndexLoadError, InputError, MissingDependencyError
from kgqa.retrieval import BM25Index, DenseIndex, HybridIndex
from kgqa.retrieval.bm25 import BM25_DIR, BM25_META_FILE, tokenize
from kgqa.retrieval.hybrid import check_dense_weight, convex_fusion
from kgqa.types import Passage

pytest.importorskip("bm25s")

#: the words the fake dense encoder sees (those of the ``passages`` fixture); any other word is invisible to it
WORDS = sorted(
    set(
        "paris capital france berlin germany rome italy madrid spain london england city river seine thames "
        "tiber largest country europe wrote hamlet shakespeare play is the of a in on by who".split()
    )
)


class BagEncoder:
    """A fake dense encoder: normalised counts of ``WORDS``."""

    name, dim, batch_size = "bag-of-words", len(WORDS), 32

    def encode(self, texts, batch_size=None, show_progress=False) -> np.ndarray:
        out = np.full((len(texts), self.dim), 1e-3, np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                if token in WORDS:
                    out[row, WORDS.index(token)] += 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class TableEncoder:
    """A fake dense encoder that returns the vector listed for each text."""

    name, batch_size = "table", 32

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = {k: np.asarray(v, np.float32) / np.linalg.norm(v) for k, v in table.items()}
        self.dim = len(next(iter(table.values())))

    def encode(self, texts, batch_size=None, show_progress=False) -> np.ndarray:
        return np.stack([self.table[t] for t in texts])


def _ids(hits) -> list[str]:
    return [h.passage.id for h in hits]


@pytest.fixture
def rare_corpus(passages: list[Passage]) -> list[Passage]:
    return [*passages, Passage("rare", "the xylophone of madrid")]


@pytest.fixture
def bag_dense(rare_corpus: list[Passage]) -> DenseIndex:
    return DenseIndex(BagEncoder(), use_gpu=False).build(rare_corpus, show_progress=False)


# -- BM25 ---------------------------------------------------------------------------------------------------


def test_bm25_finds_a_rare_word_the_dense_encoder_misses(rare_corpus, bag_dense) -> None:
    query = ["the xylophone in paris"]
    assert _ids(bag_dense.search(query, 3)[0])[0] == "p5"  # the fake encoder sees "the ... in paris", not "xylophone"
    bm25 = BM25Index().build(rare_corpus)
    hits = bm25.search(query, 3)[0]
    assert _ids(hits)[0] == "rare" and set(_ids(hits)) == {"rare", "p0", "p5"}  # stop words match nothing
    assert hits[0].rank == 1 and hits[0].score > hits[1].score > 0
    hybrid = HybridIndex(bag_dense, bm25).search(query, 3)[0]
    assert "rare" in _ids(hybrid)


def test_bm25_ranks_by_score_and_skips_passages_without_a_shared_word(passages) -> None:
    bm25 = BM25Index().build(passages)
    hits = bm25.search(["hamlet shakespeare", "capital"], 10)
    assert set(_ids(hits[0])) == {"p6", "p7"} and [h.rank for h in hits[0]] == [1, 2]
    assert _ids(hits[1]) == ["p0", "p1", "p2"] or set(_ids(hits[1])) == {"p0", "p1", "p2"}
    assert all(a.score >= b.score for a, b in zip(hits[1], hits[1][1:], strict=False))


def test_bm25_query_without_known_words_finds_nothing(passages) -> None:
    bm25 = BM25Index().build(passages)
    assert bm25.search(["zebra", "the of a", ""], 5) == [[], [], []]
    assert bm25.search([], 5) == []


@pytest.mark.parametrize(
    ("queries", "top_k", "match"),
    [("paris", 5, "list of queries"), (["paris"], 0, "top_k"), (["paris"], True, "top_k"), ([3], 5, "string")],
)
def test_bm25_search_refuses_bad_arguments(passages, queries, top_k, match) -> None:
    with pytest.raises(InputError, match=match):
        BM25Index().build(passages).search(queries, top_k)


def test_bm25_refuses_an_empty_corpus_and_saving_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no passages"):
        BM25Index().build([])
    with pytest.raises(InputError, match="build"):
        BM25Index().save(tmp_path)


def test_tokenize_lowercases_and_drops_stop_words() -> None:
    assert tokenize("Who wrote HAMLET, in 1600?", frozenset({"who", "in"})) == ["wrote", "hamlet", "1600"]
    assert tokenize("") == []


def test_missing_bm25s_names_the_hybrid_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "bm25s", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r'needs bm25s.*pip install "kgqa\[hybrid\]"'):
        BM25Index()


# -- fusion ---------------------------------------------------------------------------------------------------


def test_convex_fusion_puts_what_both_rankings_like_first() -> None:
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.1)]
    sparse = [("x", 9.0), ("b", 8.0), ("y", 1.0)]
    fused = convex_fusion([dense, sparse], [0.5, 0.5])
    assert [pid for pid, _ in fused] == ["b", "a", "x", "c", "y"]  # a and x tie: the first ranking's first
    assert fused[0][1] == pytest.approx(0.5 * 0.875 + 0.5 * 0.875)
    assert [pid for pid, _ in convex_fusion([dense, sparse], [1.0, 0.0])][:3] == ["a", "b", "c"]
    assert convex_fusion([[("a", 2.0)], []], [0.5, 0.5]) == [("a", 0.5)]  # one score: normalised to 1
    assert convex_fusion([[], []], [0.5, 0.5]) == []


def test_convex_fusion_needs_a_weight_per_ranking() -> None:
    with pytest.raises(InputError, match="2 rankings but 1 weights"):
        convex_fusion([[("a", 1.0)], [("a", 1.0)]], [1.0])


@pytest.mark.parametrize("weight", [-0.1, 1.5, True, "0.5", float("nan")])
def test_dense_weight_must_be_a_number_in_0_1(weight) -> None:
    with pytest.raises(InputError, match=r"dense weight .* \[0, 1\]"):
        check_dense_weight(weight)
    assert check_dense_weight(1) == 1.0 and check_dense_weight(0.25) == 0.25


COS_B = 0.9 / np.hypot(0.9, 0.43)
COS_C = 0.1 / np.hypot(0.1, 1.0)


def _scripted() -> tuple[DenseIndex, BM25Index]:
    """Dense likes A, then B, then ten fillers; BM25 likes C, then B, then D (one shared word in a long text)."""
    texts = {
        "A": "apple orchard",
        "B": "cherry banana split",
        "C": "cherry banana cherry banana",
        "D": "one banana among many other fruit names here",
        **{f"F{i}": f"filler {i}" for i in range(10)},
    }
    vectors = {
        "A": [1, 0, 0],
        "B": [0.9, 0.43, 0],
        "C": [0.1, 0, 1],
        "D": [0, 1, 0],
        **{f"F{i}": [0.5, 0.5, 0.1] for i in range(10)},
    }
    table = {text: vectors[pid] for pid, text in texts.items()}
    table["cherry banana?"] = [1, 0, 0]
    corpus = [Passage(pid, text) for pid, text in texts.items()]
    dense = DenseIndex(TableEncoder(table), use_gpu=False).build(corpus, show_progress=False)
    return dense, BM25Index().build(corpus)


def test_hybrid_ranks_a_passage_both_like_above_those_one_likes() -> None:
    dense, bm25 = _scripted()
    query = ["cherry banana?"]
    assert _ids(dense.search(query, 2)[0]) == ["A", "B"]
    assert _ids(bm25.search(query, 5)[0]) == ["C", "B", "D"]
    hits = HybridIndex(dense, bm25).search(query, 3)[0]
    assert _ids(hits) == ["B", "C", "A"] and [h.rank for h in hits] == [1, 2, 3]
    # scores are the dense cosines, not the fused scores
    np.testing.assert_allclose([h.score for h in hits], [COS_B, COS_C, 1.0], atol=1e-5)
    # with top_k=3 candidates each, C is not among the dense ones (A, B, F0): its cosine is computed by encoding it
    few = HybridIndex(dense, bm25, candidates=1).search(query, 3)[0]
    assert _ids(few) == ["B", "A", "C"]  # A and C tie at 0.5: the dense ranking's first
    np.testing.assert_allclose([h.score for h in few], [COS_B, 1.0, COS_C], atol=1e-5)
    dense_only = HybridIndex(dense, bm25, dense_weight=1.0).search(query, 2)[0]
    assert _ids(dense_only) == ["A", "B"]


def test_bm25_mode_ranks_by_bm25_with_dense_cosines() -> None:
    dense, bm25 = _scripted()
    hits = HybridIndex(dense, bm25, mode="bm25").search(["cherry banana?"], 5)[0]
    assert _ids(hits) == ["C", "B", "D"]
    np.testing.assert_allclose([h.score for h in hits], [COS_C, COS_B, 0.0], atol=1e-5)


def test_hybrid_refuses_bad_settings_and_other_passages(passages, bag_dense, rare_corpus) -> None:
    bm25 = BM25Index().build(rare_corpus)
    with pytest.raises(InputError, match="mode"):
        HybridIndex(bag_dense, bm25, mode="dense")
    with pytest.raises(InputError, match="dense weight"):
        HybridIndex(bag_dense, bm25, dense_weight=2)
    with pytest.raises(InputError, match="candidates"):
        HybridIndex(bag_dense, bm25, candidates=0)
    with pytest.raises(InputError, match="different passages"):
        HybridIndex(bag_dense, BM25Index().build(passages))
    hybrid = HybridIndex(bag_dense, bm25)
    with pytest.raises(InputError, match="list of queries"):
        hybrid.search("paris", 3)
    with pytest.raises(InputError, match="top_k"):
        hybrid.search(["paris"], 0)
    assert hybrid.search([], 3) == []


# -- persistence -----------------------------------------------------------------------------------------------


def _saved(tmp_path: Path, corpus: list[Passage], dense: DenseIndex) -> Path:
    out = tmp_path / "index"
    dense.save(out)
    BM25Index().build(dense.store).save(out)
    return out


def test_save_load_round_trip_beside_the_dense_index(tmp_path, rare_corpus, bag_dense) -> None:
    out = _saved(tmp_path, rare_corpus, bag_dense)
    assert (out / BM25_META_FILE).is_file() and (out / BM25_DIR).is_dir() and BM25Index.exists(out)
    loaded = BM25Index.load(out)
    queries = ["who played the xylophone", "capital of france", "hamlet"]
    fresh = BM25Index().build(rare_corpus)
    assert [[(h.passage, h.score, h.rank) for h in r] for r in loaded.search(queries, 5)] == [
        [(h.passage, h.score, h.rank) for h in r] for r in fresh.search(queries, 5)
    ]
    dense = DenseIndex.load(out, encoder=BagEncoder(), use_gpu=False)
    assert _ids(HybridIndex(dense, loaded).search(queries, 3)[0])[0] in {"rare", *(p.id for p in rare_corpus)}


def test_load_without_a_bm25_part_names_the_fix(tmp_path, bag_dense) -> None:
    out = tmp_path / "dense-only"
    bag_dense.save(out)
    assert not BM25Index.exists(out)
    with pytest.raises(IndexLoadError, match=r"no BM25 part.*--hybrid"):
        BM25Index.load(out)


@pytest.mark.parametrize("damage", ["delete", "edit", "other_passages", "bad_meta", "old_format"])
def test_load_refuses_a_damaged_bm25_part(tmp_path, rare_corpus, bag_dense, damage: str) -> None:
    out = _saved(tmp_path, rare_corpus, bag_dense)
    vocab = out / BM25_DIR / "vocab.index.json"
    if damage == "delete":
        vocab.unlink()
    elif damage == "edit":
        vocab.write_text(vocab.read_text() + " ", encoding="utf-8")
    elif damage == "other_passages":
        DenseIndex(BagEncoder(), use_gpu=False).build(rare_corpus[:5], show_progress=False).save(out)
    elif damage == "bad_meta":
        (out / BM25_META_FILE).write_text("{not json", encoding="utf-8")
    else:
        meta = json.loads((out / BM25_META_FILE).read_text(encoding="utf-8"))
        (out / BM25_META_FILE).write_text(json.dumps({**meta, "format_version": 99}), encoding="utf-8")
    with pytest.raises(IndexLoadError, match="--hybrid"):
        BM25Index.load(out)


# -- configuration and pipeline wiring ------------------------------------------------------------------


@pytest.mark.parametrize("retrieval", ["dense", "bm25", "hybrid"])
def test_config_accepts_the_retrievals(retrieval: str) -> None:
    assert PipelineConfig(retrieval=retrieval).retrieval == retrieval
    assert PipelineConfig().retrieval == "dense" and PipelineConfig().hybrid_dense_weight == 0.5


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"retrieval": "sparse"}, "retrieval must be one of"),
        ({"retrieval": 1}, "retrieval"),
        ({"hybrid_dense_weight": -0.5}, "hybrid_dense_weight must be at least 0"),
        ({"hybrid_dense_weight": 1.5}, r"hybrid_dense_weight must be in \[0, 1\]"),
        ({"hybrid_dense_weight": "half"}, "hybrid_dense_weight must be a finite number"),
    ],
)
def test_config_refuses_bad_retrieval_settings(values, match) -> None:
    with pytest.raises(ConfigError, match=match):
        PipelineConfig.from_dict(values)


def test_pipeline_hybrid_needs_the_bm25_part_of_an_index_dir(tmp_path, rare_corpus, bag_dense) -> None:
    from kgqa.pipeline import _with_bm25

    dense_only = tmp_path / "dense-only"
    bag_dense.save(dense_only)
    config = PipelineConfig(index_dir=str(dense_only), retrieval="hybrid")
    with pytest.raises(ConfigError, match=r"no(ne)?.*kgqa index build .*--hybrid"):
        _with_bm25(config, bag_dense)
    out = _saved(tmp_path, rare_corpus, bag_dense)
    index = _with_bm25(PipelineConfig(index_dir=str(out), retrieval="bm25"), bag_dense)
    assert isinstance(index, HybridIndex) and index.mode == "bm25"
    built = _with_bm25(PipelineConfig(retrieval="hybrid", hybrid_dense_weight=0.2), bag_dense)  # built in memory
    assert built.dense_weight == 0.2 and _ids(built.search(["the xylophone in paris"], 3)[0])[0] == "rare"


def test_open_qa_suite_fuses_like_the_hybrid_index() -> None:
    from kgqa.bench.openqa_suite import dense_search_scored, hybrid_search_ids

    dense, bm25 = _scripted()
    query = ["cherry banana?"]
    scored = dense_search_scored(dense, query, 50)
    ranked = hybrid_search_ids(list(dense.store), query, scored, 3)
    assert ranked == [_ids(HybridIndex(dense, bm25).search(query, 3)[0])] == [["B", "C", "A"]]


def test_cli_retrieval_option_sets_the_config() -> None:
    from kgqa.cli import UsageError, _config, build_parser

    parser = build_parser(commands=False)
    assert _config(parser.parse_args(["ask", "Who?", "--retrieval", "hybrid"])).retrieval == "hybrid"
    assert _config(parser.parse_args(["check", "Paris is in France.", "--retrieval", "bm25"])).retrieval == "bm25"
    assert _config(parser.parse_args(["ask", "Who?"])).retrieval == "dense"
    assert parser.parse_args(["index", "build", "p.jsonl", "--out", "ix", "--hybrid"]).hybrid is True
    with pytest.raises(UsageError, match="invalid choice: 'sparse'"):
        parser.parse_args(["ask", "Who?", "--retrieval", "sparse"])
