"""``paper000/_fitting.py``: the shared training of the function-fitting experiments."""

import pytest

from rankscope.experiments.base import resolve_config
from rankscope.experiments.paper000._fitting import train_fitting
from rankscope.experiments.paper000.staircase import StaircaseExperiment
from rankscope.nets import MLP


def test_train_fitting_rejects_duplicate_labels(tmp_path):
    cfg = resolve_config(StaircaseExperiment(), "quick")  # any config with the training fields
    with pytest.raises(ValueError, match="distinct labels"):
        train_fitting([("a", lambda: MLP(1, 4, 1)), ("a", lambda: MLP(1, 4, 1))], cfg, None)
