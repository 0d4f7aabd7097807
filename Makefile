# The only commands a newcomer needs. Everything installs into .venv from the package registries.
VENV   ?= .venv
PY     := $(VENV)/bin/python
KG     := $(VENV)/bin/kg
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test setup setup-test browser engines bench clean

## run: install, build the graph from data/ into data/store, serve API + SPARQL + network page
run: setup
	$(KG) run data/articles --host $(HOST) --port $(PORT)

## test: install with test extras (+ Debian chromium and Virtuoso) and run the whole suite
test: setup-test browser engines
	$(PY) -m pytest

$(VENV)/bin/activate:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

setup: $(VENV)/bin/activate
	$(PY) -m pip install -q -e .

setup-test: $(VENV)/bin/activate
	$(PY) -m pip install -q -e '.[test]'

## browser: headless Chromium from Debian, for the page tests (skipped where apt-get is unavailable)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	  else echo "no apt-get: browser tests will be skipped"; fi; }

## engines: Debian's Virtuoso 7 server binaries (virtuoso-t, isql-vt) for the remote-store tests.
## Only the -bin package: the full virtuoso-opensource would also start a system-wide server on
## 0.0.0.0:8890. The tests start their own on 127.0.0.1 (tests/remote_fixtures.py). Oxigraph's
## server comes with the test extras (pip package oxigraph).
engines:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
	    virtuoso-opensource-7-bin >/dev/null; }

clean:
	rm -rf data/store data/build artifacts .pytest_cache
