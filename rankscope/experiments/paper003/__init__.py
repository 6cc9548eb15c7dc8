"""Paper 003 (*Matrix analysis and fast solvers for neural network computations*): the mass matrix
``A`` and the Heaviside matrix ``H`` of a shallow ReLU network, and the solvers their structure allows.

``relu-conditioning`` and ``relu-offdiag-rank`` (the bullets after "Some interesting matrix
analysis"): ``cond(A) ~ n^4`` and ``cond(H) ~ n^2``, and off-diagonal blocks exactly low rank in 1D and
numerically low rank in 2D. ``relu-preconditioning`` and ``relu-solver`` (analysis bullets 2-4): CG
needs more iterations as n grows even when preconditioned, while structured solvers (the O(n) 1D
solver, HSS-preconditioned CG in 2D) are fast. ``sggn`` (ref. [1], paper sggn): structure-guided
Gauss-Newton against Adam and L-BFGS on shallow ReLU least squares.
"""
