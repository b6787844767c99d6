# Two commands on a fresh machine: `make demo` and `make test` (Python 3.11+ and make only).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test install clean schema

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m reconciler.demo

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache state/*.json state/*.json.* demo-world.json

.PHONY: bench
bench: $(STAMP)
	$(PY) -m benchmarks.run $(BENCH_ARGS)

# the published JSON Schema of the spec format (editors read it; a test keeps it current)
schema: $(STAMP)
	$(PY) -m reconciler schema > schema/reconciler.schema.json
	$(PY) -m reconciler schema --stacks > schema/stacks.schema.json
