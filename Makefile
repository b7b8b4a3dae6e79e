# `make demo` and `make test` set everything up on a fresh Debian machine, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Debian packages, each for a reason; `setup` installs only the missing ones (nothing when all are
# there), so every target below may depend on it.
#   libpango-1.0-0 libpangoft2-1.0-0  WeasyPrint lays out text with Pango (fontconfig/FreeType backend)
#   libharfbuzz-subset0               WeasyPrint subsets the embedded fonts with HarfBuzz
#   fontconfig                        finds the fonts WeasyPrint is given
#   poppler-utils                     the tests read PDFs back (pdftotext) and render pages (pdftoppm)
#   openssl                           the tests make TLS certificates for the SMTP server
#   redis-server                      the queue tests start a real Redis on 127.0.0.1
#   qpdf                              the accessibility tests check the tagged PDF's syntax (qpdf --check)
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig poppler-utils openssl redis-server qpdf

.PHONY: demo test check bench setup system-deps clean

demo: $(STAMP)
	$(BIN)/reportgen demo -o out/demo.pdf

# On every core (pytest-xdist); `-m 'not slow'` leaves out the wheel build, bench smoke and README run.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto

# The quality gates CI enforces (and .pre-commit-config.yaml runs before a commit).
check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

setup: $(STAMP)

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
	$(MAKE) --no-print-directory system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) out dist build

# The benchmarks compare against headless Chromium printing the same HTML (cold from its command
# line, warm over the DevTools protocol on a pipe: no client library); they still run, and say so,
# if it can't be installed.
bench: $(STAMP)
	@$(MAKE) --no-print-directory system-deps DEBIAN_PACKAGES=chromium \
	  || echo "chromium could not be installed: its baseline will be skipped"
	$(BIN)/python bench/run.py
	$(BIN)/python bench/service.py
