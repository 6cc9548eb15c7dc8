"""Experiment ``rank-layers`` (paper 004 Fig. 1(a-c), Thm 2): partial Jacobian ranks layer by layer."""

import json

import pytest

from rankscope.experiments import run_experiment
from rankscope.store import RunDir


def _summary(path):
    return json.loads((path / "summary.json").read_text())


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


def test_code_threshold_is_the_square_root_of_eq4s():
    import numpy as np

    from rankscope.experiments.paper004.rank_layers import code_threshold_ranks
    from rankscope.linalg import Spectrum, numerical_rank
    from rankscope.matrices.jacobian_ranks import PartialRanks, partial_ranks

    k = 100
    cut4 = k * float(np.finfo(np.float32).eps)  # eq. (4): 1.19e-5 relative
    values = np.array([1.0, 0.1, 10 * cut4, 0.5 * cut4])  # the code's cut is sqrt(cut4) = 3.4e-3
    spec = Spectrum(values, kind="svd", dtype="float64", shape=(4, k))
    res = PartialRanks(("a",), (3,), (spec,), (4,), k, "forward", "numerical", None)
    assert numerical_rank(spec, cut4) == 3
    assert code_threshold_ranks(res) == [2]
    # and on a real net it agrees with the library's rule that recomputes J^T J in float32
    import torch

    net = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    x = torch.randn(8, generator=torch.Generator().manual_seed(0))
    ours = code_threshold_ranks(partial_ranks(net, x, "all", ["0", "2"]))
    lib = partial_ranks(net, x, "all", ["0", "2"], rank_rule="jtj_torch_default").ranks
    assert ours == list(lib)
