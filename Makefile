# lambdasim: `make demo` and `make test` work on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APP_PORT ?= 8866

.PHONY: demo test lint lab notebooks app app-screenshot bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all]"
	touch $(STAMP)

demo: $(STAMP)  ## run the default scenario, print its summary, write out/demo/overview.png
	$(VENV)/bin/lambdasim demo --out out/demo

test: $(STAMP)  ## lint, unit and theory tests, and the notebooks (nbval)
	$(VENV)/bin/ruff check lambdasim tests benchmarks
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

lab: $(STAMP)  ## open JupyterLab on the tutorial notebooks
	$(VENV)/bin/jupyter lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

# explorer.ipynb is left out: it is the app, committed without outputs (its widgets live
# only in a running kernel, and saved widget state would only go stale)
notebooks: $(STAMP)  ## re-execute the tutorial notebooks in place, outputs included
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		$(filter-out notebooks/explorer.ipynb,$(wildcard notebooks/*.ipynb))

app: $(STAMP)  ## serve the explorer as a web page (Voila) on 127.0.0.1:$(APP_PORT)
	@echo "lambdasim explorer: open http://127.0.0.1:$(APP_PORT)/ (Ctrl-C stops it)"
	$(VENV)/bin/voila notebooks/explorer.ipynb --no-browser --port=$(APP_PORT) \
		--Voila.ip=127.0.0.1 --Voila.port_retries=0

app-screenshot: $(STAMP)  ## docs/explorer.png: the app in headless Chromium (tests/test_app.py)
	LAMBDASIM_APP_SCREENSHOT=docs/explorer.png $(PY) -m pytest tests/test_app.py -q \
		-p no:cacheprovider

bench: $(STAMP)  ## speed benchmarks (ratios against baselines run in the same process)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache
