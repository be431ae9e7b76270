# lambdasim: `make demo` and `make test` work on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint lab notebooks bench clean

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
	$(VENV)/bin/jupyter lab notebooks/

notebooks: $(STAMP)  ## re-execute the notebooks in place, outputs included
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace notebooks/*.ipynb

bench: $(STAMP)  ## speed benchmarks (ratios against baselines run in the same process)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache
