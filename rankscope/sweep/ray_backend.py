"""The Ray backend: each point of a sweep a Ray task, on a local Ray instance or a cluster.

Each task declares ``cpus`` CPUs (default: the config's ``threads``) and ``gpus`` GPUs, checked
against the cluster's resources before anything is written. Ray is an optional extra (``pip
install 'rankscope[ray]'``). The sweep root must be on a file system every node sees, and
rankscope installed on every node. ``ray.init`` retries an unreachable address for minutes, so an
explicit address is first probed in a subprocess with a timeout (:func:`probe_ray`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from rankscope.sweep.plan import SweepError
from rankscope.sweep.state import SweepState

__all__ = ["RayCluster", "probe_ray"]

RAY_INSTALL = "pip install 'rankscope[ray]' (or pip install 'ray>=2.9,<3')"


@dataclass(frozen=True)
class RayCluster:
    """Run points as Ray tasks.

    ``address``: ``None`` or ``"local"`` — this process's Ray connection if it has one, else a new
    local Ray instance; ``"auto"`` — ``RAY_ADDRESS`` if set, else the running local cluster;
    ``"HOST:PORT"`` (the head's GCS address) or ``"ray://HOST:PORT"`` (Ray client, needs
    ``ray[client]``). An explicit address is probed in a subprocess first, so an unreachable or
    wrong one fails within ``connect_timeout`` seconds instead of hanging; if this process is
    already connected to Ray (``ray.init`` was called), that connection is used and left open.
    ``cpus``/``gpus``: the resources each run declares (``cpus=None``: the config's ``threads``,
    else 1). The GPU request only reserves a device; experiments choose their device themselves.
    """

    address: str | None = None
    cpus: float | None = None
    gpus: float = 0.0
    connect_timeout: float = 20.0


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SweepError(f"--ray needs Ray, an optional extra of rankscope: {RAY_INSTALL}") from None
    return ray


_PROBE = (
    "import json, sys\n"
    "import ray\n"
    "ray.init(address=sys.argv[1], log_to_driver=False, logging_level='ERROR')\n"
    "print('RANKSCOPE-PROBE ' + json.dumps(ray.cluster_resources()), flush=True)\n"
    "ray.shutdown()\n"
)


def _host_port(address: str) -> tuple[str, int]:
    bare = address.removeprefix("ray://")
    host, sep, port = bare.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SweepError(
            f"Ray address {address!r} is malformed; expected HOST:PORT (the head's GCS address, e.g. "
            "10.0.0.5:6379), ray://HOST:PORT (Ray client), auto (RAY_ADDRESS or the running local "
            "cluster) or local (a new local Ray instance)"
        )
    return host.strip("[]"), int(port)


def probe_ray(address: str, timeout: float) -> dict[str, float]:
    """Connect to the Ray cluster at ``address`` in a subprocess; return its resources or raise.

    ``ray.init`` retries an unreachable or non-Ray address for minutes, so the probe runs in a
    child process killed after ``timeout`` seconds; a ``HOST:PORT`` that refuses TCP connections
    is reported at once.
    """
    if address != "auto":
        host, port = _host_port(address)
        try:
            with socket.create_connection((host, port), timeout=timeout):
                pass
        except OSError as exc:
            raise SweepError(
                f"cannot reach the Ray cluster at {address!r}: {exc}. Check the address (`ray start "
                "--head` prints it; `ray status` on the head shows the cluster) and the firewall"
            ) from None
    cmd = [sys.executable, "-c", _PROBE, address]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SweepError(
            f"could not connect to a Ray cluster at {address!r} within {timeout:g} s (something "
            "answers there, but not a Ray head); check the address, or raise --connect-timeout"
        ) from None
    for line in proc.stdout.splitlines():
        if line.startswith("RANKSCOPE-PROBE "):
            return {k: float(v) for k, v in json.loads(line.removeprefix("RANKSCOPE-PROBE ")).items()}
    lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
    reason = lines[-1] if lines else f"exit status {proc.returncode}"
    if "ray[client]" in proc.stderr:
        reason += " (ray:// addresses need the Ray client: pip install 'ray[client]>=2.9,<3')"
    raise SweepError(f"could not connect to a Ray cluster at {address!r}: {reason}")


class RaySession:
    """A Ray connection checked against the sweep's resource requests; runs the tasks."""

    def __init__(self, ray: ModuleType, owned: bool, backend: RayCluster, gpus: float) -> None:
        self.ray, self.owned, self.backend, self.gpus = ray, owned, backend, gpus

    @classmethod
    def connect(cls, backend: RayCluster, threads: int) -> RaySession:
        """Connect (see :class:`RayCluster`) and check that one run's CPUs and GPUs fit the cluster."""
        for name, value in (("cpus", backend.cpus), ("gpus", backend.gpus)):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0
            ):
                raise ValueError(f"{name} per run must be a number >= 0; got {value!r}")
        ray, owned = _connect_ray(backend)
        session = cls(ray, owned, backend, float(backend.gpus or 0))
        try:
            resources = ray.cluster_resources()
            have_gpu, have_cpu = resources.get("GPU", 0.0), resources.get("CPU", 0.0)
            if session.gpus > have_gpu:
                raise SweepError(
                    f"each run asks for {session.gpus:g} GPU(s) but the Ray cluster has {have_gpu:g}; "
                    "lower --gpus or add GPU nodes"
                )
            cpus = float(backend.cpus if backend.cpus is not None else threads)
            if cpus > have_cpu:
                raise SweepError(
                    f"a run asks for {cpus:g} CPU(s) but the Ray cluster has {have_cpu:g}; lower --cpus "
                    "(or the config's threads)"
                )
        except BaseException:
            session.close()
            raise
        return session

    def close(self) -> None:
        if self.owned:
            self.ray.shutdown()
            self.owned = False

    def execute(
        self,
        todo: list[dict[str, Any]],
        state: SweepState,
        worker: Callable[[Mapping[str, Any]], dict[str, Any]],
    ) -> None:
        """Submit ``worker(task)`` for every task of ``todo``; record each outcome in ``state``."""
        ray = self.ray
        remote = ray.remote(worker)
        refs: dict[Any, dict[str, Any]] = {}
        try:
            for task in todo:
                cpus = float(self.backend.cpus if self.backend.cpus is not None else task["cpus"])
                ref = remote.options(num_cpus=cpus, num_gpus=self.gpus, max_retries=0).remote(task)
                refs[ref] = task
                state.start(task["name"])
            while refs:
                ready, _ = ray.wait(list(refs), num_returns=1)
                for ref in ready:
                    task = refs.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except Exception as exc:  # a crashed worker or a lost node
                        outcome = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
                    state.record(task["name"], outcome)
        finally:
            for ref in refs:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)


def _connect_ray(backend: RayCluster) -> tuple[Any, bool]:
    """Return ``(ray, owned)``; ``owned`` says whether this sweep must shut the connection down."""
    address = backend.address
    if address not in (None, "", "local", "auto"):
        _host_port(address)  # a malformed address fails before Ray is even imported
    ray = _import_ray()
    timeout = backend.connect_timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"connect_timeout must be a positive number of seconds; got {timeout!r}")
    if address in (None, "", "local"):
        if ray.is_initialized():
            return ray, False
        ray.init(log_to_driver=False, include_dashboard=False)
        return ray, True
    if address == "auto" and os.environ.get("RAY_ADDRESS"):
        address = os.environ["RAY_ADDRESS"]
    probe_ray(address, float(timeout))
    if ray.is_initialized():
        return ray, False
    ray.init(address=address, log_to_driver=False)
    return ray, True
