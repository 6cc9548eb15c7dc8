"""Matrix builders: Gram/mass matrices of neuron functions (paper 000)."""

from rankscope.matrices.gram import gram_from_features, gram_matrices, gram_matrix

__all__ = ["gram_from_features", "gram_matrices", "gram_matrix"]
