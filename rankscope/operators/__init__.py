"""Differential operators applied to networks (automatic differentiation by ``torch.func``)."""

from rankscope.operators.autodiff import derivative, gradient, hessian, laplacian, pointwise

__all__ = ["derivative", "gradient", "hessian", "laplacian", "pointwise"]
