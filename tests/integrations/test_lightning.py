"""RankscopeCallback inside a real ``lightning.Trainer`` on CPU: the steps it records, what reaches the
logger, and that training is bitwise unchanged."""

import copy
import csv
import importlib
import math
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

pytest.importorskip("lightning")

import lightning
from lightning.pytorch.loggers import CSVLogger
from torch.utils.data import DataLoader, TensorDataset

from rankscope.integrations.lightning import RankscopeCallback
from rankscope.linalg import effective_rank, eigenspectrum, eps_rank
from rankscope.matrices import gram_matrix
from rankscope.nets import MLP
from rankscope.sampling import gauss_legendre

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
QUADRATURE = gauss_legendre((-1.0, 1.0), 40)
pytestmark = [
    # Lightning's advice for small CPU runs (few workers, few batches, no accelerator), not failures
    pytest.mark.filterwarnings("ignore::UserWarning"),
    # lightning 2.6 on torch 2.13 calls a deprecated torch pytree check
    pytest.mark.filterwarnings("ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated"),
]


class Regressor(lightning.LightningModule):
    def __init__(self, loss_as_dict: bool = False) -> None:
        super().__init__()
        self.net = MLP(1, 8, 2, seed=0)
        self.loss_as_dict = loss_as_dict

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self(x), y)
        self.log("train_loss", loss)
        return {"loss": loss} if self.loss_as_dict else loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class WeightSpy(lightning.Callback):
    """The parameters in place at the start of each optimiser step, by ``global_step``."""

    def __init__(self) -> None:
        self.before: dict[int, dict[str, torch.Tensor]] = {}

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.before.setdefault(trainer.global_step, copy.deepcopy(pl_module.net.state_dict()))


def fit(tmp_path: Path, callbacks: list, max_steps: int = 5, **module_kwargs) -> Regressor:
    x = torch.linspace(-1, 1, 48)[:, None]
    data = DataLoader(TensorDataset(x, torch.sin(3 * x)), batch_size=16)  # 3 batches an epoch
    model = Regressor(**module_kwargs)
    trainer = lightning.Trainer(
        max_steps=max_steps,
        accelerator="cpu",
        logger=CSVLogger(tmp_path),
        callbacks=callbacks,
        log_every_n_steps=1,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, data)
    model.trainer_ = trainer
    return model


def read_metrics(model: Regressor) -> dict[str, dict[int, float]]:
    """``{column: {step: value}}`` of the CSV the run's logger wrote."""
    path = Path(model.trainer_.logger.log_dir) / "metrics.csv"
    out: dict[str, dict[int, float]] = {}
    with path.open() as f:
        for row in csv.DictReader(f):
            for key, value in row.items():
                if key != "step" and value != "":
                    out.setdefault(key, {})[int(row["step"])] = float(value)
    return out


def test_the_callback_records_every_second_step_and_logs_to_the_trainers_logger(tmp_path):
    seen = []
    cb = RankscopeCallback(
        layers="all",
        quadrature=QUADRATURE,
        every=2,
        measures={"effective_rank": effective_rank},
        module="net",
        sink=seen.append,
    )
    spy = WeightSpy()
    model = fit(tmp_path, [spy, cb], max_steps=5)
    h = cb.history
    # on_train_batch_start sees global_step 0..4 (5 optimiser steps); due: 0, 2, 4. The final network
    # (global_step 5 after fit) is not due.
    assert model.trainer_.global_step == 5 and sorted(spy.before) == [0, 1, 2, 3, 4]
    assert h.steps == [s for s in sorted(spy.before) if s % 2 == 0] == [0, 2, 4]
    assert [r["step"] for r in seen] == h.steps
    metrics = read_metrics(model)
    # the record of step s has the loss of step s's batch: the train_loss Lightning logged at step s
    assert h.loss == [metrics["train_loss"][s] for s in h.steps]
    # ... and the measures of the parameters before the update of step s
    for i, s in enumerate(h.steps):
        net = MLP(1, 8, 2, seed=1)
        net.load_state_dict(spy.before[s])
        for layer in ("layers.0", "layers.1"):
            gram = gram_matrix(net, layer, QUADRATURE)
            assert h.measures["eps_rank"][layer][i] == eps_rank(gram)
            assert h.measures["effective_rank"][layer][i] == pytest.approx(
                effective_rank(eigenspectrum(gram)), rel=1e-12
            )
    for measure in ("eps_rank", "effective_rank"):
        for layer in ("layers.0", "layers.1"):
            logged = metrics[f"rankscope/{layer}/{measure}"]
            assert logged == dict(zip(h.steps, map(float, h.measures[measure][layer]), strict=True))
    assert "rankscope/layers.1/eps_rank" in model.trainer_.callback_metrics
    assert not h.spectra  # keep_spectra=False by default


def test_training_is_bitwise_the_same_with_and_without_the_callback(tmp_path):
    cb = RankscopeCallback(layers="all", quadrature=QUADRATURE, every=1, module="net")
    with_cb = fit(tmp_path / "with", [cb], max_steps=5)
    without = fit(tmp_path / "without", [], max_steps=5)
    assert cb.history.steps == [0, 1, 2, 3, 4, 5]  # every=1: the final network too
    a, b = with_cb.state_dict(), without.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    start = MLP(1, 8, 2, seed=0).state_dict()
    assert not torch.equal(a["net.layers.0.linear.weight"], start["layers.0.linear.weight"])  # it trained


def test_the_final_network_is_recorded_without_a_loss_when_due(tmp_path):
    # the whole LightningModule: layer names start with its attribute ``net``
    cb = RankscopeCallback("net.layers.1", quadrature=QUADRATURE, every=2, keep_spectra=True)
    model = fit(tmp_path, [cb], max_steps=4, loss_as_dict=True)
    h = cb.history
    assert h.steps == [0, 2, 4]
    assert all(math.isfinite(v) for v in h.loss[:2]) and math.isnan(h.loss[2])
    assert list(h.eps_rank) == ["net.layers.1"] and len(h.spectra["net.layers.1"]) == 3
    final = gram_matrix(model.net, "last", QUADRATURE)
    assert h.eps_rank["net.layers.1"][2] == eps_rank(final)
    assert read_metrics(model)["rankscope/net.layers.1/eps_rank"][4] == h.eps_rank["net.layers.1"][2]


def test_other_ranks_do_nothing():
    cb = RankscopeCallback(quadrature=QUADRATURE, every=1, module="net")
    trainer = SimpleNamespace(is_global_zero=False, global_step=0, loggers=[])
    module = Regressor()
    cb.on_fit_start(trainer, module)
    cb.on_train_batch_start(trainer, module, None, 0)
    cb.on_train_batch_end(trainer, module, torch.tensor(1.0), None, 0)
    cb.on_train_end(trainer, module)
    assert cb.monitor is None and len(cb.history) == 0


def test_bad_arguments_are_one_line_errors_naming_them():
    with pytest.raises(TypeError, match="quadrature is required"):
        RankscopeCallback()
    with pytest.raises(ValueError, match="every must be a positive integer"):
        RankscopeCallback(quadrature=QUADRATURE, every=0)
    with pytest.raises(ValueError, match="eps must be a finite real number >= 0"):
        RankscopeCallback(quadrature=QUADRATURE, eps=-1.0)
    with pytest.raises(ValueError, match="mode"):
        RankscopeCallback(quadrature=QUADRATURE, mode="sideways")
    with pytest.raises(TypeError, match="module must be a dotted attribute path"):
        RankscopeCallback(quadrature=QUADRATURE, module=3)
    cb = RankscopeCallback(quadrature=QUADRATURE, module="body")
    trainer = SimpleNamespace(is_global_zero=True)
    with pytest.raises(
        ValueError, match=r"module='body' is not a sub-module of Regressor; expected one of \['net'"
    ):
        cb.on_fit_start(trainer, Regressor())
    with pytest.raises(ValueError, match="unknown layer 'nope'"):
        RankscopeCallback("nope", quadrature=QUADRATURE, module="net").on_fit_start(trainer, Regressor())


def test_a_missing_lightning_package_names_the_extra(monkeypatch):
    monkeypatch.delitem(sys.modules, "rankscope.integrations.lightning")
    monkeypatch.setitem(sys.modules, "lightning.pytorch", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'rankscope[lightning]'")) as info:
        importlib.import_module("rankscope.integrations.lightning")
    assert "\n" not in str(info.value)


def test_the_package_loads_the_callback_lazily():
    import rankscope.integrations as integrations

    assert integrations.RankscopeCallback is RankscopeCallback


def test_the_docs_snippet_runs_as_written(tmp_path, monkeypatch, capsys):
    text = DOCS.read_text()
    section = text[text.index("## Lightning") :]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_snippet"}
    exec(snippet, namespace)
    history = namespace["callback"].history
    assert history.steps == [0, 10, 20, 30, 40]
    assert f"{history.steps} {history.eps_rank}" in capsys.readouterr().out
    csv_file = tmp_path / "runs" / "lightning" / "lightning_logs" / "version_0" / "metrics.csv"
    header = csv_file.read_text().splitlines()[0].split(",")
    assert {"rankscope/layers.0/eps_rank", "rankscope/layers.1/eps_rank"} <= set(header)
