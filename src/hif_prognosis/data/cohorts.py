"""Harmonising a cohort into one log2 gene-symbol matrix and one clinical table.

Each source (local files, a GEO series, a Xena/GDC project) yields a raw matrix and a raw clinical
table; the same steps then apply to all: duplicate genes collapsed, log2 scale, missing values,
endpoints and covariates mapped by the config, samples matched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from hif_prognosis.data import geo, xena
from hif_prognosis.data.clinical import EndpointLimits, check_endpoints, COVARIATES, Covariate, Endpoint, harmonise_clinical, match_samples, read_clinical_table
from hif_prognosis.errors import InputError
from hif_prognosis.data.expression import DUPLICATE_RULE_WORDS, DuplicateRule, collapse_duplicate_genes, handle_missing_values, read_expression_table, to_log2_scale

log = logging.getLogger(__name__)


def endpoints_from_config(cohort: Mapping[str, Any]) -> list[Endpoint]:
    return [Endpoint.from_config(name, spec) for name, spec in cohort["endpoints"].items()]


def configured_columns(cohort: Mapping[str, Any]) -> list[str]:
    """The raw clinical columns (GEO characteristic keys) the cohort's endpoints and covariates name."""
    endpoints = [column for ep in endpoints_from_config(cohort) for column in (ep.time_column, ep.event_column)]
    return endpoints + [covariate.column for covariate in covariates_from_config(cohort)]


def covariates_from_config(cohort: Mapping[str, Any]) -> list[Covariate]:
    return [Covariate.from_config(name, spec) for name, spec in cohort.get("covariates", {}).items()]


def collapse_logged(matrix: pd.DataFrame, rule: DuplicateRule, source: str) -> pd.DataFrame:
    """``collapse_duplicate_genes``, logging how many rows shared a symbol and by which rule."""
    duplicated = matrix.index.duplicated(keep=False)
    collapsed = collapse_duplicate_genes(matrix, rule)
    if duplicated.any():
        log.info(
            "%s: %d rows -> %d unique gene symbols; %d rows shared %d symbol(s), collapsed by rule "
            "duplicate_genes=%r (%s)",
            source, len(matrix), len(collapsed), int(duplicated.sum()),
            matrix.index[duplicated].nunique(), rule, DUPLICATE_RULE_WORDS[rule],
        )
    else:
        log.info("%s: %d rows, one per gene symbol: nothing to collapse", source, len(matrix))
    return collapsed


def harmonise_matrix(matrix: pd.DataFrame, cohort: Mapping[str, Any]) -> pd.DataFrame:
    """Collapse duplicate symbols, put values on log2, and deal with missing values."""
    matrix = collapse_logged(matrix, cohort["duplicate_genes"], "expression matrix")
    matrix, decision = to_log2_scale(matrix, cohort["expression_scale"])
    log.info("expression scale: %s", decision.describe())
    matrix, n_dropped, n_filled = handle_missing_values(matrix, cohort["max_missing_fraction"])
    log.info(
        "missing values: dropped %d genes missing in more than %.0f%% of samples; "
        "filled %d values with the gene's median",
        n_dropped, 100 * cohort["max_missing_fraction"], n_filled,
    )
    return matrix


def exclude_samples(
    matrix: pd.DataFrame, clinical: pd.DataFrame, excluded: list[str], source: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cohort without the samples its config lists under ``exclude_samples`` (copies of
    patients another cohort holds; see hif_prognosis.data.overlap). A listed ID the cohort does not
    hold is an error: a typo would otherwise leave a patient counted twice."""
    if not excluded:
        return matrix, clinical
    excluded = [str(sample) for sample in excluded]
    unknown = sorted(set(excluded) - set(clinical["sample_id"].astype(str)))
    if unknown:
        raise InputError(
            f"{source}: exclude_samples lists {unknown}, which are not samples of this cohort "
            f"(e.g. {clinical['sample_id'].astype(str).head(3).tolist()}); correct the IDs in the config."
        )
    keep = ~clinical["sample_id"].astype(str).isin(excluded)
    log.info("excluded %d samples listed under exclude_samples: %s", int((~keep).sum()), ", ".join(excluded))
    clinical = clinical[keep].reset_index(drop=True)
    return matrix.loc[:, matrix.columns.astype(str).isin(clinical["sample_id"].astype(str))], clinical


def finish_cohort(
    matrix: pd.DataFrame,
    raw_clinical: pd.DataFrame,
    cohort: Mapping[str, Any],
    *,
    sample_id_column: str,
    source: str,
    patient_id_column: str | None = None,
    limits: EndpointLimits = EndpointLimits(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The steps shared by every source, from raw tables to the harmonised pair; an endpoint
    the matched samples cannot support (``limits``) stops here, before any analysis."""
    matrix = harmonise_matrix(matrix, cohort)
    endpoints, covariates = endpoints_from_config(cohort), covariates_from_config(cohort)
    clinical = harmonise_clinical(
        raw_clinical,
        sample_id_column,
        endpoints,
        source=source,
        covariates=covariates,
        patient_id_column=patient_id_column,
    )
    matrix, clinical, match = match_samples(matrix, clinical)
    log.info("samples: %s", match.describe())
    matrix, clinical = exclude_samples(matrix, clinical, cohort.get("exclude_samples", []), source)
    check_endpoints(clinical, endpoints, limits, source)
    for endpoint in endpoints:
        known = clinical[[f"{endpoint.name}_months", f"{endpoint.name}_event"]].notna().all(axis=1)
        log.info(
            "endpoint %s: %d samples with time and event (%d events); %d without",
            endpoint.name, int(known.sum()),
            int(clinical.loc[known, f"{endpoint.name}_event"].sum()), int((~known).sum()),
        )
        at_zero = clinical[known & (clinical[f"{endpoint.name}_months"] == 0)]
        if len(at_zero):
            # Kept, as R's survival keeps them: censored at 0 a sample is in no risk set and adds
            # nothing; an event at 0 counts against everyone at risk then.
            log.warning(
                "endpoint %s: %d samples have follow-up time 0 (kept; censored at 0 they add no "
                "information): %s", endpoint.name, len(at_zero),
                ", ".join(f"{s} (event {int(e)})" for s, e in zip(at_zero["sample_id"], at_zero[f"{endpoint.name}_event"], strict=True)),
            )
    for covariate in covariates:
        values = clinical[covariate.name]
        if COVARIATES[covariate.name] is None:
            summary = f"{values.notna().sum()} known, median {values.astype(float).median():.1f}"
        else:
            summary = str(values.value_counts(dropna=False).to_dict())
        log.info("covariate %s: %s", covariate.name, summary)
    return matrix, clinical


def harmonise_local_cohort(
    expression_path: str | Path,
    clinical_path: str | Path,
    cohort: Mapping[str, Any],
    limits: EndpointLimits = EndpointLimits(),
    name: str = "<name>",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A local cohort (``name`` in the config): genes x samples table + clinical table."""
    encoding = {"encoding": cohort.get("encoding", "utf-8"), "encoding_field": f"cohorts.{name}.encoding"}
    return finish_cohort(
        read_expression_table(expression_path, **encoding),
        read_clinical_table(clinical_path, **encoding),
        cohort,
        sample_id_column=cohort["sample_id_column"],
        patient_id_column=cohort.get("patient_id_column"),
        source=str(clinical_path),
        limits=limits,
    )


def harmonise_geo_cohort(
    matrix_paths: Sequence[str | Path],
    platform_paths: Mapping[str, str | Path],
    cohort: Mapping[str, Any],
    limits: EndpointLimits = EndpointLimits(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A GEO series: one series matrix per platform, probes mapped through each platform."""
    matrices, annotations = [], []
    for path in matrix_paths:
        series = geo.read_series_matrix(path)
        platform_id = series.platform or next(iter(platform_paths))
        if platform_id not in platform_paths:
            raise InputError(
                f"{path}: samples are on platform {platform_id}, which is not listed under the "
                f"cohort's platforms {sorted(platform_paths)}; add it."
            )
        platform = geo.read_platform_table(platform_paths[platform_id])
        symbols = geo.symbol_column(platform, cohort["platform_symbol_column"], str(platform_paths[platform_id]))
        log.info("%s: %d probes x %d samples on %s", path, *series.values.shape, platform_id)
        matrices.append(geo.probes_to_genes(series.values, platform, symbols, str(path)))
        annotations.append(series.samples.assign(platform=platform_id))
    # Collapse within each platform first: probes of different platforms are not duplicates.
    per_platform = [
        collapse_logged(m, cohort["duplicate_genes"], f"{path} (probe-gene rows)")
        for m, path in zip(matrices, matrix_paths, strict=True)
    ]
    shared = sorted(set.intersection(*(set(m.index) for m in per_platform)))
    if len(per_platform) > 1:
        log.warning(
            "%d platforms combined on their %d shared genes; values of different platforms are "
            "not directly comparable, so check the scores for a platform effect",
            len(per_platform), len(shared),
        )
    matrix = pd.concat([m.loc[shared] for m in per_platform], axis=1)
    source = f"GEO {cohort['accession']} sample characteristics"
    raw_clinical = geo.with_configured_keys(pd.concat(annotations, ignore_index=True), configured_columns(cohort), source)
    return finish_cohort(matrix, raw_clinical, cohort, sample_id_column="geo_accession", source=source, limits=limits)


def harmonise_xena_cohort(
    expression_path: str | Path,
    probemap_path: str | Path,
    survival_path: str | Path,
    release_path: str | Path,
    cohort: Mapping[str, Any],
    limits: EndpointLimits = EndpointLimits(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A Xena GDC hub project (e.g. TARGET-OS) with its clinical release table."""
    matrix = xena.ensembl_to_symbols(
        xena.read_xena_matrix(expression_path),
        xena.read_probemap(probemap_path),
        str(expression_path),
        str(probemap_path),
    )
    release = xena.read_clinical_release(release_path)
    raw_clinical = xena.xena_raw_clinical(
        list(matrix.columns),
        xena.read_survival(survival_path),
        release,
        sample_type=cohort["sample_type"],
        release_patient_column=cohort["clinical_release"]["patient_column"],
    )
    disagreements = xena.survival_disagreements(raw_clinical)
    log.warning(
        "Xena survival and the clinical release disagree for %d patient field(s); the "
        "endpoints use the columns the config names:\n%s",
        len(disagreements), disagreements.to_string(index=False) if len(disagreements) else "(none)",
    )
    return finish_cohort(
        matrix[list(raw_clinical["sample"])],
        raw_clinical,
        cohort,
        sample_id_column="sample",
        patient_id_column="_PATIENT",
        source=f"{cohort['project']} clinical (Xena survival + clinical release)",
        limits=limits,
    )
