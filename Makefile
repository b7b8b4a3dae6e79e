# `make demo` and `make test` set everything up on a fresh Debian machine, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# WeasyPrint needs Pango (with its fontconfig/FreeType backend) and HarfBuzz-Subset from the system;
# the tests read PDFs back with poppler's pdftotext and make TLS certificates with openssl.
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig poppler-utils openssl

.PHONY: demo test bench system-deps clean

demo: $(STAMP)
	$(BIN)/reportgen demo -o out/demo.pdf

test: $(STAMP)
	$(BIN)/python -m pytest

system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

$(STAMP): pyproject.toml
	$(MAKE) system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) out dist build

# The benchmarks compare against headless Chromium printing the same HTML; they still run, and
# say so, if it can't be installed.
bench: $(STAMP)
	@$(MAKE) --no-print-directory system-deps DEBIAN_PACKAGES=chromium \
	  || echo "chromium could not be installed: its baseline will be skipped"
	$(BIN)/python bench/run.py
