"""``adfd-nn-poisson2d`` (paper 001 Fig. 5(c, d)): a tiny run (the shared training and claims:
``test_nn.py``)."""


def test_tiny_run_writes_the_run_directory(tmp_path, tiny_nn_run):
    tiny_nn_run(tmp_path, "adfd-nn-poisson2d")
