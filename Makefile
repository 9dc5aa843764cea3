# `make test` and `make demo` work on a fresh clone: each creates .venv and
# installs the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_CACHE := $(VENV)/lab-cache
LAB_READY := $(VENV)/.lab-downloaded

.PHONY: test demo lint bench notebooks clean lab lab-deps fast test-fast

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,digits]"
	touch $(STAMP)

test: lint $(LAB_READY)
	$(BIN)/python -m pytest -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check autograd nn tests benchmarks backprop_entry.py
	$(BIN)/mypy autograd nn backprop_entry.py

demo: $(STAMP)
	$(BIN)/backprop demo

# Jupyter on notebooks/ (the notebooks extra is installed once, on first use).
# Jupyter refuses to run as root (containers, CI) unless told it may.
notebooks: $(VENV)/.notebooks-installed
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

$(VENV)/.notebooks-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[notebooks]"
	touch $@

# `backprop lab`: the lessons as a static site that runs in a browser (./lab/). What it
# bundles is downloaded once, pinned (nn/cli/lab/pins.py: Pyodide from npm, pure-Python
# wheels and the build tools from PyPI), into $(LAB_CACHE); the lab's tests build from
# there offline. Needs npm (Node.js) for that one download.
$(LAB_READY): $(STAMP) nn/cli/lab/pins.py
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/backprop lab --download-only --cache $(LAB_CACHE)
	touch $@

lab-deps: $(LAB_READY)

lab: $(LAB_READY)
	$(BIN)/backprop lab lab --cache $(LAB_CACHE) --offline

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

# The engine compiled with mypyc, opt-in. `make fast` builds build/fast/autograd from the
# same .py files (autograd/ itself never holds a compiled module, so an edited .py file is
# never shadowed by an old build: the build is redone when any of them changes);
# `make test-fast` runs the engine's tests against it. Without a C compiler each says so
# in one line and the engine stays pure Python.
FAST := build/fast
FAST_TESTS := tests/test_engine.py tests/test_engine_contracts.py tests/test_engine_rules.py \
	tests/test_engine_structure.py tests/test_ops_properties.py tests/test_recompute.py \
	tests/test_stepper.py tests/test_trace.py tests/test_performance_behaviour.py \
	tests/test_checking.py tests/test_check_graph.py tests/test_hand_backward.py \
	tests/test_culprit.py tests/test_strategies.py tests/test_nn_module.py \
	tests/test_nn_losses.py tests/test_nn_optim.py tests/test_nn_train.py tests/test_cli_check.py \
	tests/test_numpy_homework.py tests/test_numpy_check.py tests/test_numpy_existing_checkers.py

fast: $(FAST)/.built

$(FAST)/.built: $(STAMP) $(wildcard autograd/*.py autograd/*/*.py)
	@if ! command -v cc >/dev/null; then \
		echo "make fast: no C compiler (cc) here, so the engine stays pure Python"; exit 0; fi; \
	rm -rf $(FAST) && mkdir -p $(FAST) && cp -r autograd $(FAST)/ && cd $(FAST) && \
	{ $(CURDIR)/$(BIN)/mypyc autograd/core.py autograd/ops.py autograd/backprop.py \
		> mypyc.log 2>&1 || { tail -20 mypyc.log; exit 1; }; } && \
	touch .built && echo "make fast: the engine compiled with mypyc into $(FAST)"

test-fast: fast
	@if [ ! -f $(FAST)/.built ]; then \
		echo "make test-fast: skipped, no compiled build (no C compiler)"; exit 0; fi; \
	BACKPROP_FAST_BUILD=$(CURDIR)/$(FAST) $(BIN)/python -m pytest -p no:cacheprovider $(FAST_TESTS)

clean:
	rm -rf $(VENV) backprop-demo
