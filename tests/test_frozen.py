"""The frozen-score check: weights learned in one cohort carry over unchanged to another."""

import numpy as np
import pandas as pd

from hif_prognosis.frozen import FROZEN_COLUMNS, Cohort, frozen_score_table
from hif_prognosis.genesets import coverage_table, signature_table

GENES = [f"G{i}" for i in range(12)]


def synthetic_cohort(seed: int, n: int, effect: float, scale: float, shift: float) -> Cohort:
    """Genes G0-G5 rise with a latent risk factor, G6-G11 fall with it; survival follows
    ``effect`` x factor. ``scale`` and ``shift`` mimic another platform's units."""
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=n)
    loading = np.r_[np.ones(6), -np.ones(6)][:, None]
    values = shift + scale * (loading * factor + rng.normal(size=(12, n)))
    samples = [f"c{seed}_{j}" for j in range(n)]
    matrix = pd.DataFrame(values, index=GENES, columns=samples)
    time = rng.exponential(24 * np.exp(-effect * factor))
    censor = rng.uniform(12, 120, n)
    clinical = pd.DataFrame({
        "sample_id": samples, "os_months": np.minimum(time, censor), "os_event": (time <= censor).astype(int),
    })
    coverage = coverage_table(signature_table("SIG", GENES, "test"), matrix.index)
    return Cohort(matrix, coverage, clinical)


def test_weights_from_one_cohort_predict_in_another():
    cohorts = {
        "A": synthetic_cohort(1, 150, effect=0.8, scale=1.0, shift=8.0),
        "B": synthetic_cohort(2, 120, effect=0.8, scale=0.3, shift=0.0),
    }
    table = frozen_score_table(cohorts)
    assert list(table.columns) == FROZEN_COLUMNS
    assert len(table) == 4  # 2 weightings x 2 ordered pairs
    assert (table["genes"] == 12).all()
    assert table["direction_replicated"].all()
    assert (table["p_one_sided_hr_above_1"] < 0.01).all()
    assert (table["training_log_hr"] > 0).all()
    assert (table["c_index"] > 0.6).all()


def test_no_effect_in_the_test_cohort_is_not_replicated_by_construction():
    cohorts = {
        "A": synthetic_cohort(3, 150, effect=0.8, scale=1.0, shift=8.0),
        "B": synthetic_cohort(4, 150, effect=0.0, scale=1.0, shift=8.0),
    }
    table = frozen_score_table(cohorts).set_index(["training_cohort", "weights"])
    assert (table.loc["A", "p_one_sided_hr_above_1"] > 0.05).all()


def test_genes_matched_under_other_names_line_up():
    """Cohort B measures G3 under an alias and lacks G9: weights follow the signature symbol."""
    a = synthetic_cohort(7, 120, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(8, 120, effect=0.8, scale=1.0, shift=8.0)
    matrix = b.matrix.rename(index={"G3": "OLD3"}).drop(index="G9")
    signature = signature_table("SIG", GENES, "t").assign(aliases=lambda t: np.where(t["gene"] == "G3", "OLD3", ""))
    b = Cohort(matrix, coverage_table(signature, matrix.index), b.clinical)
    table = frozen_score_table({"A": a, "B": b})
    assert (table["genes"] == 11).all() and table["direction_replicated"].all()


def test_only_genes_measured_in_both_cohorts_are_used():
    a = synthetic_cohort(5, 100, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(6, 100, effect=0.8, scale=1.0, shift=8.0)
    b = Cohort(b.matrix.drop(index=["G0", "G7"]), coverage_table(signature_table("SIG", GENES, "t"), b.matrix.index.drop(["G0", "G7"])), b.clinical)
    table = frozen_score_table({"A": a, "B": b})
    assert (table["genes"] == 10).all()
