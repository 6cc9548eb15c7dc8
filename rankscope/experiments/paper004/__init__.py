"""Paper 004 (*Rank diminishing in deep neural networks*): the rank of a network's Jacobian and the
dimension of its features fall with depth.

``rank-layers`` (Sec. 4.3, Fig. 1(a-c), Thm 2): the partial Jacobian rank of every sub-network never
increases. ``rank-gaussian-product`` (Thm 5, Cor. 1, Fig. 1(d-f)): products of Gaussian matrices lose
rank exponentially, with the singular-value law of eq. (10). ``rank-components`` (Fig. 3, Thm 3): the
rank each network component loses. ``cls-dim`` (Sec. 3.3, Table 2, Fig. 2): the classification
dimension of final features is far below the ambient dimension. ``independence-deficit`` (Sec. 5,
Fig. 4): a class's logit is a sparse combination of a few others.
"""
