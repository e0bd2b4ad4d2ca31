"""Shared fixtures: the real data in ../shared and R as a reference implementation."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from support.locations import GSE4335, SHARED
from support.r_reference import R

@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data beside the repository; CI always has it."""
    if not (GSE4335 / "expression.tsv.gz").is_file():
        pytest.skip(f"real data not found at {SHARED}/data (clone the project's shared/ beside the repo)")
    return SHARED / "data"


@pytest.fixture(scope="session")
def gse4335(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The harmonised GSE4335 cohort (log2 matrix, clinical table) as the workflow makes it."""
    from hif_prognosis.data.cohorts import harmonise_local_cohort

    cohort = {
        "sample_id_column": "sample_id",
        "expression_scale": "auto",
        "duplicate_genes": "max_mean",
        "max_missing_fraction": 0.2,
        "endpoints": {"os": {"time": "os_months", "event": "os_event", "time_unit": "months"}},
    }
    return harmonise_local_cohort(GSE4335 / "expression.tsv.gz", GSE4335 / "clinical.tsv", cohort)


@pytest.fixture(scope="session")
def r_survival() -> R:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript not found: install Debian's r-base-core and r-cran-survival (make system-deps)")
    probe = subprocess.run([rscript, "-e", "library(survival)"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("R package survival not installed: apt-get install r-cran-survival (make system-deps)")
    return R(rscript)


@pytest.fixture(scope="session")
def gse21257_survival(shared_data: Path) -> pd.DataFrame:
    """GSE21257's real overall survival (whole months: tied times) and covariates."""
    from support.real_follow_up import gse21257_follow_up

    return gse21257_follow_up(shared_data)


@pytest.fixture(scope="session")
def target_os_survival(shared_data: Path) -> pd.DataFrame:
    """TARGET-OS's real overall survival (days) and covariates from its clinical release."""
    from support.real_follow_up import target_os_follow_up

    return target_os_follow_up(shared_data)
