"""Trainer: step accounting, the final loss, and losses that differentiate the network in x."""

import torch
from torch import nn

from rankscope.train import Stage, Trainer


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1)).double()


def _pinn_like_loss(model: nn.Module) -> torch.Tensor:
    x = torch.linspace(-1, 1, 16, dtype=torch.float64)[:, None].requires_grad_(True)
    (du,) = torch.autograd.grad(model(x).sum(), x, create_graph=True)
    return ((du - 1.0) ** 2).mean()


def test_final_loss_of_an_x_derivative_loss_is_evaluated_after_the_last_step() -> None:
    net = _net()
    seen: list[tuple[int, float]] = []

    class Rec:
        def on_step(self, step: int, loss: float) -> None:
            seen.append((step, loss))

    t = Trainer(net, _pinn_like_loss, [Stage("adam", 4, 1e-2)], callbacks=[Rec()]).run()
    assert t.step == 4
    assert [s for s, _ in seen] == [0, 1, 2, 3, 4]
    # the last callback sees the loss of the trained parameters
    assert seen[-1][1] == float(_pinn_like_loss(net).detach())
    assert t.last_loss == seen[-1][1]
    assert seen[-1][1] < seen[0][1]


def test_stages_run_in_turn_and_lbfgs_reports_the_loss_before_its_update() -> None:
    net = _net()
    losses: list[float] = []

    class Rec:
        def on_step(self, step: int, loss: float) -> None:
            losses.append(loss)

    t = Trainer(net, _pinn_like_loss, [Stage("adam", 2, 1e-2), Stage("lbfgs", 2, 1.0)], callbacks=[Rec()])
    t.run(until=3)
    assert t.step == 3
    before = float(_pinn_like_loss(net).detach())
    t.run()
    assert losses[3] == before
    assert t.step == t.total_steps == 4


def test_lbfgs_line_search_recovers_from_a_rejected_first_trial() -> None:
    # On x^2 from x = 1 with lr 10 the first trial step lands at x = -9 (Armijo fails); the line
    # search must be given more evaluations than that one trial or L-BFGS never moves.
    class Scalar(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.x = nn.Parameter(torch.tensor([1.0], dtype=torch.float64))

    m = Scalar()
    t = Trainer(m, lambda mod: (mod.x**2).sum(), [Stage("lbfgs", 3, 10.0)]).run()
    assert t.last_loss < 1e-6
