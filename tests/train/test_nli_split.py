"""The NLI training mixture's dev carve-out: fixed across training seeds, never trained on."""

from __future__ import annotations

from kgqa.train.args import TrainArgs
from kgqa.train.data import mnli_split
from kgqa.train.nli import DEV_FROM_MNLI, nli_training_data


def _key(ex):
    return ex.premise, ex.hypothesis


def test_dev_split_does_not_depend_on_the_training_seed(data_root) -> None:
    train_a, dev_a = nli_training_data(data_root, TrainArgs(task="nli", seed=1, derived_data=False))
    train_b, dev_b = nli_training_data(data_root, TrainArgs(task="nli", seed=2, derived_data=False))
    assert [_key(e) for e in dev_a] == [_key(e) for e in dev_b]
    dev_keys = {_key(e) for e in dev_a}
    assert not dev_keys & {_key(e) for e in train_a + train_b}
    held_out = {_key(e) for e in mnli_split(data_root)[1]}
    assert not held_out & {_key(e) for e in train_a}
    _, dev_c = nli_training_data(data_root, TrainArgs(task="nli", seed=1, dev_split_seed=7, derived_data=False))
    assert [_key(e) for e in dev_c[:DEV_FROM_MNLI]] != [_key(e) for e in dev_a[:DEV_FROM_MNLI]]


def test_repeat_multiplies_a_source(data_root) -> None:
    import pytest

    from kgqa.errors import ConfigError

    plain, _ = nli_training_data(data_root, TrainArgs(task="nli", derived_data=False))
    doubled, _ = nli_training_data(data_root, TrainArgs(task="nli", derived_data=False, repeat=["rte=2"]))
    n_rte = sum(ex.source == "rte" for ex in plain)
    assert n_rte > 0
    assert sum(ex.source == "rte" for ex in doubled) == 2 * n_rte
    assert len(doubled) == len(plain) + n_rte
    with pytest.raises(ConfigError, match="no source named"):
        nli_training_data(data_root, TrainArgs(task="nli", derived_data=False, repeat=["rtee=2"]))
    with pytest.raises(ConfigError, match="SOURCE=TIMES"):
        TrainArgs(task="nli", repeat=["rte"])
