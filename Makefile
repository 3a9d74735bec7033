# Two commands for a newcomer: `make run` and `make test`. Both create .venv when it is missing and
# install the project into it with the exact versions recorded in constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test browser lint bench screenshots package package-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/segment-studio --sample

test: $(STAMP) browser
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest
	$(BIN)/ruff check core desktop_app tests benchmarks resources

# The dashboard's tests open it in a real browser: Debian's chromium, installed here when missing and this
# runs as root (CI, a fresh machine); otherwise those tests are skipped and say how to install it.
browser:
	@if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
				|| echo "note: chromium could not be installed: the dashboard's browser tests will be skipped"; \
		else \
			echo "note: chromium is missing: the dashboard's browser tests will be skipped" \
				"(sudo apt-get install chromium)"; \
		fi; \
	fi

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
