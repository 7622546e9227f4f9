# Minhu: `make demo` runs the whole product offline; `make test` installs everything and tests it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHECKED := bot handlers storage

.PHONY: install test lint demo run bench browser fonts clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check $(CHECKED) tests
	$(BIN)/ruff format --check $(CHECKED) tests
	$(BIN)/mypy

browser:
	@bash .ci/install-browser

fonts:
	@bash .ci/install-fonts

test: $(STAMP) lint browser fonts
	$(BIN)/pytest

run: $(STAMP) fonts
	$(BIN)/minhu run

demo: $(STAMP) fonts
	$(BIN)/minhu demo

# `make bench BENCH_ARGS=--quick` checks the harness in a minute; figures need the default run.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
