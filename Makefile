# Two commands for a fresh machine (see README.md):
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv, then lint and run every test and every notebook (fast mode)
# and, for maintainers (CI runs both):
#   make verify     every chapter and solution in full mode, every assertion at full length
#   make notebooks  re-run notebooks in full and commit their outputs with a fingerprint of the code
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# run in the repository, offline, quietly
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0

.PHONY: lab test lint pytest pytest-units pytest-chapters verify verify-0 verify-1 venv notebooks clean

# Per-cell limits, so a hang fails with the cell's name, and a limit on each whole part. Measured in CI
# from a fresh clone, with two parts side by side: the slowest fast chapter (06) took 191 s in all; the
# slowest full cell (chapter 06's live run) 677 s, against about 290 s with the machine to itself.
FAST_CELL_TIMEOUT ?= 300
FULL_CELL_TIMEOUT ?= 1800
FAST_RUN_TIMEOUT ?= 2700
FULL_RUN_TIMEOUT ?= 3600

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), f"Python 3.10+ needed, found {sys.version}"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

lab: venv
	$(BIN)/jupyter lab notebooks/

lint: venv
	$(BIN)/ruff check .

# Two parts side by side, one per core (the course's small models keep one core busy at a time, so two
# parts finish sooner than one after the other), each part's output printed when it ends:
#   1. the unit tests, and every solution in fast mode under nbval;
#   2. every chapter in fast mode through tests/test_native_logs.py, the way JupyterLab runs it, which
#      fails on an error in any cell and on stray native log lines.
# --nbval-lax compares only the outputs of cells tagged nbval-check-output (training output varies with
# the CPU). timeout sends SIGINT first, so pytest still prints which test (which cell) was running.
FAST_PYTEST = GANLIB_FAST=1 timeout --signal=INT --kill-after=60 $(FAST_RUN_TIMEOUT) $(BIN)/python -m pytest \
	-p no:cacheprovider --durations=10
CHAPTERS_FAST = tests/test_native_logs.py::test_a_chapter_writes_nothing_unexpected_to_stderr
pytest: venv
	@echo "make test runs in two parts side by side; each prints its results when it ends"
	$(MAKE) --no-print-directory -j2 -Otarget pytest-units pytest-chapters

pytest-units: venv
	$(FAST_PYTEST) tests notebooks/solutions --deselect $(CHAPTERS_FAST) \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=$(FAST_CELL_TIMEOUT)

pytest-chapters: venv
	GANLIB_CELL_TIMEOUT=$(FAST_CELL_TIMEOUT) $(FAST_PYTEST) $(CHAPTERS_FAST)

# Every chapter and solution in full mode: the committed outputs' claims, asserted on today's code.
# Two parts of about equal recorded run time, side by side (scripts/run_chapters.py shard).
verify: venv
	@echo "make verify runs in two parts side by side; each prints its results when it ends"
	$(MAKE) --no-print-directory -j2 -Otarget verify-0 verify-1

verify-0 verify-1: verify-%: venv
	GANLIB_FAST=0 timeout --signal=INT --kill-after=60 $(FULL_RUN_TIMEOUT) $(BIN)/python -m pytest \
		$$($(BIN)/python scripts/run_chapters.py shard $* 2) \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=$(FULL_CELL_TIMEOUT) -p no:cacheprovider --durations=10

test: lint pytest

# Re-run notebooks in full mode and keep their outputs, with the fingerprint of the code that made
# them (tests/test_fresh_outputs.py fails when it differs from today's), e.g.
#   make notebooks NOTEBOOKS=notebooks/03_the_game.ipynb
# Without NOTEBOOKS: every chapter and solution (about 20 minutes on 2 cores).
NOTEBOOKS ?=
notebooks: venv
	GANLIB_FAST=0 $(BIN)/python scripts/run_chapters.py run $(NOTEBOOKS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
