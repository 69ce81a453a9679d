# reform-search — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RS := $(VENV)/bin/reform-search
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run ingest build serve test test-all stress eval eval-other bench bench-scale bench-ray bench-formats clean browser-deps

setup: $(STAMP)

# Torch is pinned through constraints.txt: an unpinned resolve pulls a CUDA build (GBs).
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt torch==2.13.0
	$(PY) -m pip install -q -c constraints.txt -e '.[test,ray]'
	touch $(STAMP)

DATA ?= var
RECORDS := $(DATA)/records/documents.json
INDEX := $(DATA)/index/CURRENT
INGEST_SRC := $(wildcard corpora/* ingest/*.py ingest/parsers/*.py ingest/formats/*.py)
INDEX_SRC := $(wildcard index/build.py index/tokenize.py index/model.py index/store.py index/scale.py index/sentences.py)

# Re-ingest / rebuild only when the corpus or the code that shapes the records changed.
# A document that cannot be read is reported and skipped; the others are still served.
$(RECORDS): $(STAMP) $(INGEST_SRC)
	$(RS) ingest || echo "warning: some documents were skipped (see the errors above)"
	test -f $(RECORDS)

$(INDEX): $(RECORDS) $(INDEX_SRC)
	$(RS) build

ingest: setup
	$(RS) ingest

build: $(INDEX)

run: $(INDEX)
	$(RS) serve --host $(HOST) --port $(PORT)

serve: setup
	$(RS) serve --host $(HOST) --port $(PORT)

# Headless Chromium for the browser tests (Debian's package: a Playwright browser download is
# not possible offline) and a Japanese font so screenshots are readable. Idempotent.
browser-deps:
	command -v chromium >/dev/null && fc-list :lang=ja 2>/dev/null | grep -q . || \
	  (apt-get update && apt-get install -y chromium fonts-ipafont-gothic)

# Default suite: unit tests plus end-to-end tests on small fixtures with the real model
# (pyproject's addopts select `not slow and not stress`; a bare `pytest` runs the same).
test: setup browser-deps
	$(PY) -m pytest

# Everything except the stress runs, including the pinned full-corpus quality numbers.
test-all: setup browser-deps
	$(PY) -m pytest -m "not stress"

# Load during a hot swap, and builds killed -9 (or crashed) at every stage (prints its measurements).
stress: setup
	$(PY) -m pytest -m stress -s

eval: $(INDEX)
	$(RS) eval
	@echo "(other municipalities' documents, issue 10's last target: make eval-other)"

# Retrieval on 27 documents of 27 other municipalities (eval/other_cities), with the window
# baselines in the same run; ingests and indexes into var-other/ when the corpus changed.
eval-other: setup
	$(PY) -m eval.other_cities --data var-other

bench: $(INDEX)
	$(PY) -m eval.bench

# FAISS index types (exact, HNSW, compressed) on synthetic e5-like corpora of 100k and 1M chunks:
# memory, build time, recall@10 against exact search, p50/p95 latency. Needs ~6 GB RAM at 1M.
bench-scale: $(INDEX)
	$(PY) -m eval.bench_scale

# Embedding the seed chunks in-process vs on a local Ray with 1 and 2 workers.
bench-ray: $(INDEX)
	$(PY) -m eval.bench_ray

# Extraction speed per format (PDF pages/s vs pdfplumber, HTML lines/s, XLSX rows/s) on generated files.
bench-formats: setup browser-deps
	$(PY) -m eval.bench_formats

clean:
	rm -rf var var-other .pytest_cache
