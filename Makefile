# Two commands set everything up on a fresh machine:
#   make demo   - runs the main job (import the bundled real export, recommend a purchase) on SQLite
#   make test   - runs the test suite (SQLite; PostgreSQL too when TOKENCAST_TEST_POSTGRES_URL is set)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test serve lint clean accuracy render-bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tokencast demo

test: $(STAMP)
	bash scripts/system-deps.sh
	$(BIN)/pytest -q

serve: $(STAMP)
	$(BIN)/tokencast migrate && $(BIN)/tokencast serve

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

accuracy: $(STAMP)
	$(BIN)/python -m bench.accuracy.run

render-bench: $(STAMP)
	$(BIN)/python -m bench.render.run

clean:
	rm -rf $(VENV) tokencast.db tokencast-demo
