import math

from rankscope.nets import MLP
from rankscope.report.history import history_figures, is_monitor_history
from rankscope.sampling import gauss_legendre
from rankscope.store import RunDir
from rankscope.train import Monitor


def test_a_monitor_with_a_run_dir_sink_is_drawn_by_the_generic_report(tmp_path):
    from rankscope.experiments import rebuild_report

    run = RunDir.create(tmp_path / "mine", experiment="monitor", preset="custom", config={"lr": 1e-3})
    net = MLP(1, 6, 2, seed=0)
    mon = Monitor(
        net, layers="all", quadrature=gauss_legendre((-1.0, 1.0), 40), every=1, keep_spectra=True, sink=run
    )
    for step in range(3):
        mon.record(step, loss=1.0 / (step + 1))
    records = run.read_metrics()
    assert is_monitor_history(records) and [r["step"] for r in records] == [0, 1, 2]
    assert records[0]["measures"]["eps_rank"] == {k: v[0] for k, v in mon.history.eps_rank.items()}
    page = rebuild_report(run.path).read_text()
    assert page.count("data:image/png") == 1 + len(mon.history.spectra)
    assert (run.path / "figures" / "history.png").is_file()


def test_no_records_no_figures_and_nan_values_are_stored_as_null(tmp_path):
    run = RunDir.create(tmp_path / "r", experiment="monitor", preset="custom", config={})
    assert history_figures(run) == []
    run.append_metrics({"step": 0, "loss": None, "measures": {"eps_rank": {"h": math.nan}}})
    run.append_metrics({"step": 1, "loss": 0.5, "measures": {"eps_rank": {"h": 3}}})
    assert [p.name for p in history_figures(run)] == ["history.png"]
    assert not is_monitor_history([{"iter": 0, "loss": 1.0}])
    assert run.read_metrics()[0]["measures"]["eps_rank"]["h"] is None  # JSON has no NaN: stored as null
