"""Paper 000 Sec. 4.1-4.2: eps-rank in PDE solving and random features.

``pinn-poisson-udi`` — Example 4.2, Fig. 7. The PINN for ``-Delta u = 8 sin 2x sin 2y`` on
``[-pi/2, pi/2]^2`` with ``u = 0`` on the boundary (exact ``u = sin 2x sin 2y``) minimises the loss
(4.4) ``||Delta u + f||^2_{L2(Omega)} + ||u||^2_{L2(dOmega)}``, both norms by Gauss–Legendre
quadrature (interior tensor rule, boundary face rules of ``rankscope.sampling.boundary``) and the
Laplacian by automatic differentiation (``rankscope.operators.laplacian``). The same tanh MLP starts
from Xavier initialisation or with its first layer re-initialised by uniform-density initialisation
(UDI, eq. 4.5, ``rankscope.nets.udi``); the other layers are the same Xavier draw. We record the loss,
the eps-rank (eps = 1e-6) of the last hidden layer's Gram matrix on a 2-D tensor Gauss–Legendre
rule, and the relative L2 error against the exact solution.

Not stated in the paper, chosen here (all in ``PinnPoissonConfig``): the network (2 hidden layers of
50, paper preset 100), full-batch Adam with learning rate 1e-3 for 1500 steps (paper preset 10000),
20 (30) Gauss–Legendre nodes per axis for the interior and per face for the boundary norm, the UDI
scale ``gamma = 2`` and offsets ``r ~ U[0, R]`` with ``R`` the circumradius of the square.

``rfm-vs-elm`` — Example 4.3, Fig. 8. Fit ``u* = cos x cos y + cos 10x cos 10y`` on ``[-1, 1]^2`` with
900 random tanh features, as the random feature method (RFM: partition of unity by indicator
functions of 3 x 3 subdomains, 100 features each on the local variable) or as the extreme learning
machine (ELM: 900 global features), the outer coefficients by least squares
(``rankscope.nets.random_features``). Fig. 8(f)'s eps-rank/error pairs come from a sweep over feature
counts.

Not stated in the paper, chosen here (``RfmVsElmConfig``): inner weights and biases ``U(-1, 1)`` on
the normalised variable (the RFM paper's ``R_m = 1``), the same for both methods; the fit minimises
the discrete L2 norm on a Gauss–Legendre rule with 20 nodes per subdomain and axis (also the Gram
rule), the error is measured on a finer rule (30 per subdomain and axis); the feature counts of the
sweep. The least-squares solver matters, so both are run and reported:

- ``truncated_svd`` (the configured primary solver): the least-squares solution restricted to the
  singular directions with ``sigma^2 > eps``, i.e. exactly the eps-rank directions of the mass matrix;
  the paper's notion of the usable, eps-linearly independent part of the features. (A float32
  ``lstsq``, PyTorch's default precision, behaves alike: it cannot use directions far below eps.)
- ``lstsq``: scipy's float64 minimum-norm solution using singular values down to ~1e-13 relative.
  Here ELM's tiny-eigenvalue directions still help it; on this problem ELM then fits *better* than
  RFM, and the corresponding check records that the paper's accuracy claim does not hold for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from rankscope.analysis import loglog_slope, staircase_stats
from rankscope.experiments._resume import Job, RecordSink, train_in_turn
from rankscope.experiments.base import (
    Experiment,
    ExperimentConfig,
    Progress,
    choice,
    no_progress,
    register,
)
from rankscope.experiments.checks import Check, at_most
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.nets import ACTIVATIONS, MLP
from rankscope.nets.random_features import SOLVERS, RandomFeatureModel
from rankscope.nets.udi import uniform_density
from rankscope.problems.poisson import poisson_example_4_2
from rankscope.sampling import (
    Box,
    Interval,
    Quadrature,
    boundary,
    gauss_legendre,
    tensor_product,
    uniform_grid,
)
from rankscope.store import RunDir
from rankscope.train import Monitor, Trainer, parse_stages

__all__ = [
    "PinnPoissonConfig",
    "PinnPoissonUDI",
    "RfmVsElm",
    "RfmVsElmConfig",
    "pinn_checks",
    "rfm_checks",
    "steps_to_reach",
]


# ==============================================================================================
# Example 4.2: PINN for Poisson's equation, Xavier vs uniform-density initialisation


@dataclass(frozen=True)
class PinnPoissonConfig(ExperimentConfig):
    """Configuration of ``pinn-poisson-udi`` (see the module docstring for what we chose)."""

    width: int = 50
    depth: int = 2
    activation: str = choice("tanh", ACTIVATIONS)
    inits: tuple[str, ...] = choice(("xavier", "udi"), ("xavier", "udi"))
    udi_gamma: float = 2.0
    udi_radius_fraction: float = 1.0  # r_j ~ U[0, fraction * R], R the circumradius
    stages: tuple[tuple[str, int, float], ...] = (("adam", 1500, 1e-3),)
    interior_points: int = 20  # Gauss–Legendre nodes per axis for ||Delta u + f||^2
    boundary_points: int = 20  # Gauss–Legendre nodes per face for ||u||^2 on the boundary
    quadrature_points: int = 40  # per axis, Gram matrix of the Monitor
    error_points: int = 60  # per axis, relative L2 error
    eps: float = 1e-6
    every: int = 10
    checkpoint_every: int = 500
    loss_level: float = 1e-2  # speed criterion: steps until loss <= loss_level * ||f||^2
    early_fraction: float = 0.1  # "early" eps-rank: mean over the first 10% of training


def steps_to_reach(steps: np.ndarray, loss: np.ndarray, level: float) -> float:
    """First recorded step at which ``loss <= level`` (``inf`` if never).

    Example:
        >>> steps_to_reach(np.array([0, 10, 20]), np.array([5.0, 2.0, 0.5]), 1.0)
        20.0
    """
    hit = np.flatnonzero(np.asarray(loss) <= level)
    return float(steps[hit[0]]) if hit.size else math.inf


def _series_by_run(records: list[dict[str, Any]]) -> dict[str, dict[str, np.ndarray]]:
    out: dict[str, dict[str, list[Any]]] = {}
    for rec in records:
        d = out.setdefault(rec["run"], {"iter": [], "loss": [], "eps_rank": [], "error": [], "spectrum": []})
        layer, rank = next(iter(rec["measures"]["eps_rank"].items()))
        d["iter"].append(rec["iter"])
        d["loss"].append(rec["loss"])
        d["eps_rank"].append(rank)
        d["error"].append(rec["rel_l2_error"])
        d["spectrum"].append(rec["spectrum"][layer])
    return {
        k: {
            "iter": np.asarray(v["iter"], dtype=np.int64),
            "loss": np.asarray(v["loss"], dtype=np.float64),
            "eps_rank": np.asarray(v["eps_rank"], dtype=np.int64),
            "error": np.asarray(v["error"], dtype=np.float64),
            "spectrum": np.asarray(v["spectrum"], dtype=np.float64),
        }
        for k, v in out.items()
    }


def _relative_error(model: nn.Module, x: torch.Tensor, w: torch.Tensor, u: torch.Tensor) -> float:
    """``||u_theta - u|| / ||u||`` in L2 by quadrature, evaluated in float64 without touching ``model``."""
    params = {k: v.detach().double() for k, v in model.named_parameters()}
    with torch.no_grad():
        pred = torch.func.functional_call(model, params, (x,)).reshape(-1)
    return float(torch.sqrt((w * (pred - u) ** 2).sum() / (w * u**2).sum()))


@register
class PinnPoissonUDI(Experiment):
    name = "pinn-poisson-udi"
    summary = (
        "Paper 000 Ex. 4.2 / Fig. 7: PINN for Poisson; uniform-density init starts at a high eps-rank "
        "and trains faster than Xavier"
    )
    paper = "paper 000, Example 4.2, eq. (4.4)-(4.5), Fig. 7"
    Config = PinnPoissonConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {
            "width": 100,
            "stages": (("adam", 10000, 1e-3),),
            "interior_points": 30,
            "boundary_points": 30,
            "every": 20,
            "checkpoint_every": 1000,
        },
    }

    claims = (
        Claim(
            "UDI starts at a higher eps-rank",
            paper="uniform-density initialisation gives the neuron functions a high eps-rank from the "
            "start, Xavier a low one (Fig. 7, left)",
            reads=("initial_eps_rank", "early_mean_eps_rank"),
            criterion=lambda m, cfg: (
                m["udi"]["initial_eps_rank"] > m["xavier"]["initial_eps_rank"]
                and m["udi"]["early_mean_eps_rank"] > m["xavier"]["early_mean_eps_rank"]
            ),
            describe=lambda m, cfg: (
                f"eps-rank at step 0: UDI {m['udi']['initial_eps_rank']} vs Xavier "
                f"{m['xavier']['initial_eps_rank']}; mean over the first {cfg.early_fraction:.0%} of "
                f"training: UDI {m['udi']['early_mean_eps_rank']:.1f} vs Xavier "
                f"{m['xavier']['early_mean_eps_rank']:.1f} of {cfg.width} (criterion: UDI higher on both)"
            ),
            when=lambda cfg: _both_inits(cfg),
        ),
        Claim(
            "UDI decreases the loss faster",
            paper="an initialisation with a high eps-rank significantly accelerates training (Fig. 7, right)",
            reads=("steps_to_level", "loss_level", "loss_at_10pct", "loss_at_50pct", "final_loss"),
            criterion=lambda m, cfg: _speed_margin(m),
            describe=lambda m, cfg: _describe_speed(m, cfg),
            when=lambda cfg: _both_inits(cfg),
        ),
        Claim(
            "UDI ends with a lower error",
            paper="the paper reports no errors; accelerated training implies a more accurate solution "
            "after the same number of steps",
            reads=("final_rel_l2_error",),
            criterion=lambda m, cfg: at_most(
                m["udi"]["final_rel_l2_error"], m["xavier"]["final_rel_l2_error"]
            ),
            describe=lambda m, cfg: (
                f"relative L2 error vs sin 2x sin 2y after {sum(int(s[1]) for s in cfg.stages)} steps: "
                f"UDI {m['udi']['final_rel_l2_error']:.3e}, Xavier {m['xavier']['final_rel_l2_error']:.3e} "
                "(criterion: UDI lower; fragile within 5%)"
            ),
            when=lambda cfg: _both_inits(cfg),
        ),
        Claim(
            "staircase under Xavier",
            paper="solving PDEs with neural networks also exhibits the staircase phenomenon (Fig. 7)",
            reads=("plateau_levels", "rises_between_plateaus", "max_eps_rank", "initial_eps_rank"),
            criterion=lambda m, cfg: _xavier_staircase(m["xavier"]),
            describe=lambda m, cfg: (
                f"Xavier eps-rank plateaus {m['xavier']['plateau_levels']} (criterion: >= 2 rises between "
                "plateaus lasting >= 2% of the records and a total rise >= 5)"
            ),
            when=lambda cfg: _both_inits(cfg),
        ),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: PinnPoissonConfig = config
        for init in cfg.inits:
            if init not in ("xavier", "udi"):
                raise ValueError(f"inits entries must be 'xavier' or 'udi'; got {init!r}")
        problem = poisson_example_4_2()
        xi, wi = gauss_legendre(problem.domain, cfg.interior_points).to_torch(torch.float32)
        xb, wb = boundary(problem.domain, cfg.boundary_points).to_torch(torch.float32)
        interior = (xi, wi, problem.source(xi))
        bdry = (xb, wb)
        gram_quad = gauss_legendre(problem.domain, cfg.quadrature_points)
        xe, we = gauss_legendre(problem.domain, cfg.error_points).to_torch(torch.float64)
        ue = problem.exact(xe)
        stages = parse_stages(cfg.stages)
        total = sum(s.steps for s in stages)

        def job(init: str) -> Job:
            def build(sink: RecordSink) -> Trainer:
                torch.manual_seed(cfg.seed)
                net = MLP(2, cfg.width, cfg.depth, act=cfg.activation, init="xavier", seed=cfg.seed)
                if init == "udi":
                    radius = 0.5 * float(np.linalg.norm(problem.domain.widths))
                    uniform_density(
                        net,
                        problem.domain,
                        seed=cfg.seed,
                        gamma=cfg.udi_gamma,
                        radius_range=(0.0, cfg.udi_radius_fraction * radius),
                    )

                def with_error(rec: dict[str, Any]) -> None:
                    sink({**rec, "rel_l2_error": _relative_error(net, xe, we, ue)})

                monitor = Monitor(net, "last", gram_quad, every=cfg.every, eps=cfg.eps, sink=with_error)

                class _Record:
                    """Record every ``every`` steps and always the final step."""

                    def on_step(self, step: int, loss: float) -> None:
                        monitor.record(step, loss=loss, force=step == total)

                return Trainer(net, lambda m: problem.loss(m, interior, bdry), stages, [_Record()])

            return Job(init, build)

        train_in_turn(
            [job(init) for init in cfg.inits],
            run_dir,
            total,
            progress,
            checkpoint_every=cfg.checkpoint_every,
            label_key="run",
        )
        f_norm2 = float((wi.double() * interior[2].double() ** 2).sum())
        return self.summarise(cfg, run_dir, f_norm2)

    def summarise(self, cfg: PinnPoissonConfig, run_dir: RunDir, f_norm2: float) -> Result:
        data = _series_by_run(run_dir.read_metrics())
        arrays: dict[str, Any] = {"f_norm2": np.float64(f_norm2)}
        for label, d in data.items():
            for key, arr in d.items():
                arrays[f"{label}/{key}"] = arr
        return Result(pinn_measures(cfg, data, f_norm2), arrays)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        data = _series_by_run(run_dir.read_metrics())
        colours = {"udi": "tab:blue", "xavier": "tab:red"}
        names = {"udi": "UDI", "xavier": "Xavier"}
        fig, axes = new_figure(1, 3, figsize=(15, 4))
        for label, d in data.items():
            c, n = colours.get(label, None), names.get(label, label)
            axes[0].plot(d["iter"], d["eps_rank"], ".", ms=3, color=c, label=n)
            axes[1].semilogy(d["iter"], d["loss"], color=c, label=n)
            axes[2].semilogy(d["iter"], d["error"], color=c, label=n)
        axes[0].set(xlabel="step", ylabel="eps-rank (last hidden layer)", title="eps-rank")
        axes[1].set(xlabel="step", ylabel="loss (4.4)", title="loss")
        axes[2].set(xlabel="step", ylabel="relative L2 error", title="error vs exact solution")
        for ax in axes:
            ax.legend()
        fig.suptitle("PINN for Poisson's equation (paper 000 Fig. 7): Xavier vs uniform-density init")
        run_dir.save_figure(fig, "pinn_poisson_udi")


def pinn_measures(
    cfg: PinnPoissonConfig, data: dict[str, dict[str, np.ndarray]], f_norm2: float
) -> dict[str, Any]:
    """Per run (``xavier``, ``udi``): the eps-rank at the start, early and at the end, the loss along
    training and the steps to the loss level, the relative L2 error; Xavier's staircase plateaus."""
    total = sum(int(s[1]) for s in cfg.stages)
    level = cfg.loss_level * f_norm2
    measures: dict[str, Any] = {"loss_level": level, "f_norm2": f_norm2}
    for label, d in data.items():
        early = d["iter"] <= cfg.early_fraction * total
        at = {q: float(d["loss"][np.searchsorted(d["iter"], q * total)]) for q in (0.1, 0.5, 1.0)}
        measures[label] = {
            "initial_eps_rank": int(d["eps_rank"][0]),
            "early_mean_eps_rank": float(d["eps_rank"][early].mean()),
            "final_eps_rank": int(d["eps_rank"][-1]),
            "initial_loss": float(d["loss"][0]),
            "loss_at_10pct": at[0.1],
            "loss_at_50pct": at[0.5],
            "final_loss": at[1.0],
            "steps_to_level": steps_to_reach(d["iter"], d["loss"], level),
            "final_rel_l2_error": float(d["error"][-1]),
            "min_rel_l2_error": float(d["error"].min()),
            "median_rel_l2_error_last_10pct": float(np.median(d["error"][d["iter"] >= 0.9 * total])),
        }
    if "xavier" in data:
        ranks = data["xavier"]["eps_rank"]
        st = staircase_stats(ranks, max(3, len(ranks) // 50))
        measures["xavier"]["plateau_levels"] = [int(v) for v in st.levels]
        measures["xavier"]["rises_between_plateaus"] = st.steps
        measures["xavier"]["max_eps_rank"] = int(st.maximum)
    return measures


def _both_inits(cfg: PinnPoissonConfig) -> bool:
    return "udi" in cfg.inits and "xavier" in cfg.inits


def _speed_margin(m: dict[str, Any]) -> float:
    """How far UDI's step count to the loss level is below half of Xavier's, relative to that half
    (recorded every few steps, so a margin below 0.1 is within the recording resolution: fragile)."""
    t_u, t_x = m["udi"]["steps_to_level"], m["xavier"]["steps_to_level"]
    if not math.isfinite(t_u):
        return -math.inf
    if not math.isfinite(t_x):
        return math.inf
    return at_most(t_u, t_x / 2)


def _describe_speed(m: dict[str, Any], cfg: PinnPoissonConfig) -> str:
    u, x = m["udi"], m["xavier"]
    return (
        f"steps until loss <= {cfg.loss_level:g} x ||f||^2 = {m['loss_level']:.3g}: UDI "
        f"{u['steps_to_level']:g} vs Xavier {x['steps_to_level']:g}; "
        f"loss at 10%/50%/100% of training: UDI {u['loss_at_10pct']:.2e}/{u['loss_at_50pct']:.2e}/"
        f"{u['final_loss']:.2e}, Xavier {x['loss_at_10pct']:.2e}/{x['loss_at_50pct']:.2e}/"
        f"{x['final_loss']:.2e} (criterion: UDI reaches the level in at most half of Xavier's steps; "
        f"margin {_speed_margin(m):+.2f}, fragile within 0.05)"
    )


def _xavier_staircase(x: dict[str, Any]) -> bool:
    return bool(x["rises_between_plateaus"] >= 2 and x["max_eps_rank"] >= x["initial_eps_rank"] + 5)


def pinn_checks(
    cfg: PinnPoissonConfig, data: dict[str, dict[str, np.ndarray]], f_norm2: float
) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the recorded series of both runs: checks, measures."""
    measures = pinn_measures(cfg, data, f_norm2)
    if "udi" not in measures or "xavier" not in measures:
        return [], measures
    return evaluate_claims(PinnPoissonUDI.claims, measures, cfg), measures


# ==============================================================================================
# Example 4.3: random feature method (partition of unity) vs extreme learning machine


@dataclass(frozen=True)
class RfmVsElmConfig:
    """Configuration of ``rfm-vs-elm`` (see the module docstring for what we chose)."""

    n_features: int = 900
    partition: tuple[int, int] = (3, 3)
    counts: tuple[int, ...] = (90, 225, 450, 900)  # the sweep of Fig. 8(f)
    seeds: tuple[int, ...] = (0,)
    activation: str = choice("tanh", ACTIVATIONS)
    weight_scale: float = 1.0
    solver: str = choice(
        "truncated_svd", SOLVERS
    )  # primary solver (figures, checks); both are always reported
    eps: float = 1e-6
    fit_points: int = 20  # Gauss–Legendre nodes per subdomain per axis: fit and Gram rule
    error_points: int = 30  # per subdomain per axis: relative L2 error
    map_points: int = 101  # per axis: solution and error maps
    threads: int = 1


def _fig8_target(x: np.ndarray) -> np.ndarray:
    """``u* = cos x cos y + cos 10x cos 10y`` (paper 000 Example 4.3)."""
    return np.cos(x[:, 0]) * np.cos(x[:, 1]) + np.cos(10 * x[:, 0]) * np.cos(10 * x[:, 1])


def _aligned_rule(domain: Box, n: int, partition: tuple[int, ...]) -> Quadrature:
    """Tensor Gauss–Legendre rule with panels on the subdomain grid (no node on a jump of psi_i)."""
    rules = [
        gauss_legendre(Interval(lo, hi), n, panels=p)
        for lo, hi, p in zip(domain.lows, domain.highs, partition, strict=True)
    ]
    return tensor_product(*rules)


def _lower_error_claim(solver: str) -> Claim:
    """The accuracy claim with the outer weights by least-squares ``solver``."""
    return Claim(
        f"RFM has a lower L2 error ({solver})",
        paper="the RFM's higher eps-rank gives a higher accuracy than the ELM with the same neurons "
        "(Fig. 8(a)-(e)); outer weights by least squares",
        reads=(f"RFM_error_{solver}", f"ELM_error_{solver}", "seeds_at_n_features"),
        criterion=lambda m, cfg: _rfm_lower_error(m, cfg, solver),
        describe=lambda m, cfg: _describe_lower_error(m, cfg, solver),
    )


#: the accuracy claim's solvers, the default primary solver first
_CLAIM_SOLVERS = (RfmVsElmConfig.solver, *[s for s in SOLVERS if s != RfmVsElmConfig.solver])


@register
class RfmVsElm(Experiment):
    name = "rfm-vs-elm"
    summary = (
        "Paper 000 Ex. 4.3 / Fig. 8: random features with a partition of unity (RFM) reach a higher "
        "eps-rank and a lower error than global ones (ELM)"
    )
    paper = "paper 000, Sec. 4.2, Example 4.3, Fig. 8"
    Config = RfmVsElmConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {"counts": tuple(range(90, 901, 90)), "seeds": (0, 1, 2)},
    }

    claims = (
        Claim(
            "RFM has a higher eps-rank",
            paper="with the same number of neurons the RFM's features are more linearly independent, "
            "thanks to the compact support of each subdomain's features (Fig. 8(f))",
            reads=("RFM_eps_rank", "ELM_eps_rank"),
            criterion=lambda m, cfg: all(p["RFM_eps_rank"] > p["ELM_eps_rank"] for p in m["pairs"]),
            describe=lambda m, cfg: (
                "; ".join(
                    f"n={p['n_features']} seed {p['seed']}: RFM {p['RFM_eps_rank']} vs ELM "
                    f"{p['ELM_eps_rank']}"
                    for p in m["pairs"]
                )
                + " (criterion: RFM higher for every feature count and seed)"
            ),
        ),
        *(_lower_error_claim(solver) for solver in _CLAIM_SOLVERS),
        Claim(
            "error roughly inversely proportional to the eps-rank",
            paper="an approximate inverse proportional relationship between the eps-rank and the error "
            "(Fig. 8(f))",
            reads=("spearman_rank_error", "loglog_slope_error_vs_rank", "fits_in_rank_error_relation"),
            criterion=lambda m, cfg: bool(
                m["spearman_rank_error"] <= -0.7 and -2.0 <= m["loglog_slope_error_vs_rank"] <= -0.5
            ),
            describe=lambda m, cfg: (
                f"over {m['fits_in_rank_error_relation']} fits (both methods, all counts, {cfg.solver}): "
                f"Spearman(eps-rank, error) = {m['spearman_rank_error']:.2f}, log-log slope "
                f"{m['loglog_slope_error_vs_rank']:.2f} (criterion: Spearman <= -0.7 and slope in "
                "[-2, -0.5], i.e. error ~ rank^-1 within a factor 2 in the exponent)"
            ),
        ),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: RfmVsElmConfig = config
        if cfg.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {list(SOLVERS)}; got {cfg.solver!r}")
        n_sub = math.prod(cfg.partition)
        bad = [n for n in (*cfg.counts, cfg.n_features) if n % n_sub]
        if bad:
            raise ValueError(f"counts and n_features must be divisible by the {n_sub} subdomains; got {bad}")
        domain = Box((-1.0, -1.0), (1.0, 1.0))
        fit_q = _aligned_rule(domain, cfg.fit_points, cfg.partition)
        err_q = _aligned_rule(domain, cfg.error_points, cfg.partition)
        y_fit, y_err = _fig8_target(fit_q.points), _fig8_target(err_q.points)
        grid = uniform_grid(domain, cfg.map_points).points
        run_dir.truncate_metrics_after(-1)  # no training: a resumed run recomputes everything
        jobs = [(n, s) for n in sorted(set(cfg.counts) | {cfg.n_features}) for s in cfg.seeds]
        maps: dict[str, np.ndarray] = {}
        for k, (n, seed) in enumerate(jobs):
            for method, partition in (("RFM", cfg.partition), ("ELM", None)):
                rec: dict[str, Any] = {"step": 2 * k + (method == "ELM"), "method": method}
                rec.update(n_features=n, seed=seed, rel_l2_error={}, solver_rank={})
                for solver in SOLVERS:
                    model = RandomFeatureModel(
                        n,
                        domain,
                        activation=cfg.activation,
                        partition=partition,
                        weight_scale=cfg.weight_scale,
                        seed=seed,
                        solver=solver,
                        truncation_eps=cfg.eps,
                    )
                    model.fit(fit_q.points, y_fit, sample_weight=fit_q.weights)
                    rec["rel_l2_error"][solver] = model.relative_l2_error(err_q.points, y_err, err_q.weights)
                    rec["solver_rank"][solver] = model.rank_
                    if solver == cfg.solver and n == cfg.n_features and seed == cfg.seeds[0]:
                        maps[f"map/{method}"] = model.predict(grid)
                rec["eps_rank"] = model.eps_rank(fit_q, cfg.eps)
                run_dir.append_metrics(rec)
            progress("fits", k + 1, len(jobs))
        side = cfg.map_points
        arrays = {k: v.reshape(side, side) for k, v in maps.items()}
        arrays["map/exact"] = _fig8_target(grid).reshape(side, side)
        return Result(rfm_measures(cfg, run_dir.read_metrics()), arrays)

    def figures(self, run_dir: RunDir) -> None:
        from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

        from rankscope.report import new_figure

        cfg = run_dir.read_config().get("config", {})
        solver = cfg.get("solver", "truncated_svd")
        arrays = run_dir.read_arrays()
        records = run_dir.read_metrics()
        fig, axes = new_figure(2, 3, figsize=(14, 8.5))
        extent = (-1.0, 1.0, -1.0, 1.0)
        panels = [
            (axes[0, 0], "map/exact", "(a) exact u*", False),
            (axes[0, 1], "map/RFM", "(b) RFM solution", False),
            (axes[0, 2], "map/RFM", "(c) RFM |error|", True),
            (axes[1, 0], "map/ELM", "(d) ELM solution", False),
            (axes[1, 1], "map/ELM", "(e) ELM |error|", True),
        ]
        for ax, key, title, is_err in panels:
            if key not in arrays:
                ax.set_axis_off()
                continue
            z = np.abs(arrays[key] - arrays["map/exact"]) if is_err else arrays[key]
            im = ax.imshow(z, origin="lower", extent=extent, cmap="magma" if is_err else "viridis")
            fig.colorbar(im, ax=ax, shrink=0.8)
            ax.set_title(title)
        ax = axes[1, 2]
        for method, colour in (("RFM", "tab:blue"), ("ELM", "tab:red")):
            pts = [(r["eps_rank"], r["rel_l2_error"][solver]) for r in records if r["method"] == method]
            if pts:
                r, e = np.asarray(pts).T
                ax.scatter(r, e, color=colour, label=method, s=18)
        ax.set(xscale="log", yscale="log", xlabel="eps-rank", ylabel="relative L2 error")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"(f) error vs eps-rank ({solver})")
        ax.legend()
        fig.suptitle("RFM (3x3 partition of unity) vs ELM (paper 000 Fig. 8)")
        run_dir.save_figure(fig, "rfm_vs_elm")


def rfm_measures(cfg: RfmVsElmConfig, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per (feature count, seed): both methods' eps-rank and errors by each solver; the seeds fitted
    at ``n_features``; the Spearman correlation and log-log slope of the error against the eps-rank."""
    from scipy.stats import spearmanr

    by = {(r["method"], r["n_features"], r["seed"]): r for r in records}
    pairs = [(n, s) for (m, n, s) in by if m == "RFM" and ("ELM", n, s) in by]
    main = [(n, s) for n, s in pairs if n == cfg.n_features]
    measures: dict[str, Any] = {
        "pairs": [
            {
                "n_features": n,
                "seed": s,
                **{f"{m}_eps_rank": by[(m, n, s)]["eps_rank"] for m in ("RFM", "ELM")},
                **{
                    f"{m}_error_{solver}": by[(m, n, s)]["rel_l2_error"][solver]
                    for m in ("RFM", "ELM")
                    for solver in SOLVERS
                },
            }
            for n, s in sorted(pairs)
        ]
    }
    if not main:
        return measures
    measures["seeds_at_n_features"] = [s for _, s in main]
    ranks = np.array([r["eps_rank"] for r in records], dtype=np.float64)
    errors = np.array([r["rel_l2_error"][cfg.solver] for r in records], dtype=np.float64)
    ok = (ranks > 0) & (errors > 0) & np.isfinite(errors)
    if ok.sum() >= 3 and np.ptp(ranks[ok]) > 0:
        rho = float(spearmanr(ranks[ok], errors[ok]).statistic)
        slope = loglog_slope(ranks[ok], errors[ok])
    else:
        rho, slope = float("nan"), float("nan")
    measures["spearman_rank_error"] = rho
    measures["loglog_slope_error_vs_rank"] = slope
    measures["fits_in_rank_error_relation"] = int(ok.sum())
    return measures


def _main_pairs(m: dict[str, Any], cfg: RfmVsElmConfig) -> list[dict[str, Any]]:
    """The pairs at ``n_features``, in the order the seeds were fitted."""
    by_seed = {p["seed"]: p for p in m["pairs"] if p["n_features"] == cfg.n_features}
    return [by_seed[s] for s in m["seeds_at_n_features"]]


def _rfm_lower_error(m: dict[str, Any], cfg: RfmVsElmConfig, solver: str) -> bool:
    return all(p[f"RFM_error_{solver}"] < p[f"ELM_error_{solver}"] for p in _main_pairs(m, cfg))


def _describe_lower_error(m: dict[str, Any], cfg: RfmVsElmConfig, solver: str) -> str:
    errors = "; ".join(
        f"seed {p['seed']}: RFM {p[f'RFM_error_{solver}']:.2e} vs ELM {p[f'ELM_error_{solver}']:.2e}"
        for p in _main_pairs(m, cfg)
    )
    return (
        f"relative L2 error at n = {cfg.n_features}, least squares by {solver}: {errors} "
        "(criterion: RFM lower for every seed)"
    )


def rfm_checks(cfg: RfmVsElmConfig, records: list[dict[str, Any]]) -> tuple[list[Check], dict[str, Any]]:
    """The claim table decided on the per-fit records: checks, measures."""
    measures = rfm_measures(cfg, records)
    if "seeds_at_n_features" not in measures:  # no pair at n_features: nothing to decide
        return [], measures
    return evaluate_claims(RfmVsElm.claims, measures, cfg), measures
