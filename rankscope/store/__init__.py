"""The run directory: the embedded store every experiment writes and every report reads back.

A run directory holds (DESIGN.md, "The run directory")::

    .rankscope-run.json  the marker and manifest: rankscope version, created, and every file and
                      folder rankscope wrote there (relative paths; see ``_manifest``)
    config.toml       [run] experiment, preset, rankscope_version, created;
                      [config] the fully resolved configuration
    metrics.jsonl     one JSON object per line, appended and fsynced as training goes
    arrays.npz        spectra and other arrays behind the figures (no pickled objects)
    summary.json      final measures, provenance and "checks": [{name, paper, ours, holds,
                      status?, margin?, band?}, ...]
    figures/*.png     figures for people
    report.html       the self-contained report (see :mod:`rankscope.report`)
    checkpoints/      step-XXXXXXXX.pt (newest two) and latest.json (the sha256 of each)

Every whole-file write goes through :func:`atomic_write_bytes` (temporary file in the same
directory, fsync, ``os.replace``), so a killed run leaves either the old or the new version of a
file, never a torn one. ``metrics.jsonl`` is the one file that is appended to; a line cut short
by a kill is recognised by its missing newline and dropped on read (and cut off before the next
append). **Nothing the user owns is ever deleted**: ``--overwrite`` removes only the files the
manifest lists, and a non-empty folder without the marker is refused.

:func:`to_jsonable` turns any value into strict JSON data (or names what cannot be stored);
:func:`plain` only converts containers and numpy values (for settings, overrides and configs).

Example:
    >>> import tempfile
    >>> run = RunDir.create(tempfile.mkdtemp() + "/run", experiment="demo", preset="quick",
    ...                     config={"width": 8})
    >>> run.append_metrics({"step": 0, "loss": 1.0})
    >>> run.read_metrics()
    [{'step': 0, 'loss': 1.0}]
    >>> run.owned_files()
    ['config.toml', 'metrics.jsonl']
"""

from rankscope.store._arrays import ARRAYS_FILE, FIGURE_DPI, FIGURES_DIR
from rankscope.store._atomic import (
    StoreError,
    atomic_write_bytes,
    atomic_write_text,
    rankscope_version,
    sha256,
)
from rankscope.store._checkpoints import KEEP_CHECKPOINTS, LATEST_FILE, CheckpointFallbackWarning
from rankscope.store._codec import plain, to_jsonable
from rankscope.store._create import CONFIG_FILE
from rankscope.store._manifest import MARKER_FILE
from rankscope.store._metrics import METRICS_FILE
from rankscope.store._rundir import CHECKPOINTS_DIR, REPORT_FILE, RunDir
from rankscope.store._summary import SUMMARY_FILE

__all__ = [
    "ARRAYS_FILE",
    "CHECKPOINTS_DIR",
    "CONFIG_FILE",
    "FIGURES_DIR",
    "FIGURE_DPI",
    "KEEP_CHECKPOINTS",
    "LATEST_FILE",
    "MARKER_FILE",
    "METRICS_FILE",
    "REPORT_FILE",
    "SUMMARY_FILE",
    "CheckpointFallbackWarning",
    "RunDir",
    "StoreError",
    "atomic_write_bytes",
    "atomic_write_text",
    "plain",
    "rankscope_version",
    "sha256",
    "to_jsonable",
]
