# The place-based health and care evidence book.
#   make book   - set up .venv from requirements.lock and build the site into _build/html
#   make test   - set up and run every test (a strict full build of the book included)
# See README.md for the other targets.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BUILD  := _build
HTML   := $(BUILD)/html
PORT   ?= 8000
# pytest-xdist workers for `make test` (auto: one per core)
TEST_WORKERS ?= auto

.PHONY: book test test-fast validate derive serve datasette pdf offline clean lock setup bench cold-builds help

help:
	@sed -n '2,4p' Makefile; echo "Other targets: test-fast validate derive serve datasette pdf offline clean lock bench cold-builds"

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11.5 or newer is needed (found %s)" % sys.version.split()[0]) if sys.version_info < (3, 11, 5) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

validate: $(STAMP)
	$(BIN)/evidencebook validate

derive: $(STAMP)
	$(BIN)/evidencebook derive

# `evidencebook build` validates, then builds strictly with two parallel jobs; it has nothing to do when
# no input changed (it compares a digest of every input with the last successful build's).
book: $(STAMP)
	$(BIN)/evidencebook build

# Every test, on every core: a test that builds a book of its own runs beside the others. The real book is
# still built once: each worker asks for it, and the build lock makes the others wait and find it up to date.
test: $(STAMP) validate
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

# No book build, no browser, no subprocess CLI: the markers are in pyproject.toml, tests/conftest.py sets them.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -m "not build and not browser and not slow"

serve: $(STAMP)
	@test -f $(HTML)/index.html || { echo "No built site: run 'make book' first."; exit 1; }
	@echo "Serving $(HTML) at http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory $(HTML)

# The book's database in Datasette (a test dependency, so the venv has it): SQL over the whole knowledge base.
DATASETTE_PORT ?= 8001
datasette: book
	$(BIN)/datasette serve $(HTML)/data/evidence-book.sqlite --metadata $(HTML)/data/metadata.json \
	  --host 127.0.0.1 --port $(DATASETTE_PORT)

# The whole book as one PDF (_build/html/evidence-book.pdf), printed by Debian's chromium (apt install chromium);
# `make book` never needs it.
pdf: book
	$(BIN)/evidencebook pdf

# The offline edition: the built site as one zip (_build/offline/evidence-book-<edition>.zip) that works
# unzipped and opened from disk with no network; the same site gives the same bytes. Needs no Chromium.
offline: book
	$(BIN)/evidencebook offline

clean:
	rm -rf $(BUILD) cases conf.py .pytest_cache chapters/glossary.md chapters/reading-list.md chapters/_generated \
		chapters/overview chapters/outcomes chapters/frameworks chapters/data-dictionary chapters/exports

# Resolve pyproject.toml's dependencies (with the test and dev extras) into requirements.lock: exact
# versions, each with the hash of every file PyPI has for it, for CPython 3.11.5+ on Linux x86_64 (the
# oldest Python the pinned versions accept). Versions already in the lock are kept; UPGRADE=1 takes the
# newest the bounds allow. uv reads the hashes from the index instead of downloading every file.
UV_VERSION := 0.13.9
lock:
	rm -rf $(BUILD)/lockenv && $(PYTHON) -m venv $(BUILD)/lockenv
	$(BUILD)/lockenv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	UV_CUSTOM_COMPILE_COMMAND="make lock" $(BUILD)/lockenv/bin/uv pip compile --quiet --generate-hashes \
	  --extra test --extra dev --python-version 3.11.5 --python-platform x86_64-manylinux_2_28 \
	  $(if $(UPGRADE),--upgrade) -o requirements.lock pyproject.toml
	rm -rf $(BUILD)/lockenv

# Build the book from a cold start RUNS times in a row, each in a fresh copy of the checkout (CI runs this).
cold-builds: $(STAMP)
	$(BIN)/python scripts/cold_builds.py --runs $(or $(RUNS),3)

# Build the book padded with synthetic records in a temporary copy and print the timings table.
bench: $(STAMP)
	$(BIN)/python scripts/bench.py --sizes $(or $(SIZES),1000 10000)

# Contributing (CONTRIBUTING.md).
#   make new-case-study TITLE="Wigan Deal" PLACE="Wigan" [COUNTRY=england REGION=north-west LEVEL=place FROM=id ID=id]
#   make fix            rewrite every record in the canonical layout (never changes a value)
.PHONY: new-case-study fix release
new-case-study: $(STAMP)
	$(BIN)/evidencebook new "$(TITLE)" --place "$(PLACE)" $(if $(COUNTRY),--country "$(COUNTRY)") \
	  $(if $(REGION),--region "$(REGION)") $(if $(LEVEL),--level "$(LEVEL)") $(if $(FROM),--from "$(FROM)") $(if $(ID),--id "$(ID)")

fix: $(STAMP)
	$(BIN)/evidencebook fix

# Cut an edition: a clean tree, valid records and current derived files; then the edition _config.yml
# gives while it has no tag, else the next calendar version (year.month.release), set in _config.yml,
# CITATION.cff and .zenodo.json, committed and tagged v<edition>.
release: $(STAMP)
	$(BIN)/evidencebook release
