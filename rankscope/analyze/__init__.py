"""``rankscope analyze``: the papers' diagnostics on any model (layer above the report, DESIGN.md).

:func:`~rankscope.analyze.run.analyze` runs them from Python; :mod:`~rankscope.analyze.loading` reads a
user's model, weights and inputs; :mod:`~rankscope.analyze.diagnostics` holds each diagnostic.
"""

from rankscope.analyze.diagnostics import Diagnostic
from rankscope.analyze.loading import LoadError, load_array, load_model, load_weights, parse_model_kwargs
from rankscope.analyze.run import DIAGNOSTICS, analyze

__all__ = [
    "DIAGNOSTICS",
    "Diagnostic",
    "LoadError",
    "analyze",
    "load_array",
    "load_model",
    "load_weights",
    "parse_model_kwargs",
]
