"""Empirical NTK speed and memory: layerwise MLP kernel vs the torch.func recipe and nngeometry.

Paper 002 Lemma 3.1 / eq. (14): the residual NTK of ``-u''`` at N_c
collocation points and the plain output NTK, for a depth-4 tanh MLP (rankscope.nets.MLP, d = 1) of
width 60 and 256, float64, N in {256, 1024, 4096} (quick: {256, 1024}).

Baselines, measured in the same run under the same conditions (one torch thread, fresh subprocess):
``method="recipe"`` (per-sample ``jacrev`` of the residual under ``vmap``, J concatenated, ``J J^T``;
J formed in parameter groups when it exceeds 8 GiB, vmap in row chunks) and, for the output NTK, nngeometry's
``GramMatrix(..., representation=FMatDense)`` (per-layer ``(g g^T) o (a a^T)`` by hooks) when importable.
Candidate: ``method="layerwise"`` (rankscope.matrices.ntk_layerwise). Targets: output NTK >= 1x
nngeometry and >= 1x the recipe; residual NTK >= 4x (width 60) / >= 10x (width 256) the recipe at
N = 4096 and >= 1x at smaller N. Every pair must agree to 1e-10 relative Frobenius norm
(``extra["rel_diff"]``).

Peak memory (``extra["peak_mib"]``): each measurement runs in a fresh Python subprocess; the figure is
the rise of that process's peak resident set size over its resident size just before the timed call
(Linux ``/proc/self/status`` VmHWM after resetting it through ``/proc/self/clear_refs``; ``ru_maxrss`` is
not used: it inherits the parent's high-water mark across fork/exec). It counts all CPU memory the call
touched at its high-water mark: torch tensors, the float64 model copy and K itself (N^2 x 8 bytes); with
best-of-3 timing it is the peak over the three calls. Timed once per call at N = 4096, best of 3 below.
The full run also measures the layerwise residual NTK at N_c = 16384 (width 256) for the 24 GiB budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rankscope.bench import BenchResult

DEPTH = 4
_CHILD = r"""
import json, sys, time, copy
import numpy as np, torch
torch.set_num_threads(1)
from rankscope.nets import MLP
from rankscope.matrices.ntk import output_ntk, residual_ntk
from rankscope.operators.standard_operators import negative_laplacian
spec = json.loads(sys.argv[1])
model = MLP(1, spec["width"], spec["depth"], act="tanh", seed=0)

def make(n):
    x = torch.linspace(-1.0, 1.0, n, dtype=torch.float64)[:, None]
    if spec["method"] == "nngeometry":
        from nngeometry.gram import GramMatrix
        from nngeometry.layercollection import LayerCollection
        from nngeometry.object import FMatDense
        from torch.utils.data import DataLoader, TensorDataset
        m64 = copy.deepcopy(model).to(torch.float64)
        lc = LayerCollection.from_model(m64)
        loader = DataLoader(TensorDataset(x), batch_size=n)
        gram = lambda: GramMatrix(m64, loader, representation=FMatDense, layer_collection=lc)
        return lambda: gram().data.reshape(n, n)
    if spec["kind"] == "output":
        return lambda: output_ntk(model, x, method=spec["method"])
    return lambda: residual_ntk(model, negative_laplacian(1), x, method=spec["method"]).K

def status_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])

make(8)()  # warm-up (lazy imports, first-call overheads) on a tiny problem
fn = make(spec["n"])
try:  # reset this process's peak RSS (VmHWM) to its current RSS
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    before = status_kib("VmRSS:")
except OSError:
    before = status_kib("VmHWM:")
best = float("inf")
for _ in range(spec["repeats"]):
    t0 = time.perf_counter()
    out = fn()
    best = min(best, time.perf_counter() - t0)
    if spec["repeats"] > 1:
        out = np.asarray(out)
after = status_kib("VmHWM:")
if spec["save"]:
    np.save(spec["save"], np.asarray(out))
print("RESULT " + json.dumps({"seconds": best, "peak_mib": (after - before) / 1024.0}))
"""


def _measure(kind: str, method: str, width: int, n: int, save: str | None) -> dict[str, float]:
    """Time and peak-RSS rise of one NTK computation in a fresh single-threaded subprocess."""
    spec = {
        "kind": kind,
        "method": method,
        "width": width,
        "depth": DEPTH,
        "n": n,
        "repeats": 1 if n >= 4096 else 3,
        "save": save,
    }
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(spec)], capture_output=True, text=True, env=env, check=False
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"NTK benchmark child {spec} failed:\n{proc.stderr[-2000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def _nngeometry_available() -> bool:
    try:
        import nngeometry.gram  # noqa: F401
    except Exception:
        return False
    return True


def _rel(a: str, b: str) -> float:
    x, y = np.load(a), np.load(b)
    return float(np.linalg.norm(x - y) / np.linalg.norm(y))


def _result(
    name: str, base: str, base_m: dict, cand_m: dict, target: float, rel: float, extra: dict
) -> BenchResult:
    return BenchResult(
        name=name,
        baseline=base,
        baseline_s=base_m["seconds"],
        candidate="method='layerwise'",
        candidate_s=cand_m["seconds"],
        kind="speedup",
        target=target,
        extra={
            "peak_mib": {"baseline": round(base_m["peak_mib"], 1), "candidate": round(cand_m["peak_mib"], 1)},
            "rel_diff": rel,
            "agree_1e-10": rel <= 1e-10,
            "threads": 1,
            **extra,
        },
    )


def run(quick: bool = False) -> list[BenchResult]:
    """Speed-ups and peak memory of the layerwise NTK over the recipe (and nngeometry), same run."""
    sizes = (256, 1024) if quick else (256, 1024, 4096)
    nng = _nngeometry_available()
    results: list[BenchResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        for width in (60, 256):
            for n in sizes:
                files = {m: str(Path(tmp) / f"{m}.npy") for m in ("layerwise", "recipe", "nngeometry")}
                tag = f"{DEPTH}x{width} tanh, N={n}"
                lw = _measure("output", "layerwise", width, n, files["layerwise"])
                rc = _measure("output", "recipe", width, n, files["recipe"])
                results.append(
                    _result(
                        f"ntk.output[{tag}] vs recipe",
                        "method='recipe' (vmap(jacrev), J J^T)",
                        rc,
                        lw,
                        1.0,
                        _rel(files["layerwise"], files["recipe"]),
                        {},
                    )
                )
                if nng:
                    ng = _measure("output", "nngeometry", width, n, files["nngeometry"])
                    results.append(
                        _result(
                            f"ntk.output[{tag}] vs nngeometry",
                            "nngeometry GramMatrix(FMatDense)",
                            ng,
                            lw,
                            1.0,
                            _rel(files["layerwise"], files["nngeometry"]),
                            {},
                        )
                    )
                lw = _measure("residual", "layerwise", width, n, files["layerwise"])
                rc = _measure("residual", "recipe", width, n, files["recipe"])
                extra = {}
                if n == 4096 and width == 256 and not quick:
                    big = _measure("residual", "layerwise", width, 16384, None)
                    extra = {
                        "layerwise_N16384_s": big["seconds"],
                        "layerwise_N16384_peak_mib": big["peak_mib"],
                    }
                target = (4.0 if width == 60 else 10.0) if n >= 4096 else 1.0
                results.append(
                    _result(
                        f"ntk.residual[-u'', {tag}] vs recipe",
                        "method='recipe' (vmap(jacrev of u''), J J^T)",
                        rc,
                        lw,
                        target,
                        _rel(files["layerwise"], files["recipe"]),
                        extra,
                    )
                )
                for r in results[-3:]:
                    print(r.describe(), r.extra, flush=True)
    return results


if __name__ == "__main__":
    t0 = time.perf_counter()
    for r in run(quick="--quick" in sys.argv):
        print(r.describe(), r.extra)
    print(f"total {time.perf_counter() - t0:.1f}s")
