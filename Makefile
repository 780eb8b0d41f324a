# coproduce: `make demo` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: install install-semantic demo serve test lint bench clean

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# The optional semantic matcher (docs/architecture.md), about 1.2 GB in the venv with the CPU
# build of torch. torch goes first and alone, asked for as plain "torch==2.13.0": where a CPU wheel
# of 2.13.0 lies on the machine's disk (pip's find-links, as on our CI machines) pip prefers it
# ("2.13.0+cpu" sorts after "2.13.0"); on any other machine pip takes 2.13.0 from PyPI. Then the
# extra, with torch already satisfied, constrained by the lock. `SEMANTIC=0 make test` skips it.
$(BIN)/.semantic: $(BIN)/.installed pyproject.toml requirements.lock
	$(BIN)/python -m pip install -q -c requirements.lock "torch==2.13.0"
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev,semantic]"
	touch $@

install-semantic: $(BIN)/.semantic

# `make test` runs the semantic matcher's tests too; SEMANTIC=0 skips the extra (they skip).
SEMANTIC ?= 1
TEST_INSTALL := $(if $(filter 1,$(SEMANTIC)),install-semantic,install)

demo: install
	$(BIN)/coproduce demo --port $(PORT)

serve: install
	$(BIN)/coproduce serve --port $(PORT)

test: $(TEST_INSTALL)
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy coproduce config

bench: install
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static
