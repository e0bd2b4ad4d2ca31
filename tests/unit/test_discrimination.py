"""C-statistics and time-dependent AUC: the bootstrap shortcut against explicit resampling,
Uno's C against R concordance(timewt = "n/G2") on real follow-up, the AUC against timeROC's own
algorithm, and the follow-up rules of the AUC."""

import numpy as np
import pandas as pd
import pytest

from hif_prognosis.survival.discrimination import bootstrap_counts, bootstrap_harrell_c, discrimination_tables, time_dependent_auc, uno_c, uno_tau
from hif_prognosis.survival.stats import harrell_c, harrell_c_columns


def survival_data(n: int, seed: int, censoring: bool = True):
    rng = np.random.default_rng(seed)
    score = np.round(rng.normal(size=n), 1)  # tied scores
    time = np.ceil(rng.exponential(30 * np.exp(-0.7 * score)))  # tied times
    censor = rng.uniform(6, 100, n) if censoring else np.full(n, np.inf)
    event = (time <= censor).astype(float)
    return np.minimum(time, np.ceil(censor)), event, score


def test_bootstrap_counts_equal_explicit_resamples():
    time, event, score = survival_data(70, seed=1)
    c, boot = bootstrap_harrell_c(time, event, score, bootstrap_counts(70, 50, np.random.default_rng(5)))
    assert abs(c - harrell_c(pd.Series(time), pd.Series(event), pd.Series(score))) < 1e-12
    counts = np.random.default_rng(5).multinomial(70, np.full(70, 1 / 70), size=50)
    for b in range(0, 50, 7):
        drawn = np.repeat(np.arange(70), counts[b])
        explicit = harrell_c_columns(time[drawn], event[drawn], score[drawn][:, None])[0]
        assert abs(boot[b] - explicit) < 1e-12


def test_bootstrap_interval_covers_and_is_seeded():
    time, event, score = survival_data(150, seed=2)
    _, first = bootstrap_harrell_c(time, event, score, bootstrap_counts(150, 500, np.random.default_rng(9)))
    _, again = bootstrap_harrell_c(time, event, score, bootstrap_counts(150, 500, np.random.default_rng(9)))
    np.testing.assert_array_equal(first, again)
    low, high = np.percentile(first, [2.5, 97.5])
    c = harrell_c_columns(time, event, score[:, None])[0]
    assert 0.5 < low < c < high < 1  # a planted effect: the interval excludes 0.5


def test_uno_equals_harrell_without_censoring():
    time, event, score = survival_data(120, seed=3, censoring=False)
    assert event.all()
    # Every censoring weight is 1 and every pair's shorter time lies below tau.
    tau = float(time.max()) - 1e-9
    assert abs(uno_c(time, event, score, tau) - harrell_c_columns(time, event, score[:, None])[0]) < 1e-12


def test_uno_tau_keeps_ten_percent_at_risk():
    time = np.arange(1.0, 101.0)
    tau = uno_tau(time)
    assert (time >= tau).sum() >= 10 and (time >= tau + 1).sum() < 10 + 1


def test_auc_reports_when_follow_up_does_not_allow():
    time, event, score = survival_data(100, seed=4)
    cases, controls, auc, status = time_dependent_auc(time, event, score, 36.0)
    assert status == "estimated" and 0.5 < auc < 1 and cases >= 5 and controls >= 5
    _, _, auc, status = time_dependent_auc(time, event, score, float(time.max()) + 12)
    assert np.isnan(auc) and status.startswith("not estimable: follow-up ends at")
    _, _, auc, status = time_dependent_auc(time, event, score, 0.5)
    assert np.isnan(auc) and "fewer than 5 cases" in status


def test_perfect_score_has_auc_one():
    time = np.arange(1.0, 61.0)
    event = np.ones(60)
    _, _, auc, _ = time_dependent_auc(time, event, -time, 24.0)
    assert auc == 1.0


def test_tables_are_reproducible_and_complete():
    time, event, score = survival_data(80, seed=6)
    ids = [f"s{i}" for i in range(80)]
    clinical = pd.DataFrame({"sample_id": ids, "os_months": time, "os_event": event})
    scores = pd.DataFrame({"signature": "S", "method": "zscore", "sample_id": ids, "score": score})
    c1, auc1 = discrimination_tables("x", scores, clinical, resamples=200, auc_years=[1, 3, 5, 50], seed=1)
    c2, auc2 = discrimination_tables("x", scores, clinical, resamples=200, auc_years=[1, 3, 5, 50], seed=1)
    pd.testing.assert_frame_equal(c1, c2)
    pd.testing.assert_frame_equal(auc1, auc2)
    row = c1.iloc[0]
    assert row["harrell_c_ci_low"] < row["harrell_c"] < row["harrell_c_ci_high"]
    assert list(auc1["status"])[-1].startswith("not estimable")


def test_signatures_scored_on_the_same_patients_share_their_bootstrap_resamples():
    """A paired bootstrap: a signature scored on the same patients as another is resampled
    alike (the same score gives the same interval); one missing a patient is drawn apart."""
    time, event, score = survival_data(90, seed=8)
    ids = [f"s{i}" for i in range(90)]
    clinical = pd.DataFrame({"sample_id": ids, "os_months": time, "os_event": event})
    missing_one = np.where(np.arange(90) == 0, np.nan, score)
    scores = pd.concat([
        pd.DataFrame({"signature": name, "method": "zscore", "sample_id": ids, "score": values})
        for name, values in (("A", score), ("B", score), ("C", missing_one))
    ])
    c_index, _ = discrimination_tables("x", scores, clinical, resamples=300, auc_years=[1], seed=4)
    rows = c_index.set_index("signature")
    interval = ["harrell_c_ci_low", "harrell_c_ci_high"]
    assert rows.loc["A", interval].tolist() == rows.loc["B", interval].tolist()
    assert rows.loc["C", "n"] == 89 and rows.loc["C", interval].tolist() != rows.loc["A", interval].tolist()


R_UNO = """
tau <- as.numeric(Sys.getenv("UNO_TAU"))
fit <- concordance(Surv(time, event) ~ score, data = data, timewt = "n/G2", ymax = tau, reverse = TRUE)
write.table(data.frame(c = sprintf("%.17g", fit$concordance)), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def r_uno(r_survival, time, event, score, tau) -> float:
    import os

    os.environ["UNO_TAU"] = repr(tau)
    frame = pd.DataFrame({"time": time, "event": event, "score": score})
    return float(r_survival.table(R_UNO, frame)["c"].iloc[0])


@pytest.mark.parametrize("cohort_name", ["gse21257_survival", "target_os_survival"])
def test_uno_c_equals_r_concordance_n_g2_on_real_follow_up(cohort_name, r_survival, request):
    """Real follow-up with its ties (GSE21257 in whole months), a real marker (age) with ties and
    a seeded continuous score, each truncated at the pipeline's tau and at the last event."""
    data = request.getfixturevalue(cohort_name)
    time, event = data["time"].to_numpy(), data["event"].to_numpy()
    seeded = np.random.default_rng(12).normal(size=len(time)) + event
    for marker in (np.round(data["age"].to_numpy()), seeded):
        for tau in (uno_tau(time), float(time[event == 1].max())):
            assert abs(uno_c(time, event, marker, tau) - r_uno(r_survival, time, event, marker, tau)) < 1e-12


def test_uno_c_equals_r_concordance_on_gse4335_scores(gse4335, r_survival):
    from hif_prognosis.data.clinical import endpoint_data
    from hif_prognosis.data.expression import gene_zscores

    matrix, clinical = gse4335
    outcome = endpoint_data(clinical, "os")
    score = gene_zscores(matrix.loc[["MKI67", "CA9", "VEGFA"], outcome.index]).mean().to_numpy()
    time, event = outcome["time"].to_numpy(), outcome["event"].to_numpy()
    tau = uno_tau(time)
    assert abs(uno_c(time, event, score, tau) - r_uno(r_survival, time, event, score, tau)) < 1e-12


def timeroc_by_its_algorithm(time, event, marker, t) -> float:
    """A line-by-line transcription of timeROC 0.4's AUC (R/timeROC_3.R) with pec's marginal
    weights computed by prodlim's reverse product-limit loop (prodlim_surv.c, pl_step): the
    independent computation the vectorised estimator is checked against."""
    order = np.argsort(time, kind="stable")
    t_sorted, e_sorted = time[order], event[order]
    jump_times, g_values, g, at_risk, i = [], [], 1.0, len(time), 0
    while i < len(time):  # prodlim reverse: censorings are the events, deaths leave first
        j = i
        while j < len(time) and t_sorted[j] == t_sorted[i]:
            j += 1
        deaths, lost = e_sorted[i:j].sum(), (1 - e_sorted[i:j]).sum()
        if lost > 0:
            g *= 1 - lost / (at_risk - deaths)
        jump_times.append(t_sorted[i])
        g_values.append(g)
        at_risk -= j - i
        i = j
    jump_times, g_values = np.array(jump_times), np.array(g_values)
    lagged = np.concatenate([[1.0], g_values])[np.searchsorted(jump_times, time, side="left")]  # lag = 1
    n = len(time)
    by_marker = np.argsort(-marker, kind="stable")
    weights_cases = (1 / (lagged * n))[by_marker]
    cases = ((time < t) & (event == 1))[by_marker]
    controls = (time > t)[by_marker]
    w_cases = np.where(cases, weights_cases, 0.0)
    w_controls = np.where(controls, 1.0, 0.0)
    first = ~pd.Series(marker[by_marker]).duplicated().to_numpy()
    keep = np.append(first, True)  # R recycles the logical index: the last point is (1, 1)
    tp = (np.concatenate([[0], np.cumsum(w_cases)]) / w_cases.sum())[keep]
    fp = (np.concatenate([[0], np.cumsum(w_controls)]) / w_controls.sum())[keep]
    return float(np.sum(np.diff(fp) * (tp[1:] + tp[:-1]) / 2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_auc_equals_timeroc_algorithm_on_tied_data(seed):
    time, event, score = survival_data(150, seed=seed)
    score = np.round(score)  # heavy ties in the marker too
    for t in (12.0, 24.0, 36.0):  # whole months: events and censorings tie at t itself
        _, _, auc, status = time_dependent_auc(time, event, score, t)
        assert status == "estimated"
        assert abs(auc - timeroc_by_its_algorithm(time, event, score, t)) < 1e-12


@pytest.mark.parametrize("cohort_name", ["gse21257_survival", "target_os_survival"])
def test_auc_equals_timeroc_algorithm_on_real_follow_up(cohort_name, request):
    data = request.getfixturevalue(cohort_name)
    time, event = data["time"].to_numpy(), data["event"].to_numpy()
    marker = np.round(data["age"].to_numpy())
    for years in (1, 3, 5):
        _, _, auc, status = time_dependent_auc(time, event, marker, 12.0 * years)
        if status == "estimated":
            assert abs(auc - timeroc_by_its_algorithm(time, event, marker, 12.0 * years)) < 1e-12


def test_auc_without_censoring_is_the_mann_whitney_of_cases_and_controls():
    time, event, score = survival_data(120, seed=3, censoring=False)
    cases, controls = score[time < 24], score[time > 24]
    expected = np.mean([(a > b) + 0.5 * (a == b) for a in cases for b in controls])
    assert abs(time_dependent_auc(time, event, score, 24.0)[2] - expected) < 1e-12


def test_last_follow_up_tying_an_event_and_censorings_is_estimated():
    """The pattern that stopped the run with scikit-survival ("censoring survival function is
    zero"): the last follow-up time holds both a death and censorings."""
    time, event, score = survival_data(100, seed=5)
    last = time.max()
    time[:3], event[:3] = last, [1, 0, 0]
    tau = uno_tau(time)
    assert np.isfinite(uno_c(time, event, score, tau))
    _, _, auc, status = time_dependent_auc(time, event, score, 24.0)
    assert status == "estimated" and np.isfinite(auc)
    ids = [f"s{i}" for i in range(100)]
    clinical = pd.DataFrame({"sample_id": ids, "os_months": time, "os_event": event})
    scores = pd.DataFrame({"signature": "S", "method": "zscore", "sample_id": ids, "score": score})
    c_table, auc_table = discrimination_tables("x", scores, clinical, resamples=50, auc_years=[1, 3, 5, 50], seed=1)
    assert np.isfinite(c_table["uno_c"]).all()
    assert auc_table["status"].iloc[-1].startswith("not estimable: follow-up ends")


def test_concordance_by_sorting_equals_the_pairwise_definition():
    """stats.concordance_sums (a tree walked in time order) equals the n^2 definition of
    comparable and concordant pairs, weights, tied times, tied scores and censorings tied with
    failures included."""
    from hif_prognosis.survival.stats import concordance_sums, dense_ranks

    rng = np.random.default_rng(11)
    time, event, _ = survival_data(120, seed=3)
    scores = np.round(rng.normal(size=(120, 6)), 1)
    insert, query = rng.integers(0, 3, size=(120, 6)).astype(float), rng.uniform(0, 2, size=(120, 6))
    later = (time[:, None] < time[None, :]) | ((time[:, None] == time[None, :]) & (event[None, :] == 0))
    comparable_pair = later & (event[:, None] == 1)
    for k in range(6):
        s = scores[:, k]
        score_pair = np.where(s[:, None] > s[None, :], 1.0, np.where(s[:, None] == s[None, :], 0.5, 0.0))
        pair_weight = comparable_pair * np.outer(query[:, k], insert[:, k])
        concordant, comparable = concordance_sums(time, event, dense_ranks(scores[:, [k]]), insert[:, [k]], query[:, [k]])
        assert concordant[0] == pytest.approx((pair_weight * score_pair).sum(), rel=1e-12)
        assert comparable[0] == pytest.approx(pair_weight.sum(), rel=1e-12)
    assert np.array_equal(dense_ranks(np.array([[0.5], [0.1], [0.5], [2.0]]))[:, 0], [2, 1, 2, 3])


def test_harrell_c_by_counting_pairs_is_the_sorting_walk_s_to_the_bit(monkeypatch):
    """Small data's Harrell's C counts each event's pairs; larger data's sorts. Both give the same
    bits (whole and half counts), tied times, tied scores, censorings tied with failures, a
    column without comparable pairs (NaN) and missing scores (always sorted) included."""
    from hif_prognosis.survival import stats

    rng = np.random.default_rng(12)
    for n in (3, 40, 300):
        time, event, _ = survival_data(n, seed=n)
        scores = np.round(rng.normal(size=(n, 25)), 1)
        counted = stats.harrell_c_columns(time, event, scores)
        monkeypatch.setattr(stats, "PAIRWISE_PAIRS_PER_SORT_STEP", 0)  # every column by sorting
        sorted_walk = stats.harrell_c_columns(time, event, scores)
        monkeypatch.undo()
        np.testing.assert_array_equal(counted, sorted_walk)
    no_pairs = stats.harrell_c_columns(np.array([1.0, 2.0]), np.array([0.0, 0.0]), np.ones((2, 1)))
    assert np.isnan(no_pairs[0])
    time, event, _ = survival_data(40, seed=1)
    scores = np.round(rng.normal(size=(40, 2)), 1)
    scores[[3, 8], 1] = np.nan  # a NaN ranks last, alone: the sorting walk's rule
    c = stats.harrell_c_columns(time, event, scores)
    concordant, comparable = stats.concordance_sums(time, event, stats.dense_ranks(scores))
    np.testing.assert_array_equal(c, concordant / comparable)


def test_dense_ranks_are_scipys_and_missing_scores_rank_last_each_alone_in_row_order():
    from scipy.stats import rankdata

    from hif_prognosis.survival.stats import dense_ranks

    scores = np.round(np.random.default_rng(2).normal(size=(300, 7)), 1)
    np.testing.assert_array_equal(dense_ranks(scores), rankdata(scores, method="dense", axis=0))
    ranks = dense_ranks(np.array([[np.nan], [0.3], [np.nan], [0.1], [0.3]]))[:, 0]
    assert list(ranks[[3, 1, 4]]) == [1, 2, 2] and list(ranks[[0, 2]]) == [3, 4]


def test_fraction_below_is_the_pairwise_mean_to_the_last_bit():
    """The time-dependent AUC's comparison of cases with controls, by sorting: equal to the mean
    over all pairs of 1 / 0.5 / 0, ties included."""
    from hif_prognosis.survival.stats import fraction_below

    rng = np.random.default_rng(3)
    cases, controls = np.round(rng.normal(size=300), 1), np.round(rng.normal(size=700), 1)
    pairwise = np.where(cases[:, None] > controls, 1.0, np.where(cases[:, None] == controls, 0.5, 0.0)).mean(axis=1)
    np.testing.assert_array_equal(fraction_below(cases, controls), pairwise)


def test_scikit_survival_auc_differs_from_timerocs_where_deaths_fall_exactly_at_t(gse4335):
    """scikit-survival's cumulative_dynamic_auc is not timeROC's estimator: it counts a death at
    exactly t as a case (timeROC, R timeROC_3.R: ``T < t``; here too) and weights cases by the
    censoring distribution at T, not just before it. On GSE4335 (115 patients, 38 deaths,
    times in whole months) the two agree within 0.005 at 3 and 5 years, and differ by about
    0.01 at 1 year, where 3 deaths fall at exactly 12 months (benchmarks/r_agreement.py tables
    the gap on other scores and cohorts)."""
    from sksurv.metrics import cumulative_dynamic_auc
    from sksurv.util import Surv

    from hif_prognosis.survival.discrimination import time_dependent_auc
    from hif_prognosis.data.expression import gene_zscores

    matrix, clinical = gse4335
    time, event = clinical["os_months"].to_numpy(float), clinical["os_event"].to_numpy(int)
    assert ((time == 12) & (event == 1)).sum() == 3 and not ((time == 36) | (time == 60))[event == 1].any()
    y = Surv.from_arrays(event.astype(bool), time)
    differences = {}
    for genes in (["VEGFA", "CA9", "PGK1", "SLC2A1"], ["MKI67", "TOP2A", "CCNB1"], ["ESR1", "PGR"]):
        score = gene_zscores(matrix.loc[genes, clinical["sample_id"]]).mean().to_numpy()
        for months in (12, 36, 60):
            ours = time_dependent_auc(time, event, score, months)[2]
            theirs = cumulative_dynamic_auc(y, y, score, [months])[0][0]
            differences[genes[0], months] = abs(ours - theirs)
    assert max(d for (_, months), d in differences.items() if months > 12) < 0.005
    assert 0.005 < max(d for (_, months), d in differences.items() if months == 12) < 0.02
