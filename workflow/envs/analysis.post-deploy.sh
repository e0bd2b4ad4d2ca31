#!/usr/bin/env bash
# Snakemake copies env files under .snakemake/conda/, so a relative path cannot reach the
# checkout; the Snakefile exports HIF_PROGNOSIS_SOURCE (the repository root) for this step.
set -euo pipefail
: "${HIF_PROGNOSIS_SOURCE:?set by the Snakefile to the workflow checkout}"
python -m pip install --no-deps "$HIF_PROGNOSIS_SOURCE"
