import pytest
import torch

from rankscope.devices import DEVICES, resolve_device


def test_cpu_and_auto():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected


@pytest.mark.parametrize("bad", ["gpu", "", "CPU", 3, None])
def test_unknown_names_are_refused_naming_the_argument(bad):
    with pytest.raises(ValueError, match=r"^device must be one of") as err:
        resolve_device(bad)
    assert "\n" not in str(err.value)
    assert str(list(DEVICES)) in str(err.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is present here")
def test_cuda_without_a_device_is_refused_not_silently_cpu():
    with pytest.raises(ValueError, match=r"--device = 'cuda' but no CUDA device"):
        resolve_device("cuda", argument="--device")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_when_present():
    assert resolve_device("cuda").type == "cuda"
    with pytest.raises(ValueError, match="CUDA device"):
        resolve_device(f"cuda:{torch.cuda.device_count()}")
