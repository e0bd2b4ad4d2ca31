"""Survival statistics against R's survival package (coxph Efron, concordance, survdiff)."""

import numpy as np
import pandas as pd
import pytest

from support.r_reference import R_UNIVARIABLE
from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.data.genesets import coverage_table, read_gmt, signature_table
from hif_prognosis.scoring.matrix import SetScorer
from hif_prognosis.scoring.signatures import signature_scores
from hif_prognosis.scoring.contract import SignatureGenes
from hif_prognosis.survival.cox import COX_COLUMNS, cox_per_sd, harrell_c, standardise, survival_table, univariable_survival_row
from hif_prognosis.survival.kaplan_meier import median_groups, median_split_logrank

def assert_matches_r(time, event, score, r_survival, rtol=1e-9):
    reference = r_survival.table(
        R_UNIVARIABLE, pd.DataFrame({"time": time, "event": event, "score": score})
    ).iloc[0]
    cox = cox_per_sd(time, event, score)
    np.testing.assert_allclose(cox.log_hr, reference["log_hr"], rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(cox.se_log_hr, reference["se"], rtol=rtol)
    np.testing.assert_allclose(cox.p_wald, reference["p_wald"], rtol=rtol)
    np.testing.assert_allclose(cox.p_lrt, reference["p_lrt"], rtol=rtol)
    np.testing.assert_allclose(harrell_c(time, event, score), reference["c_index"], rtol=1e-12)
    chisq, p_value, _, _ = median_split_logrank(time, event, score)
    np.testing.assert_allclose(chisq, reference["logrank_chisq"], rtol=1e-9)
    np.testing.assert_allclose(p_value, reference["logrank_p"], rtol=1e-9)
    row = univariable_survival_row(time, event, score)
    np.testing.assert_allclose(np.log(row["hr_high_vs_low"]), reference["log_hr_high_vs_low"], rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(row["se_log_hr_high_vs_low"], reference["se_high_vs_low"], rtol=1e-7)


def test_gse4335_hypoxia_zscore_matches_r(gse4335, shared_data, r_survival):
    matrix, clinical = gse4335
    hallmark = read_gmt(shared_data / "msigdb" / "h.all.v7.0.symbols.gmt")
    genes = SignatureGenes.measured(
        coverage_table(signature_table("HALLMARK_HYPOXIA", hallmark["HALLMARK_HYPOXIA"], "test"), matrix.index)
    )
    score = signature_scores(SetScorer(matrix), "zscore", genes, {})
    outcome = endpoint_data(clinical, "os")
    assert len(outcome) == 115 and outcome["event"].sum() == 38
    assert_matches_r(outcome["time"], outcome["event"], score[outcome.index], r_survival)


def test_heavily_tied_times_match_r(r_survival):
    # Times on a coarse grid: many tied event times, where Efron differs from Breslow.
    rng = np.random.default_rng(7)
    score = pd.Series(rng.normal(size=150))
    time = pd.Series(np.ceil(rng.exponential(20 * np.exp(-0.5 * score)) / 6) * 6)
    event = pd.Series((rng.uniform(size=150) < 0.7).astype(float))
    assert time[event == 1].duplicated().sum() > 50
    assert_matches_r(time, event, score, r_survival)


def test_planted_effect_is_recovered():
    rng = np.random.default_rng(11)
    score = pd.Series(rng.normal(size=2000))
    # Exponential survival with log hazard ratio 0.5 per SD, independent censoring.
    time = pd.Series(rng.exponential(np.exp(-0.5 * score)))
    censor = rng.exponential(2.0, size=2000)
    event = pd.Series((time <= censor).astype(float))
    time = np.minimum(time, censor)
    cox = cox_per_sd(time, event, score)
    assert abs(cox.log_hr - 0.5) < 4 * cox.se_log_hr
    assert cox.p_wald < 1e-10
    assert harrell_c(time, event, score) > 0.6
    # The sign convention: a score that lowers risk gives C < 0.5 and HR < 1.
    assert harrell_c(time, event, -score) < 0.4
    assert cox_per_sd(time, event, -score).hr < 1


def test_constant_score_gives_no_estimate():
    time = pd.Series([1.0, 2.0, 3.0, 4.0])
    event = pd.Series([1.0, 0.0, 1.0, 1.0])
    cox = cox_per_sd(time, event, pd.Series([2.0] * 4))
    assert np.isnan(cox.log_hr) and np.isnan(cox.p_wald)


def test_standardise_uses_sample_sd():
    z = standardise(pd.Series([1.0, 2.0, 3.0, 4.0]))
    assert z.std(ddof=1) == pytest.approx(1.0)
    assert z.iloc[0] == pytest.approx(-1.5 / np.std([1, 2, 3, 4], ddof=1))


def test_median_split_puts_median_in_low_group():
    groups = median_groups(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert groups.tolist() == ["low", "low", "low", "high", "high"]


def test_survival_table_one_row_per_signature_method_endpoint():
    rng = np.random.default_rng(3)
    samples = [f"s{i}" for i in range(40)]
    clinical = pd.DataFrame(
        {
            "sample_id": samples,
            "os_months": rng.exponential(30, 40),
            "os_event": rng.integers(0, 2, 40),
            "efs_months": rng.exponential(20, 40),
            "efs_event": [1] * 30 + [np.nan] * 10,
        }
    )
    scores = pd.DataFrame(
        [
            (s, sig, method, rng.normal())
            for sig in ["A", "B"]
            for method in ["zscore", "score_genes"]
            for s in samples
        ],
        columns=["sample_id", "signature", "method", "score"],
    )
    table = survival_table("X", scores, clinical)
    assert list(table.columns) == COX_COLUMNS
    assert len(table) == 2 * 2 * 2
    assert set(table.loc[table["endpoint"] == "efs", "n"]) == {30}
    assert set(table.loc[table["endpoint"] == "os", "n"]) == {40}


def test_numbers_at_risk_agree_with_lifelines():
    from lifelines import KaplanMeierFitter

    from hif_prognosis.survival.kaplan_meier import numbers_at_risk

    rng = np.random.default_rng(12)
    time = pd.Series(np.round(rng.exponential(30, 80), 1))
    event = pd.Series((rng.uniform(size=80) < 0.6).astype(int))
    groups = pd.Series(np.where(rng.uniform(size=80) < 0.5, "high", "low"))
    table = numbers_at_risk(time, event, groups)
    assert set(table["group"]) == {"high", "low"} and table["time_months"].iloc[1] % 12 == 0
    for label, rows in table.groupby("group"):
        mask = (groups == label).to_numpy()
        kmf = KaplanMeierFitter().fit(time[mask], event[mask])
        for _, row in rows.iterrows():
            # lifelines' event table: at risk at t = those with time >= t.
            expected = int((time[mask] >= row["time_months"]).sum())
            assert row["at_risk"] == expected
            assert row["at_risk"] + row["events_before"] + row["censored_before"] == mask.sum()
        assert rows["at_risk"].iloc[0] == kmf.event_table["at_risk"].iloc[0]


def test_gene_cox_table_matches_lifelines_and_adjusts_within_signatures(gse4335, shared_data):
    from hif_prognosis.data.genesets import coverage_table
    from hif_prognosis.survival.cox import GENE_COLUMNS, gene_cox_table

    matrix, clinical = gse4335
    hallmark = read_gmt(shared_data / "msigdb" / "h.all.v7.0.symbols.gmt")
    signatures = pd.concat([
        signature_table(name, hallmark[name], "test") for name in ("HALLMARK_HYPOXIA", "HALLMARK_G2M_CHECKPOINT")
    ])
    table = gene_cox_table("GSE4335", matrix, coverage_table(signatures, matrix.index), clinical)
    assert list(table.columns) == GENE_COLUMNS
    assert (table["flag"] == "ok").all() and (table["n"] == 115).all()
    outcome = endpoint_data(clinical, "os")
    for _, row in table.sample(5, random_state=1).iterrows():
        reference = cox_per_sd(outcome["time"], outcome["event"], matrix.loc[row["matched_as"], outcome.index])
        assert abs(row["log_hr"] - reference.log_hr) < 1e-6
    from statsmodels.stats.multitest import multipletests

    hypoxia = table[table["signature"] == "HALLMARK_HYPOXIA"]
    np.testing.assert_allclose(hypoxia["q_bh"], multipletests(hypoxia["p_wald"], method="fdr_bh")[1])
    assert (table["q_bh"] >= table["p_wald"] - 1e-12).all()


def test_kaplan_meier_curve_and_band_are_lifelines_and_r_log_log(r_survival):
    """The figures' curve: lifelines' KaplanMeierFitter (survival, exponential Greenwood band,
    event table) and R survfit(conf.type = "log-log"), tied times, a time where everyone at
    risk dies and censorings after the last event included."""
    from lifelines import KaplanMeierFitter

    from hif_prognosis.survival.kaplan_meier import kaplan_meier_curve

    rng = np.random.default_rng(13)
    time = np.ceil(rng.exponential(20, 70))
    event = (rng.uniform(size=70) < 0.7).astype(float)
    time[np.argmax(time)], event[np.argmax(time)] = time.max() + 5, 0.0  # censored after the last event
    for t, e in [(time, event), (np.array([2.0, 3.0, 3.0, 5.0]), np.array([1.0, 1.0, 0.0, 1.0]))]:
        curve = kaplan_meier_curve(t, e, "group")
        kmf = KaplanMeierFitter().fit(t, e)
        assert curve.time.tolist() == kmf.timeline.tolist()
        np.testing.assert_allclose(curve.survival, kmf.survival_function_.iloc[:, 0], rtol=1e-12, atol=1e-15)
        band = kmf.confidence_interval_survival_function_
        np.testing.assert_allclose(curve.lower, band.iloc[:, 0], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(curve.upper, band.iloc[:, 1], rtol=1e-10, atol=1e-15)
        assert curve.at_risk.tolist() == kmf.event_table["at_risk"].tolist()
        assert curve.censored.tolist() == kmf.event_table["censored"].tolist()
    curve = kaplan_meier_curve(time, event, "group")
    reference = r_survival.table(
        'fit <- survfit(Surv(time, event) ~ 1, data = data, conf.type = "log-log")\n'
        "out <- data.frame(time = fit$time, surv = fit$surv, lower = fit$lower, upper = fit$upper)\n"
        'write.table(out, stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)',
        pd.DataFrame({"time": time, "event": event}),
    )
    ours = pd.DataFrame({"survival": curve.survival, "lower": curve.lower, "upper": curve.upper},
                        index=curve.time).loc[reference["time"]]
    np.testing.assert_allclose(ours["survival"], reference["surv"], rtol=1e-12)
    drawn = reference["surv"] > 0  # R leaves the band missing once the estimate is 0
    np.testing.assert_allclose(ours.loc[drawn.to_numpy(), "lower"], reference.loc[drawn, "lower"], rtol=1e-9)
    np.testing.assert_allclose(ours.loc[drawn.to_numpy(), "upper"], reference.loc[drawn, "upper"], rtol=1e-9)


R_AT_RISK = """
fit <- survfit(Surv(time, event) ~ group, data = data)
s <- summary(fit, times = seq(0, max(data$time), by = data$step[1]), extend = TRUE)
out <- data.frame(group = sub("group=", "", as.character(s$strata)), time_months = s$time, at_risk = s$n.risk)
write.table(out, stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def test_kaplan_meier_figure_draws_the_numbers_at_risk_of_the_table_and_r(r_survival):
    """Follow-up in whole months ties many times with the 12-month grid, where counting
    time > t (lifelines' figure helper) and time >= t (R survfit's n.risk) differ."""
    from hif_prognosis.presentation.plotting import kaplan_meier_figure
    from hif_prognosis.survival.kaplan_meier import kaplan_meier_curves, numbers_at_risk

    rng = np.random.default_rng(3)
    score = pd.Series(rng.normal(size=120))
    time = pd.Series(np.ceil(rng.exponential(30 * np.exp(-0.6 * score)) / 12) * 12)
    assert time.max() > 120  # long follow-up: the grid steps by a multiple of 12 months
    event = pd.Series((rng.uniform(size=120) < 0.6).astype(float))
    groups = median_groups(score)
    table = numbers_at_risk(time, event, groups)
    step = table["time_months"].iloc[1]
    reference = r_survival.table(R_AT_RISK, pd.DataFrame({"time": time, "event": event, "group": groups, "step": step}))
    merged = table.merge(reference, on=["group", "time_months"], suffixes=("", "_r"))
    assert len(merged) == len(table) and (merged["at_risk"] == merged["at_risk_r"]).all()
    assert (table["at_risk"] != [int((time[groups == g] > t).sum()) for g, t in zip(table["group"], table["time_months"])]).any()

    curves = kaplan_meier_curves(time, event, groups)
    figure = kaplan_meier_figure(curves, table, title="t", subtitle="s", endpoint="overall_survival")
    assert figure.axes[0].get_ylabel() == "Overall survival probability"
    # each curve ends where fewer than KM_MIN_AT_RISK of its group remain at risk
    from hif_prognosis.presentation.plotting import KM_MIN_AT_RISK

    for label, curve in curves.items():
        end = curve.time[curve.at_risk < KM_MIN_AT_RISK][0]
        drawn_x = max(line.get_xdata().max() for line in figure.axes[0].lines if line.get_label() == curve.label)
        assert drawn_x == end < time[groups == label].max()
    assert [text.get_text() for text in figure.axes[0].get_legend().get_texts()] == [
        f"high (n={(groups == 'high').sum()})", f"low (n={(groups == 'low').sum()})"]
    texts = figure.axes[0].texts
    rows = {text.get_position()[1]: text.get_text() for text in texts if text.get_text() in ("high", "low")}
    drawn = pd.DataFrame(
        [(rows[text.get_position()[1]], text.get_position()[0], int(text.get_text()))
         for text in texts if text.get_text().isdigit()],
        columns=["group", "time_months", "at_risk"],
    )
    pd.testing.assert_frame_equal(
        drawn.sort_values(["group", "time_months"]).reset_index(drop=True),
        table[["group", "time_months", "at_risk"]].sort_values(["group", "time_months"]).reset_index(drop=True),
        check_dtype=False,
    )
    assert list(figure.axes[0].get_xticks()) == sorted(table["time_months"].unique())
    assert table["time_months"].nunique() <= 11 and step % 12 == 0
