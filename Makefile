PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint digests bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

STUDY := outputs/sweeps/skaraborg_study

# The default study end to end: every shipped scenario x 5 replicates, collected, compared and
# reported. Re-running skips the runs that are already complete.
run: $(STAMP)
	$(BIN)/sim run +experiment=skaraborg_study hydra.sweep.dir=$(STUDY)
	$(BIN)/sim collect $(STUDY)
	$(BIN)/sim compare $(STUDY) --phasing-reference establishment
	$(BIN)/sim report $(STUDY) --out $(STUDY)/report_en.html --lang en
	$(BIN)/sim report $(STUDY) --out $(STUDY)/report.html --lang sv

# On every core (pytest-xdist); a module's tests stay on one worker, which shares its fixtures.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadscope

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Rewrite the seeded-regression digests after a change that alters results on purpose.
digests: $(STAMP)
	$(BIN)/python -m tests.regression.digests --update

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py

clean:
	rm -rf $(VENV) outputs/* .pytest_cache
