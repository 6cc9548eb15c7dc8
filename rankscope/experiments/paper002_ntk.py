"""Paper 002 Sec. 4.1: the PINN neural tangent kernel of a multiscale elliptic problem (Fig. 2, Fig. 3).

The problem is eq. (15) on ``(-pi, pi)``, ``u(+-pi) = 0``, with ``a^eps(x) = a(x/eps)``,
``a(y) = 1/(2.1 + 2 sin 2 pi y)`` and ``L^eps u = -(a(x/eps) u')'`` (eq. 16), built by
``rankscope.problems.multiscale.multiscale_bvp``. The NTK matrix K of Lemma 3.1, eq. (14), comes from
``rankscope.matrices.ntk.residual_ntk`` (float64) at ``N_c`` equispaced interior collocation points and
the two end points, ``lambda = 1``.

``ntk-scaling`` — Fig. 2: for each ``eps`` in ``1/eps_inverse``, ``||K_uu||_F`` and the three largest
eigenvalues of ``K_uu`` (symmetric) for a network with one hidden layer of ``width`` (Thm 3.2) and one
with ``deep_depth`` hidden layers (Thm 3.3): (a) at initialisation, standard normal (every weight and
bias ``N(0, 1)``, as in Fig. 2(a)) for one hidden layer, Glorot uniform for the deep network, (b) after a
Glorot-uniform initialisation and ``train_steps`` Adam steps at ``lr`` on the loss (8). Theorems
3.2/3.3 predict ``||K_uu||_F ~ 1/(N_c eps^2)``: log-log slope -2 in eps. The spectral radius of ``K_bb``
is claimed flat in eps (at initialisation this is automatic here: the same draw for every eps).

The deep network at ``N(0, 1)`` is reported too (``normal/L3``), not checked: its norms jump erratically
with eps (log-log slope about -3 on the quick preset). With fan-in 50 its pre-activations are ~7, a
chaotic tanh network with very large derivatives; our guess (not verified) is that eq. (16)'s ``a u''``
term and the aliasing of ``a'(x_i/eps)`` at 256 points keep it out of Thm 3.3's asymptotic regime
over ``eps >= 1/100``. The paper's Fig. 2 shows one hidden layer only.

``ntk-spectrum`` — Fig. 3: all eigenvalues of K at ``eps = 1/80`` at initialisation (standard normal)
and after training (Glorot + Adam), one hidden layer. The spectrum of the Glorot initialisation before
training is reported too: at ``lr = 1e-5`` the parameters barely move, and the single dominant
eigenvalue of Fig. 3(b) is already there at the Glorot draw (measured lambda_1/lambda_2 about 40 before
and after 1000 steps), so Fig. 3's contrast is between the two initialisations rather than an effect
of training.

Not stated in the paper, chosen here: the forcing of eq. (15) in training (``f = 1``; the NTK itself does
not depend on ``f``), the same initialisation seed for every eps (so the eps-dependence is the operator's
alone), the network's output bias (eq. 17 has one), the collocation points excluding the end points,
float32 training. Since K has rank at most ``N_p`` (151 parameters for width 50) below its size 258,
``lambda_min`` is zero up to round-off; we report ``lambda_max / |lambda_min|`` and also
``lambda_max / lambda_{N_p}``, the ratio to the smallest eigenvalue that can be non-zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
from torch import nn

from rankscope.analysis import loglog_slope
from rankscope.experiments._resume import TrainJob, train_jobs
from rankscope.experiments._worded_claims import WordedClaim
from rankscope.experiments.base import Check, Experiment, ExperimentConfig, Progress, no_progress, register
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.matrices.ntk import ResidualNTK, residual_ntk
from rankscope.nets import MLP, normal_mlp
from rankscope.problems.multiscale import multiscale_bvp
from rankscope.store import RunDir
from rankscope.train import Stage

__all__ = [
    "SCALING_CLAIMS",
    "SPECTRUM_CLAIMS",
    "NtkScaling",
    "NtkScalingConfig",
    "NtkSpectrum",
    "NtkSpectrumConfig",
    "ntk_measures",
    "scaling_checks",
    "spectrum_checks",
]


def glorot_mlp(width: int, depth: int, seed: int, activation: str = "tanh") -> MLP:
    """An MLP with Glorot-uniform weights and zero biases (output bias included)."""
    return MLP(1, width, depth, act=activation, init="xavier", seed=seed, out_bias=True)


def ntk_measures(ntk: ResidualNTK) -> dict[str, Any]:
    """``||K_uu||_F``, the three largest eigenvalues of ``K_uu``, ``rho(K_bb)`` and ``||K||_F``."""
    eig_uu = np.linalg.eigvalsh(0.5 * (ntk.K_uu + ntk.K_uu.T))[::-1]
    eig_bb = np.linalg.eigvals(ntk.K_bb)
    return {
        "frob_uu": ntk.frobenius("uu"),
        "top_uu": [float(v) for v in eig_uu[:3]],
        "rho_bb": float(np.abs(eig_bb).max()),
        "frob_K": ntk.frobenius("K"),
    }


# ==============================================================================================
# ntk-scaling (Fig. 2)


@dataclass(frozen=True)
class NtkScalingConfig(ExperimentConfig):
    """Configuration of ``ntk-scaling`` (see the module docstring)."""

    eps_inverse: tuple[int, ...] = (10, 20, 40, 80)
    width: int = 50
    deep_depth: int = 3
    collocation_points: int = 256
    lam: float = 1.0
    train_steps: int = 300
    lr: float = 1e-5
    slope_tolerance: float = 0.25  # |slope + 2| <= tolerance
    flat_tolerance: float = 0.2  # |slope of rho(K_bb)| <= tolerance
    every: int = 50
    checkpoint_every: int = 1000


def _net_key(phase: str, deep: bool, cfg: Any) -> str:
    """The network ``f"{phase}/L{depth}"`` of a scaling claim: one hidden layer, or ``deep_depth``."""
    return f"{phase}/L{cfg.deep_depth if deep else 1}"


def _slope_claim(phase: str, deep: bool) -> WordedClaim:
    what = "standard-normal initialisation" if phase == "init" else "Glorot + Adam training"

    def slope(m: dict[str, Any], cfg: Any) -> float:
        return float(m["slope_frob_uu"][_net_key(phase, deep, cfg)])

    def title(cfg: Any) -> str:
        return f"||K_uu||_F ~ eps^-2 ({phase}, {cfg.deep_depth} hidden layer(s))"

    return WordedClaim(
        f"||K_uu||_F ~ eps^-2 ({phase}, {'deep_depth' if deep else 1} hidden layer(s))",
        paper="Thm 3.2/3.3, Fig. 2: the Frobenius norm grows as 1/eps^2 (" + what + ")",
        reads=("slope_frob_uu",),
        criterion=lambda m, cfg: bool(abs(slope(m, cfg) + 2) <= cfg.slope_tolerance),
        describe=lambda m, cfg: (
            f"log-log slope {slope(m, cfg):.3f} over eps = "
            f"1/{min(cfg.eps_inverse)}..1/{max(cfg.eps_inverse)} "
            f"(criterion: |slope + 2| <= {cfg.slope_tolerance:g})"
        ),
        title=title if deep else None,
        when=(lambda cfg: cfg.deep_depth != 1) if deep else None,
    )


def _flat_claim(phase: str, deep: bool) -> WordedClaim:
    def slope(m: dict[str, Any], cfg: Any) -> float:
        return float(m["slope_rho_bb"][_net_key(phase, deep, cfg)])

    def ours(m: dict[str, Any], cfg: Any) -> str:
        r = np.asarray([row["rho_bb"] for row in m["table"][_net_key(phase, deep, cfg)]])
        return (
            f"log-log slope {slope(m, cfg):.3f}, range {r.min():.3g}..{r.max():.3g} "
            f"(criterion: |slope| <= {cfg.flat_tolerance:g})"
        )

    def title(cfg: Any) -> str:
        return f"rho(K_bb) flat in eps ({phase}, {cfg.deep_depth} hidden layer(s))"

    return WordedClaim(
        f"rho(K_bb) flat in eps ({phase}, {'deep_depth' if deep else 1} hidden layer(s))",
        paper="the spectral radius of K_bb is essentially independent of eps (Sec. 4.1)",
        reads=("slope_rho_bb", "table"),
        criterion=lambda m, cfg: bool(abs(slope(m, cfg)) <= cfg.flat_tolerance),
        describe=ours,
        title=title if deep else None,
        when=(lambda cfg: cfg.deep_depth != 1) if deep else None,
    )


#: The networks of the scaling claims, ``(phase, deep)``, in the order of :data:`SCALING_CLAIMS`.
_SCALING_NETS = [("init", False), ("init", True), ("trained", False), ("trained", True)] * 2
#: Fig. 2: ||K_uu||_F ~ eps^-2 and rho(K_bb) flat in eps, at initialisation and after training, for
#: one hidden layer and ``deep_depth`` (the standard-normal deep network is not checked).
SCALING_CLAIMS = (
    *(_slope_claim(phase, deep) for phase, deep in _SCALING_NETS[:4]),
    *(_flat_claim(phase, deep) for phase, deep in _SCALING_NETS[4:]),
)


def scaling_checks(cfg: NtkScalingConfig, eps: np.ndarray, data: dict[str, dict[str, Any]]) -> list[Check]:
    """The rows of :data:`SCALING_CLAIMS` whose network is in ``data[f"{phase}/L{depth}"] =
    {"frob_uu": (E,), "rho_bb": (E,)}``, decided on it."""
    measures = {
        "slope_frob_uu": {k: loglog_slope(eps, d["frob_uu"]) for k, d in data.items()},
        "slope_rho_bb": {k: loglog_slope(eps, d["rho_bb"]) for k, d in data.items()},
        "table": {k: [{"rho_bb": float(v)} for v in d["rho_bb"]] for k, d in data.items()},
    }
    rows = [
        c
        for (p, deep), c in zip(_SCALING_NETS, SCALING_CLAIMS, strict=True)
        if _net_key(p, deep, cfg) in data
    ]
    return evaluate_claims(rows, measures, cfg)


@register
class NtkScaling(Experiment):
    name = "ntk-scaling"
    summary = "Paper 002 Sec. 4.1 / Fig. 2: ||K_uu||_F of the multiscale PINN grows as 1/eps^2"
    paper = "paper 002, Thm 3.2, Thm 3.3, Sec. 4.1, Fig. 2"
    Config = NtkScalingConfig
    claims = SCALING_CLAIMS
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {
            "eps_inverse": (10, 20, 30, 40, 50, 60, 70, 80, 90, 100),
            "train_steps": 10000,
            "every": 100,
            "checkpoint_every": 2000,
        },
    }

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: NtkScalingConfig = config
        if not cfg.eps_inverse or any(e <= 0 for e in cfg.eps_inverse):
            raise ValueError(f"eps_inverse must be positive numbers; got {cfg.eps_inverse!r}")
        depths = (1, cfg.deep_depth)
        problems = {e: multiscale_bvp(1.0 / e, lam=cfg.lam) for e in cfg.eps_inverse}
        xc = problems[cfg.eps_inverse[0]].collocation(cfg.collocation_points)
        xb = problems[cfg.eps_inverse[0]].boundary()
        stage = (Stage("adam", cfg.train_steps, cfg.lr),)
        jobs = [
            TrainJob(
                f"L{d}/{e}",
                partial(glorot_mlp, cfg.width, d, cfg.seed),
                problems[e].loss_fn(xc, xb),
                stage,
            )
            for d in depths
            for e in cfg.eps_inverse
        ]
        trained = train_jobs(jobs, run_dir, progress, every=cfg.every, checkpoint_every=cfg.checkpoint_every)
        table: dict[str, list[dict[str, Any]]] = {}
        for d in depths:
            for phase in ("init", "trained"):
                rows = []
                for e in cfg.eps_inverse:
                    if phase == "trained":
                        net: nn.Module = trained[f"L{d}/{e}"]
                    elif d == 1:
                        net = normal_mlp(cfg.width, d, cfg.seed)
                    else:
                        net = glorot_mlp(cfg.width, d, cfg.seed)
                    ntk = residual_ntk(net, problems[e].operator, xc, xb, lam=cfg.lam)
                    rows.append(ntk_measures(ntk))
                table[f"{phase}/L{d}"] = rows
                progress(f"NTK {phase} L={d}", len(table), 2 * len(depths))
        # the deep network at N(0, 1) (chaotic regime; not a check, see the module docstring)
        table[f"normal/L{cfg.deep_depth}"] = [
            ntk_measures(
                residual_ntk(
                    normal_mlp(cfg.width, cfg.deep_depth, cfg.seed), problems[e].operator, xc, xb, lam=cfg.lam
                )
            )
            for e in cfg.eps_inverse
        ]
        eps = 1.0 / np.asarray(cfg.eps_inverse, dtype=np.float64)
        data = {
            k: {
                "frob_uu": np.array([r["frob_uu"] for r in rows]),
                "top_uu": np.array([r["top_uu"] for r in rows]),
                "rho_bb": np.array([r["rho_bb"] for r in rows]),
            }
            for k, rows in table.items()
        }
        arrays: dict[str, np.ndarray] = {"eps": eps}
        for k, series in data.items():
            for name, arr in series.items():
                arrays[f"{k}/{name}"] = arr
        measures = {
            "slope_frob_uu": {k: loglog_slope(eps, d["frob_uu"]) for k, d in data.items()},
            "slope_top3_uu": {
                k: [loglog_slope(eps, d["top_uu"][:, i]) for i in range(3)] for k, d in data.items()
            },
            "slope_rho_bb": {k: loglog_slope(eps, d["rho_bb"]) for k, d in data.items()},
            "table": table,
            "paper_slope": -2.0,
        }
        return Result(measures, arrays)

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        a = run_dir.read_arrays()
        inv = 1.0 / a["eps"]
        fig, axes = new_figure(1, 2, figsize=(12, 4.5), sharey=True)
        for ax, phase, title in (
            (axes[0], "init", "(a) at initialisation"),
            (axes[1], "trained", "(b) after Adam"),
        ):
            for key in sorted(k for k in a if k.startswith(f"{phase}/") and k.endswith("/frob_uu")):
                net = key.split("/")[1]
                ls = "-" if net == "L1" else "--"
                ax.loglog(inv, a[key], "k" + ls, marker="o", ms=3, label=f"||K_uu||_F ({net})")
                top = a[key.replace("frob_uu", "top_uu")]
                for i, c in enumerate(("C0", "C1", "C2")):
                    ax.loglog(inv, top[:, i], color=c, ls=ls, marker=".", label=f"lambda_{i + 1} ({net})")
            ref = a[f"{phase}/L1/frob_uu"]
            ax.loglog(inv, ref[0] * (inv / inv[0]) ** 2, "r:", label="slope 2 (eps^-2)")
            ax.set(xlabel="1/eps", title=title)
            ax.legend(fontsize=7)
        axes[0].set_ylabel("NTK norm / eigenvalue")
        fig.suptitle("NTK of the multiscale PINN (paper 002 Fig. 2)")
        run_dir.save_figure(fig, "ntk_scaling")


# ==============================================================================================
# ntk-spectrum (Fig. 3)


@dataclass(frozen=True)
class NtkSpectrumConfig(ExperimentConfig):
    """Configuration of ``ntk-spectrum`` (see the module docstring)."""

    eps_inverse: int = 80
    width: int = 50
    collocation_points: int = 256
    lam: float = 1.0
    train_steps: int = 1000
    lr: float = 1e-5
    large_fraction: float = 1e-2  # "large": eigenvalue >= large_fraction * lambda_max
    cluster_fraction: float = 1e-3  # "near zero": eigenvalue <= cluster_fraction * lambda_max
    handful: int = 10  # "a handful": at most this many large eigenvalues at initialisation
    dominant_ratio: float = 10.0  # "single dominant": lambda_1 >= dominant_ratio * lambda_2
    every: int = 50
    checkpoint_every: int = 1000


def spectrum_summary(eig: np.ndarray, n_params: int, cfg: NtkSpectrumConfig) -> dict[str, Any]:
    """Counts and ratios of a descending spectrum; "non-zero" means above ``n eps_mach lambda_max``
    (the usual numerical-rank threshold), ``n`` the matrix size."""
    lmax = float(eig[0])
    nonzero = eig[eig > eig.size * np.finfo(np.float64).eps * lmax]
    return {
        "lambda_max": lmax,
        "lambda_2": float(eig[1]),
        "lambda_min": float(eig[-1]),
        "n_params": int(n_params),
        "numerical_rank": int(nonzero.size),
        "n_large": int((eig >= cfg.large_fraction * lmax).sum()),
        "fraction_near_zero": float((eig <= cfg.cluster_fraction * lmax).mean()),
        "ratio_max_min": lmax / abs(float(eig[-1])) if eig[-1] != 0 else math.inf,
        "ratio_max_min_nonzero": lmax / float(nonzero[-1]),
        "ratio_1_2": lmax / float(eig[1]) if eig[1] > 0 else math.inf,
    }


def _dominant_ours(m: dict[str, Any], cfg: Any) -> str:
    trained, glorot = m["trained"], m.get("glorot")
    before = (
        ""
        if glorot is None
        else f"; at the Glorot initialisation before training already {glorot['ratio_1_2']:.3g}"
    )
    return (
        f"lambda_1/lambda_2 = {trained['ratio_1_2']:.3g}, {trained['n_large']} eigenvalue(s) >= "
        f"{cfg.large_fraction:g} lambda_max{before} (criterion: lambda_1/lambda_2 >= {cfg.dominant_ratio:g})"
    )


def _stiff_ours(m: dict[str, Any], cfg: Any) -> str:
    init, trained = m["init"], m["trained"]
    return (
        f"lambda_max/|lambda_min| = {init['ratio_max_min']:.3g} (init), {trained['ratio_max_min']:.3g} "
        f"(trained; lambda_min is round-off: K has numerical rank {init['numerical_rank']} / "
        f"{trained['numerical_rank']} of {init['n_params']} parameters); over the non-zero eigenvalues "
        f"{init['ratio_max_min_nonzero']:.3g} (init), {trained['ratio_max_min_nonzero']:.3g} (trained) "
        "(criterion: the latter >= 1e4 in both)"
    )


#: The claims of Fig. 3, read from :func:`spectrum_summary` at initialisation (``init``) and after
#: training (``trained``; ``glorot``, the Glorot initialisation before training, is quoted beside it).
SPECTRUM_CLAIMS = (
    Claim(
        "at initialisation: a handful of large eigenvalues, the rest near zero",
        paper="Fig. 3(a): a handful of large eigenvalues, the rest clustered around the origin",
        reads=("init",),
        criterion=lambda m, cfg: bool(
            2 <= m["init"]["n_large"] <= cfg.handful and m["init"]["fraction_near_zero"] >= 0.8
        ),
        describe=lambda m, cfg: (
            f"{m['init']['n_large']} eigenvalues >= {cfg.large_fraction:g} lambda_max, "
            f"{m['init']['fraction_near_zero']:.0%} <= {cfg.cluster_fraction:g} lambda_max "
            f"(criterion: 2..{cfg.handful} "
            "large and >= 80% near zero)"
        ),
    ),
    Claim(
        "after training: one dominant eigenvalue",
        paper="Fig. 3(b): a single large eigenvalue well separated from the cluster near the origin",
        reads=("trained", "glorot"),
        criterion=lambda m, cfg: bool(m["trained"]["ratio_1_2"] >= cfg.dominant_ratio),
        describe=_dominant_ours,
    ),
    Claim(
        "stiff: lambda_max / lambda_min is large",
        paper="in both cases lambda_max/lambda_min is quite large (no value given)",
        reads=("init", "trained"),
        criterion=lambda m, cfg: bool(
            m["init"]["ratio_max_min_nonzero"] >= 1e4 and m["trained"]["ratio_max_min_nonzero"] >= 1e4
        ),
        describe=_stiff_ours,
    ),
)


def spectrum_checks(
    cfg: NtkSpectrumConfig,
    init: dict[str, Any],
    trained: dict[str, Any],
    glorot: dict[str, Any] | None = None,
) -> list[Check]:
    """The claims of Fig. 3 (:data:`SPECTRUM_CLAIMS`) from :func:`spectrum_summary` at initialisation
    and after training (``glorot``: the Glorot initialisation before training, reported beside the
    trained network)."""
    measures = {"init": init, "trained": trained, **({} if glorot is None else {"glorot": glorot})}
    return evaluate_claims(SPECTRUM_CLAIMS, measures, cfg)


@register
class NtkSpectrum(Experiment):
    name = "ntk-spectrum"
    summary = (
        "Paper 002 Sec. 4.1 / Fig. 3: the NTK spectrum at eps = 1/80 at initialisation and after training"
    )
    paper = "paper 002, Sec. 4.1, Fig. 3"
    Config = NtkSpectrumConfig
    claims = SPECTRUM_CLAIMS
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {},
        "paper": {"train_steps": 10000, "every": 100, "checkpoint_every": 2000},
    }

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: NtkSpectrumConfig = config
        problem = multiscale_bvp(1.0 / cfg.eps_inverse, lam=cfg.lam)
        xc, xb = problem.collocation(cfg.collocation_points), problem.boundary()
        job = TrainJob(
            "trained",
            lambda: glorot_mlp(cfg.width, 1, cfg.seed),
            problem.loss_fn(xc, xb),
            (Stage("adam", cfg.train_steps, cfg.lr),),
        )
        trained = train_jobs([job], run_dir, progress, every=cfg.every, checkpoint_every=cfg.checkpoint_every)
        nets = {
            "init": normal_mlp(cfg.width, 1, cfg.seed),
            "trained": trained["trained"],
            "glorot": glorot_mlp(cfg.width, 1, cfg.seed),  # the trained network's starting point
        }
        eigs, summaries = {}, {}
        for phase, net in nets.items():
            ntk = residual_ntk(net, problem.operator, xc, xb, lam=cfg.lam)
            eigs[phase] = ntk.eigenvalues()
            n_params = sum(p.numel() for p in net.parameters())
            summaries[phase] = spectrum_summary(eigs[phase], n_params, cfg)
        return Result(summaries, {f"{k}/eigenvalues": v for k, v in eigs.items()})

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        a = run_dir.read_arrays()
        fig, axes = new_figure(1, 3, figsize=(15, 4.2))
        for ax, phase, title in (
            (axes[0], "init", "(a) at initialisation"),
            (axes[1], "trained", "(b) after training"),
        ):
            e = a[f"{phase}/eigenvalues"]
            ax.plot(e, np.zeros_like(e), "o", ms=4, alpha=0.6)
            ax.set(xlabel="eigenvalue of K (real)", title=title, yticks=[])
        for phase, c in (("init", "C0"), ("trained", "C1")):
            e = a[f"{phase}/eigenvalues"]
            axes[2].semilogy(
                np.arange(1, e.size + 1), np.clip(e / e[0], 1e-18, None), ".", ms=3, color=c, label=phase
            )
        axes[2].set(xlabel="index", ylabel="lambda_i / lambda_max", title="sorted spectra")
        axes[2].legend()
        fig.suptitle("NTK spectrum at eps = 1/80 (paper 002 Fig. 3)")
        run_dir.save_figure(fig, "ntk_spectrum")
