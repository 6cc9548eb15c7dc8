# rankscope: `make demo` runs the main job, `make test` runs the test suite. Both create the
# virtual environment on first use. torch is installed first, pinned to the CPU build 2.13.0
# (a plain `pip install torch` would download a multi-GB CUDA build).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  ?= torch==2.13.0
RUN    ?= runs/staircase-quick

.PHONY: demo test test-matrix lint typecheck doctest unit bench paper clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,ray,minilm,tensorboard,lightning]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/rankscope run staircase --preset quick --out $(RUN) --overwrite

test: $(VENV)/.dev lint typecheck doctest unit

lint: $(VENV)/.dev
	$(BIN)/ruff check rankscope tests benchmarks
	$(BIN)/ruff format --check rankscope tests benchmarks

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# Every docstring example in the package runs (about 15 s).
doctest: $(VENV)/.dev
	$(BIN)/pytest -p no:cacheprovider -p no:xdist --doctest-modules --doctest-ignore-import-errors rankscope

# One pytest-xdist worker per core (each single-threaded, see tests/conftest.py); slowest 15 printed.
PYTEST_ARGS ?= -n auto --dist worksteal --durations=15
unit: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

# The suite under other BLAS/SIMD kernels and thread counts: each line of MATRIX is one environment
# (OpenBLAS kernel for numpy/scipy, MKL instruction set and ATen SIMD level for torch, thread count).
# The AVX2 lines are what an AMD EPYC (Zen 2/3) machine runs. See docs/testing.md.
MATRIX ?= \
	"OPENBLAS_NUM_THREADS=1" \
	"OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2" \
	"OPENBLAS_CORETYPE=Haswell MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2" \
	"OPENBLAS_CORETYPE=Zen MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2 OPENBLAS_NUM_THREADS=2" \
	"OPENBLAS_CORETYPE=Sandybridge MKL_ENABLE_INSTRUCTIONS=AVX ATEN_CPU_CAPABILITY=default"
test-matrix: $(VENV)/.dev
	@for envs in $(MATRIX); do \
		echo "== $$envs"; \
		env $$envs $(BIN)/python -c "import threadpoolctl, torch; print('kernels:', [i.get('architecture') for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'], 'torch', torch.backends.cpu.get_cpu_capability())"; \
		env $$envs $(BIN)/pytest $(PYTEST_ARGS) -p no:cacheprovider || exit 1; \
	done

# Baselines the benchmarks compare against: DeepXDE (PINN training) and nngeometry (output NTK;
# --no-deps because it asks for torchvision, which it does not need here and which would pull CUDA).
$(VENV)/.baselines: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[baselines]'
	$(BIN)/pip install --quiet --no-deps nngeometry==0.4
	touch $@

bench: $(VENV)/.baselines
	$(BIN)/rankscope bench

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache .mypy_cache
