"""arrays.npz and figures/ (rankscope.store._arrays): merged arrays, no pickle, PNG figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rankscope.store import StoreError


def test_arrays_merge(run):
    run.write_arrays(spectrum=np.array([3.0, 2.0, 1.0]), steps=np.arange(3))
    run.write_arrays(spectrum=torch.tensor([5.0]), extra=np.eye(2))
    arrays = run.read_arrays()
    assert sorted(arrays) == ["extra", "spectrum", "steps"]
    np.testing.assert_array_equal(arrays["spectrum"], [5.0])
    np.testing.assert_array_equal(arrays["steps"], [0, 1, 2])


def test_arrays_reserved_name(run):
    with pytest.raises(StoreError, match=r"reserved by np\.savez"):
        run.write_arrays(allow_pickle=np.ones(2))


def test_arrays_refuse_objects_and_detect_corruption(run):
    with pytest.raises(StoreError, match="dtype object"):
        run.write_arrays(bad=np.array([{"a": 1}], dtype=object))
    (run.path / "arrays.npz").write_bytes(b"garbage")
    with pytest.raises(StoreError, match=r"arrays\.npz is corrupt"):
        run.read_arrays()


def test_save_figure(run):
    from rankscope.report import new_figure

    fig, ax = new_figure()
    ax.plot([0, 1], [1, 0])
    path = run.save_figure(fig, "loss.png")
    assert path == run.path / "figures" / "loss.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="plain file name"):
        run.save_figure(fig, "../escape")
