# One command per job on a fresh machine; each builds .venv first if needed.
# Every install goes through constraints.txt, so grades are computed with the same
# TensorFlow, tf-keras and numpy everywhere.

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/autograder grade examples/submissions --out results

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest --durations=25

# Grader vs floor vs a cold interpreter per student vs `otter run` (about 20 minutes).
bench: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3
	$(BIN)/python -m bench.benchmark
