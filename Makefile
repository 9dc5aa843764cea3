# `make test` and `make demo` work on a fresh clone: each creates .venv and
# installs the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint bench notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,digits]"
	touch $(STAMP)

test: lint
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

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) backprop-demo
