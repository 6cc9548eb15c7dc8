import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from rankscope.analyze.loading import LoadError, load_array, load_model, load_weights, parse_model_kwargs

MODEL_PY = """
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.fc = nn.Linear(2, width)
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.fc(x)))
"""


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL_PY)
    return path


def _one_line(err):
    text = str(err.value)
    assert "\n" not in text
    return text


def test_file_and_module_specs_with_kwargs(model_file):
    net = load_model(f"{model_file}:Net", parse_model_kwargs("width = 6"))
    assert net.fc.out_features == 6
    assert isinstance(load_model("rankscope.nets:MLP", {"in_dim": 1, "width": 3, "depth": 1}), nn.Module)


@pytest.mark.parametrize(
    "spec, match",
    [
        ("no_colon", "must be"),
        ("not_a_pkg_xyz:Net", "importing 'not_a_pkg_xyz' failed"),
        ("rankscope.nets:Nope", "has no attribute 'Nope'"),
        ("/nonexistent/m.py:Net", "does not exist"),
    ],
)
def test_bad_model_specs_are_one_line(spec, match):
    with pytest.raises(LoadError, match=match) as err:
        load_model(spec)
    _one_line(err)


def test_bad_kwargs_name_the_call(model_file):
    with pytest.raises(LoadError, match=r"calling .*Net.*failed") as err:
        load_model(f"{model_file}:Net", {"depth": 3})
    _one_line(err)


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_weights_round_trip(model_file, tmp_path, suffix):
    src = load_model(f"{model_file}:Net")
    path = tmp_path / f"w{suffix}"
    if suffix == ".pt":
        torch.save(src.state_dict(), path)
    else:
        save_file(src.state_dict(), str(path))
    dst = load_weights(load_model(f"{model_file}:Net"), path)
    for k, v in src.state_dict().items():
        assert torch.equal(v, dst.state_dict()[k])


def test_weights_errors(model_file, tmp_path):
    net = load_model(f"{model_file}:Net")
    state = net.state_dict()
    cases = {
        "missing keys \\['out.bias'\\]": {k: v for k, v in state.items() if k != "out.bias"},
        "unexpected keys \\['extra'\\]": {**state, "extra": torch.zeros(1)},
        "shape mismatches": {**state, "fc.weight": torch.zeros(3, 2)},
        "non-finite values in \\['fc.bias'\\]": {**state, "fc.bias": torch.full((4,), float("nan"))},
    }
    for match, bad in cases.items():
        path = tmp_path / "bad.pt"
        torch.save(bad, path)
        with pytest.raises(LoadError, match=match) as err:
            load_weights(load_model(f"{model_file}:Net"), path)
        assert str(path) in _one_line(err)
    with pytest.raises(LoadError, match="suffix"):
        load_weights(net, tmp_path / "w.bin")


def test_pickled_objects_are_refused_by_weights_only(model_file, tmp_path):
    path = tmp_path / "obj.pt"
    torch.save({"fc.weight": object()}, path)
    with pytest.raises(LoadError, match="weights_only=True") as err:
        load_weights(load_model(f"{model_file}:Net"), path)
    _one_line(err)


def test_arrays_of_any_shape(tmp_path):
    x = np.random.default_rng(0).random((5, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.savez(tmp_path / "one.npz", images=x)
    np.savez(tmp_path / "two.npz", images=x, y=np.arange(5))
    torch.save({"x": torch.as_tensor(x)}, tmp_path / "x.pt")
    for path, key in (("x.npy", None), ("one.npz", None), ("two.npz", "images"), ("x.pt", "x")):
        assert torch.equal(load_array(tmp_path / path, key=key), torch.as_tensor(x))
    with pytest.raises(LoadError, match=r"holds arrays \['images', 'y'\]; name one with --inputs-key"):
        load_array(tmp_path / "two.npz")
    np.save(tmp_path / "nan.npy", np.array([[np.nan]]))
    with pytest.raises(LoadError, match="non-finite"):
        load_array(tmp_path / "nan.npy")
