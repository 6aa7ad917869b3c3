# pilotbench: every target bootstraps what it needs.
#   make report   default report (pilot vs Huddinge) from the embedded data; prints its path
#   make test     lint + the whole test suite (installs headless chromium if missing)
#   make lab      JupyterLab on the project's environment; on a server:
#                 make lab LAB_ARGS="--no-browser --port 8899 --ip 0.0.0.0"
#   make lock     refresh the pinned versions in constraints.txt
#   make bench    benchmarks (not part of make test)
#   make mutate   mutation score of the statistics modules (not part of make test);
#                 MODULE=rates for one module (see tools/mutate.py and tests/MUTATION.md)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
OPT2   := $(VENV)/.bytecode-opt2-stamp

.PHONY: venv data report test lint format lab lock browser bench mutate clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Setting up $(VENV) from constraints.txt (log: $(VENV)/install.log)..."
	@$(PY) -m pip install --disable-pip-version-check --upgrade pip > $(VENV)/install.log 2>&1 \
	  && $(PY) -m pip install --disable-pip-version-check -c constraints.txt -e '.[dev]' \
	     >> $(VENV)/install.log 2>&1 \
	  || { tail -40 $(VENV)/install.log; echo "pip install failed; see $(VENV)/install.log"; exit 1; }
	$(PY) -m ipykernel install --sys-prefix --name pilotbench --display-name "Python (pilotbench)" >/dev/null
	@touch $(STAMP)

# Bytecode for the research package: pip compiles the libraries it installs but not an
# editable package, and where Python does not write bytecode itself (PYTHONDONTWRITEBYTECODE
# is set, or the checkout is read-only) every process, each report kernel included, would
# compile the package's sources again at import (about 0.3 s of a report; issue 17). Only
# changed files are compiled; a stale file is still recompiled in memory by Python.
# Report kernels run with -OO (research/runner/kernel_launch.py: no docstrings, 12 MiB less
# per kernel), which reads .opt-2.pyc files: compiled here for the libraries (once, ~15 s)
# and the package, or each kernel would compile every module it imports (~2 s a start).
venv: $(STAMP) $(OPT2)
	@$(PY) -m compileall -q -o 0 -o 2 research

$(OPT2): $(STAMP)
	@$(PY) -m compileall -q -o 2 -j 0 $(VENV)/lib >/dev/null \
	  || echo "note: some library files did not compile for -OO; kernels compile them at import"
	@touch $@

data: venv
	@$(PY) -m research data build

# The report command verifies the raw data and builds the panel cache itself when needed.
report: venv
	@$(PY) -m research report

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

browser:
	@command -v chromium >/dev/null 2>&1 || bash tools/install-chromium.sh

test: venv browser lint
	$(PY) -m pytest

# JupyterLab serves LAB_DIR (default: the project folder, so notebooks can link to reports/)
# and opens its notebooks/. Extra options go in LAB_ARGS (e.g. --no-browser --port 8899
# --ip 0.0.0.0); as root --allow-root is added, and --no-browser when there is no display.
# Jupyter prints the URL (with its token) once the server is up.
LAB_ARGS ?=
LAB_DIR ?= $(CURDIR)
LAB_ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_HEADLESS := $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser)

lab: venv
	@echo "Starting JupyterLab (kernel \"Python (pilotbench)\"); open the URL printed below."
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter" $(VENV)/bin/jupyter lab \
	  --ServerApp.root_dir="$(LAB_DIR)" --LabApp.default_url=/lab/tree/notebooks \
	  $(LAB_ALLOW_ROOT) $(LAB_HEADLESS) $(LAB_ARGS)

# Refresh the pins: resolve the newest versions allowed by pyproject.toml in a scratch
# environment, and record exactly what was installed.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# Pinned versions that passed the test suite; refresh with 'make lock'."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^pilotbench'; } > constraints.txt
	rm -rf .lock-venv
	@echo "constraints.txt refreshed; run 'make test' before committing it."

bench: venv browser
	$(PY) benchmarks/run.py

MUTATE_STAMP := $(VENV)/.mutate-stamp
$(MUTATE_STAMP): $(STAMP)
	@$(PY) -m pip install --disable-pip-version-check -c constraints.txt -e '.[dev,mutate]' \
	  >> $(VENV)/install.log 2>&1 || { tail -20 $(VENV)/install.log; exit 1; }
	@touch $(MUTATE_STAMP)

# Works in copies under $(MUTATE_DIR) (default /tmp/pilotbench-mutate): data/ and reports/
# of this tree are never touched.
mutate: $(MUTATE_STAMP)
	$(PY) tools/mutate.py $(if $(MODULE),--module $(MODULE)) $(if $(SAMPLE),--sample $(SAMPLE))

clean:
	rm -rf $(VENV) data/processed .pytest_cache .ruff_cache
