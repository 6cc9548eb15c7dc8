import torch
from threadpoolctl import threadpool_limits

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
# BLAS threads oversubscribe the 2-core CI machine; tests run single-threaded and deterministic.
threadpool_limits(limits=1)
