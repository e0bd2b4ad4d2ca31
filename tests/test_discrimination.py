"""C-statistics and time-dependent AUC: the bootstrap shortcut against explicit resampling,
Uno's C against Harrell's where censoring cannot matter, and the follow-up rules of the AUC."""

import numpy as np
import pandas as pd

from hif_prognosis.discrimination import (
    bootstrap_harrell_c,
    discrimination_tables,
    time_dependent_auc,
    uno_c,
    uno_tau,
)
from hif_prognosis.null import harrell_c_columns
from hif_prognosis.survival import harrell_c


def survival_data(n: int, seed: int, censoring: bool = True):
    rng = np.random.default_rng(seed)
    score = np.round(rng.normal(size=n), 1)  # tied scores
    time = np.ceil(rng.exponential(30 * np.exp(-0.7 * score)))  # tied times
    censor = rng.uniform(6, 100, n) if censoring else np.full(n, np.inf)
    event = (time <= censor).astype(float)
    return np.minimum(time, np.ceil(censor)), event, score


def test_bootstrap_counts_equal_explicit_resamples():
    time, event, score = survival_data(70, seed=1)
    c, boot = bootstrap_harrell_c(time, event, score, 50, np.random.default_rng(5))
    assert abs(c - harrell_c(pd.Series(time), pd.Series(event), pd.Series(score))) < 1e-12
    counts = np.random.default_rng(5).multinomial(70, np.full(70, 1 / 70), size=50)
    for b in range(0, 50, 7):
        drawn = np.repeat(np.arange(70), counts[b])
        explicit = harrell_c_columns(time[drawn], event[drawn], score[drawn][:, None])[0]
        assert abs(boot[b] - explicit) < 1e-12


def test_bootstrap_interval_covers_and_is_seeded():
    time, event, score = survival_data(150, seed=2)
    _, first = bootstrap_harrell_c(time, event, score, 500, np.random.default_rng(9))
    _, again = bootstrap_harrell_c(time, event, score, 500, np.random.default_rng(9))
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
