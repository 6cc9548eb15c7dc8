"""Shallow ReLU networks as matrices (paper 003 and the SgGN notes): mass and Gauss-Newton matrices,
their analysis, fast structured solvers and structure-guided Gauss-Newton training."""
