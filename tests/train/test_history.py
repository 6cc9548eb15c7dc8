"""rankscope.train.history: records appended in order, NaN for non-finite layers, eps-rank as int."""

import math

import numpy as np

from rankscope.train.history import History


def test_history_aligns_records_and_keeps_nan_ranks():
    h = History()
    h.append({"step": 0, "loss": 1.5, "measures": {"eps_rank": {"a": 3}}, "spectrum": {"a": [2.0, 1.0]}})
    h.append(
        {
            "step": 10,
            "loss": None,
            "measures": {"eps_rank": {"a": math.nan}},
            "spectrum": {"a": [math.nan] * 2},
        }
    )
    assert len(h) == 2 and h.steps == [0, 10]
    assert h.loss[0] == 1.5 and math.isnan(h.loss[1])
    ranks = h.eps_rank["a"]
    assert ranks[0] == 3 and isinstance(ranks[0], int) and math.isnan(ranks[1])
    assert np.array_equal(h.spectra["a"][0], [2.0, 1.0]) and np.isnan(h.spectra["a"][1]).all()
