"""rankscope.bench: ratios against a baseline, their targets, benchmark discovery (no timing asserted)."""

import pytest

from rankscope.bench import BenchResult, best_of, discover, run_all


def _result(kind, baseline_s, candidate_s, target):
    return BenchResult("demo", "base", baseline_s, "cand", candidate_s, kind, target)


def test_ratios_and_targets_by_kind():
    over = _result("overhead", 2.0, 3.0, 1.6)
    assert over.ratio == 1.5 and over.passed  # candidate / baseline <= target
    assert not _result("overhead", 2.0, 3.0, 1.4).passed
    fast = _result("speedup", 3.0, 0.5, 5.0)
    assert fast.ratio == 6.0 and fast.passed  # baseline / candidate >= target
    assert not _result("speedup", 3.0, 1.0, 5.0).passed
    assert over.describe() == "demo: time ratio 1.50x (target <= 1.6x); base 2.000s, cand 3.000s"
    assert fast.describe().startswith("demo: speed-up 6.00x (target >= 5x)")


def test_best_of_calls_repeatedly_and_returns_the_last_result():
    calls = []
    seconds, out = best_of(lambda: calls.append(len(calls)) or len(calls), repeats=4)
    assert out == 4 and calls == [0, 1, 2, 3] and 0.0 <= seconds < 10.0


def test_discover_and_run_all_read_bench_modules(tmp_path, monkeypatch):
    (tmp_path / "bench_toy.py").write_text(
        "from rankscope.bench import BenchResult\n"
        "def run(quick=False):\n"
        "    return [BenchResult('toy', 'b', 1.0, 'c', 0.5 if quick else 2.0, 'overhead', 1.0)]\n"
    )
    (tmp_path / "helper.py").write_text("")
    assert discover(tmp_path) == {"toy": tmp_path / "bench_toy.py"}
    monkeypatch.setattr("rankscope.bench.benchmarks_dir", lambda: tmp_path)
    (res,) = run_all(quick=True)
    assert res.name == "toy" and res.passed and run_all(["toy"])[0].ratio == 2.0
    with pytest.raises(
        ValueError, match=r"benchmark names \['nope'\] are unknown; expected some of \['toy'\]"
    ):
        run_all(["nope"])
