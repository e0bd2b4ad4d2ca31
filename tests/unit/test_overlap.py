"""No patient counted twice: shared IDs and near-identical profiles across cohorts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hif_prognosis.errors import InputError
from hif_prognosis.data.overlap import OVERLAP_COLUMNS, PAIR_COLUMNS, OverlapCohort, check_no_overlap, cohort_overlap, pooled_patients


def halves(gse4335, copies: slice) -> dict[str, OverlapCohort]:
    """GSE4335 in two cohorts: A the first 60 samples, B the rest plus A's ``copies``
    re-deposited under new IDs (as a series re-submitting another's arrays would)."""
    matrix, clinical = gse4335
    a_ids, b_ids = list(matrix.columns[:60]), list(matrix.columns[60:])
    copied = a_ids[copies]
    b_matrix = pd.concat([matrix[b_ids], matrix[copied].rename(columns=lambda s: f"re_{s}")], axis=1)
    b_clinical = pd.concat([
        clinical.set_index("sample_id").loc[b_ids].reset_index(),
        clinical.set_index("sample_id").loc[copied].reset_index().assign(
            sample_id=lambda t: "re_" + t["sample_id"], patient_id=lambda t: "re_" + t["patient_id"]
        ),
    ], ignore_index=True)
    a_clinical = clinical.set_index("sample_id").loc[a_ids].reset_index()
    return {"A": OverlapCohort(matrix[a_ids], a_clinical), "B": OverlapCohort(b_matrix, b_clinical)}


def test_re_deposited_arrays_are_found_by_profile_and_distinct_tumours_are_not(gse4335):
    """On real arrays: 20 of A's samples copied into B under new IDs are each flagged (profile r
    well above 0.5) against their original only; no pair of distinct tumours reaches 0.5, and the
    margin is reported."""
    cohorts = halves(gse4335, slice(40, 60))
    flagged, pairs = cohort_overlap(cohorts, min_correlation=0.5)
    assert list(flagged.columns) == OVERLAP_COLUMNS and list(pairs.columns) == PAIR_COLUMNS
    assert sorted(zip(flagged["sample_a"], flagged["sample_b"])) == sorted(
        (s, f"re_{s}") for s in gse4335[0].columns[40:60]
    )
    assert not flagged["shared_sample_id"].any() and not flagged["shared_patient_id"].any()
    assert flagged["profile_r"].min() > 0.6
    row = pairs.iloc[0]
    assert row["flagged_pairs"] == 20 and row["shared_genes"] == gse4335[0].shape[0]
    assert row["max_unflagged_profile_r"] < 0.45
    none, _ = cohort_overlap(halves(gse4335, slice(0, 0)), min_correlation=0.5)
    assert none.empty


def test_a_shared_sample_or_patient_id_is_flagged_whatever_the_profile(gse4335):
    cohorts = halves(gse4335, slice(0, 0))
    b = cohorts["B"]
    clinical = b.clinical.copy()
    clinical.loc[0, "sample_id"] = cohorts["A"].clinical.loc[3, "sample_id"]  # a GSM in two series
    clinical.loc[1, "patient_id"] = cohorts["A"].clinical.loc[5, "patient_id"]  # one patient, two samples
    matrix = b.matrix.set_axis(clinical["sample_id"], axis=1)
    flagged, _ = cohort_overlap({"A": cohorts["A"], "B": OverlapCohort(matrix, clinical)}, min_correlation=0.5)
    found = flagged.set_index("sample_b")[["sample_a", "shared_sample_id", "shared_patient_id"]]
    assert found.loc[clinical.loc[0, "sample_id"]].tolist() == [cohorts["A"].clinical.loc[3, "sample_id"], True, False]
    assert found.loc[clinical.loc[1, "sample_id"]].tolist() == [cohorts["A"].clinical.loc[5, "sample_id"], False, True]
    assert len(found) == 2
    assert (flagged["profile_r"] < 0.5).all()


def test_the_stop_names_the_pairs_and_the_config_lines_that_drop_the_later_copies(gse4335):
    flagged, _ = cohort_overlap(halves(gse4335, slice(58, 60)), min_correlation=0.5)
    copies = [f"re_{s}" for s in gse4335[0].columns[58:60]]
    with pytest.raises(InputError) as error:
        check_no_overlap(flagged, min_correlation=0.5)
    message = str(error.value)
    assert "2 sample pair(s) look like one patient counted in two cohorts" in message
    assert f"A {gse4335[0].columns[58]} = B {copies[0]} (profile r = " in message
    assert f"cohorts.B.exclude_samples: [{', '.join(sorted(copies))}]" in message
    check_no_overlap(flagged.iloc[:0], min_correlation=0.5)  # nothing flagged: no error


def test_pooled_patients_are_those_with_time_and_event_per_endpoint():
    clinical = pd.DataFrame({
        "sample_id": ["s1", "s2", "s3"], "patient_id": ["p1", "p2", "p3"],
        "os_months": [10.0, np.nan, 5.0], "os_event": [1, 0, 0],
        "efs_months": [3.0, 4.0, 5.0], "efs_event": [1, 1, 0],
    })
    pooled = pooled_patients({"C": clinical})
    assert pooled.groupby("endpoint")["sample_id"].apply(list).to_dict() == {"os": ["s1", "s3"], "efs": ["s1", "s2", "s3"]}


def test_a_joined_pool_takes_each_cohorts_first_kind_of_the_group():
    both = pd.DataFrame({
        "sample_id": ["a1", "a2"], "patient_id": ["pa1", "pa2"],
        "event_free_survival_months": [3.0, np.nan], "event_free_survival_event": [1, 0],
        "recurrence_free_survival_months": [3.0, 4.0], "recurrence_free_survival_event": [1, 1],
    })
    recurrence_only = pd.DataFrame({
        "sample_id": ["b1"], "patient_id": ["pb1"],
        "recurrence_free_survival_months": [7.0], "recurrence_free_survival_event": [0],
    })
    pooled = pooled_patients({"A": both, "B": recurrence_only}, [["event_free_survival", "recurrence_free_survival"]])
    joined = pooled[pooled["endpoint"] == "event_free_or_recurrence_free_survival"]
    assert joined[["cohort", "sample_id"]].values.tolist() == [["A", "a1"], ["B", "b1"]]  # A enters with event-free survival


def test_exclude_samples_drops_them_at_harmonisation_and_an_unknown_id_is_an_error(shared_data):
    from support.locations import GSE4335
    from hif_prognosis.data.cohorts import harmonise_local_cohort

    cohort = {
        "sample_id_column": "sample_id", "expression_scale": "auto", "duplicate_genes": "max_mean",
        "max_missing_fraction": 0.2,
        "endpoints": {"overall_survival": {"time": "os_months", "event": "os_event", "time_unit": "months"}},
    }
    full, _ = harmonise_local_cohort(GSE4335 / "expression.tsv.gz", GSE4335 / "clinical.tsv", cohort)
    dropped = list(full.columns[:2])
    matrix, clinical = harmonise_local_cohort(
        GSE4335 / "expression.tsv.gz", GSE4335 / "clinical.tsv", {**cohort, "exclude_samples": dropped}
    )
    assert matrix.shape[1] == full.shape[1] - 2 and not set(dropped) & set(matrix.columns)
    assert list(clinical["sample_id"]) == list(matrix.columns)
    with pytest.raises(InputError, match=r"exclude_samples lists \['GSM_TYPO'\], which are not samples of this cohort"):
        harmonise_local_cohort(GSE4335 / "expression.tsv.gz", GSE4335 / "clinical.tsv", {**cohort, "exclude_samples": ["GSM_TYPO"]})
