"""Planning a sweep (rankscope.sweep.plan): every point's config resolved, bad specs refused first."""

import pytest

from rankscope.sweep import Grid, LocalPool, SweepSpec, parse_grid, run_sweep
from rankscope.sweep.plan import plan_sweep


def test_bad_specs_are_refused_before_anything_runs(sweep_spec, tiny, tmp_path):
    def spec(grid, overrides=sweep_spec.overrides, experiment="staircase"):
        return SweepSpec(experiment, "quick", parse_grid(grid), overrides)

    with pytest.raises(ValueError, match=r"\['width'\] are not fields of the 'staircase' config; valid keys"):
        run_sweep(spec(["width=25,50"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"grid point eps=tiny: eps must be a number; got 'tiny'"):
        run_sweep(spec(["eps=1e-6,tiny"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"grid point activation=nope: activation must be one of \['tanh', "):
        run_sweep(spec(["activation=tanh,nope"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"\['every'\] are given both in --grid and in --set"):
        run_sweep(spec(["every=5,10"]), tmp_path / "a")
    with pytest.raises(ValueError, match=r"seed_key 'sed' is not a field of the 'staircase' config"):
        run_sweep(
            SweepSpec("staircase", "quick", parse_grid(["seed=0:2"]), tiny, seed_key="sed"), tmp_path / "a"
        )
    with pytest.raises(ValueError, match=r"holds_fraction must be a number in \(0, 1\]; got 0"):
        run_sweep(
            SweepSpec("staircase", "quick", parse_grid(["seed=0:2"]), tiny, holds_fraction=0), tmp_path / "a"
        )
    with pytest.raises(ValueError, match=r"the grid is empty"):
        run_sweep(SweepSpec("staircase", "quick", Grid((), ())), tmp_path / "a")
    with pytest.raises(ValueError, match=r"experiment 'stairs' is unknown"):
        run_sweep(spec(["seed=0:2"], experiment="stairs"), tmp_path / "a")
    with pytest.raises(ValueError, match=r"jobs must be a positive integer; got 0"):
        run_sweep(spec(["seed=0:2"]), tmp_path / "a", backend=LocalPool(jobs=0))
    assert not (tmp_path / "a").exists()


def test_plan_lists_every_point_with_its_thread_count(sweep_spec):
    points, threads = plan_sweep(sweep_spec)
    assert [p.name for p in points] == [
        "seed=0__stages=adam_40_0.01",
        "seed=0__stages=sgd_40_1e+30",
        "seed=1__stages=adam_40_0.01",
        "seed=1__stages=sgd_40_1e+30",
    ]
    assert [p.index for p in points] == [0, 1, 2, 3] and points[1].settings["stages"] == (("sgd", 40, 1e30),)
    assert threads == dict.fromkeys(threads, 1) and sorted(threads) == sorted(p.name for p in points)
    with pytest.raises(TypeError, match=r"spec\.grid must be a Grid"):
        plan_sweep(SweepSpec("staircase", "quick", {"seed": [0, 1]}))  # type: ignore[arg-type]
