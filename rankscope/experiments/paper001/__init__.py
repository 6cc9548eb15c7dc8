"""Paper 001 (Chen, Yang, Xiang, Hao: *Automatic differentiation is essential in training neural
networks for solving differential equations*): derivatives by automatic differentiation (AD) against
finite differences (FD) in the loss of a PINN, seen through the spectra of the matrices the loss builds.

Random feature models (``adfd-rfm-*``, shared pipeline in ``_rfm.py``): the singular values, truncated
entropy and truncated-SVD training error of the system matrices ``A_AD`` and ``A_FD`` (Figs. 1, 2, 3,
5(a, b), 6(a, b), B.2.1). Two-layer networks (``adfd-nn-*``, shared training in ``_nn.py``): gradient
descent on the AD loss vs the FD loss and the eigenvalues of the training kernel ``G`` of eq. (19)
(Figs. 4, 5(c, d), 6(c, d)). Each family covers 1D Poisson, 2D Poisson and the 1D biharmonic problem.
"""
