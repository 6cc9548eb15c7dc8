"""Paper 002 (*Physics informed neural networks for elliptic equations with oscillatory differential
operators*): why a PINN struggles with a multiscale coefficient ``a(x/scale)``.

``ntk-scaling`` and ``ntk-spectrum`` (Sec. 4.1, Figs. 2, 3): the neural tangent kernel of the PINN
residual grows as ``1/scale^2`` and its spectrum is stiff. ``frequency-principle`` (Sec. 2, Fig. 1): a
PINN learns low frequencies first. ``two-scale`` (Sec. 4.2, Fig. 4): a two-scale function is learned by
regression and by a Poisson PINN but not by a Darcy PINN.

The paper's small scale ``epsilon`` is called ``scale`` in code and configs (``scale``,
``scale_inverse = 1/epsilon``): in rankscope ``eps`` is only ever a rank threshold.

The NTK experiments solve eq. (15) on ``(-pi, pi)``, ``u(+-pi) = 0``, with ``a^epsilon(x) = a(x/scale)``,
``a(y) = 1/(2.1 + 2 sin 2 pi y)`` and ``L^epsilon u = -(a(x/scale) u')'`` (eq. 16), built by
``rankscope.problems.multiscale.multiscale_bvp``. The NTK matrix K of Lemma 3.1, eq. (14), comes from
``rankscope.matrices.ntk.residual_ntk`` (float64) at ``N_c`` equispaced interior collocation points and
the two end points, ``lambda = 1``. Not stated in the paper, chosen there: the forcing of eq. (15) in
training (``f = 1``; the NTK itself does not depend on ``f``), the network's output bias (eq. 17 has
one), the collocation points excluding the end points, float32 training.
"""
