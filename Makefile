# reform-search — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RS := $(VENV)/bin/reform-search
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run ingest build serve test test-all eval bench clean

setup: $(STAMP)

# Torch is pinned through constraints.txt: an unpinned resolve pulls a CUDA build (GBs).
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

ingest: setup
	$(RS) ingest

build: ingest
	$(RS) build

run: build
	$(RS) serve --host $(HOST) --port $(PORT)

serve: setup
	$(RS) serve --host $(HOST) --port $(PORT)

# Default suite: unit tests plus end-to-end tests on small fixtures with the real model.
test: setup
	$(PY) -m pytest -m "not slow"

# Everything, including the full-corpus index tests.
test-all: setup
	$(PY) -m pytest

eval: build
	$(RS) eval

bench: build
	$(PY) -m eval.bench

clean:
	rm -rf var .pytest_cache
