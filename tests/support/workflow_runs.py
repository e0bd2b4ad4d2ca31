"""How the tests drive the workflow: a config written for a run, Snakemake run on it, and what
a run planned and wrote."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import yaml

from support.locations import GSE4335, MSIGDB, REPO

# Three methods keep the end-to-end runs short: the seeded one, a plain and a rank-based one.
# All run end to end in test_public_cohorts; each is checked against its reference in test_scoring.
METHODS = ("zscore", "score_genes", "singscore")

# Markup in the config's free-text fields, as a careless or hostile config might carry it: every
# page must show it as text (test_no_config_text_runs_in_the_report_or_the_page).
MARKUP = "<img src=x onerror=alert('img')> `x <javascript:alert('link')>`_ .. raw:: html $x^2$ javascript:alert('uri')"


def apply_overrides(config: dict, overrides: dict) -> dict:
    """Set nested config values given as ``section__key=value`` (``__`` separates levels)."""
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split("__")
        node = config
        for key in parents:
            node = node[key]
        node[leaf] = value
    return config


def write_config(directory: Path, **changes) -> Path:
    """A config naming the GSE4335 local cohort and two Hallmark sets, with ``changes`` applied;
    the cohort's description and a signature's carry MARKUP."""
    hallmark = str(MSIGDB / "h.all.v7.0.symbols.gmt")
    config = {
        "seed": 123,
        "cohorts": {
            "GSE4335": {
                "source": "local",
                "expression": str(GSE4335 / "expression.tsv.gz"),
                "clinical": str(GSE4335 / "clinical.tsv"),
                "sample_id_column": "sample_id",
                "disease": "breast cancer",
                "description": MARKUP,
                "endpoints": {
                    "overall_survival": {"time": "os_months", "event": "os_event", "time_unit": "months"}
                },
            }
        },
        "signatures": {"HALLMARK_HYPOXIA": {"gmt": hallmark, "description": MARKUP}, "HALLMARK_G2M_CHECKPOINT": {"gmt": hallmark}},
        "primary": {"signature": "HALLMARK_HYPOXIA", "method": "zscore"},
        "scoring": {"methods": list(METHODS), "score_genes": {"ctrl_size": 50, "n_bins": 25}},
        "enrichment": {"libraries": {"HALLMARK": hallmark}, "permutations": 100},
        "random_null": {"n_sets": 1000},
    }
    apply_overrides(config, changes)
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def snakemake_command(directory: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-m", "snakemake",
        "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(directory),
        "--configfile", str(directory / "config.yaml"),
        *args,
    ]


def snakemake(directory: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(snakemake_command(directory, *args), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{result.stdout}\n{result.stderr}")
    return result


def planned_jobs(dry_run_output: str) -> dict[str, int]:
    """Job counts from the 'Job stats' table of a dry run."""
    table = dry_run_output.split("Job stats:", 1)[1]
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^(\w+)\s+(\d+)$", table, flags=re.MULTILINE)
        if m.group(1) != "total"
    }


def table_hashes(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((directory / "results").rglob("*"))
        if p.suffix in {".tsv", ".gz"}
    }
