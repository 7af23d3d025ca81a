# Two commands for a fresh machine (see README): `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/gkctl: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/gkctl

.PHONY: setup demo test lint docs bench
setup: $(BIN)/gkctl

# The example bureau through the whole chain: keys, people, documents, review, publish, site, report.
demo: setup
	$(BIN)/python examples/demo.py --out example-run

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks examples scripts
	$(BIN)/mypy

# Regenerate the command reference in README.md from --help.
docs: setup
	$(BIN)/python scripts/cli_reference.py --write

bench: setup
	$(BIN)/python benchmarks/run.py --docs 10000 --repeat 3 --out benchmarks/results.md
