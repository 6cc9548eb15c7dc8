import numpy as np
import pytest
import torch

from rankscope.matrices.training_kernel import (
    init_two_layer,
    kernel_spectrum,
    model_jacobian,
    model_residual,
    pinn_loss,
    residual_jacobian,
    training_kernel,
    two_layer_boundary,
    two_layer_residual,
)
from rankscope.nets import MLP
from rankscope.operators.stencils import stencil_matrix
from rankscope.problems.adfd import adfd_problem

F64 = torch.float64


def _spec(name, n, method):
    return adfd_problem(name).pinn_spec(n, method, dtype=F64)


def _closed_form_jacobian_1d(params, spec):
    """Paper 001 eq. (16)-(18) for u_xx with sin features, bias kept separate (the paper merges it)."""
    a, w, b = params["a"], params["w"][:, 0], params["b"]
    if spec.method == "ad":
        x = spec.points[:, 0]
        z = x[:, None] * w + b
        s2, s3 = -torch.sin(z), -torch.cos(z)  # sigma'', sigma'''
        ja = s2 * w**2  # A_AD = A_2 D_2
        jw = (x[:, None] * s3 * w**2 + 2 * s2 * w) * a  # X A_3 D_2 Abar + 2 A_2 D_1 Abar
        jb = s3 * w**2 * a
    else:
        x = spec.ext_points[:, 0]
        z = x[:, None] * w + b
        c = torch.as_tensor(stencil_matrix("uxx", spec.grid_shape, spec.h).toarray())
        ja = c @ torch.sin(z)  # A_FD = C A_0
        jw = c @ (x[:, None] * torch.cos(z) * a)  # C_2 X A_1 Abar (eq. 18)
        jb = c @ (torch.cos(z) * a)
    return torch.cat([ja, jw, jb], dim=1)


@pytest.mark.parametrize("method", ["ad", "fd"])
def test_jacobian_matches_the_papers_closed_form(method):
    spec = _spec("poisson1d", 30, method)
    params = init_two_layer(12, 1, seed=3, dtype=F64)
    jac = residual_jacobian(params, spec)
    torch.testing.assert_close(jac, _closed_form_jacobian_1d(params, spec), rtol=1e-10, atol=1e-8)
    g = training_kernel(jac)
    jc = _closed_form_jacobian_1d(params, spec)
    torch.testing.assert_close(g, jc @ jc.T, rtol=1e-10, atol=1e-8)  # eq. (19)


@pytest.mark.parametrize("name", ["poisson1d", "poisson2d", "biharmonic"])
@pytest.mark.parametrize("method", ["ad", "fd"])
def test_kernel_is_symmetric_psd_and_matches_the_module_path(name, method):
    prob = adfd_problem(name)
    spec = _spec(name, 8 if prob.dim == 2 else 20, method)
    params = init_two_layer(10, prob.dim, seed=1, dtype=F64)
    mlp = MLP(prob.dim, 10, 1, act="sin").double()
    with torch.no_grad():
        mlp.layers[0].linear.weight.copy_(params["w"])
        mlp.layers[0].linear.bias.copy_(params["b"])
        mlp.head.weight.copy_(params["a"][None, :])
    # residual by torch.func derivatives of the nn.Module (a second algorithm)
    torch.testing.assert_close(
        model_residual(mlp, spec), two_layer_residual(params, spec), rtol=1e-9, atol=1e-9
    )
    j1 = residual_jacobian(params, spec)
    j2 = model_jacobian(mlp, spec)  # columns: w, b, a
    m, d = 10, prob.dim
    j2 = torch.cat([j2[:, m * d + m :], j2[:, : m * d], j2[:, m * d : m * d + m]], dim=1)
    torch.testing.assert_close(j1, j2, rtol=1e-9, atol=1e-8)
    g = training_kernel(j1)
    torch.testing.assert_close(g, g.T)
    assert float(torch.linalg.eigvalsh(g).min()) >= -1e-10 * float(torch.linalg.eigvalsh(g).max())


def test_kernel_spectrum_methods_agree_and_pad_with_zeros():
    torch.manual_seed(0)
    j = torch.randn(12, 5, dtype=F64)
    s1, s2 = kernel_spectrum(j), kernel_spectrum(j, method="eigh")
    assert s1.kind == "eig" and len(s1) == 12
    np.testing.assert_allclose(s1.values[:5], s2.values[:5], rtol=1e-10)
    np.testing.assert_array_equal(s1.values[5:], 0.0)
    np.testing.assert_allclose(s1.values[:5], np.linalg.svd(j.numpy(), compute_uv=False) ** 2, rtol=1e-12)


def test_pinn_loss_is_the_papers_b22_and_b42():
    spec = _spec("biharmonic", 16, "ad")
    params = init_two_layer(6, 1, seed=0, dtype=F64)
    r = two_layer_residual(params, spec)
    bu, bux = two_layer_boundary(params, spec)
    expected = (r**2).mean() + 100.0 * ((bu**2).mean() + (bux**2).mean())  # lambda = 100, phi and phi_x
    torch.testing.assert_close(pinn_loss(params, spec), expected)
    assert bu.shape == (2,)


def test_batched_runs_are_independent():
    spec = _spec("poisson2d", 6, "fd")
    batch = init_two_layer(5, 2, seed=4, runs=3, dtype=F64)
    out = two_layer_residual(batch, spec)
    assert out.shape == (3, 36)
    for i in range(3):
        one = {k: v[i] for k, v in batch.items()}
        torch.testing.assert_close(out[i], two_layer_residual(one, spec))


def test_exact_solution_has_small_ad_and_fd_residuals():
    # forcing, grid and stencil are consistent: the exact u of each problem nearly solves both
    for name in ("poisson1d", "biharmonic"):
        prob = adfd_problem(name)
        grid = prob.grid(200)
        from rankscope.operators.stencils import apply_stencil

        r = 1 if name == "poisson1d" else 2
        lu = apply_stencil(prob.operator, prob.solution(grid.points(ghost=r)), grid.h)
        np.testing.assert_allclose(lu, prob.forcing(grid.points()), atol=2e-3)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="method must be one of"):
        adfd_problem("poisson1d").pinn_spec(10, "spectral")
    with pytest.raises(ValueError, match="params must be one network"):
        residual_jacobian(init_two_layer(3, 1, runs=2), adfd_problem("poisson1d").pinn_spec(10, "ad"))
    with pytest.raises(ValueError, match=r"jacobian must be an \(N, P\) matrix"):
        kernel_spectrum(torch.zeros(3))
