"""Patients counted twice: samples shared between cohorts, found before anything is pooled.

Series from one centre share patients, sometimes under the same GEO sample accession (a GSM in
two series), sometimes re-deposited under new ones (Waldron et al. 2016, J Natl Cancer Inst
108:djw146, "the doppelgänger effect"). For every pair of cohorts two checks run:

- **identifiers**: a sample ID or a patient ID found in both cohorts;
- **profiles**: the Pearson correlation of two samples' expression over the genes both cohorts
  measure, each gene centred on its mean within its own cohort. Centring removes what every
  sample of a tissue shares (the genes' abundance pattern, which makes any two profiles
  correlate); what is left correlates strongly only between two measurements of one tumour.
  A pair at or above ``min_correlation`` is flagged. On the real GSE4335 cohort split in two
  overlapping halves, the same arrays correlate 0.66-0.74 while the 4,480 pairs of distinct
  tumours stay at or below 0.37 (tested); the table of every cohort pair reports its highest
  unflagged correlation, so the margin is visible on the user's own data.

A flagged pair stops the run before any pooled analysis (meta-analysis, locked models), naming
the samples and the fix: list the later cohort's copies under its ``exclude_samples`` (the
cohorts' config order decides which is later), which harmonisation then drops.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from hif_prognosis.data.clinical import endpoint_data, endpoint_names, joined_endpoint, joined_member
from hif_prognosis.errors import InputError

OVERLAP_COLUMNS = ["cohort_a", "sample_a", "cohort_b", "sample_b", "shared_sample_id", "shared_patient_id", "profile_r"]
POOLED_COLUMNS = ["cohort", "sample_id", "patient_id", "endpoint"]
PAIR_COLUMNS = [
    "cohort_a", "cohort_b", "samples_a", "samples_b", "shared_genes", "flagged_pairs", "max_unflagged_profile_r",
]


@dataclass(frozen=True)
class OverlapCohort:
    """What the check needs of one cohort."""

    matrix: pd.DataFrame  # gene symbols x samples, log2
    clinical: pd.DataFrame  # clinical.tsv: sample_id, patient_id, ...


def centred_profiles(matrix: pd.DataFrame) -> np.ndarray:
    """Genes x samples: each gene centred on its mean within the cohort, then each sample's
    profile centred and scaled to unit length, so that a product of two is their Pearson r."""
    values = matrix.to_numpy(dtype=np.float64)
    values = values - values.mean(axis=1, keepdims=True)
    values -= values.mean(axis=0, keepdims=True)
    norms = np.sqrt((values**2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return values / norms


def identifiers(cohort: OverlapCohort) -> pd.DataFrame:
    """Each sample's ID and patient ID as text, in the matrix's sample order (IDs read from a
    table may have been parsed as numbers)."""
    ids = cohort.clinical[["sample_id", "patient_id"]].astype(str).set_index("sample_id")
    return ids.reindex(cohort.matrix.columns.astype(str))


def cohort_overlap(
    cohorts: Mapping[str, OverlapCohort], *, min_correlation: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every flagged pair of samples across cohorts (OVERLAP_COLUMNS) and a row per pair of
    cohorts (PAIR_COLUMNS), in the cohorts' order."""
    flagged, pairs = [], []
    for name_a, name_b in combinations(cohorts, 2):
        a, b = cohorts[name_a], cohorts[name_b]
        genes = a.matrix.index.intersection(b.matrix.index)
        r = centred_profiles(a.matrix.loc[genes]).T @ centred_profiles(b.matrix.loc[genes])
        ids_a, ids_b = identifiers(a), identifiers(b)
        same_sample = ids_a.index.to_numpy()[:, None] == ids_b.index.to_numpy()[None, :]
        same_patient = (
            ids_a["patient_id"].to_numpy()[:, None] == ids_b["patient_id"].to_numpy()[None, :]
        )
        hit = same_sample | same_patient | (r >= min_correlation)
        for i, j in zip(*np.nonzero(hit), strict=True):
            flagged.append({
                "cohort_a": name_a, "sample_a": ids_a.index[i], "cohort_b": name_b, "sample_b": ids_b.index[j],
                "shared_sample_id": bool(same_sample[i, j]), "shared_patient_id": bool(same_patient[i, j]),
                "profile_r": float(r[i, j]),
            })
        unflagged = r[~hit]
        pairs.append({
            "cohort_a": name_a, "cohort_b": name_b, "samples_a": a.matrix.shape[1], "samples_b": b.matrix.shape[1],
            "shared_genes": len(genes), "flagged_pairs": int(hit.sum()),
            "max_unflagged_profile_r": float(np.nanmax(unflagged)) if np.isfinite(unflagged).any() else np.nan,
        })
    return pd.DataFrame(flagged, columns=OVERLAP_COLUMNS), pd.DataFrame(pairs, columns=PAIR_COLUMNS)


def check_no_overlap(flagged: pd.DataFrame, *, min_correlation: float) -> None:
    """Stop, naming the flagged pairs and the config lines that drop the later cohort's copies."""
    if flagged.empty:
        return
    def reasons(row: Mapping[Hashable, Any]) -> str:
        r = float(row["profile_r"])
        found = [("same sample ID", row["shared_sample_id"]), ("same patient ID", row["shared_patient_id"]),
                 (f"profile r = {r:.2f}", r >= min_correlation)]
        return ", ".join(reason for reason, hit in found if hit)

    shown = "; ".join(
        f"{row['cohort_a']} {row['sample_a']} = {row['cohort_b']} {row['sample_b']} ({reasons(row)})"
        for row in flagged.head(20).to_dict("records")
    )
    fixes = "; ".join(
        f"cohorts.{cohort}.exclude_samples: [{', '.join(map(str, sorted(set(rows['sample_b']))))}]"
        for cohort, rows in flagged.groupby("cohort_b", sort=False)
    )
    raise InputError(
        f"{len(flagged)} sample pair(s) look like one patient counted in two cohorts: {shown}"
        + (" ..." if len(flagged) > 20 else "")
        + f". Pooling them would count these patients twice. If they are the same patients, drop the "
        f"later cohort's copies in the config ({fixes}); if they are distinct patients whose profiles "
        f"correlate at or above overlap.min_correlation = {min_correlation}, raise it."
    )


def pooled_patients(clinical: Mapping[str, pd.DataFrame], joined: Sequence[Sequence[str]] = ()) -> pd.DataFrame:
    """Per endpoint, every cohort's samples with a follow-up time and an event indicator: the
    patients a meta-analysis of that endpoint pools (POOLED_COLUMNS); then, per ``joined`` group
    of endpoint kinds, those of the first kind of the group each cohort records (as
    meta.joined_rows pools them)."""
    frames = []
    for cohort, table in clinical.items():
        patients = table.set_index("sample_id")["patient_id"]
        recorded = endpoint_names(table)
        members = [(joined_endpoint(kinds), joined_member(kinds, recorded)) for kinds in joined]
        pools = [(endpoint, endpoint) for endpoint in recorded] + [(pool, kind) for pool, kind in members if kind]
        for pool, endpoint in pools:
            known = endpoint_data(table, endpoint).index  # the samples every survival analysis fits
            frames.append(pd.DataFrame({
                "cohort": cohort, "sample_id": known.astype(str),
                "patient_id": patients.loc[known].astype(str).to_numpy(), "endpoint": pool,
            }))
    return pd.concat(frames, ignore_index=True)[POOLED_COLUMNS] if frames else pd.DataFrame(columns=POOLED_COLUMNS)
