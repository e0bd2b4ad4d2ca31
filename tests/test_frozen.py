"""The frozen-score check: weights learned in one cohort carry over unchanged to another."""

import numpy as np
import pandas as pd

from hif_prognosis.frozen import FROZEN_COLUMNS, Cohort, frozen_score_table
from hif_prognosis.genesets import coverage_table, signature_table

GENES = [f"G{i}" for i in range(12)]
SIGNATURE = signature_table("SIG", GENES[:6], "test", down=GENES[6:])


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
    coverage = coverage_table(SIGNATURE, matrix.index)
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
    signature = SIGNATURE.assign(aliases=lambda t: np.where(t["gene"] == "G3", "OLD3", ""))
    b = Cohort(matrix, coverage_table(signature, matrix.index), b.clinical)
    table = frozen_score_table({"A": a, "B": b})
    assert (table["genes"] == 11).all() and table["direction_replicated"].all()


def test_only_genes_measured_in_both_cohorts_are_used():
    a = synthetic_cohort(5, 100, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(6, 100, effect=0.8, scale=1.0, shift=8.0)
    b = Cohort(b.matrix.drop(index=["G0", "G7"]), coverage_table(SIGNATURE, b.matrix.index.drop(["G0", "G7"])), b.clinical)
    table = frozen_score_table({"A": a, "B": b})
    assert (table["genes"] == 10).all()


def test_pc1_direction_is_the_signatures_own_not_a_training_hazard_ratio_near_one():
    """No effect in the training cohort: its HR is near 1 and its sign chance. PC1 is oriented
    by the signature's up/down genes instead, so the effect in the test cohort is found."""
    for seed in range(5):
        cohorts = {
            "A": synthetic_cohort(20 + seed, 150, effect=0.0, scale=1.0, shift=8.0),
            "B": synthetic_cohort(40 + seed, 150, effect=0.8, scale=1.0, shift=8.0),
        }
        row = frozen_score_table(cohorts).set_index(["training_cohort", "weights"]).loc[("A", "pc1")]
        assert row["status"] == "estimated" and row["log_hr"] > 0 and row["p_one_sided_hr_above_1"] < 0.01


def test_one_gene_signature_carries_its_training_sign():
    a = synthetic_cohort(11, 150, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(12, 150, effect=0.8, scale=1.0, shift=8.0)
    one_up, one_down = signature_table("UP1", ["G2"], "t"), signature_table("DOWN1", [], "t", down=["G8"])
    signatures = pd.concat([one_up, one_down])
    cohorts = {name: Cohort(c.matrix, coverage_table(signatures, c.matrix.index), c.clinical) for name, c in (("A", a), ("B", b))}
    table = frozen_score_table(cohorts)
    assert (table["status"] == "estimated").all() and (table["genes"] == 1).all()
    assert table["direction_replicated"].all()  # G2 rises and G8 falls with risk
    assert (table["training_log_hr"] > 0).all() and (table["p_one_sided_hr_above_1"] < 0.05).all()


def test_no_shared_gene_is_reported_not_estimable():
    a = synthetic_cohort(13, 80, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(14, 80, effect=0.8, scale=1.0, shift=8.0)
    only_a = signature_table("ONLY_A", ["G0"], "t")
    cohorts = {
        "A": Cohort(a.matrix, coverage_table(only_a, a.matrix.index), a.clinical),
        "B": Cohort(b.matrix.drop(index="G0"), coverage_table(only_a, b.matrix.index.drop("G0")), b.clinical),
    }
    table = frozen_score_table(cohorts)
    assert (table["status"] == "not estimable: no gene of ONLY_A varies in both cohorts").all()
    assert table["hr"].isna().all()
