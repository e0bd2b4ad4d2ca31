#!/usr/bin/env bash
# Installs the hif_prognosis package into the rules' conda env (--sdm conda). Snakemake copies
# env files under .snakemake/conda/, so a relative path cannot reach the source; the Snakefile
# exports HIF_PROGNOSIS_SOURCE (the workflow's checkout) when the workflow is local. A workflow
# deployed from GitHub as a module has no local checkout: export a pip source yourself, e.g.
# HIF_PROGNOSIS_SOURCE=git+https://github.com/<owner>/<repo>@<tag> (README, "Deploying").
set -euo pipefail
: "${HIF_PROGNOSIS_SOURCE:?export HIF_PROGNOSIS_SOURCE: a pip source of the hif_prognosis package matching this workflow (README, Deploying)}"
python -m pip install --no-deps "$HIF_PROGNOSIS_SOURCE"
