"""``kgqa train relations`` end to end on a toy graph: a few steps, export, load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kgqa.errors import InputError
from kgqa.graph.relation_model import META_FILE, WEIGHTS_FILE, RelationModel
from kgqa.train.__main__ import build_parser
from kgqa.train.relation_matcher import RelationTrainArgs, args_from_namespace, run

GRAPH = Path(__file__).resolve().parents[1] / "graph" / "fixtures" / "toy.ttl"


def test_parser_builds_the_arguments(tmp_path: Path) -> None:
    ns = build_parser().parse_args(
        ["relations", "--graphs", f"{GRAPH}", "--output-dir", str(tmp_path), "--max-steps", "3", "--layers", "2"]
    )
    args = args_from_namespace(ns)
    assert args.graphs == [str(GRAPH)] and args.max_steps == 3 and args.layers == 2
    assert args.questions is None


def _toy_args(tmp_path: Path, **changes: object) -> RelationTrainArgs:
    """Two steps on the toy graph, exported to ``tmp_path / "model"``."""
    from dataclasses import replace

    args = RelationTrainArgs(
        graphs=[str(GRAPH)],
        output_dir=str(tmp_path / "run"),
        export_dir=str(tmp_path / "model"),
        batch_size=4,
        max_steps=2,
        max_dev=40,
        per_property=6,
        dev_share=0.3,
        eval_minutes=100.0,
    )
    return replace(args, **changes)


def test_train_export_and_load(tmp_path: Path) -> None:
    args = _toy_args(tmp_path)
    summary = run(args)
    assert summary["layers"] == [5]
    assert [h["step"] for h in summary["history"]] == [0, 2]
    folder = tmp_path / "model"
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["layers"] == [5] and -1 <= meta["threshold"] <= 1
    assert (folder / WEIGHTS_FILE).stat().st_size < 4_000_000  # one layer in float16
    assert "kgqa train relations" in (folder / "README.md").read_text()
    # the card's command repeats the ToG flags; a pool without dev examples gets no row
    from kgqa.train.relation_matcher import card

    tog = {"tog": ["q.json"], "tog_graph": "g.ttl", "tog_repeat": 8, "tog_train_all": True}
    text = card({**summary, "args": {**summary["args"], **tog}, "pools": [*summary["pools"], "empty pool"]}, folder)
    assert "--tog q.json --tog-graph g.ttl --tog-repeat 8 --tog-train-all" in text and "| empty pool |" not in text
    assert "--tog " not in card(summary, folder) and "| empty pool |" not in card(summary, folder)
    from kgqa.graph import KnowledgeGraph

    ranked = RelationModel(folder).rank(KnowledgeGraph.load([GRAPH]), "Who wrote [Hamlet]?", top_k=3)
    assert len(ranked) == 3
    # widening: two layers trained from this one-layer model (layer 5 from it, layer 4 from the base's)
    from dataclasses import replace

    wide = run(
        replace(
            args,
            init_dir=str(folder),
            layers=2,
            max_steps=1,
            output_dir=str(tmp_path / "wide"),
            export_dir=str(tmp_path / "wide-model"),
        )
    )
    assert wide["layers"] == [4, 5]
    assert wide["history"][0]["top1"] == summary["best"]["top1"]  # step 0 scores the one-layer model
    # negative: a model whose trained layers are not all among those to train
    with pytest.raises(InputError, match="not within"):
        run(replace(args, init_dir=str(tmp_path / "wide-model"), layers=1, output_dir=str(tmp_path / "x")))


def test_no_examples(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no training examples"):
        run(RelationTrainArgs(output_dir=str(tmp_path)))
    with pytest.raises(InputError, match="--property-labels"):
        run(RelationTrainArgs(output_dir=str(tmp_path), questions=str(tmp_path / "q.txt")))


def test_lora_factors_train_export_and_load(tmp_path: Path) -> None:
    from dataclasses import replace

    import numpy as np

    from kgqa.graph import KnowledgeGraph
    from kgqa.graph.relation_model import FACTORS_FILE

    args = _toy_args(tmp_path, learning_rate=0.01, lora_r=4, lora_targets="query,value")
    summary = run(args)
    assert summary["layers"] == [] and len(summary["low_rank"]) == 12  # query and value of six layers
    folder = tmp_path / "model"
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["layers"] == [] and set(meta["low_rank"]) == set(summary["low_rank"])
    assert (folder / FACTORS_FILE).stat().st_size < 200_000 and not (folder / WEIGHTS_FILE).exists()
    card = (folder / "README.md").read_text()
    assert "LoRA factors (rank 4" in card and "--lora-r 4 --lora-targets query,value" in card
    kg = KnowledgeGraph.load([GRAPH])
    trained = RelationModel(folder)
    assert len(trained.rank(kg, "Who wrote [Hamlet]?", top_k=3)) == 3
    # the factors change the embeddings: the folder is not the plain base
    from sentence_transformers import SentenceTransformer

    from kgqa.paths import base_model_dir

    base = SentenceTransformer(str(base_model_dir()), device="cpu", local_files_only=True)
    base.max_seq_length = trained.max_length
    plain = base.encode(["Who wrote [Hamlet]?"], normalize_embeddings=True)[0]
    assert float(np.dot(plain, trained.encode(["Who wrote [Hamlet]?"])[0])) < 0.99999
    # negative: LoRA factors are trained over the plain base, not over another model's layers
    with pytest.raises(InputError, match="do not combine"):
        run(replace(args, init_dir=str(folder), output_dir=str(tmp_path / "x")))
