"""TensorBoardSink against the real tensorboard package: records written, then read back with
TensorBoard's own EventAccumulator."""

import importlib
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import rankscope
from rankscope.integrations.tensorboard import TensorBoardSink
from rankscope.linalg import effective_rank
from rankscope.nets import MLP
from rankscope.sampling import gauss_legendre

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def read_events(log_dir: Path) -> EventAccumulator:
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc


def scalars(acc: EventAccumulator, tag: str) -> tuple[list[int], list[float]]:
    events = acc.Scalars(tag)
    return [e.step for e in events], [e.value for e in events]


def docs_snippet(heading: str) -> str:
    """The first ```python block after the ``## <heading>`` line of docs/integrations.md."""
    text = DOCS.read_text()
    section = text[text.index(f"## {heading}") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, heading
    return match.group(1)


def train_with_monitor(sink: TensorBoardSink) -> rankscope.Monitor:
    x = torch.linspace(-1, 1, 100)[:, None]
    y = torch.sin(3 * x)
    net = MLP(1, 8, 2, seed=0)
    q = gauss_legendre((-1.0, 1.0), 60)
    mon = rankscope.Monitor(
        net, "all", q, every=5, measures={"effective_rank": effective_rank}, keep_spectra=True, sink=sink
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(11):
        loss = ((net(x) - y) ** 2).mean()
        mon.record(step, loss=loss.item(), lr=1e-2)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return mon


def test_the_event_file_holds_the_monitors_history_exactly(tmp_path):
    with TensorBoardSink(tmp_path) as sink:
        mon = train_with_monitor(sink)
    h = mon.history
    assert h.steps == [0, 5, 10]
    acc = read_events(tmp_path)
    layers = ["layers.0", "layers.1"]
    expected = {"rankscope/loss", "rankscope/lr"}
    expected |= {f"rankscope/{layer}/{m}" for layer in layers for m in ("eps_rank", "effective_rank")}
    expected |= {f"rankscope/{layer}/positive_eigenvalues" for layer in layers}
    assert set(acc.Tags()["scalars"]) == expected
    assert set(sink.tags_written) == expected | {f"rankscope/{layer}/spectrum" for layer in layers}
    assert scalars(acc, "rankscope/loss") == (h.steps, [float(np.float32(v)) for v in h.loss])
    assert scalars(acc, "rankscope/lr") == (h.steps, [float(np.float32(1e-2))] * 3)
    for measure, per_layer in h.measures.items():
        for layer, values in per_layer.items():
            got = scalars(acc, f"rankscope/{layer}/{measure}")
            assert got == (h.steps, [float(np.float32(v)) for v in values]), (measure, layer)
    assert set(acc.Tags()["histograms"]) == {f"rankscope/{layer}/spectrum" for layer in layers}
    for layer in layers:
        events = acc.Histograms(f"rankscope/{layer}/spectrum")
        assert [e.step for e in events] == h.steps
        _, counts = scalars(acc, f"rankscope/{layer}/positive_eigenvalues")
        for event, count, spectrum in zip(events, counts, h.spectra[layer], strict=True):
            positive = spectrum[spectrum > 0]
            assert event.histogram_value.num == count == positive.size > 0
            assert event.histogram_value.min == np.log10(positive.min())
            assert event.histogram_value.max == np.log10(positive.max())


def test_nan_is_written_as_nan_not_dropped(tmp_path):
    with TensorBoardSink(tmp_path, prefix="rs") as sink:
        sink({"step": 3, "loss": None, "measures": {"eps_rank": {"a": math.nan, "b": 2}}, "spectrum": {}})
        sink({"step": 4, "loss": math.nan, "measures": {"eps_rank": {"a": 1, "b": 2}}})
        sink(
            {
                "step": 5,
                "loss": 1.0,
                "measures": {},
                "spectrum": {"a": [math.nan, math.nan], "b": [0.0, -1e-17]},
            }
        )
    acc = read_events(tmp_path)
    steps, values = scalars(acc, "rs/a/eps_rank")
    assert steps == [3, 4] and math.isnan(values[0]) and values[1] == 1.0
    steps, values = scalars(acc, "rs/loss")  # a record without a loss writes none; a NaN loss is NaN
    assert steps == [4, 5] and math.isnan(values[0]) and values[1] == 1.0
    steps, values = scalars(acc, "rs/a/positive_eigenvalues")
    assert steps == [5] and math.isnan(values[0])
    assert scalars(acc, "rs/b/positive_eigenvalues") == ([5], [0.0])
    assert acc.Tags()["histograms"] == []  # no positive finite eigenvalue: no histogram


def test_histograms_can_be_turned_off(tmp_path):
    with TensorBoardSink(tmp_path, histograms=False) as sink:
        sink({"step": 0, "loss": 0.5, "measures": {"eps_rank": {"a": 1}}, "spectrum": {"a": [1.0, 0.1]}})
    acc = read_events(tmp_path)
    assert acc.Tags()["histograms"] == []
    assert set(acc.Tags()["scalars"]) == {"rankscope/loss", "rankscope/a/eps_rank"}


def test_flush_makes_the_records_readable_before_close(tmp_path):
    sink = TensorBoardSink(tmp_path / "new" / "dir")
    sink({"step": 7, "loss": 0.25, "measures": {"eps_rank": {"a": 4}}})
    sink.flush()
    assert scalars(read_events(tmp_path / "new" / "dir"), "rankscope/a/eps_rank") == ([7], [4.0])
    sink.close()
    sink.close()  # idempotent
    assert "closed" in repr(sink)
    with pytest.raises(RuntimeError, match="is closed; make a new one"):
        sink({"step": 8, "measures": {}})


def test_bad_arguments_are_one_line_errors_naming_them(tmp_path):
    file = tmp_path / "events.txt"
    file.write_text("")
    with pytest.raises(
        ValueError, match=r"^log_dir must be a directory; got '.*events.txt', which is a file"
    ):
        TensorBoardSink(file)
    with pytest.raises(
        ValueError, match=r"log_dir must be a directory; .*lies under the file '.*events.txt'"
    ):
        TensorBoardSink(file / "sub")
    with pytest.raises(TypeError, match="log_dir must be a directory path"):
        TensorBoardSink(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="prefix must be a non-empty string"):
        TensorBoardSink(tmp_path, prefix="")


def test_a_missing_tensorboard_package_names_the_extra(monkeypatch):
    monkeypatch.delitem(sys.modules, "rankscope.integrations.tensorboard")
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'rankscope[tensorboard]'")) as info:
        importlib.import_module("rankscope.integrations.tensorboard")
    assert "\n" not in str(info.value)


def test_the_package_loads_the_sink_lazily():
    import rankscope.integrations as integrations

    assert integrations.TensorBoardSink is TensorBoardSink
    assert "TensorBoardSink" in dir(integrations)
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = integrations.nope


def test_the_docs_snippet_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(docs_snippet("TensorBoard"), namespace)
    history = namespace["monitor"].history  # type: ignore[attr-defined]
    acc = read_events(tmp_path / "runs" / "tensorboard")
    assert scalars(acc, "rankscope/layers.1/eps_rank") == (
        history.steps,
        [float(v) for v in history.eps_rank["layers.1"]],
    )
    assert acc.Tags()["histograms"]  # the monitor keeps spectra by default
    assert str(history.eps_rank) in capsys.readouterr().out
