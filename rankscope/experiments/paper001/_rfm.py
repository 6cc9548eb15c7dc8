"""Paper 001, random feature models: the pipeline (problem -> features -> A_AD, A_FD -> spectra ->
measures), the claims and the figures that ``adfd-rfm-poisson1d``, ``adfd-rfm-poisson2d`` and
``adfd-rfm-biharmonic`` share (paper 001 Figs. 1, 2, 3, 5(a, b), 6(a, b), B.2.1).

Set-up (appendix B.1): sin features, ``w_j, b_j ~ U[-1, 1]``, float64; collocation on the uniform
cell-centred grid with ``h = |Omega|/N`` per axis; ``A_FD`` applies the stencil with the features'
values at the ghost neighbours (eq. 8 as written; ``boundary = "truncate"`` gives the printed square
matrices of eq. 12 instead, whose O(1/h^2) boundary rows make the large singular values disagree).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from rankscope.experiments.base import Check, ExperimentConfig, Progress, choice
from rankscope.experiments.claims import Claim, evaluate_claims
from rankscope.linalg import Spectrum, cutoff_number, truncated_entropy
from rankscope.linalg.truncated_svd import truncation_curve
from rankscope.matrices.ad_fd_comparison import compare_ad_fd
from rankscope.matrices.random_features import sample_features, system_matrix_ad, system_matrix_fd
from rankscope.problems.adfd import adfd_problem
from rankscope.store import RunDir

__all__ = [
    "COLUMNS",
    "PROPOSITION_CLAIMS",
    "RfmCaseConfig",
    "case_key",
    "case_measures",
    "columns",
    "draw_pair",
    "entropy_check",
    "entropy_claim",
    "fmt_ms",
    "proposition_checks",
    "rfm_case",
    "run_cases",
    "training_error_check",
    "training_error_claim",
]


#: the per-seed values the measures of ``summary.json`` list (``columns``)
@dataclass(frozen=True)
class RfmCaseConfig(ExperimentConfig):
    """The settings every AD-vs-FD random-feature experiment shares (one :func:`rfm_case` each).

    ``cutoff``: the singular-value cut-off of the truncated entropy and cut-off number (paper 001
    Def. 1-2); ``radius``: of the sampled features; ``shared_rtol``: relative tolerance of "the
    large singular values agree"; ``large_ratio``: what counts as large; ``boundary``: the FD
    stencil at the boundary (module docstring); ``seeds``: of the features.
    """

    cutoff: float = 1e-13
    radius: float = 1.0
    shared_rtol: float = 0.05
    large_ratio: float = 1e-4
    boundary: str = choice("ghost", ("ghost", "truncate"))
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)


COLUMNS = ("h_ad", "h_fd", "e_ad", "e_fd", "err_ad_at_cutoff", "err_fd_at_cutoff")


def fmt_ms(values: list[float], fmt: str = ".4f") -> str:
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


def _name(activation: str, m: int, n: int, seed: int) -> str:
    return f"{activation}/M{m}_N{n}/seed{seed}"


def case_key(rec: dict[str, Any]) -> str:
    """The arrays' key prefix of a case's record: ``activation/M{m}_N{n}/seed{seed}``."""
    return _name(rec["activation"], rec["m"], rec["n"], rec["seed"])


def run_cases(
    cases: list[tuple[str, int, int, int]],
    problem: str,
    cfg: Any,
    run_dir: RunDir,
    progress: Progress,
    label: str = "cases",
) -> list[dict[str, Any]]:
    """Run the cases ``(activation, m, n, seed)`` not yet in ``metrics.jsonl`` (a killed run resumes
    where it stopped); their records, in order. Case seed ``s`` draws its features with seed
    ``1000 * cfg.seed + s``, so ``--set seed=N`` gives independent draws."""
    base = 1000 * int(getattr(cfg, "seed", 0))
    cases = [(a, m, n, base + s) for a, m, n, s in cases]
    done = {case_key(r): r for r in run_dir.read_metrics()}
    for i, case in enumerate(cases):
        key = _name(*case)
        if key not in done:
            rec, arrays = rfm_case(
                problem,
                *case,
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
    return [done[_name(*c)] for c in cases]


def case_measures(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every case's record (what the claims read), without its position in ``metrics.jsonl``."""
    return [{k: v for k, v in r.items() if k != "step"} for r in records]


def columns(records: list[dict[str, Any]], keys: Sequence[str] = COLUMNS) -> dict[str, list[Any]]:
    """``{key: [record[key] for each record]}``: the per-seed values of ``keys``."""
    return {k: [r[k] for r in records] for k in keys}


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
        f"median log10(sigma_FD,i / sigma_AD,i) over i > K: {fmt_ms(tails, '.2f')} decades "
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
        f"H_AD = {fmt_ms(h_ad)}, H_FD = {fmt_ms(h_fd)} over seeds {[r['seed'] for r in records]} "
        f"(e_AD = {[r['e_ad'] for r in records]}, e_FD = {[r['e_fd'] for r in records]}; "
        "criterion: AD > FD for every seed)"
    )


def entropy_claim(
    paper_h: tuple[float, float], where: Callable[[Any], str], select: Select = _all_cases
) -> Claim:
    """``H_A_AD(a) > H_A_FD(a)`` for every seed of the cases ``select(cases, cfg)``, with mean +- std
    beside the paper's values ``paper_h``; ``where(cfg)`` ends the claim's name."""
    return Claim(
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
            f"AD {fmt_ms([r['err_ad_at_cutoff'] for r in records], '.2e')}, "
            f"FD {fmt_ms([r['err_fd_at_cutoff'] for r in records], '.2e')} "
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


def draw_pair(run_dir: RunDir, records: list[dict[str, Any]], name: str, title: str) -> None:
    from rankscope.report import new_figure

    arrays = run_dir.read_arrays()
    rec = records[0]
    key = case_key(rec)
    fig, axes = new_figure(1, 2, figsize=(10, 3.8))
    _plot_spectra(axes[0], arrays, key, f"{title}: singular values ({key})")
    _plot_curves(axes[1], arrays, key, rec, "training error vs truncation position (gold: e(a))")
    run_dir.save_figure(fig, name)
