# ecosim — two commands for a newcomer:  make run   and   make test
# PYTHON=/path/to/python3.12 overrides the interpreter search (tools/find-python.sh).
# make docs builds the documentation site into site/ (open site/index.html).

VENV       := .venv
VPY        := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
OUT        ?= results/startup_cities_2030
ARGS       ?=

.PHONY: run test lint bench compare clean venv app calibrate docs

venv: $(STAMP)

$(VPY):
	@py=$$(PYTHON="$(PYTHON)" tools/find-python.sh) || exit 1; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)

$(STAMP): $(VPY) pyproject.toml
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(VPY) experiments/startup_cities_2030.py --out $(OUT) $(ARGS)

app: $(STAMP)
	$(VENV)/bin/ecosim app $(ARGS)

calibrate: $(STAMP)
	$(VPY) experiments/calibrate.py $(ARGS)

lint: $(STAMP)
	$(VPY) -m ruff check src tests benchmarks experiments tools docs/tutorials

# mkdocs.yml: --strict fails on a broken link, a missing reference or a failing tutorial cell
# (every tutorial runs on each build). NO_MKDOCS_2_WARNING silences Material's end-of-life banner.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict $(ARGS)

test: lint
	$(VPY) -m pytest $(ARGS)

compare: $(STAMP)
	$(VPY) benchmarks/compare.py $(ARGS)

bench: $(STAMP)
	$(VENV)/bin/asv run --quick --python=same $(ARGS)

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache .asv build site .cache src/*.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
