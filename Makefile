# Fresh-machine entry points. `make run` sets up and runs the workflow; `make test` sets up and
# runs the test suite. Both create the virtual environment .venv on first use.

VENV := .venv
PYTHON := $(VENV)/bin/python
CORES ?= 2

.PHONY: env r-deps run run-example test lint dry-run

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements-lock.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements-lock.txt
	$(PYTHON) -m pip install --quiet --no-deps -e .
	touch $@

# R's survival, GSVA and maxstat packages are the references the Cox, ssGSEA and cut-point
# tests compare against (Debian packages; needs root). Without them those tests skip with a message saying so.
r-deps:
	@if Rscript -e 'library(survival); library(GSVA); library(maxstat)' >/dev/null 2>&1; then \
		echo "R with survival, GSVA and maxstat: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends r-base-core r-cran-survival r-bioc-gsva r-cran-maxstat >/dev/null; \
	else \
		echo "R with survival, GSVA and maxstat not installed and not root: R comparison tests will skip"; \
	fi

run: env
	$(VENV)/bin/snakemake --cores $(CORES)

run-example: env
	$(VENV)/bin/snakemake --configfile config/examples/gse4335.yaml --replace-workflow-config --cores $(CORES)

dry-run: env
	$(VENV)/bin/snakemake --dry-run

lint: env
	$(VENV)/bin/snakemake --lint

test: env r-deps
	$(PYTHON) -m pytest -ra
