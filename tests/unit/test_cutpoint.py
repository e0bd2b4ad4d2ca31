"""The maximally selected log-rank statistic against R maxstat, and the level of its p-values."""

import subprocess

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.survival.cutpoint import cutpoint_table, logrank_scores, max_selected_logrank

R_MAXSTAT = """
suppressMessages(library(maxstat))
scores <- exactRankTests::cscores(Surv(data$time, data$event))
m <- maxstat.test(Surv(time, event) ~ score, data = data, smethod = "LogRank", pmethod = "Lau92",
                  minprop = 0.1, maxprop = 0.9)
out <- data.frame(statistic = unname(m$statistic), estimate = unname(m$estimate), p = m$p.value)
write.table(format(out, digits = 15), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
cat("#", format(scores, digits = 15), "\\n")
"""


@pytest.fixture(scope="module")
def r_maxstat(r_survival):
    if subprocess.run([r_survival.rscript, "-e", "library(maxstat)"], capture_output=True).returncode:
        pytest.skip("R package maxstat not installed: apt-get install r-cran-maxstat (make system-deps)")
    return r_survival


def compare_with_r(r_maxstat, time, event, score):
    data = pd.DataFrame({"time": time, "event": event, "score": score})
    result = subprocess.run(
        [r_maxstat.rscript, "--vanilla", "-e",
         'suppressMessages(library(survival)); data <- read.delim(file("stdin"))\n' + R_MAXSTAT],
        input=data.to_csv(sep="\t", index=False), capture_output=True, text=True, check=True,
    )
    table_lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    reference = pd.read_csv(pd.io.common.StringIO("\n".join(table_lines)), sep="\t").iloc[0]
    r_scores = np.array(result.stdout.split("#", 1)[1].split(), dtype=float)
    np.testing.assert_allclose(logrank_scores(time, event), r_scores, rtol=1e-12, atol=1e-14)
    found = max_selected_logrank(time, event, score, min_fraction=0.1, permutations=200,
                                 rng=np.random.default_rng(0))
    np.testing.assert_allclose(found.statistic, reference["statistic"], rtol=1e-10)
    assert found.cutpoint == pytest.approx(reference["estimate"], rel=1e-12)
    np.testing.assert_allclose(found.p_lausen_schumacher, reference["p"], rtol=1e-10)


def test_matches_r_maxstat_on_gse4335(gse4335, r_maxstat):
    matrix, clinical = gse4335
    outcome = endpoint_data(clinical, "os")
    for gene in ["VEGFA", "CA9", "MKI67"]:
        compare_with_r(r_maxstat, outcome["time"].to_numpy(), outcome["event"].to_numpy(),
                       matrix.loc[gene, outcome.index].to_numpy())


def test_matches_r_maxstat_with_tied_times_and_scores(r_maxstat):
    rng = np.random.default_rng(2)
    score = np.round(rng.normal(size=90), 1)
    time = np.ceil(rng.exponential(20 * np.exp(-0.5 * score)) / 3) * 3
    event = (rng.uniform(size=90) < 0.7).astype(float)
    compare_with_r(r_maxstat, time, event, score)


def test_cutpoint_p_values_hold_their_level_where_the_naive_p_does_not():
    """600 cohorts without any effect: the corrected p-values reject at most about 5% of the
    time at 0.05; the naive log-rank p of the selected split rejects far more often."""
    rng = np.random.default_rng(20261121)
    corrected_ls, corrected_perm, naive = [], [], []
    for _ in range(600):
        n = 80
        score, time = rng.normal(size=n), rng.exponential(30, n)
        censor = rng.uniform(5, 90, n)
        event = (time <= censor).astype(float)
        time = np.minimum(time, censor)
        found = max_selected_logrank(time, event, score, min_fraction=0.1, permutations=200, rng=rng)
        high = score > found.cutpoint
        naive.append(logrank_test(time[high], time[~high], event[high], event[~high]).p_value)
        corrected_ls.append(found.p_lausen_schumacher)
        corrected_perm.append(found.p_permutation)
    limit = 0.05 + 2.5 * np.sqrt(0.05 * 0.95 / 600)  # 5% plus 2.5 binomial SEs
    assert np.mean(np.array(corrected_ls) <= 0.05) <= limit
    assert np.mean(np.array(corrected_perm) <= 0.05) <= limit
    assert np.mean(np.array(naive) <= 0.05) > 0.2


def test_planted_cutpoint_is_found_and_significant():
    rng = np.random.default_rng(8)
    score = rng.uniform(size=200)
    time = rng.exponential(np.where(score > 0.7, 8.0, 40.0))
    event = np.ones(200)
    found = max_selected_logrank(time, event, score, min_fraction=0.1, permutations=500, rng=rng)
    assert 0.65 < found.cutpoint < 0.75
    assert found.p_lausen_schumacher < 1e-4 and found.p_permutation == 1 / 501
    assert found.standardised_sum < 0  # fewer events than expected at or below: high is worse


def test_table_is_seeded():
    rng = np.random.default_rng(1)
    ids = [f"s{i}" for i in range(60)]
    clinical = pd.DataFrame({"sample_id": ids, "os_months": rng.exponential(30, 60), "os_event": 1})
    scores = pd.DataFrame({"signature": "S", "method": "zscore", "sample_id": ids, "score": rng.normal(size=60)})
    first = cutpoint_table("x", scores, clinical, min_fraction=0.1, permutations=300, seed=4)
    again = cutpoint_table("x", scores, clinical, min_fraction=0.1, permutations=300, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert first.loc[0, "n_low"] + first.loc[0, "n_high"] == 60


def test_permuted_maxima_are_numpys_to_the_bit():
    """The permutations' largest |standardised sum|, compiled without the permutations x samples
    temporaries (large inputs), equals the numpy form small inputs keep, a zero SD (inf) and
    all-zero scores (NaN, 0 / 0) included."""
    from hif_prognosis.survival.cutpoint import permuted_maxima

    rng = np.random.default_rng(11)
    n = 300
    y = np.round(rng.normal(size=n), 2)
    m = np.arange(30, 270, 2) + 1
    expected = m / n * y.sum()
    sd = np.sqrt(m * (n - m) / (n**2 * (n - 1)) * (n * (y**2).sum() - y.sum() ** 2))
    permuted = rng.permuted(np.broadcast_to(y, (400, n)), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for case, rows, centre, sds in (
            ("plain", permuted, expected, sd),
            ("a zero SD", permuted, expected, np.where(np.arange(len(sd)) == 7, 0.0, sd)),
            ("all-zero scores", np.zeros_like(permuted), np.zeros_like(expected), np.zeros_like(sd)),
        ):
            reference = np.abs((np.cumsum(rows, axis=1)[:, m - 1] - centre) / sds).max(axis=1)
            assert np.array_equal(permuted_maxima(rows, m, centre, sds), reference, equal_nan=True), case
    assert np.isnan(permuted_maxima(np.zeros_like(permuted), m, np.zeros_like(expected), np.zeros_like(sd))).all()
