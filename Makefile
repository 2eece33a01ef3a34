# The two README commands: `make run` (set up, migrate, demo data, serve) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 8000
SYS_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-wqy-microhei
TEST_SYS_PACKAGES := chromium poppler-utils faketime libreoffice-calc-nogui
BENCH_SYS_PACKAGES := wrk nginx
PYTEST_ARGS ?=

.PHONY: run test setup setup-test setup-bench sysdeps test-sysdeps htmx migrate demo worker clean

run: setup migrate demo
	$(FLASK) serve --host $(HOST) --port $(PORT)

test: setup-test
	$(BIN)/ruff check app workers fixtures tests benchmarks tools wsgi.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: sysdeps $(VENV)/.installed htmx

setup-test: sysdeps test-sysdeps $(VENV)/.installed-test htmx

sysdeps:
	@tools/sysdeps.sh $(SYS_PACKAGES)

test-sysdeps:
	@tools/sysdeps.sh $(TEST_SYS_PACKAGES)

$(VENV)/.installed: setup.cfg pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

# Load benchmarks (benchmarks/capacity.py): locust and py-spy, Debian's wrk and nginx.
setup-bench: setup-test
	@tools/sysdeps.sh $(BENCH_SYS_PACKAGES)
	$(BIN)/python -m pip install -q -e '.[test,bench]'

htmx:
	@tools/fetch_htmx.sh

migrate: $(VENV)/.installed
	$(FLASK) db upgrade

demo: $(VENV)/.installed
	$(FLASK) demo load --if-empty

# Production-style worker against REDIS_URL.
worker: $(VENV)/.installed
	$(FLASK) worker

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
