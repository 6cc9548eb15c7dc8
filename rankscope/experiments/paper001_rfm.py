"""Paper 001, random feature models: singular values, truncated entropy and truncated-SVD training error
of ``A_AD`` and ``A_FD`` (paper 001 Figs. 1, 2, 3, 5(a, b), 6(a, b), B.2.1).

Three experiments share one pipeline (problem -> features -> A_AD, A_FD -> spectra -> measures):

* ``adfd-rfm-poisson1d``: ``u_xx = f`` on [-1, 1], M = N swept (Fig. 1, B.2.1), sin and tanh
  (Fig. 2(a, b)), the truncation curves of Fig. 3 at ``fig3_size``.
* ``adfd-rfm-poisson2d``: 2D Poisson on [0, 1]^2, 64 x 64 grid, M = 100 (Fig. 5) and 200 (Fig. 2(c)).
* ``adfd-rfm-biharmonic``: ``u'''' = exp(x)``, M = N = 500 (Fig. 6).

Set-up (appendix B.1): sin features, ``w_j, b_j ~ U[-1, 1]``, float64; collocation on the uniform
cell-centred grid with ``h = |Omega|/N`` per axis; ``A_FD`` applies the stencil with the features'
values at the ghost neighbours (eq. 8 as written; ``boundary = "truncate"`` gives the printed square
matrices of eq. 12 instead, whose O(1/h^2) boundary rows make the large singular values disagree).

What the text omits, and what we found: the paper does not say which M gives Fig. 3's
``H_FD(1e-12) = 0.0056``. In float64 the FD matrix's small singular values sit on a round-off floor
``~ eps ||A_0|| / h^2`` (Prop. 2's "larger for FD"), which passes the ``1e-12`` cut-off only for
N >~ 300 (h = 2/N); below that AD and FD keep the same values and their entropies tie. ``fig3_size``
is therefore 300 by default and the sweep reports every size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import torch

from rankscope.analysis import loglog_slope
from rankscope.experiments._worded_claims import WordedClaim
from rankscope.experiments.base import (
    Check,
    Experiment,
    ExperimentConfig,
    Progress,
    choice,
    no_progress,
    register,
)
from rankscope.experiments.claims import Claim, Result, evaluate_claims
from rankscope.linalg import Spectrum, cutoff_number, truncated_entropy
from rankscope.linalg.truncated_svd import truncation_curve
from rankscope.matrices.random_features import (
    compare_ad_fd,
    sample_features,
    system_matrix_ad,
    system_matrix_fd,
)
from rankscope.operators.stencils import second_difference_eigenvalues, stencil_matrix
from rankscope.problems.adfd import adfd_problem
from rankscope.store import RunDir

__all__ = [
    "PROPOSITION_CLAIMS",
    "SWEEP_CLAIMS",
    "RfmBiharmonicConfig",
    "RfmPoisson1dConfig",
    "RfmPoisson2dConfig",
    "entropy_check",
    "entropy_claim",
    "poisson1d_measures",
    "proposition_checks",
    "rfm_case",
    "sweep_checks",
    "sweep_measures",
    "training_error_check",
    "training_error_claim",
]


def _fmt_ms(values: list[float], fmt: str = ".4f") -> str:
    arr = np.asarray(values, dtype=np.float64)
    return f"{arr.mean():{fmt}} +- {arr.std():{fmt}}"


def rfm_case(
    problem_name: str,
    activation: str,
    m: int,
    n: int,
    seed: int,
    *,
    cutoff: float,
    radius: float = 1.0,
    rtol: float = 0.05,
    large_ratio: float = 1e-4,
    boundary: str = "ghost",
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """One random-feature case: A_AD, A_FD, their spectra, entropies and truncation curves.

    Returns a record of scalars and the arrays (singular values, error curves) behind the figures.
    """
    problem = adfd_problem(problem_name)
    grid = problem.grid(n)
    feats = sample_features(m, problem.dim, activation=activation, radius=radius, seed=seed)
    x = torch.as_tensor(grid.points())
    a_ad = system_matrix_ad(feats, x, problem.operator).numpy()
    a_fd = system_matrix_fd(feats, grid, problem.operator, boundary=boundary).numpy()  # type: ignore[arg-type]
    f = problem.forcing(grid.points())
    comp = compare_ad_fd(a_ad, a_fd, rtol=rtol)
    spec_ad = Spectrum(comp.sv_ad, kind="svd", dtype="float64", shape=a_ad.shape)
    spec_fd = Spectrum(comp.sv_fd, kind="svd", dtype="float64", shape=a_fd.shape)
    e_ad, e_fd = cutoff_number(spec_ad, cutoff), cutoff_number(spec_fd, cutoff)
    cur_ad, cur_fd = truncation_curve(a_ad, f), truncation_curve(a_fd, f)
    past = np.arange(comp.shared + 1, min(a_ad.shape))  # P in (K, min(N, M)), full rank excluded
    if past.size:
        ea, ef = cur_ad.errors[past - 1], cur_fd.errors[past - 1]
        frac_below = float(np.mean(ea < ef))
        med_ratio = float(np.median(np.log10(ef / ea)))
    else:
        frac_below, med_ratio = float("nan"), float("nan")
    record = {
        "activation": activation,
        "m": m,
        "n": n,
        "seed": seed,
        "h": grid.h,
        "h_ad": truncated_entropy(spec_ad, cutoff),
        "h_fd": truncated_entropy(spec_fd, cutoff),
        "e_ad": e_ad,
        "e_fd": e_fd,
        "shared": comp.shared,
        "n_large": cutoff_number(spec_ad, large_ratio),
        "top_rel_gap": comp.top_rel_gap,
        "lambda_max_ad": comp.lambda_max_ad,
        "lambda_max_fd": comp.lambda_max_fd,
        "tail_log10_ratio": comp.tail_log10_ratio,
        "err_ad_at_cutoff": float(cur_ad.errors[e_ad - 1]),
        "err_fd_at_cutoff": float(cur_fd.errors[e_fd - 1]),
        "frac_ad_below_fd_past_k": frac_below,
        "median_log10_err_ratio_past_k": med_ratio,
    }
    arrays = {"sv_ad": comp.sv_ad, "sv_fd": comp.sv_fd, "err_ad": cur_ad.errors, "err_fd": cur_fd.errors}
    return record, arrays


def _key(rec: dict[str, Any]) -> str:
    return f"{rec['activation']}/M{rec['m']}_N{rec['n']}/seed{rec['seed']}"


def _run_cases(
    cases: list[tuple[str, int, int, int]],
    problem: str,
    cfg: Any,
    run_dir: RunDir,
    progress: Progress,
    label: str,
) -> list[dict[str, Any]]:
    """Run the cases not yet in ``metrics.jsonl`` (a killed run resumes where it stopped)."""
    done = {_key(r): r for r in run_dir.read_metrics()}
    for i, (act, m, n, seed) in enumerate(cases):
        key = f"{act}/M{m}_N{n}/seed{seed}"
        if key not in done:
            rec, arrays = rfm_case(
                problem,
                act,
                m,
                n,
                seed,
                cutoff=cfg.cutoff,
                radius=cfg.radius,
                rtol=cfg.shared_rtol,
                large_ratio=cfg.large_ratio,
                boundary=cfg.boundary,
            )
            rec["step"] = i
            run_dir.write_arrays(**{f"{key}/{k}": v for k, v in arrays.items()})
            run_dir.append_metrics(rec)
            done[key] = rec
        progress(label, i + 1, len(cases))
    return [done[f"{a}/M{m}_N{n}/seed{s}"] for a, m, n, s in cases]


def _case_measures(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every case's record (what the claims read), without its position in ``metrics.jsonl``."""
    return [{k: v for k, v in r.items() if k != "step"} for r in records]


def _all_cases(cases: list[dict[str, Any]], cfg: Any) -> list[dict[str, Any]]:
    return cases


def _big_ok(r: dict[str, Any]) -> bool:
    return bool(r["top_rel_gap"] <= r["h"] ** 2 and r["shared"] >= r["n_large"])


def _prop1_ours(records: list[dict[str, Any]]) -> str:
    big_ok = [_big_ok(r) for r in records]
    return (
        f"relative gap of lambda_max: max {max(r['top_rel_gap'] for r in records):.2e} (h^2 >= "
        f"{min(r['h'] ** 2 for r in records):.2e}); leading singular values agreeing to 5%: "
        f"K in {sorted({r['shared'] for r in records})}, those >= 1e-4 sigma_1: "
        f"{sorted({r['n_large'] for r in records})} (criterion per case: gap <= h^2 and K >= that count; "
        f"{sum(big_ok)}/{len(big_ok)} cases)"
    )


def _prop2_ours(records: list[dict[str, Any]]) -> str:
    tails = [r["tail_log10_ratio"] for r in records]
    return (
        f"median log10(sigma_FD,i / sigma_AD,i) over i > K: {_fmt_ms(tails, '.2f')} decades "
        f"(min {min(tails):.2f}; criterion: > 0 in every case, {sum(t > 0 for t in tails)}/{len(tails)})"
    )


#: Prop. 1 (large singular values agree) and Prop. 2 (small ones larger for FD), in every case.
PROPOSITION_CLAIMS = (
    Claim(
        "large singular values of A_AD and A_FD agree (Prop. 1)",
        paper="lambda_max(A_AD^T A_AD) and lambda_max(A_FD^T A_FD) differ by O(h^2); the large singular "
        "values of A_FD and A_AD are close (Fig. 2)",
        reads=("cases",),
        criterion=lambda m, cfg: all(_big_ok(r) for r in m["cases"]),
        describe=lambda m, cfg: _prop1_ours(m["cases"]),
    ),
    Claim(
        "small singular values larger for FD (Prop. 2)",
        paper="the small singular values of A_FD are larger than those of A_AD (Fig. 2, Prop. 2)",
        reads=("cases",),
        criterion=lambda m, cfg: all(r["tail_log10_ratio"] > 0 for r in m["cases"]),
        describe=lambda m, cfg: _prop2_ours(m["cases"]),
    ),
)


def proposition_checks(records: list[dict[str, Any]]) -> list[Check]:
    """Prop. 1 (large singular values agree) and Prop. 2 (small ones larger for FD), every case."""
    return evaluate_claims(PROPOSITION_CLAIMS, {"cases": records}, None)


Select = Callable[[list[dict[str, Any]], Any], list[dict[str, Any]]]


def _entropy_holds(records: list[dict[str, Any]]) -> bool:
    return bool(records) and all(r["h_ad"] > r["h_fd"] for r in records)


def _entropy_ours(records: list[dict[str, Any]]) -> str:
    h_ad = [r["h_ad"] for r in records]
    h_fd = [r["h_fd"] for r in records]
    return (
        f"H_AD = {_fmt_ms(h_ad)}, H_FD = {_fmt_ms(h_fd)} over seeds {[r['seed'] for r in records]} "
        f"(e_AD = {[r['e_ad'] for r in records]}, e_FD = {[r['e_fd'] for r in records]}; "
        "criterion: AD > FD for every seed)"
    )


def entropy_claim(
    paper_h: tuple[float, float], where: Callable[[Any], str], select: Select = _all_cases
) -> WordedClaim:
    """``H_A_AD(a) > H_A_FD(a)`` for every seed of the cases ``select(cases, cfg)``, with mean +- std
    beside the paper's values ``paper_h``; ``where(cfg)`` ends the claim's name."""
    return WordedClaim(
        "H_A_AD(cutoff) > H_A_FD(cutoff)",
        paper=f"H_A_AD(cutoff) = {paper_h[0]} > H_A_FD(cutoff) = {paper_h[1]}",
        reads=("cases",),
        criterion=lambda m, cfg: _entropy_holds(select(m["cases"], cfg)),
        describe=lambda m, cfg: _entropy_ours(select(m["cases"], cfg)),
        title=lambda cfg: f"H_A_AD({cfg.cutoff:g}) > H_A_FD({cfg.cutoff:g}) {where(cfg)}",
        quote=lambda cfg: f"H_A_AD({cfg.cutoff:g}) = {paper_h[0]} > H_A_FD({cfg.cutoff:g}) = {paper_h[1]}",
    )


def entropy_check(
    records: list[dict[str, Any]], cutoff: float, paper_h: tuple[float, float], where: str
) -> Check:
    """``H_A_AD(a) > H_A_FD(a)`` for every seed, with mean +- std beside the paper's values."""
    return entropy_claim(paper_h, lambda cfg: where).evaluate(
        {"cases": records}, SimpleNamespace(cutoff=cutoff)
    )


def training_error_claim(select: Select = _all_cases, *, min_decades: float = 0.0, name: str = "") -> Claim:
    """Stage II of Fig. 3: past the last shared singular value K, AD's training error is below FD's
    in the cases ``select(cases, cfg)``."""

    def ok(records: list[dict[str, Any]]) -> bool:
        return all(
            r["frac_ad_below_fd_past_k"] >= 0.9 and r["median_log10_err_ratio_past_k"] > min_decades
            for r in records
        )

    def ours(records: list[dict[str, Any]]) -> str:
        fr = [r["frac_ad_below_fd_past_k"] for r in records]
        md = [r["median_log10_err_ratio_past_k"] for r in records]
        extra = f" and median log10(err_FD/err_AD) > {min_decades:g}" if min_decades > 0 else ""
        return (
            f"fraction of positions K < P < min(N, M) with err_AD < err_FD: {[round(f, 3) for f in fr]}; "
            f"median log10(err_FD / err_AD) there: {[round(d, 2) for d in md]} decades; at P = e(cutoff): "
            f"AD {_fmt_ms([r['err_ad_at_cutoff'] for r in records], '.2e')}, "
            f"FD {_fmt_ms([r['err_fd_at_cutoff'] for r in records], '.2e')} "
            f"(criterion per seed: fraction >= 0.9{extra})"
        )

    return Claim(
        name or "AD training error below FD once P passes K (Fig. 3 stage II)",
        paper="for truncation positions P >= K the training error ||Aa - f||/||f|| of AD is smaller than "
        "FD's",
        reads=("cases",),
        criterion=lambda m, cfg: ok(select(m["cases"], cfg)),
        describe=lambda m, cfg: ours(select(m["cases"], cfg)),
    )


def training_error_check(records: list[dict[str, Any]], *, min_decades: float = 0.0, name: str = "") -> Check:
    """Stage II of Fig. 3: past the last shared singular value K, AD's training error is below FD's."""
    return training_error_claim(min_decades=min_decades, name=name).evaluate({"cases": records}, None)


def _floored_slope(x: list[float], y: list[float]) -> float:
    """:func:`rankscope.analysis.loglog_slope` of ``y`` floored at 1e-300 (a zero training error);
    nan for fewer than two sizes."""
    if len(x) < 2:
        return float("nan")
    return loglog_slope(x, np.maximum(y, 1e-300))


def sweep_measures(
    records: list[dict[str, Any]], activation: str = "sin", min_size: int = 50
) -> dict[str, Any]:
    """Fig. 1: the sizes M = N, the seed means of H and of the error at e(cutoff) per size and method,
    and their log-log slopes over the sizes ``>= min_size`` (below it the approximation error, not the
    conditioning, dominates the training error: at M = 20 it is ~1e-5 vs ~1e-6)."""
    sizes = sorted({r["m"] for r in records if r["activation"] == activation})
    means: dict[str, list[float]] = {k: [] for k in ("h_ad", "h_fd", "err_ad_at_cutoff", "err_fd_at_cutoff")}
    for m in sizes:
        rs = [r for r in records if r["activation"] == activation and r["m"] == m]
        for k in means:
            means[k].append(float(np.mean([r[k] for r in rs])))
    fit = [i for i, m in enumerate(sizes) if m >= min_size]
    slopes = {}
    for meth in ("fd", "ad"):
        hs, es = means[f"h_{meth}"], means[f"err_{meth}_at_cutoff"]
        slopes[f"sweep_slope_H_{meth}"] = _floored_slope([sizes[i] for i in fit], [hs[i] for i in fit])
        slopes[f"sweep_slope_err_{meth}"] = _floored_slope([sizes[i] for i in fit], [es[i] for i in fit])
    return {"sizes": sizes, **{f"mean_{k}": v for k, v in means.items()}, **slopes}


def _sweep_claim(meth: str) -> Claim:
    def ours(m: dict[str, Any], cfg: Any) -> str:
        hs, es = m[f"mean_h_{meth}"], m[f"mean_err_{meth}_at_cutoff"]
        return (
            f"M = {m['sizes']}: H_{meth.upper()}(1e-12) = {[round(v, 4) for v in hs]}; error at e(1e-12) = "
            f"{[float(f'{v:.2e}') for v in es]}; log-log slopes over M >= {cfg.sweep_min_size}: "
            f"H {m[f'sweep_slope_H_{meth}']:.2f}, error {m[f'sweep_slope_err_{meth}']:.2f} (criterion: H "
            "slope <= -0.1 and error slope > 0)"
        )

    return Claim(
        f"Fig. 1 ({meth.upper()}): entropy falls, training error rises as M grows",
        paper="as the number of neurons M = N increases, truncated entropy decreases and the training "
        "error increases (Fig. 1, both methods)",
        reads=("sizes", f"mean_h_{meth}", f"mean_err_{meth}_at_cutoff", f"sweep_slope_H_{meth}"),
        criterion=lambda m, cfg: bool(
            m[f"sweep_slope_H_{meth}"] <= -0.1 and m[f"sweep_slope_err_{meth}"] > 0
        ),
        describe=ours,
    )


def _sweep_ordered(m: dict[str, Any]) -> bool:
    err_ad, err_fd = m["mean_err_ad_at_cutoff"], m["mean_err_fd_at_cutoff"]
    ordered = [a >= b - 1e-4 for a, b in zip(m["mean_h_ad"], m["mean_h_fd"], strict=True)]
    return all(ordered) and all(a <= 1.01 * b for a, b in zip(err_ad, err_fd, strict=True))


def _sweep_ordered_ours(m: dict[str, Any]) -> str:
    err_ad, err_fd = m["mean_err_ad_at_cutoff"], m["mean_err_fd_at_cutoff"]
    return (
        f"H_AD - H_FD = {[round(a - b, 4) for a, b in zip(m['mean_h_ad'], m['mean_h_fd'], strict=True)]}; "
        f"err_FD / err_AD = "
        f"{[round(b / a, 2) for a, b in zip(err_ad, err_fd, strict=True)]}"
        " (criterion: H_AD >= H_FD - 1e-4 and err_AD <= 1.01 err_FD at every M, seed means)"
    )


#: Fig. 1: as M = N grows, truncated entropy falls and training error rises (per method); AD above FD.
SWEEP_CLAIMS = (
    _sweep_claim("fd"),
    _sweep_claim("ad"),
    Claim(
        "Fig. 1: AD entropy >= FD entropy and AD error <= FD error at every M",
        paper="the truncated entropy of AD surpasses that of FD and AD has the lower training error",
        reads=("mean_h_ad", "mean_h_fd", "mean_err_ad_at_cutoff", "mean_err_fd_at_cutoff"),
        criterion=lambda m, cfg: _sweep_ordered(m),
        describe=lambda m, cfg: _sweep_ordered_ours(m),
    ),
)


def sweep_checks(
    records: list[dict[str, Any]], activation: str = "sin", min_size: int = 50
) -> tuple[list[Check], dict[str, Any]]:
    """The claims of Fig. 1 (:data:`SWEEP_CLAIMS`) decided on ``records``: checks, measures."""
    measures = sweep_measures(records, activation, min_size)
    return evaluate_claims(SWEEP_CLAIMS, measures, SimpleNamespace(sweep_min_size=min_size)), measures


# ---------------------------------------------------------------------------------------------------
# figures


def _plot_spectra(ax: Any, arrays: dict[str, np.ndarray], key: str, title: str) -> None:
    ad, fd = arrays[f"{key}/sv_ad"], arrays[f"{key}/sv_fd"]
    ax.semilogy(np.arange(1, ad.size + 1), ad / ad[0], "o", ms=3, label="AD")
    ax.semilogy(np.arange(1, fd.size + 1), fd / fd[0], "x", ms=3, label="FD")
    ax.set_xlabel("index i")
    ax.set_ylabel("sigma_i / sigma_1")
    ax.set_title(title, fontsize="small")
    ax.legend(fontsize="small")


def _plot_curves(ax: Any, arrays: dict[str, np.ndarray], key: str, rec: dict[str, Any], title: str) -> None:
    for meth, mark in (("ad", "-"), ("fd", "--")):
        err = arrays[f"{key}/err_{meth}"]
        ax.semilogy(np.arange(1, err.size + 1), err, mark, label=meth.upper())
        e = rec[f"e_{meth}"]
        ax.plot([e], [err[e - 1]], "o", color="gold", mec="k")
    ax.axvline(rec["shared"], color="red", lw=0.8, ls=":", label="K (last shared)")
    ax.set_xlabel("truncation position P")
    ax.set_ylabel("||Aa - f|| / ||f||")
    ax.set_title(title, fontsize="small")
    ax.legend(fontsize="small")


def _draw_pair(run_dir: RunDir, records: list[dict[str, Any]], name: str, title: str) -> None:
    from rankscope.report import new_figure

    arrays = run_dir.read_arrays()
    rec = records[0]
    key = _key(rec)
    fig, axes = new_figure(1, 2, figsize=(10, 3.8))
    _plot_spectra(axes[0], arrays, key, f"{title}: singular values ({key})")
    _plot_curves(axes[1], arrays, key, rec, "training error vs truncation position (gold: e(a))")
    run_dir.save_figure(fig, name)


# ---------------------------------------------------------------------------------------------------
# experiments


@dataclass(frozen=True)
class RfmPoisson1dConfig(ExperimentConfig):
    """Configuration of ``adfd-rfm-poisson1d`` (see module docstring)."""

    sizes: tuple[int, ...] = (20, 50, 100, 200, 300, 400, 500)  # M = N, Fig. 1 / B.2.1 (sin)
    sweep_min_size: int = 50  # smallest M of the Fig. 1 trend fits
    tanh_size: int = 300  # Fig. 2(b)
    fig3_size: int = 300
    cutoff: float = 1e-12
    radius: float = 1.0
    shared_rtol: float = 0.05
    large_ratio: float = 1e-4
    boundary: str = choice("ghost", ("ghost", "truncate"))
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)


def _fig3_cases(cases: list[dict[str, Any]], cfg: Any) -> list[dict[str, Any]]:
    return [r for r in cases if r["activation"] == "sin" and r["m"] == cfg.fig3_size]


def _c2_quote(cfg: Any) -> str:
    n = cfg.fig3_size
    paper_formula = 4 * n**2 * np.cos(n * np.pi / (2 * n + 1)) ** 2
    return (
        f"lambda_min(C_2) = 4N^2 cos^2(N pi/(2N+1)) >= 1 (Sec. 3.1, [32]); for N = {n}: {paper_formula:.4f}"
    )


#: lambda_min(C_2) of the second-difference matrix at N = fig3_size against its closed form.
LAMBDA_MIN_CLAIM = WordedClaim(
    "lambda_min(C_2) matches its closed form and is >= 1",
    paper="lambda_min(C_2) = 4N^2 cos^2(N pi/(2N+1)) >= 1 (Sec. 3.1, [32])",
    reads=("lambda_min_C2", "lambda_min_C2_numerical", "C2_eigenvalue_rel_error"),
    criterion=lambda m, cfg: bool(m["C2_eigenvalue_rel_error"] <= 1e-10 and m["lambda_min_C2"] >= 1.0),
    describe=lambda m, cfg: (
        f"N = {cfg.fig3_size}, h = 2/N: |lambda|_min numerically {m['lambda_min_C2_numerical']:.6f}, closed "
        f"form (4/h^2) sin^2(pi/(2(N+1))) = {m['lambda_min_C2']:.6f}; all N eigenvalues agree to "
        f"{m['C2_eigenvalue_rel_error']:.1e} (criterion: <= 1e-10 and lambda_min >= 1)"
    ),
    quote=_c2_quote,
)


@register
class RfmPoisson1dExperiment(Experiment):
    name = "adfd-rfm-poisson1d"
    summary = (
        "Paper 001 Figs. 1-3, B.2.1: A_AD vs A_FD singular values, truncated entropy, truncated-SVD error"
    )
    paper = "paper 001, Figs. 1, 2(a, b), 3, B.2.1"
    Config = RfmPoisson1dConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"sizes": (20, 50, 100, 200, 300, 400), "seeds": (0, 1, 2)},
        "paper": {"sizes": (20, 50, 100, 150, 200, 300, 400, 500), "seeds": (0, 1, 2, 3, 4)},
    }
    claims = (
        *PROPOSITION_CLAIMS,
        entropy_claim((0.0866, 0.0056), lambda cfg: f"at M = N = {cfg.fig3_size} (Fig. 3)", _fig3_cases),
        training_error_claim(_fig3_cases),
        *SWEEP_CLAIMS,
        LAMBDA_MIN_CLAIM,
    )

    def _cases(self, cfg: RfmPoisson1dConfig) -> list[tuple[str, int, int, int]]:
        sizes = sorted(set(cfg.sizes) | {cfg.fig3_size})
        cases = [("sin", m, m, s) for m in sizes for s in cfg.seeds]
        cases += [("tanh", cfg.tanh_size, cfg.tanh_size, s) for s in cfg.seeds]
        return cases

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: RfmPoisson1dConfig = config
        records = _run_cases(self._cases(cfg), "poisson1d", cfg, run_dir, progress, "cases")
        return Result(poisson1d_measures(cfg, records))

    def figures(self, run_dir: RunDir) -> None:
        from rankscope.report import new_figure

        records = run_dir.read_metrics()
        fig3_size = int(run_dir.read_config()["config"]["fig3_size"])
        sin0 = [r for r in records if r["activation"] == "sin" and r["seed"] == records[0]["seed"]]
        _draw_pair(run_dir, [r for r in sin0 if r["m"] == fig3_size] or sin0, "fig3", "sin")
        tanh = [r for r in records if r["activation"] == "tanh"]
        if tanh:
            _draw_pair(run_dir, tanh, "fig2b_tanh", "tanh")
        meas = sweep_measures(records)
        fig, axes = new_figure(1, 2, figsize=(10, 3.8))
        for meth in ("ad", "fd"):
            axes[0].plot(meas["sizes"], meas[f"mean_h_{meth}"], "o-", label=meth.upper())
            axes[1].semilogy(meas["sizes"], meas[f"mean_err_{meth}_at_cutoff"], "o-", label=meth.upper())
        axes[0].set(xlabel="M = N", ylabel="H_A(1e-12)", title="(a) truncated entropy")
        axes[1].set(xlabel="M = N", ylabel="||Aa - f|| / ||f||", title="(b) training error at e(1e-12)")
        for ax in axes:
            ax.legend(fontsize="small")
        run_dir.save_figure(fig, "fig1")
        arrays = run_dir.read_arrays()
        fig, ax = new_figure(figsize=(6, 4))
        for r in sin0:
            key = _key(r)
            (line,) = ax.semilogy(arrays[f"{key}/sv_ad"] / arrays[f"{key}/sv_ad"][0], "-", lw=1)
            ax.semilogy(
                arrays[f"{key}/sv_fd"] / arrays[f"{key}/sv_fd"][0],
                "--",
                lw=1,
                color=line.get_color(),
                label=f"M = N = {r['m']}",
            )
        ax.set(xlabel="index i", ylabel="sigma_i / sigma_1", title="B.2.1: AD (solid) vs FD (dashed)")
        ax.legend(fontsize="x-small")
        run_dir.save_figure(fig, "figB21")


def poisson1d_measures(cfg: RfmPoisson1dConfig, records: list[dict[str, Any]]) -> dict[str, Any]:
    """The measures of ``adfd-rfm-poisson1d`` from its records: every case, the Fig. 3 cases, the Fig. 1
    sweep and the eigenvalues of the second-difference matrix C_2 at ``N = fig3_size``."""
    fig3 = _fig3_cases(records, cfg)
    meas = sweep_measures(records, min_size=cfg.sweep_min_size)
    n = cfg.fig3_size
    h = 2.0 / n
    lam = np.linalg.eigvalsh(stencil_matrix("uxx", (n,), h, boundary="truncate").toarray())
    closed = second_difference_eigenvalues(n, h)
    lam_min_num, lam_min_closed = float(np.min(np.abs(lam))), float(np.min(np.abs(closed)))
    rel = float(np.max(np.abs(np.sort(lam) - np.sort(closed))) / np.max(np.abs(closed)))
    by_size = {
        int(m): (
            float(np.mean([r["h_ad"] for r in records if r["activation"] == "sin" and r["m"] == m])),
            float(np.mean([r["h_fd"] for r in records if r["activation"] == "sin" and r["m"] == m])),
        )
        for m in meas["sizes"]
    }
    return {
        "paper_H_AD_fig3": 0.0866,
        "paper_H_FD_fig3": 0.0056,
        "H_by_size_sin (AD, FD)": {str(k): v for k, v in by_size.items()},
        "fig3": {k: [r[k] for r in fig3] for k in ("h_ad", "h_fd", "e_ad", "e_fd", "shared")},
        "lambda_min_C2": lam_min_closed,
        **meas,
        "lambda_min_C2_numerical": lam_min_num,
        "C2_eigenvalue_rel_error": rel,
        "cases": _case_measures(records),
    }


@dataclass(frozen=True)
class RfmPoisson2dConfig(ExperimentConfig):
    """Configuration of ``adfd-rfm-poisson2d``: M = 100 (Fig. 5) and 200 (Fig. 2(c)), 64 x 64 grid."""

    ms: tuple[int, ...] = (100, 200)
    grid: int = 64
    cutoff: float = 1e-13
    radius: float = 1.0
    shared_rtol: float = 0.05
    large_ratio: float = 1e-4
    boundary: str = choice("ghost", ("ghost", "truncate"))
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)


def _first_m_cases(cases: list[dict[str, Any]], cfg: Any) -> list[dict[str, Any]]:
    return [r for r in cases if r["m"] == cfg.ms[0]]


@register
class RfmPoisson2dExperiment(Experiment):
    name = "adfd-rfm-poisson2d"
    summary = "Paper 001 Fig. 5(a, b), 2(c): 2D Poisson random features, A_AD vs A_FD (five-point Laplacian)"
    paper = "paper 001, Figs. 2(c), 5(a, b), appendix B.3"
    Config = RfmPoisson2dConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"ms": (100,), "seeds": (0, 1, 2)},
        "paper": {"ms": (100, 200), "seeds": (0, 1, 2, 3, 4)},
    }
    claims = (
        *PROPOSITION_CLAIMS,
        entropy_claim((0.0200, 0.0152), lambda cfg: f"at M = {cfg.ms[0]} (Fig. 5a)", _first_m_cases),
        training_error_claim(_first_m_cases, name="AD training error below FD past K (Fig. 5b)"),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: RfmPoisson2dConfig = config
        cases = [("sin", m, cfg.grid, s) for m in cfg.ms for s in cfg.seeds]
        records = _run_cases(cases, "poisson2d", cfg, run_dir, progress, "cases")
        measures = {
            "paper_H_AD": 0.0200,
            "paper_H_FD": 0.0152,
            **{
                f"M{m}": {
                    k: [r[k] for r in records if r["m"] == m]
                    for k in ("h_ad", "h_fd", "e_ad", "e_fd", "err_ad_at_cutoff", "err_fd_at_cutoff")
                }
                for m in cfg.ms
            },
            "cases": _case_measures(records),
        }
        return Result(measures)

    def figures(self, run_dir: RunDir) -> None:
        records = run_dir.read_metrics()
        for m in sorted({r["m"] for r in records}):
            rs = [r for r in records if r["m"] == m]
            _draw_pair(run_dir, rs, f"fig5_M{m}", f"2D Poisson M = {m}")


@dataclass(frozen=True)
class RfmBiharmonicConfig(ExperimentConfig):
    """Configuration of ``adfd-rfm-biharmonic``: M = N = 500 (Fig. 6(a, b))."""

    size: int = 500
    cutoff: float = 1e-13
    radius: float = 1.0
    shared_rtol: float = 0.05
    large_ratio: float = 1e-4
    boundary: str = choice("ghost", ("ghost", "truncate"))
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)


@register
class RfmBiharmonicExperiment(Experiment):
    name = "adfd-rfm-biharmonic"
    summary = "Paper 001 Fig. 6(a, b): biharmonic random features, A_AD vs A_FD (fourth difference)"
    paper = "paper 001, Fig. 6(a, b), appendix B.4"
    Config = RfmBiharmonicConfig
    presets: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": {"seeds": (0, 1, 2)},
        "paper": {"seeds": (0, 1, 2, 3, 4)},
    }
    claims = (
        *PROPOSITION_CLAIMS,
        entropy_claim((0.0841, 0.0023), lambda cfg: f"at M = N = {cfg.size} (Fig. 6a)"),
        training_error_claim(min_decades=1.0, name="AD training error well below FD past K (Fig. 6b)"),
    )

    def run(self, config: Any, run_dir: RunDir, progress: Progress = no_progress) -> Result:
        cfg: RfmBiharmonicConfig = config
        cases = [("sin", cfg.size, cfg.size, s) for s in cfg.seeds]
        records = _run_cases(cases, "biharmonic", cfg, run_dir, progress, "cases")
        measures = {
            "paper_H_AD": 0.0841,
            "paper_H_FD": 0.0023,
            **{
                k: [r[k] for r in records]
                for k in (
                    "h_ad",
                    "h_fd",
                    "e_ad",
                    "e_fd",
                    "err_ad_at_cutoff",
                    "err_fd_at_cutoff",
                    "median_log10_err_ratio_past_k",
                )
            },
            "cases": _case_measures(records),
        }
        return Result(measures)

    def figures(self, run_dir: RunDir) -> None:
        _draw_pair(run_dir, run_dir.read_metrics(), "fig6", "biharmonic")
