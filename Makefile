# lambdasim: `make demo` and `make test` work on a fresh machine with only Python 3.11+.
#
# `make demo` installs only what the demo needs: the lambdasim package and its dependencies
# (SimPy, NumPy, pandas, matplotlib, ...). `make test`, `make lab`, `make notebooks`, `make app`
# and `make bench` install everything (".[all]": JupyterLab, Voila, Dask, pytest, Playwright,
# ...) the first time they need it (after `make demo`, only the extras' packages: lambdasim is
# not built again). Each install leaves a stamp file in the virtual
# environment, so a second run skips it (until pyproject.toml changes). Every step prints a
# line first and pip shows its own progress.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CORE_STAMP := $(VENV)/.installed-core
ALL_STAMP := $(VENV)/.installed-all
# setup.py compiles the simulation's hot modules with mypyc, into C extensions beside their
# sources (lambdasim/sim/**/*.so): any change to lambdasim/sim rebuilds them (about a minute)
BUILT_STAMP := $(VENV)/.built
APP_PORT ?= 8866
# The app starts a kernel (~235 MB) per open page. A kernel whose page is closed (no browser
# connected) and idle for APP_CULL_IDLE_S seconds is shut down, checked every
# APP_CULL_INTERVAL_S seconds; a kernel with a page open is never culled, however idle.
APP_CULL_IDLE_S ?= 120
APP_CULL_INTERVAL_S ?= 60
# Voila's flags, also used by tests/test_app.py (`make -s voila-flags`): the culling above
VOILA_FLAGS := --MappingKernelManager.cull_idle_timeout=$(APP_CULL_IDLE_S) \
	--MappingKernelManager.cull_interval=$(APP_CULL_INTERVAL_S) \
	--MappingKernelManager.cull_connected=False \
	--MappingKernelManager.cull_busy=False

.PHONY: demo test lint lab notebooks app app-screenshot voila-flags bench pure clean

$(PY):
	@echo "==> creating the virtual environment $(VENV) ($(PYTHON) -m venv)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> upgrading pip in $(VENV)"
	$(PIP) install --upgrade pip

$(CORE_STAMP): pyproject.toml | $(PY)
	@echo "==> installing lambdasim and what the demo needs (SimPy, NumPy, pandas, matplotlib,"
	@echo "    ...; about a minute the first time)"
	$(PIP) install -e .
	@touch $@ $(BUILT_STAMP)

# After `make demo` (the core installed, its stamp newer than pyproject.toml) only the extras'
# packages are added, read from pyproject.toml: installing ".[all]" would build lambdasim and
# compile its hot modules again (about a minute).
CORE_FRESH := $(shell test -f $(CORE_STAMP) && test $(CORE_STAMP) -nt pyproject.toml && echo yes)
EXTRAS := $(VENV)/extras.txt

$(ALL_STAMP): pyproject.toml | $(PY)
ifeq ($(CORE_FRESH),yes)
	@echo "==> installing lambdasim's extras, the packages of .[all] (JupyterLab, Voila, Dask,"
	@echo "    pytest, Playwright, ...; a few minutes the first time; lambdasim is installed)"
	$(PY) -c "import re, tomllib; o = tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']; print('\n'.join(r for g in re.search(r'\[(.*)\]', o['all'][0]).group(1).split(',') for r in o[g]))" > $(EXTRAS)
	$(PIP) install -r $(EXTRAS)
	@touch $@
else
	@echo "==> installing lambdasim with every extra, .[all] (JupyterLab, Voila, Dask, pytest,"
	@echo "    Playwright, ...; a few minutes the first time)"
	$(PIP) install -e ".[all]"
	@touch $@ $(CORE_STAMP) $(BUILT_STAMP)
endif

$(BUILT_STAMP): setup.py $(wildcard lambdasim/sim/*.py lambdasim/sim/*/*.py) | $(CORE_STAMP)
	@echo "==> compiling lambdasim's hot modules (mypyc; LAMBDASIM_COMPILE=0: plain Python)"
	$(PIP) install --no-deps -e .
	@touch $@

demo: $(CORE_STAMP) $(BUILT_STAMP)  ## run the default scenario, print its summary, write out/demo/overview.png
	@echo "==> lambdasim demo --out out/demo"
	$(VENV)/bin/lambdasim demo --out out/demo

lint: $(ALL_STAMP) $(BUILT_STAMP)  ## ruff on the package, the tests and the benchmarks
	@echo "==> lint (ruff)"
	$(VENV)/bin/ruff check lambdasim tests benchmarks

# tests run on every core (pytest-xdist), a file per worker at a time, in collection order:
# xdist's default order (files with most tests first) left the browser test (3 tests, 25 s)
# for last, with the other core idle meanwhile. Python may write bytecode caches even where
# PYTHONDONTWRITEBYTECODE is set: otherwise every pytest worker, notebook kernel and CLI
# subprocess compiles lambdasim again, and every pytest process rewrites the asserts of its
# plugins (hypothesis, anyio, ...), about 3 s each.
test: lint  ## lint, unit and theory tests, and the notebooks (nbval)
	@echo "==> tests and tutorial notebooks (pytest on every core; several minutes)"
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest tests notebooks -n auto --dist loadfile --no-loadscope-reorder --nbval-lax \
		--nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

lab: $(ALL_STAMP) $(BUILT_STAMP)  ## open JupyterLab on the tutorial notebooks
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# explorer.ipynb is left out: it is the app, committed without outputs (its widgets live
# only in a running kernel, and saved widget state would only go stale)
notebooks: $(ALL_STAMP) $(BUILT_STAMP)  ## re-execute the tutorial notebooks in place, outputs included
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		$(filter-out notebooks/explorer.ipynb,$(wildcard notebooks/*.ipynb))

# the notebook is trusted first (it has no outputs; this only stops Voila logging "Notebook
# explorer.ipynb is not trusted" on every visit)
app: $(ALL_STAMP) $(BUILT_STAMP)  ## serve the explorer as a web page (Voila) on 127.0.0.1:$(APP_PORT)
	@$(VENV)/bin/jupyter trust notebooks/explorer.ipynb >/dev/null
	@echo "lambdasim explorer: open http://127.0.0.1:$(APP_PORT)/ (Ctrl-C stops it; the kernel of a"
	@echo "closed page is shut down after $(APP_CULL_IDLE_S) s idle)"
	$(VENV)/bin/voila notebooks/explorer.ipynb --no-browser --port=$(APP_PORT) \
		--Voila.ip=127.0.0.1 --Voila.port_retries=0 $(VOILA_FLAGS)

voila-flags:  ## print the flags `make app` gives Voila (tests/test_app.py uses them)
	@echo $(VOILA_FLAGS)

app-screenshot: $(ALL_STAMP) $(BUILT_STAMP)  ## docs/explorer.png: the app in headless Chromium (tests/test_app.py)
	LAMBDASIM_APP_SCREENSHOT=docs/explorer.png $(PY) -m pytest tests/test_app.py -q \
		-p no:cacheprovider

bench: $(ALL_STAMP) $(BUILT_STAMP)  ## speed benchmarks (ratios against baselines run in the same process)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

pure:  ## delete the compiled modules: lambdasim/sim runs as plain Python (until rebuilt)
	rm -f lambdasim/sim/*.so lambdasim/sim/*/*.so lambdasim_sim__mypyc*.so $(BUILT_STAMP)

clean: pure
	rm -rf $(VENV) out .pytest_cache build
