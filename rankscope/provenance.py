"""Where a run ran: CPU, BLAS kernels and threads, library versions and the rankscope commit.

A check that sits close to its criterion can flip on another CPU, BLAS kernel or thread count
(see :mod:`rankscope.experiments.checks`), so every ``summary.json`` that ``run_experiment`` writes
carries :func:`collect_provenance` under ``"provenance"``. Nothing here may fail a run: every probe
that cannot answer gives ``None``.

Example:
    >>> p = collect_provenance()
    >>> sorted(p)[:4]
    ['blas', 'cpu', 'env', 'git']
    >>> isinstance(p["torch_threads"], int)
    True
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["ENV_KEYS", "collect_provenance", "git_state"]

#: Environment variables that change BLAS/OpenMP kernels or thread counts; recorded when set.
ENV_KEYS = ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
GIT_TIMEOUT = 2.0


def _cpu_model() -> str | None:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else ``platform.processor()``."""
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "cpu model", "Processor") and value.strip():
                    return value.strip()
    return platform.processor() or None


def _blas() -> list[dict[str, Any]] | None:
    """One entry per BLAS/OpenMP library loaded (threadpoolctl): API, version, kernel, threads."""
    try:
        from threadpoolctl import threadpool_info

        info = threadpool_info()
    except Exception:  # a broken library must not stop the run
        return None
    keys = ("user_api", "internal_api", "version", "architecture", "threading_layer", "num_threads", "prefix")
    return [{k: entry.get(k) for k in keys if k in entry} for entry in info]


def _torch() -> dict[str, Any]:
    out: dict[str, Any] = {"version": None, "threads": None, "interop_threads": None, "cpu_capability": None}
    with contextlib.suppress(Exception):
        import torch

        out["version"] = torch.__version__
        out["threads"] = torch.get_num_threads()
        out["interop_threads"] = torch.get_num_interop_threads()
        out["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    return out


def _version(module: str) -> str | None:
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        return version(module)
    return None


def _git(args: list[str], cwd: Path) -> str | None:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}  # never take the index lock
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def git_state(source: Path | None = None) -> dict[str, Any] | None:
    """``{"commit", "dirty"}`` of the git checkout holding the rankscope package, or ``None``.

    ``None`` when git is missing, times out, or the package is not inside a checkout of its own
    (an installed wheel inside some other repository does not count). ``dirty`` says whether
    tracked files differ from the commit.
    """
    package = (source or Path(__file__).resolve().parent).resolve()
    top = _git(["rev-parse", "--show-toplevel"], package)
    if top is None or not (Path(top.strip()) / "rankscope" / "__init__.py").is_file():
        return None
    if Path(top.strip()).resolve() != package.parent:
        return None
    commit = _git(["rev-parse", "HEAD"], package)
    status = _git(["status", "--porcelain", "--untracked-files=no"], package)
    if commit is None:
        return None
    return {"commit": commit.strip(), "dirty": None if status is None else bool(status.strip())}


def collect_provenance() -> dict[str, Any]:
    """Describe the machine and software a run uses now (call it inside the run's thread limits).

    Returns a JSON-ready dict: ``cpu`` (model name), ``machine``, ``os``, ``python``, ``blas``
    (threadpoolctl's libraries: ``internal_api``, ``version``, ``architecture`` (the kernel, e.g.
    OpenBLAS' ``Haswell``), ``threading_layer``, ``num_threads``), ``torch_threads``, ``torch``
    (version, intra-/inter-op threads, ``cpu_capability``), ``env`` (those of :data:`ENV_KEYS` that
    are set), ``versions`` (rankscope, torch, numpy, scipy) and ``git`` (:func:`git_state`).
    """
    torch_info = _torch()
    return {
        "cpu": _cpu_model(),
        "machine": platform.machine() or None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "blas": _blas(),
        "torch_threads": torch_info["threads"],
        "torch": torch_info,
        "env": {k: os.environ[k] for k in ENV_KEYS if k in os.environ},
        "versions": {name: _version(name) for name in ("rankscope", "torch", "numpy", "scipy")},
        "git": git_state(),
    }
