"""Harmonising a cohort into one log2 gene-symbol matrix and one clinical table."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hif_prognosis.clinical import Endpoint, harmonise_clinical, match_samples, read_clinical_table
from hif_prognosis.expression import (
    collapse_duplicate_genes,
    handle_missing_values,
    read_expression_table,
    to_log2_scale,
)

log = logging.getLogger(__name__)


def endpoints_from_config(cohort: Mapping[str, Any]) -> list[Endpoint]:
    return [Endpoint.from_config(name, spec) for name, spec in cohort["endpoints"].items()]


def harmonise_matrix(matrix: pd.DataFrame, cohort: Mapping[str, Any]) -> pd.DataFrame:
    """Collapse duplicate symbols, put values on log2, and deal with missing values."""
    n_rows = len(matrix)
    matrix = collapse_duplicate_genes(matrix, cohort["duplicate_genes"])
    log.info(
        "%d rows -> %d unique gene symbols (duplicates collapsed by rule %r)",
        n_rows, len(matrix), cohort["duplicate_genes"],
    )
    matrix, decision = to_log2_scale(matrix, cohort["expression_scale"])
    log.info("expression scale: %s", decision.describe())
    matrix, n_dropped, n_filled = handle_missing_values(matrix, cohort["max_missing_fraction"])
    log.info(
        "missing values: dropped %d genes missing in more than %.0f%% of samples; "
        "filled %d values with the gene's median",
        n_dropped, 100 * cohort["max_missing_fraction"], n_filled,
    )
    return matrix


def harmonise_local_cohort(
    expression_path: str | Path, clinical_path: str | Path, cohort: Mapping[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a local cohort (genes x samples table + clinical table) and harmonise it."""
    matrix = harmonise_matrix(read_expression_table(expression_path), cohort)
    clinical = harmonise_clinical(
        read_clinical_table(clinical_path),
        cohort["sample_id_column"],
        endpoints_from_config(cohort),
        source=str(clinical_path),
    )
    matrix, clinical, match = match_samples(matrix, clinical)
    log.info("samples: %s", match.describe())
    for endpoint in endpoints_from_config(cohort):
        known = clinical[[f"{endpoint.name}_months", f"{endpoint.name}_event"]].notna().all(axis=1)
        log.info(
            "endpoint %s: %d samples with time and event (%d events); %d without",
            endpoint.name, int(known.sum()),
            int(clinical.loc[known, f"{endpoint.name}_event"].sum()), int((~known).sum()),
        )
    return matrix, clinical
