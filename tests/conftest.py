"""Test-session settings: deterministic torch, one thread per worker unless the caller chose.

``make test`` runs the suite on pytest-xdist workers (one per core), each single-threaded so that
they do not oversubscribe the cores. Setting ``OPENBLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``)
explicitly keeps that thread count instead, which is how the suite is shown to be independent of
the BLAS thread count (see docs/testing.md).
"""

import os

import torch
from threadpoolctl import threadpool_limits

_CHOSEN = next((os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if k in os.environ), None)
_THREADS = int(_CHOSEN) if _CHOSEN and _CHOSEN.isdigit() and int(_CHOSEN) > 0 else 1

torch.set_num_threads(_THREADS)
torch.use_deterministic_algorithms(True)
threadpool_limits(limits=_THREADS)

# Property tests draw the same examples on every machine (derandomize) and write no database, so a
# fresh clone's CI is reproducible; HYPOTHESIS_PROFILE=explore searches with fresh random examples.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
