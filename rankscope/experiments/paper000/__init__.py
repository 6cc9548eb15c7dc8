"""Paper 000 (Yang, Zhao, Zhu: *Effective rank and the staircase phenomenon: new insights into neural
network training dynamics*): the eps-rank of the neuron functions (Def. 2.5, the rank of their Gram
matrix, eq. 4.1, above eps) over training.

The staircase (Sec. 2.2): ``staircase`` (Ex. 2.6 (i), Fig. 2), ``staircase-layers`` (every hidden
layer, Fig. 3), ``staircase-activations`` (ReLU, ELU, cosine, tanh, Fig. 4) and ``staircase-digits``
(handwritten digits, Ex. 2.7, Fig. 5). The theory (Sec. 3): ``loss-bound`` (Theorems 3.2-3.3). A high
eps-rank from the start (Sec. 4): ``init-1d`` (a deterministic first layer, Ex. 4.1, Fig. 6),
``pinn-poisson-udi`` (uniform-density initialisation of a PINN, Ex. 4.2, Fig. 7), ``rfm-vs-elm``
(random features with a partition of unity, Ex. 4.3, Fig. 8) and ``resnet-vs-mlp`` (Ex. 4.4, Figs.
9-10). The function-fitting experiments share their training (``_fitting.py``); the staircase
criterion, its measures and its figure are in ``_common.py``.
"""
