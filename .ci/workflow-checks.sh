#!/usr/bin/env bash
# The checks of the workflow itself, as a user's CI runs them (.github/workflows/ci.yml) and as
# this project's CI runs them (.ci/run): static checks, a dry run of the default config that must
# download nothing, the shipped test case end to end, and Snakemake's report of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SNAKEMAKE_BIN:-.venv/bin}

echo "== snakemake --lint"
lint_output=$("$bin/snakemake" --lint 2>&1) || { echo "$lint_output"; exit 1; }
echo "$lint_output"
grep -q "Congratulations, your workflow is in a good condition" <<<"$lint_output"

echo "== snakefmt --check (the Snakemake workflow catalog's formatting)"
"$bin/snakefmt" --check .

echo "== snakemake --dry-run on the default config (offline: must download nothing)"
"$bin/snakemake" --dry-run --quiet rules
if [ -e resources/downloads ]; then
  echo "the dry run wrote resources/downloads/: it must not download" >&2
  exit 1
fi

echo "== the test case end to end (.test/: synthetic cohort, no download)"
"$bin/snakemake" --directory .test --cores 2 --quiet rules

echo "== Snakemake's report of the test case"
"$bin/snakemake" --directory .test --report report.html
test -s .test/report.html
