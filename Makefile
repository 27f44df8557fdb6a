# wellspread: `make run` and `make test` do all the set-up themselves.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Mesa 3.5 needs Python >= 3.12: take python3.12 or python3.13 from PATH, else from pyenv.
PYTHON ?= $(shell for v in 3.12 3.13; do \
	  if python$$v -c 'import sys' >/dev/null 2>&1; then command -v python$$v; exit; fi; \
	  for p in $$HOME/.pyenv/versions/$$v*/bin/python$$v; do [ -x "$$p" ] && { echo $$p; exit; }; done; \
	done)
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := False
REPLICATES ?= 20
RUN_OUT ?= results/town
STRATEGIES ?= random,degree,kcore,pagerank,betweenness,diffusion_centrality,degree_discount,nomination,community,clustered,dispersed,organisation

.PHONY: run test check-user docs dashboard bench clean

$(VENV)/.installed-base: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "wellspread needs Python 3.12 or 3.13 (Mesa 3.5 requires it); install one (e.g. pyenv install 3.12) or set PYTHON=/path/to/python3.12" >&2; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base pyproject.toml
	$(PY) -m pip install -q -e ".[dev]"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash tools/seed_solara_cdn.sh "$(CURDIR)/$(VENV)/share/solara/cdn"
	touch $@

run: $(VENV)/.installed-base
	$(VENV)/bin/wellspread compare experiments/examples/town.toml --replicates $(REPLICATES) --strategies $(STRATEGIES) --out $(RUN_OUT)

test: $(VENV)/.installed-dev
	$(PY) -m pytest -q

# what users run, the way they run it (each example, a quick `make run`, 2-worker sweeps, a
# million-person run in three processes), each in a fresh process with a time limit; after `make test`
check-user: $(VENV)/.installed-base
	bash tools/user_checks.sh

docs: $(VENV)/.installed-dev
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

dashboard: $(VENV)/.installed-dev
	$(VENV)/bin/wellspread dashboard --port $${PORT:-8765}

bench: $(VENV)/.installed-base
	$(VENV)/bin/wellspread bench

clean:
	rm -rf $(VENV) results site .pytest_cache
