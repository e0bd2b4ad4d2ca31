"""The vectorised Cox engine against lifelines and R coxph, and its edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kstest

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.survival.fastcox import FLAG_CONSTANT, FLAG_NOT_CONVERGED, FLAG_OK, cox_columns

R_LOOP = """
fits <- t(sapply(3:ncol(data), function(j) {
  f <- coxph(Surv(data$time, data$event) ~ data[[j]], ties = "efron",
             control = coxph.control(eps = 1e-12, iter.max = 100))
  c(beta = unname(coef(f)), se = unname(sqrt(vcov(f)[1, 1])))
}))
write.table(format(as.data.frame(fits), digits = 17), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


@pytest.fixture(scope="module")
def genes(gse4335):
    """60 random GSE4335 genes, standardised, with OS."""
    matrix, clinical = gse4335
    outcome = endpoint_data(clinical, "os")
    x = matrix[outcome.index].T
    x = (x - x.mean()) / x.std(ddof=1)
    columns = np.random.default_rng(0).choice(x.shape[1], 60, replace=False)
    return outcome, x.iloc[:, columns]


def fit_in_r(r_survival, time, event, x: pd.DataFrame) -> pd.DataFrame:
    data = pd.concat(
        [pd.DataFrame({"time": time, "event": event}), x.reset_index(drop=True).set_axis([f"x{j}" for j in range(x.shape[1])], axis=1)],
        axis=1,
    )
    return r_survival.table(R_LOOP, data)


def test_matches_r_coxph_on_real_genes(genes, r_survival):
    outcome, x = genes
    fast = cox_columns(outcome["time"].to_numpy(), outcome["event"].to_numpy(), x.to_numpy())
    reference = fit_in_r(r_survival, outcome["time"].to_numpy(), outcome["event"].to_numpy(), x)
    np.testing.assert_allclose(fast.beta, reference["beta"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.se, reference["se"], rtol=1e-9)


def test_matches_lifelines_on_real_genes(genes):
    """An independent second implementation; lifelines stops on a relative log-likelihood rule
    (gradient ~5e-6), so it agrees to about 1e-6, where R agrees to 1e-9."""
    from lifelines import CoxPHFitter

    outcome, x = genes
    fast = cox_columns(outcome["time"].to_numpy(), outcome["event"].to_numpy(), x.to_numpy())
    for j in range(0, x.shape[1], 6):
        data = outcome[["time", "event"]].assign(x=x.iloc[:, j].to_numpy())
        reference = CoxPHFitter().fit(data, "time", "event", fit_options={"precision": 1e-12, "max_steps": 200})
        assert abs(fast.beta[j] - reference.params_["x"]) < 1e-6
        assert abs(fast.se[j] / reference.standard_errors_["x"] - 1) < 1e-6
        assert abs(fast.p_wald[j] / reference.summary.loc["x", "p"] - 1) < 1e-5


R_ADJUSTED_LOOP = """
fits <- t(sapply(5:ncol(data), function(j) {
  f <- coxph(Surv(data$time, data$event) ~ data[[j]] + data$z1 + data$z2, ties = "efron",
             control = coxph.control(eps = 1e-12, iter.max = 100))
  reduced <- coxph(Surv(data$time, data$event) ~ data$z1 + data$z2, ties = "efron",
                   control = coxph.control(eps = 1e-12, iter.max = 100))
  lrt <- 2 * (f$loglik[2] - reduced$loglik[2])
  c(beta = unname(coef(f)[1]), se = unname(sqrt(vcov(f)[1, 1])), p_lrt = pchisq(lrt, 1, lower.tail = FALSE))
}))
write.table(format(as.data.frame(fits), digits = 17), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def test_adjusted_columns_match_r(genes, r_survival):
    """Each gene adjusted for a continuous and a binary covariate shared by all columns."""
    outcome, x = genes
    rng = np.random.default_rng(7)
    z = np.column_stack([x.iloc[:, :5].mean(axis=1) + rng.normal(size=len(x)), rng.integers(0, 2, len(x))])
    time, event = outcome["time"].to_numpy(), outcome["event"].to_numpy()
    fast = cox_columns(time, event, x.to_numpy(), adjust=z)
    data = pd.concat(
        [pd.DataFrame({"time": time, "event": event, "z1": z[:, 0], "z2": z[:, 1]}),
         x.reset_index(drop=True).set_axis([f"x{j}" for j in range(x.shape[1])], axis=1)],
        axis=1,
    )
    reference = r_survival.table(R_ADJUSTED_LOOP, data)
    assert (fast.flag == FLAG_OK).all()
    np.testing.assert_allclose(fast.beta, reference["beta"], rtol=1e-8, atol=1e-11)
    np.testing.assert_allclose(fast.se, reference["se"], rtol=1e-8)
    np.testing.assert_allclose(fast.p_lrt, reference["p_lrt"], rtol=1e-6)


def test_column_collinear_with_adjustment_is_flagged_constant():
    rng = np.random.default_rng(3)
    n = 80
    z = rng.normal(size=n)
    x = np.column_stack([2 * z + 1, rng.normal(size=n)])
    time, event = rng.exponential(10, n), (rng.uniform(size=n) < 0.7).astype(float)
    fit = cox_columns(time, event, x, adjust=z)
    assert list(fit.flag) == [FLAG_CONSTANT, FLAG_OK]
    assert np.isnan(fit.beta[0]) and np.isfinite(fit.beta[1])


def test_heavy_ties_match_r(r_survival):
    rng = np.random.default_rng(4)
    n = 200
    x = pd.DataFrame(rng.normal(size=(n, 5)))
    time = np.ceil(rng.exponential(10 * np.exp(-0.6 * x[0].to_numpy())) / 5) * 5
    event = (rng.uniform(size=n) < 0.75).astype(float)
    _, counts = np.unique(time[event == 1], return_counts=True)
    assert counts.max() >= 10
    fast = cox_columns(time, event, x.to_numpy())
    reference = fit_in_r(r_survival, time, event, x)
    np.testing.assert_allclose(fast.beta, reference["beta"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.se, reference["se"], rtol=1e-9)


def test_constant_and_separated_columns_are_flagged_not_estimated():
    time = np.arange(1.0, 31.0)
    event = np.ones(30)
    rng = np.random.default_rng(2)
    separated = -time  # the higher the value, the earlier every death: infinite HR
    columns = np.column_stack([separated, np.full(30, 3.0), rng.normal(size=30)])
    fit = cox_columns(time, event, columns)
    assert fit.flag.tolist() == [FLAG_NOT_CONVERGED, FLAG_CONSTANT, FLAG_OK]
    assert np.isnan(fit.beta[:2]).all() and np.isnan(fit.se[:2]).all() and np.isnan(fit.p_wald[:2]).all()
    assert np.isfinite(fit.beta[2]) and np.isfinite(fit.p_lrt[2])


def test_planted_effect_recovered_and_null_p_values_uniform():
    rng = np.random.default_rng(20261121)
    n, m = 300, 2000
    noise = rng.normal(size=(n, m))
    driver = noise[:, 0]
    time = rng.exponential(np.exp(-0.5 * driver))
    censor = rng.exponential(2.0, size=n)
    event = (time <= censor).astype(float)
    time = np.minimum(time, censor)
    fit = cox_columns(time, event, noise)
    assert abs(fit.beta[0] - 0.5) < 4 * fit.se[0] and fit.p_wald[0] < 1e-8
    null_p = fit.p_wald[1:]
    assert kstest(null_p, "uniform").pvalue > 0.01
    assert abs((null_p < 0.05).mean() - 0.05) < 0.015
    assert kstest(fit.p_lrt[1:], "uniform").pvalue > 0.01


def test_missing_values_are_refused():
    with pytest.raises(ValueError, match="complete data"):
        cox_columns(np.array([1.0, 2.0]), np.array([1.0, 0.0]), np.array([[np.nan], [1.0]]))


def test_chunks_and_threads_do_not_change_results():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(120, 50))
    time = np.ceil(rng.exponential(30, size=120))
    event = (rng.uniform(size=120) < 0.6).astype(float)
    whole = cox_columns(time, event, x)
    parts = cox_columns(time, event, x, threads=2, chunk_columns=7)
    # Equal up to the last bit of numpy's summation order over arrays of another width.
    np.testing.assert_allclose(whole.beta, parts.beta, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(whole.se, parts.se, rtol=1e-12)
    assert whole.flag.tolist() == parts.flag.tolist()
    again = cox_columns(time, event, x, threads=2, chunk_columns=7)
    np.testing.assert_array_equal(parts.beta, again.beta)  # deterministic for fixed chunks
