# coproduce: `make demo` to try it, `make test` to check it. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: install demo serve test lint bench clean

$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/coproduce demo --port $(PORT)

serve: install
	$(BIN)/coproduce serve --port $(PORT)

test: install
	bash scripts/test.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy coproduce config

bench: install
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static
