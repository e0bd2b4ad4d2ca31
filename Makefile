# Fresh-machine entry points. `make run` sets up and runs the workflow; `make test` sets up and
# runs the test suite. Both create the virtual environment .venv on first use.

VENV := .venv
PYTHON := $(VENV)/bin/python
CORES ?= 2

.PHONY: env system-deps run run-example test lint dry-run derived

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements-lock.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements-lock.txt
	$(PYTHON) -m pip install --quiet --no-deps -e .
	touch $@

# Debian packages the tests compare against or drive (needs root; without them those tests skip
# with a message saying so): R's survival, GSVA, maxstat and metafor are the references of the Cox,
# ssGSEA, cut-point and meta-analysis tests; Chromium opens the summary page headless.
system-deps:
	@if Rscript -e 'library(survival); library(GSVA); library(maxstat); library(metafor)' >/dev/null 2>&1 && command -v chromium >/dev/null; then \
		echo "R with survival, GSVA, maxstat and metafor, and Chromium: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends r-base-core r-cran-survival r-bioc-gsva r-cran-maxstat r-cran-metafor \
			chromium fonts-dejavu-core >/dev/null; \
	else \
		echo "R packages or Chromium missing and not root: the R comparison and browser tests will skip"; \
	fi

# Each config writes under results/<its file's name>/ (workflow/rules/common.smk, run_name):
# the page results/<name>/summary/index.html is a rule of the workflow, Snakemake's own report is
# written beside it.
EXAMPLE := --configfile config/examples/gse4335.yaml --replace-workflow-config

run: env
	$(VENV)/bin/snakemake --cores $(CORES)
	$(VENV)/bin/snakemake --report results/config/summary/snakemake_report.html

# The example, offline and from a clone alone: GSE4335, a real breast-cancer cohort (not
# osteosarcoma) shipped in resources/example/, with a reduced null (1000 random sets) and 200
# GSEA permutations; config/config.yaml is the full run.
run-example: env
	$(VENV)/bin/snakemake $(EXAMPLE) --cores $(CORES)

dry-run: env
	$(VENV)/bin/snakemake --dry-run

lint: env
	$(VENV)/bin/snakemake --lint
	$(VENV)/bin/snakefmt --check .

# Rewrites the text derived from the registries (the schema's scoring methods, the config's
# comments, the methods table): after adding or changing a scoring method.
derived: env
	$(PYTHON) -m hif_prognosis.derived

# Two pytest workers, each taking whole test files: one file's end-to-end runs overlap another's
# waiting (the SLURM test mostly waits for job polls; R and unit tests use one core).
test: env system-deps
	$(PYTHON) -m pytest -ra --durations=15 -n 2 --dist loadfile
