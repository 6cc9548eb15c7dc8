"""Experiment ``rank-components`` (paper 004 Fig. 3, Thm 3): the rank each component loses."""

import json

from rankscope.experiments import run_experiment
from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper004.rank_components import (
    ComponentsExperiment,
    components_checks,
    invariant_directions,
)


def _summary(path):
    return json.loads((path / "summary.json").read_text())


def test_components_checks_can_hold_and_fail():
    cfg = resolve_config(ComponentsExperiment(), "quick", {"channels": 2, "groups": 1})
    d = 128

    def row(name, rank_after, pca_after):
        return {
            "component": name,
            "rank_before": d,
            "rank_after": rank_after,
            "pca_before": 120,
            "pca_after": pca_after,
            "predicted_loss": invariant_directions(name, 2, 1),
        }

    good = [
        row("conv3x3", 120, 100),
        row("fc", 125, 105),
        row("batchnorm", 124, 120),  # batch statistics at one point: 2 per channel (batchnorm_mode)
        row("layernorm", 126, 119),
        row("instancenorm", 124, 118),
        row("groupnorm", 126, 119),
    ]
    checks, _ = components_checks(cfg, good)
    assert [c.holds for c in checks] == [True, True, True, True]
    bad = [
        row("conv3x3", 130, 119),
        row("fc", 125, 118),
        row("batchnorm", 128, 120),
        row("layernorm", 120, 119),
        row("instancenorm", 124, 118),
        row("groupnorm", 126, 119),
    ]
    checks, _ = components_checks(cfg, bad)
    assert [c.holds for c in checks] == [False, False, False, False]


def test_tiny_components_run(tmp_path):
    run_experiment("rank-components", "quick", tmp_path / "c", {"channels": 2, "groups": 1, "samples": 300})
    s = _summary(tmp_path / "c")
    assert len(s["checks"]) == 4
    rows = s["measures"]["rows"]
    assert [r["component"] for r in rows] == list(ComponentsExperiment.Config().components)
    by = {r["component"]: r for r in rows}
    assert by["layernorm"]["rank_before"] - by["layernorm"]["rank_after"] == 2  # Thm 3, exact
    assert by["instancenorm"]["rank_before"] - by["instancenorm"]["rank_after"] == 4
    # BatchNorm: the claims read batch statistics (2 per channel lost at one point, PCA kept); eval
    # mode (running statistics, an affine map) is measured beside it and loses nothing
    bn = by["batchnorm"]
    assert bn["rank_before"] - bn["rank_after_train"] == 4 == bn["rank_before"] - bn["rank_after"]
    assert bn["rank_after_eval"] == bn["rank_before"]
    assert bn["pca_after_train"] == bn["pca_after_eval"] == bn["pca_before"]


def test_eval_mode_batchnorm_preserves_rank_and_fails_the_claim(tmp_path):
    over = {"channels": 2, "groups": 1, "samples": 300, "batchnorm_mode": "eval"}
    run_experiment("rank-components", "quick", tmp_path / "e", over)
    checks = {c["name"]: c for c in _summary(tmp_path / "e")["checks"]}
    assert checks["no component preserves rank"]["holds"] is False
    assert "batchnorm" in checks["no component preserves rank"]["ours"]
