# Two commands for a newcomer: `make run` and `make test`. Both create .venv when it is missing and
# install the project into it with the exact versions recorded in constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshots package package-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/segment-studio --sample

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest
	$(BIN)/ruff check core desktop_app tests benchmarks resources

lint: $(STAMP)
	$(BIN)/ruff check core desktop_app tests benchmarks resources

bench: $(STAMP)
	$(BIN)/python -m benchmarks

screenshots: $(STAMP)
	bash build_spec/screenshots.sh

# Installers are built from a separate, minimal environment pinned by the same constraints.txt,
# so nothing installed for development (pytest, ruff, ...) leaks into the bundle.
package:
	bash build_spec/package.sh

package-test:
	bash build_spec/package_test.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
