# Two commands for a fresh machine (see README.md):
#   make lab    set up .venv and open the course in JupyterLab
#   make test   set up .venv, then lint and run every test and every notebook (fast mode)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# run in the repository, offline, quietly
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0

.PHONY: lab test lint pytest venv notebooks clean

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

# nbval runs each notebook top to bottom on a fresh kernel in fast mode; --nbval-lax compares
# only the outputs of cells marked NBVAL_CHECK_OUTPUT (training output varies with the CPU).
pytest: venv
	GANLIB_FAST=1 $(BIN)/python -m pytest tests notebooks \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider

test: lint pytest

# Re-run chapters in full mode and keep their outputs (a few minutes per chapter), e.g.
#   make notebooks NOTEBOOKS=notebooks/03_the_game.ipynb
# TensorFlow's native start-up logs go to the terminal, not into the committed outputs.
NOTEBOOKS ?= $(wildcard notebooks/[0-9]*.ipynb)
notebooks: venv
	for notebook in $(NOTEBOOKS); do \
		echo "== $$notebook"; \
		$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.timeout=1800 \
			--ExecutePreprocessor.extra_arguments='["--IPKernelApp.capture_fd_output=False"]' \
			"$$notebook" || exit 1; \
	done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
