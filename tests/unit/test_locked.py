"""The locked-model validation: weights learned in one cohort carry over unchanged to another."""

import numpy as np
import pandas as pd
import pytest

from hif_prognosis.survival.locked import LOCKED_AUC_COLUMNS, LOCKED_COLUMNS, Cohort, locked_model_table
from hif_prognosis.data.genesets import coverage_table, signature_table

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
    table = locked_model_table(cohorts, min_events_per_variable=5).table
    assert list(table.columns) == LOCKED_COLUMNS
    assert len(table) == 10  # 5 weightings x 2 ordered pairs
    assert (table["genes"] == 12).all() and (table["status"] == "estimated").all()
    assert table["direction_replicated"].all()
    assert (table["p_one_sided_hr_above_1"] < 0.01).all()
    assert (table["training_log_hr"] > 0).all()
    assert (table["c_index"] > 0.6).all()


def test_no_effect_in_the_test_cohort_is_not_replicated_by_construction():
    cohorts = {
        "A": synthetic_cohort(3, 150, effect=0.8, scale=1.0, shift=8.0),
        "B": synthetic_cohort(4, 150, effect=0.0, scale=1.0, shift=8.0),
    }
    table = locked_model_table(cohorts).table.set_index(["training_cohort", "weights"])
    assert (table.loc["A", "p_one_sided_hr_above_1"] > 0.05).all()


def test_genes_matched_under_other_names_line_up():
    """Cohort B measures G3 under an alias and lacks G9: weights follow the signature symbol."""
    a = synthetic_cohort(7, 120, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(8, 120, effect=0.8, scale=1.0, shift=8.0)
    matrix = b.matrix.rename(index={"G3": "OLD3"}).drop(index="G9")
    signature = SIGNATURE.assign(aliases=lambda t: np.where(t["gene"] == "G3", "OLD3", ""))
    b = Cohort(matrix, coverage_table(signature, matrix.index), b.clinical)
    table = locked_model_table({"A": a, "B": b}).table
    assert (table["genes"] == 11).all() and table["direction_replicated"].all()


def test_only_genes_measured_in_both_cohorts_are_used():
    a = synthetic_cohort(5, 100, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(6, 100, effect=0.8, scale=1.0, shift=8.0)
    b = Cohort(b.matrix.drop(index=["G0", "G7"]), coverage_table(SIGNATURE, b.matrix.index.drop(["G0", "G7"])), b.clinical)
    table = locked_model_table({"A": a, "B": b}).table
    assert (table["genes"] == 10).all()


def test_pc1_direction_is_the_signatures_own_not_a_training_hazard_ratio_near_one():
    """No effect in the training cohort: its HR is near 1 and its sign chance. PC1 is oriented
    by the signature's up/down genes instead, so the effect in the test cohort is found."""
    for seed in range(5):
        cohorts = {
            "A": synthetic_cohort(20 + seed, 150, effect=0.0, scale=1.0, shift=8.0),
            "B": synthetic_cohort(40 + seed, 150, effect=0.8, scale=1.0, shift=8.0),
        }
        row = locked_model_table(cohorts).table.set_index(["training_cohort", "weights"]).loc[("A", "pc1")]
        assert row["status"] == "estimated" and row["log_hr"] > 0 and row["p_one_sided_hr_above_1"] < 0.01


def test_one_gene_signature_carries_its_training_sign():
    a = synthetic_cohort(11, 150, effect=0.8, scale=1.0, shift=8.0)
    b = synthetic_cohort(12, 150, effect=0.8, scale=1.0, shift=8.0)
    one_up, one_down = signature_table("UP1", ["G2"], "t"), signature_table("DOWN1", [], "t", down=["G8"])
    signatures = pd.concat([one_up, one_down])
    cohorts = {name: Cohort(c.matrix, coverage_table(signatures, c.matrix.index), c.clinical) for name, c in (("A", a), ("B", b))}
    table = locked_model_table(cohorts).table
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
    table = locked_model_table(cohorts).table
    assert (table["status"] == "not estimable: no gene of ONLY_A varies in both cohorts").all()
    assert table["hr"].isna().all()


def test_multivariable_model_is_refused_below_the_events_per_variable_bar():
    """12 genes need 120 training events at 10 per gene: a cohort with fewer is refused, with the
    figure in the status; the other weightings still run."""
    cohorts = {
        "A": synthetic_cohort(31, 90, effect=0.8, scale=1.0, shift=8.0),
        "B": synthetic_cohort(32, 90, effect=0.8, scale=1.0, shift=8.0),
    }
    table = locked_model_table(cohorts, min_events_per_variable=10).table.set_index(["training_cohort", "weights"])
    events = int(cohorts["A"].clinical["os_event"].sum())
    assert table.loc[("A", "multivariable_cox"), "status"] == (
        f"refused: {events / 12:.1f} training events per gene < 10 (the minimum events per variable set in the config)"
    )
    assert (table.xs("cox", level="weights")["status"] == "estimated").all()
    fitted = locked_model_table(cohorts, min_events_per_variable=1).table.set_index(["training_cohort", "weights"])
    assert fitted.loc[("A", "multivariable_cox"), "status"] == "estimated"


def test_locked_model_validation_equals_r(gse4335, r_survival):
    """A 4-gene model locked in one half of GSE4335 and validated in the other, every number from
    the pipeline's tables against R: coxph (Efron) on the training half's gene z-scores gives the
    weights; in the test half the score's HR per SD, its 95% CI and Wald p (coxph on the scaled
    score), Harrell's C (concordance, reverse = TRUE) and the log-rank test of the split at the
    training half's median score (survdiff), to 1e-6. The AUC rows are timeROC's estimator of
    the test half's score at 1, 3 and 5 years (discrimination.time_dependent_auc, tested
    against the pairwise definition there)."""
    from hif_prognosis.survival.discrimination import time_dependent_auc

    matrix, clinical = gse4335
    genes = ["VEGFA", "CA9", "PGK1", "SLC2A1"]
    signature = signature_table("FOUR", genes, "test")
    samples = clinical["sample_id"].tolist()
    halves = {"first": samples[: len(samples) // 2], "second": samples[len(samples) // 2:]}
    cohorts = {
        name: Cohort(
            matrix[ids], coverage_table(signature, matrix.index), clinical[clinical["sample_id"].isin(ids)]
        )
        for name, ids in halves.items()
    }
    tables = locked_model_table(cohorts, auc_years=(1, 3, 5), min_events_per_variable=1)
    table, auc = tables.table, tables.auc
    assert list(auc.columns) == LOCKED_AUC_COLUMNS
    row = table.set_index(["training_cohort", "weights"]).loc[("first", "multivariable_cox")]
    assert row["status"] == "estimated"
    at_risk = tables.at_risk
    at_start = at_risk[(at_risk["training_cohort"] == "first") & (at_risk["weights"] == "multivariable_cox")
                       & (at_risk["time_months"] == 0)].set_index("group")["at_risk"]
    assert (at_start["high"], at_start["low"]) == (row["n_high"], row["n_low"])

    def half(name: str) -> pd.DataFrame:
        data = matrix.loc[genes, halves[name]].T.reset_index(drop=True)
        outcome = clinical.set_index("sample_id").loc[halves[name], ["os_months", "os_event"]].reset_index(drop=True)
        return pd.concat([data, outcome], axis=1).assign(half=name)

    r = r_survival.table(
        """
        genes <- c("VEGFA", "CA9", "PGK1", "SLC2A1")
        train <- data[data$half == "first", ]; test <- data[data$half == "second", ]
        ztrain <- scale(as.matrix(train[, genes])); ztest <- scale(as.matrix(test[, genes]))
        w <- coef(coxph(Surv(train$os_months, train$os_event) ~ ztrain, ties = "efron"))
        s_train <- drop(ztrain %*% w) / sum(abs(w)); s_test <- drop(ztest %*% w) / sum(abs(w))
        fit <- coxph(Surv(os_months, os_event) ~ scale(s_test), data = test, ties = "efron")
        ci <- exp(confint(fit))
        c <- concordance(Surv(os_months, os_event) ~ s_test, data = test, reverse = TRUE)$concordance
        high <- s_test > median(s_train)
        lr <- survdiff(Surv(os_months, os_event) ~ high, data = test)
        cat(paste("hr", "low", "high", "p", "c", "chisq", "median", "w1", "w2", "w3", "w4", sep = "\\t"), "\\n", sep = "")
        cat(paste(exp(coef(fit)), ci[1], ci[2], summary(fit)$coefficients[5], c, lr$chisq, median(s_train),
                  w[1], w[2], w[3], w[4], sep = "\\t"), "\\n", sep = "")
        """,
        pd.concat([half("first"), half("second")], ignore_index=True),
    ).iloc[0]
    assert row["hr"] == pytest.approx(r["hr"], rel=1e-6)
    assert row["hr_ci_low"] == pytest.approx(r["low"], rel=1e-6)
    assert row["hr_ci_high"] == pytest.approx(r["high"], rel=1e-6)
    assert row["p_wald"] == pytest.approx(r["p"], rel=1e-6)
    assert row["c_index"] == pytest.approx(r["c"], rel=1e-6)
    assert row["logrank_chisq"] == pytest.approx(r["chisq"], rel=1e-6)
    assert row["training_median_score"] == pytest.approx(r["median"], rel=1e-6, abs=1e-9)
    # AUC: the test half's score from R's weights, by timeROC's estimator at 1, 3 and 5 years
    test_half = clinical.set_index("sample_id").loc[halves["second"]]
    z = matrix.loc[genes, halves["second"]]
    z = z.sub(z.mean(axis=1), axis=0).div(z.std(axis=1), axis=0)
    weights = r[["w1", "w2", "w3", "w4"]].to_numpy(dtype=float)
    score = z.T.to_numpy() @ weights / np.abs(weights).sum()
    rows = auc[(auc["training_cohort"] == "first") & (auc["weights"] == "multivariable_cox")].set_index("years")
    for years in (1, 3, 5):
        cases, controls, expected, status = time_dependent_auc(
            test_half["os_months"].to_numpy(), test_half["os_event"].to_numpy(), score, 12 * years
        )
        assert (rows.loc[years, "cases"], rows.loc[years, "controls"], rows.loc[years, "status"]) == (cases, controls, status)
        if status == "estimated":
            assert rows.loc[years, "auc"] == pytest.approx(expected, rel=1e-9)


def test_penalised_weights_cross_validate_from_the_seed_and_lasso_selects():
    """Survival driven by gene 0 alone among 12: the LASSO at its cross-validated penalty keeps
    gene 0 with by far the largest weight and drops noise genes (Harrell's C is flat near the
    optimum, so the chosen penalty is mild and keeps some with small weights); the ridge shrinks the
    unpenalised multivariable coefficients; the same seed gives the same folds and weights."""
    from hif_prognosis.survival.fastcox import cox_model
    from hif_prognosis.survival.locked import CV_FOLDS, RIDGE_PENALTIES, penalised_weights

    assert CV_FOLDS == 5
    rng = np.random.default_rng(9)
    z = rng.normal(size=(150, 12))
    t = rng.exponential(24 * np.exp(-1.0 * z[:, 0]))
    censor = rng.uniform(12, 120, 150)
    time, event = np.minimum(t, censor), (t <= censor).astype(float)
    lasso, lasso_penalty = penalised_weights(z, time, event, "lasso_cox", np.random.default_rng(1))
    again, again_penalty = penalised_weights(z, time, event, "lasso_cox", np.random.default_rng(1))
    np.testing.assert_array_equal(lasso, again)
    assert lasso_penalty == again_penalty > 0
    assert lasso[0] > 0 and np.abs(lasso[1:]).max() < 0.2 * lasso[0] and (lasso[1:] == 0).sum() >= 3
    ridge, ridge_penalty = penalised_weights(z, time, event, "ridge_cox", np.random.default_rng(1))
    assert ridge_penalty in RIDGE_PENALTIES and np.argmax(np.abs(ridge)) == 0
    unpenalised = cox_model(time, event, z).coefficients
    assert np.linalg.norm(ridge) < np.linalg.norm(unpenalised)


def test_lasso_risk_scores_are_scikit_survival_s_predictions_to_the_bit():
    """The LASSO's held-out risk scores, read from the path's coefficients, are what
    scikit-survival's ``predict`` gives at each penalty, and each fold's Harrell's C of every
    penalty in one call what it is penalty by penalty."""
    from sksurv.linear_model import CoxnetSurvivalAnalysis
    from sksurv.util import Surv

    from hif_prognosis.survival.locked import _lasso_path
    from hif_prognosis.survival.stats import harrell_c, harrell_c_columns

    rng = np.random.default_rng(4)
    z = rng.normal(size=(80, 9))
    t = np.round(rng.exponential(24 * np.exp(-0.8 * z[:, 0])))  # whole months: tied times
    time, event = t + 1, (rng.uniform(size=80) < 0.6).astype(float)
    penalties, _, risk_scores = _lasso_path(z, time, event)
    fit_rows, rows = np.arange(60), np.arange(60, 80)
    path = CoxnetSurvivalAnalysis(l1_ratio=1.0, alphas=penalties).fit(
        z[fit_rows], Surv.from_arrays(event[fit_rows].astype(bool), time[fit_rows]))
    scores = risk_scores(fit_rows, rows)
    for penalty, score in zip(penalties, scores, strict=True):
        np.testing.assert_array_equal(score, path.predict(z[rows], alpha=penalty))
    together = harrell_c_columns(time[rows], event[rows], np.column_stack(scores))
    np.testing.assert_array_equal(together, [harrell_c(time[rows], event[rows], score) for score in scores])


def test_penalised_rows_report_their_penalty_and_carry_the_effect_over():
    cohorts = {
        "A": synthetic_cohort(51, 150, effect=0.8, scale=1.0, shift=8.0),
        "B": synthetic_cohort(52, 120, effect=0.8, scale=0.3, shift=0.0),
    }
    table = locked_model_table(cohorts, seed=3).table.set_index("weights")
    penalised = table.loc[["ridge_cox", "lasso_cox"]]
    assert (penalised["status"] == "estimated").all() and (penalised["penalty"] > 0).all()
    assert penalised["direction_replicated"].all() and (penalised["p_one_sided_hr_above_1"] < 0.01).all()
    assert table.loc[["cox", "pc1"], "penalty"].isna().all()
    pd.testing.assert_frame_equal(locked_model_table(cohorts, seed=3).table, table.reset_index()[LOCKED_COLUMNS])


def test_locked_forest_draws_estimated_rows_and_names_the_refused():
    """One row per weighting and direction: estimated rows get a point at their test HR and their
    HR [CI] and C printed beside, a refused one its reason beside and no point."""
    import matplotlib.pyplot as plt

    from hif_prognosis.presentation.plotting import locked_forest_figure

    cohorts = {
        "A": synthetic_cohort(61, 90, effect=0.8, scale=1.0, shift=8.0),
        "B": synthetic_cohort(62, 90, effect=0.8, scale=1.0, shift=8.0),
    }
    table = locked_model_table(cohorts).table
    refused = table["status"].str.startswith("refused")
    assert refused.any() and (~refused).any()
    figure = locked_forest_figure(table, title="SIG")
    axis = figure.axes[0]
    labels = [tick.get_text() for tick in axis.get_yticklabels()]
    values = axis.child_axes[0]  # the right-hand values, by row: the top row is the table's first
    beside = {len(table) - 1 - int(y): t.get_text() for y, t in zip(values.get_yticks(), values.get_yticklabels(), strict=True)}
    assert len(labels) == len(beside) == len(table)
    assert all(("refused" in beside[i]) == bool(r) for i, r in enumerate(refused))
    first = table.iloc[0]
    assert beside[0] == f"{first['hr']:.2f} [{first['hr_ci_low']:.2f}–{first['hr_ci_high']:.2f}], C {first['c_index']:.2f}"
    points = axis.lines[0].get_xydata()
    np.testing.assert_allclose(np.sort(points[:, 0]), np.sort(table.loc[~refused, "hr"].to_numpy()))
    plt.close(figure)


@pytest.mark.parametrize("scale", ["zscore", "log2"])
def test_a_published_model_is_applied_with_its_own_coefficients_on_its_scale(scale):
    """A signature from a weight file gets a ``published`` row per ordered pair: its
    coefficients unchanged (never refitted), on its weighted_scale, the test cohort split at the
    training cohort's median of the same score; signatures without a weight file get none."""
    from hif_prognosis.data.expression import gene_zscores
    from hif_prognosis.data.genesets import weighted_signature_table
    from hif_prognosis.survival.cox import cox_per_sd

    weights = pd.DataFrame({"gene": ["G0", "G2", "G7", "G11"], "weight": [0.9, 0.4, -0.6, -0.2], "citation": "test"})
    model = weighted_signature_table("MODEL", weights, "model.tsv", scale)
    cohorts = {}
    for name, seed in (("A", 11), ("B", 12)):
        cohort = synthetic_cohort(seed, 120, effect=0.8, scale=1.0, shift=8.0)
        cohorts[name] = Cohort(cohort.matrix, pd.concat([cohort.coverage, coverage_table(model, GENES)]), cohort.clinical)
    table = locked_model_table(cohorts).table
    published = table[table["weights"] == "published"].set_index("training_cohort")
    assert set(table.loc[table["signature"] == "SIG", "weights"]) == {"cox", "pc1", "multivariable_cox", "ridge_cox", "lasso_cox"}
    assert len(published) == 2 and (published["signature"] == "MODEL").all() and (published["genes"] == 4).all()

    def score(cohort: Cohort) -> pd.Series:
        values = cohort.matrix.loc[weights["gene"]]
        values = gene_zscores(values) if scale == "zscore" else values
        return values.T @ weights["weight"].to_numpy() / weights["weight"].abs().sum()

    b, a = cohorts["B"], cohorts["A"]
    expected = cox_per_sd(b.clinical["os_months"], b.clinical["os_event"], score(b).set_axis(b.clinical.index))
    row = published.loc["A"]
    assert row["log_hr"] == pytest.approx(expected.log_hr, rel=1e-9)
    assert row["training_median_score"] == pytest.approx(float(score(a).median()), rel=1e-12)
    assert row["n_high"] == int((score(b) > score(a).median()).sum())


def test_locked_scores_and_their_kaplan_meier_split_agree_with_the_table():
    """Each estimated row's test samples carry their locked score and their group at the training
    median: the groups' sizes are the row's n_high/n_low, and the Kaplan-Meier figure's numbers
    at risk are the row's at-risk table."""
    from hif_prognosis.survival.locked import KEY_COLUMNS, LOCKED_SCORE_COLUMNS
    from hif_prognosis.presentation.plotting import locked_split_figure
    from hif_prognosis.data.clinical import endpoint_data

    cohorts = {
        "A": synthetic_cohort(21, 100, effect=0.8, scale=1.0, shift=8.0),
        "B": synthetic_cohort(22, 90, effect=0.8, scale=1.0, shift=8.0),
    }
    tables = locked_model_table(cohorts)
    assert list(tables.scores.columns) == LOCKED_SCORE_COLUMNS
    key = ("SIG", "os", "cox", "A", "B")
    row = tables.table.set_index(KEY_COLUMNS, drop=False).loc[key]
    scores = tables.scores.set_index(KEY_COLUMNS, drop=False).sort_index().loc[key]
    assert len(scores) == 90 and (scores["group"] == "high").sum() == row["n_high"]
    assert ((scores["score"] > row["training_median_score"]) == (scores["group"] == "high")).all()
    outcomes = endpoint_data(cohorts["B"].clinical, "os")
    figure, counts = locked_split_figure(scores, outcomes, row)
    expected = tables.at_risk.set_index(KEY_COLUMNS).sort_index().loc[key].reset_index(drop=True)
    pd.testing.assert_frame_equal(counts.reset_index(drop=True), expected[counts.columns], check_dtype=False)
    assert "high = above A's median score" in figure.axes[0].get_title()


@pytest.mark.parametrize("n", [5, 23, 150])
def test_cross_validation_folds_are_scikit_learns(n):
    """The folds are scikit-learn's KFold(CV_FOLDS, shuffle=True) for the seed drawn from the
    same generator, row for row, so the ridge needs no scikit-learn import."""
    from sklearn.model_selection import KFold

    from hif_prognosis.survival.locked import CV_FOLDS, cross_validation_folds

    ours = cross_validation_folds(n, np.random.default_rng(4))
    seed = int(np.random.default_rng(4).integers(2**31 - 1))
    theirs = list(KFold(CV_FOLDS, shuffle=True, random_state=seed).split(np.zeros((n, 1))))
    assert len(ours) == len(theirs) == CV_FOLDS
    for (fit_rows, held_out), (fit_expected, held_out_expected) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(fit_rows, fit_expected)
        np.testing.assert_array_equal(held_out, held_out_expected)
