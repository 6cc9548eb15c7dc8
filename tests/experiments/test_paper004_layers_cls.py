import json

import numpy as np
import pytest

from rankscope.experiments import run_experiment
from rankscope.experiments._paper004_common import rank_increases
from rankscope.experiments.base import resolve_config
from rankscope.experiments.checks import unexpected_failures
from rankscope.experiments.paper004_cls import (
    ClsDimExperiment,
    DeficitExperiment,
    cls_dim_checks,
    deficit_checks,
)
from rankscope.linalg import Spectrum
from rankscope.matrices.jacobian import PartialRanks
from rankscope.store import RunDir

TINY_TRAIN = {"stages": [["adam", 20, 0.01]], "width": 16, "depth": 2, "checkpoint_every": 10}


def _summary(path):
    return json.loads((path / "summary.json").read_text())


def _ranks(svals):
    specs = tuple(Spectrum(np.asarray(s, float), "svd", "float32", (len(s), len(s))) for s in svals)
    from rankscope.linalg import numerical_rank

    return PartialRanks(
        tuple(f"l{i}" for i in range(len(svals))),
        tuple(numerical_rank(s) for s in specs),
        specs,
        tuple(len(s) for s in svals),
        len(svals[0]),
        "forward",
        "numerical",
        None,
    )


def test_rank_increases_ignores_changes_within_float_resolution():
    eps = np.finfo(np.float32).eps * 3
    res = _ranks([[1.0, 1.0, eps / 2], [1.0, 1.0, 2 * eps], [1.0, 1.0, 1e-2]])
    assert res.ranks == (2, 3, 3)
    assert rank_increases(res, resolution=10.0) == []  # 2 -> 3 by a value of 2 eps: within 10x the threshold
    jump = _ranks([[1.0, 1.0, eps / 2], [1.0, 1.0, 1e-2]])
    assert rank_increases(jump, resolution=10.0) == [("l1", 2, 3)]  # 1e-2 is far above it
    assert rank_increases(_ranks([[1.0, 0.5, 0.1], [1.0, 0.1, 0.0]]), 10.0) == []


def test_tiny_layers_run_and_resume(tmp_path):
    over = {
        "image_size": 8,
        "patch": 2,
        "resnet_width": 2,
        "mixer_dim": 8,
        "mixer_depth": 1,
        "vit_dim": 8,
        "vit_depth": 1,
        "vit_heads": 2,
        "minilm": False,
        "digits_width": 8,
        "digits_depth": 2,
        "digits_samples": 1,
        "stages": [["adam", 20, 0.01]],
        "checkpoint_every": 10,
    }
    run_experiment("rank-layers", "quick", tmp_path / "l", over)
    s = _summary(tmp_path / "l")
    assert [c["name"] for c in s["checks"]] == [
        "partial rank never increases with depth",
        "partial rank diminishes from the first to the last sub-network",
    ]
    assert set(s["measures"]["partial_ranks"]) == {
        "resnet18",
        "mixer",
        "vit",
        "digits-mlp/0",
        "digits-resnet/0",
        "digits-vit/0",
    }
    assert s["measures"]["minilm"] == {"skipped": "minilm = false in the config"}
    assert (tmp_path / "l" / "figures" / "partial_ranks.png").is_file()

    class Kill(Exception):
        pass

    def killer(label, done, total):
        if label == "digits-resnet" and done == 15:
            raise Kill

    with pytest.raises(Kill):
        run_experiment("rank-layers", "quick", tmp_path / "k", over, progress=killer)
    run_experiment("rank-layers", "quick", tmp_path / "k", over, resume=True)
    a, b = RunDir(tmp_path / "l").read_metrics(), RunDir(tmp_path / "k").read_metrics()
    assert [(r["net"], r["iter"], r["loss"]) for r in a] == [(r["net"], r["iter"], r["loss"]) for r in b]
    assert _summary(tmp_path / "k")["measures"]["partial_ranks"] == s["measures"]["partial_ranks"]


def test_tiny_cls_runs(tmp_path):
    run_experiment("cls-dim", "quick", tmp_path / "c", TINY_TRAIN)
    s = _summary(tmp_path / "c")
    assert set(s["measures"]) == {"mlp", "resnet", "vit"}
    assert all(m["ambient_dim"] == 16 for m in s["measures"].values())
    assert np.load(tmp_path / "c" / "arrays.npz")["vit/curve"].shape == (16,)
    run_experiment("independence-deficit", "quick", tmp_path / "d", {**TINY_TRAIN, "targets": [0, 3]})
    s = _summary(tmp_path / "d")
    assert set(s["measures"]) == {"0", "3"} and len(s["checks"]) == 2
    assert (tmp_path / "d" / "figures" / "independence_deficit.png").is_file()


def test_cls_and_deficit_checks_can_hold_and_fail():
    cfg = resolve_config(ClsDimExperiment(), "quick")
    low = {"mlp": {"cls_dim": 8, "ambient_dim": 64, "full_accuracy": 0.9}}
    high = {"mlp": {"cls_dim": 40, "ambient_dim": 64, "full_accuracy": 0.9}}
    assert cls_dim_checks(cfg, low)[0].holds and not cls_dim_checks(cfg, high)[0].holds
    dcfg = resolve_config(DeficitExperiment(), "quick")

    def res(support, pos, ori_pos):
        return {
            "support": support,
            "r2": 0.9,
            "coefficients": [0.0] * 10,
            "accuracy": 0.9,
            "original_accuracy": 0.9,
            "positive_accuracy": pos,
            "original_positive_accuracy": ori_pos,
        }

    assert [c.holds for c in deficit_checks(dcfg, {"0": res([1, 2], 0.95, 0.97)})] == [True, True]
    assert [c.holds for c in deficit_checks(dcfg, {"0": res([1, 2, 3, 4, 5], 0.5, 0.97)})] == [False, False]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rank-layers", "cls-dim", "independence-deficit"])
def test_quick_presets_reproduce(tmp_path, name):
    known_false = {"partial rank diminishes from the first to the last sub-network"}
    run_experiment(name, "quick", tmp_path / name)
    failing = unexpected_failures(_summary(tmp_path / name)["checks"], known_false)
    assert not failing, failing
