import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from hif_prognosis.survival.meta import META_COLUMNS, random_effects


def cox_rows(log_hr, se, endpoint="os"):
    return pd.DataFrame({
        "cohort": [f"C{i}" for i in range(len(log_hr))], "signature": "S", "method": "zscore",
        "endpoint": endpoint, "log_hr": log_hr, "se_log_hr": se,
        "n": [40 + i for i in range(len(log_hr))], "events": [10 + i for i in range(len(log_hr))],
    })


def test_dersimonian_laird_by_its_formula():
    y, se = np.array([0.2, 0.5, -0.1]), np.array([0.2, 0.3, np.sqrt(0.05)])
    row = random_effects(cox_rows(y, se)).iloc[0]
    # DerSimonian and Laird (1986), written out.
    w = 1 / se**2
    fixed = np.sum(w * y) / w.sum()
    q = np.sum(w * (y - fixed) ** 2)
    tau2 = max(0.0, (q - 2) / (w.sum() - np.sum(w**2) / w.sum()))
    w_re = 1 / (se**2 + tau2)
    pooled = np.sum(w_re * y) / w_re.sum()
    assert row["q"] == pytest.approx(q) and row["tau2"] == pytest.approx(tau2)
    assert row["pooled_log_hr"] == pytest.approx(pooled)
    assert row["pooled_se"] == pytest.approx(np.sqrt(1 / w_re.sum()))
    assert row["i2"] == pytest.approx(max(0.0, (q - 2) / q))
    assert row["p_heterogeneity"] == pytest.approx(chi2.sf(q, 2))
    assert row["pooled_hr_ci_low"] < row["pooled_hr"] < row["pooled_hr_ci_high"]
    assert list(random_effects(cox_rows(y, se)).columns) == META_COLUMNS
    assert (row["patients"], row["events"]) == (40 + 41 + 42, 10 + 11 + 12)  # each cohort's n and events, summed


def test_agrees_with_statsmodels_where_tau2_is_positive():
    from statsmodels.stats.meta_analysis import combine_effects

    y, se = np.array([0.1, 0.9, -0.4, 0.5]), np.array([0.2, 0.25, 0.3, 0.15])
    row = random_effects(cox_rows(y, se)).iloc[0]
    reference = combine_effects(y, se**2, method_re="dl")
    assert reference.tau2 > 0
    assert row["pooled_log_hr"] == pytest.approx(reference.mean_effect_re)
    assert row["pooled_se"] == pytest.approx(reference.sd_eff_w_re)
    assert row["tau2"] == pytest.approx(reference.tau2) and row["i2"] == pytest.approx(reference.i2)


def test_homogeneous_cohorts_have_no_heterogeneity_and_one_cohort_passes_through():
    row = random_effects(cox_rows([0.3, 0.3, 0.3], [0.1, 0.2, 0.15])).iloc[0]
    assert row["tau2"] == 0 and row["i2"] == 0
    assert row["pooled_log_hr"] == pytest.approx(0.3)
    # Q below its degrees of freedom: tau^2 truncated at 0, the pooled estimate is the fixed one.
    y, se = np.array([0.3, 0.32, 0.28]), np.sqrt([0.04, 0.09, 0.05])
    row = random_effects(cox_rows(y, se)).iloc[0]
    w = 1 / se**2
    assert row["tau2"] == 0 and row["pooled_log_hr"] == pytest.approx(np.sum(w * y) / w.sum())
    assert row["pooled_se"] == pytest.approx(np.sqrt(1 / w.sum()))
    single = random_effects(cox_rows([0.4], [0.2])).iloc[0]
    assert single["k"] == 1 and single["pooled_log_hr"] == 0.4 and np.isnan(single["i2"])
    missing = random_effects(cox_rows([0.4, np.nan], [0.2, np.nan])).iloc[0]
    assert missing["k"] == 1 and missing["cohorts"] == "C0"


R_METAFOR = """
suppressMessages(library(metafor))
r <- rma(yi = data$log_hr, sei = data$se, method = "DL")
out <- data.frame(pooled = r$beta[1], se = r$se, tau2 = r$tau2, q = r$QE, i2 = r$I2 / 100, p_q = r$QEp)
out[] <- lapply(out, sprintf, fmt = "%.17g")
write.table(out, stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


@pytest.mark.parametrize("log_hr, se", [
    ([0.2, 0.5, -0.1], [0.2, 0.3, 0.22]),          # heterogeneous: tau2 > 0
    ([0.30, 0.32, 0.29, 0.31], [0.2, 0.25, 0.3, 0.15]),  # homogeneous: tau2 truncated at 0
])
def test_matches_r_metafor_dersimonian_laird(log_hr, se, r_survival):
    import subprocess

    if subprocess.run([r_survival.rscript, "-e", "library(metafor)"], capture_output=True).returncode:
        pytest.skip("R package metafor not installed: apt-get install r-cran-metafor (make system-deps)")
    reference = r_survival.table(R_METAFOR, pd.DataFrame({"log_hr": log_hr, "se": se})).astype(float).iloc[0]
    row = random_effects(cox_rows(np.array(log_hr), np.array(se))).iloc[0]
    for ours, theirs in [("pooled_log_hr", "pooled"), ("pooled_se", "se"), ("tau2", "tau2"), ("q", "q"),
                         ("i2", "i2"), ("p_heterogeneity", "p_q")]:
        assert row[ours] == pytest.approx(reference[theirs], rel=1e-12, abs=1e-15)


def test_each_endpoint_kind_is_pooled_apart_and_a_joined_group_in_a_row_of_its_own():
    """Overall survival pools the cohorts recording it; event-free and recurrence-free survival
    are pooled together only as the configured joined group, each cohort entering with the first
    kind of the group it records, and the row says which."""
    rows = [("A", "overall_survival", 0.2, 0.1), ("A", "event_free_survival", 0.3, 0.2), ("A", "recurrence_free_survival", 9.0, 0.2),
            ("B", "overall_survival", 0.4, 0.15), ("C", "recurrence_free_survival", 0.1, 0.25)]
    cox = pd.DataFrame([{"signature": "S", "method": "zscore", "endpoint": e, "cohort": c, "log_hr": y, "se_log_hr": se,
                         "n": 50, "events": 20} for c, e, y, se in rows])
    meta = random_effects(cox, [["event_free_survival", "recurrence_free_survival"]]).set_index("endpoint")
    assert list(meta.index) == ["overall_survival", "event_free_survival", "recurrence_free_survival",
                                "event_free_or_recurrence_free_survival"]
    assert meta.loc["overall_survival", "cohorts"] == "A;B" and meta.loc["overall_survival", "k"] == 2
    assert meta.loc["recurrence_free_survival", "cohorts"] == "A;C"
    joined = meta.loc["event_free_or_recurrence_free_survival"]
    assert joined["cohorts"] == "A;C" and joined["endpoints_pooled"] == "event_free_survival;recurrence_free_survival"
    expected = random_effects(cox.iloc[[1, 4]].assign(endpoint="x")).iloc[0]  # A's event-free, not its 9.0
    assert joined["pooled_log_hr"] == pytest.approx(expected["pooled_log_hr"]) and joined["patients"] == 100
    assert meta.loc["overall_survival", "endpoints_pooled"] == "overall_survival;overall_survival"


def test_forest_figure_names_each_endpoint_in_words_and_draws_a_joined_pools_members():
    from hif_prognosis.presentation.plotting import forest_figure

    rows = [("A", "overall_survival", 0.2, 0.1), ("A", "event_free_survival", 0.3, 0.2), ("B", "overall_survival", 0.4, 0.15),
            ("C", "recurrence_free_survival", 0.1, 0.25)]
    cox = pd.DataFrame([{"signature": "S", "method": "zscore", "endpoint": e, "cohort": c, "log_hr": y, "se_log_hr": se,
                         "n": 50, "events": 20, "hr": np.exp(y), "hr_ci_low": np.exp(y - 2 * se), "hr_ci_high": np.exp(y + 2 * se)}
                        for c, e, y, se in rows])
    meta = random_effects(cox, [["event_free_survival", "recurrence_free_survival"]])
    figure = forest_figure(cox, meta, title="t")
    titles = [axis.get_title() for axis in figure.axes]
    assert [t.split(":")[0] for t in titles] == ["Overall survival", "Event-free survival", "Recurrence-free survival",
                                                "Event-free or recurrence-free survival"]
    joined = figure.axes[3]
    assert [label.get_text() for label in joined.get_yticklabels()][:2] == [
        "A, event-free survival (n=50, 20 events)", "C, recurrence-free survival (n=50, 20 events)"]
