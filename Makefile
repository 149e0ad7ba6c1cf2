# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ESSCTL := $(BIN)/essctl

.PHONY: demo test bench tapes mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The main job on the embedded default: the run-command recipe end to end (plan, apply, trigger, watch) against
# its bundled tape, no network and no credentials.
demo: $(VENV)/.installed
	$(ESSCTL) recipe run run-command --dry-run --output table
	@echo
	@echo "Next: run it against a local cloud, the five-minute tour in README.md:"
	@echo "  . .venv/bin/activate && essctl sandbox serve --speed 60 --write-profile"

# Lint first (ruff: pyflakes, import order, syntax errors), then the whole suite.
test: $(VENV)/.installed
	$(BIN)/ruff check essctl tests tools
	ALIBABA_CLOUD_ECS_METADATA_DISABLED=true $(BIN)/python -m pytest

# Re-record the dry-run tapes of the built-in recipes against the sandbox (essctl/tapes/recipe-*.yaml).
tapes: $(VENV)/.installed
	$(BIN)/python -m tools.record_tapes

# Mutation check: a deliberate mistake in essctl's RAM derivation must make an end-to-end test fail.
mutation: $(VENV)/.installed
	$(BIN)/python -m tools.mutation_check

# Startup benchmark: essctl --help against a minimal two-command Typer app.
bench: $(VENV)/.installed
	$(BIN)/python -m tests.benchmarks.startup

clean:
	rm -rf $(VENV) build dist *.egg-info
