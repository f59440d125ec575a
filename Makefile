# `make demo` and `make test` work on a fresh machine: the first use creates .venv and
# installs the pinned dependencies (requirements.lock) and the project itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# pytest-xdist workers; the suite is independent per test (own database, emulator, tmp dir)
TEST_WORKERS ?= auto

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/banzu demo

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not chaos"
	$(BIN)/python -m pytest -m chaos

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot handlers scheduler bench tests
	$(BIN)/lint-imports

BENCHES := emulator pipeline broadcast fanout checkin report tagging startup tabular quiz

bench: $(STAMP)
	for b in $(BENCHES); do $(BIN)/python bench/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
