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


@pytest.mark.parametrize("adjustments", [0, 1, 2])
def test_lockstep_columns_are_the_per_column_newton_to_the_bit(adjustments):
    """cox_columns fits columns in lockstep blocks (newton_lockstep); each column's arithmetic is
    newton_columns', one model at a time, so every output is equal to the bit: heavy ties, a
    skipped column, a separating column (diverges), blocks of several sizes."""
    from hif_prognosis.survival.fastcox import _EventStructure, newton_columns, newton_lockstep

    rng = np.random.default_rng(11 + adjustments)
    n, m = 70, 150
    time = np.ceil(rng.exponential(20, n) / 4) * 4
    event = (rng.uniform(size=n) < 0.6).astype(float)
    x = rng.normal(size=(n, m)) * rng.uniform(0.1, 3, m)
    x[:, 1] = -time + 100 * event  # separates the events: a diverging column
    structure = _EventStructure(time, event)
    x = x[structure.order] - x.mean(axis=0)
    z = rng.normal(size=(n, adjustments))[structure.order]
    skip = np.zeros(m, dtype=bool)
    skip[0] = True
    design = np.empty((m, n, 1 + adjustments))
    design[:, :, 0], design[:, :, 1:] = x.T, z
    arguments = (structure.risk_end, structure.ties, structure.event_rows, structure.event_group_start, skip, 50,
                 1e-12, 25.0)
    expected = newton_columns(design, *arguments, 4, 0.0, np.zeros((m, 1 + adjustments)))
    for block in (1, 16, 256):
        for got, want in zip(newton_lockstep(x, np.ascontiguousarray(z), *arguments, block), expected, strict=True):
            np.testing.assert_array_equal(got, want)


R_RIDGE = """
genes <- as.matrix(data[, -(1:2)])
fits <- t(sapply(c({penalties}), function(theta) {
  f <- coxph(Surv(data$time, data$event) ~ ridge(genes, theta = theta, scale = FALSE), ties = "efron",
             control = coxph.control(eps = 1e-12, iter.max = 100))
  unname(coef(f))
}))
write.table(format(as.data.frame(fits), digits = 17), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""
RIDGE_PENALTIES = (0.1, 3.0, 100.0)


@pytest.fixture(scope="module")
def ridge_data(genes):
    """Eight real genes of GSE4335 with its overall survival (tied times included)."""
    outcome, x = genes
    return outcome["time"].to_numpy(), outcome["event"].to_numpy(), x.iloc[:, :8].to_numpy()


@pytest.fixture(scope="module")
def wide_ridge_data(genes):
    """More genes than patients, as a signature's in a training cohort: 60 real genes of
    GSE4335's first 30 patients with overall survival."""
    outcome, x = genes
    return outcome["time"].to_numpy()[:30], outcome["event"].to_numpy()[:30], x.iloc[:30].to_numpy()


def test_ridge_path_with_more_genes_than_patients_is_the_covariates_newton(wide_ridge_data, r_survival):
    """With more genes than patients ridge_path takes its Newton iterates in the patients'
    dimension: each row is cox_model's ridge fit (Newton in the genes' dimension, from zero) to
    1e-8, scikit-survival's to 1e-9 and R coxph(ridge)'s to 1e-7, at penalties whose fits
    range from nearly unpenalised to heavily shrunk."""
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    from hif_prognosis.survival.fastcox import cox_model, ridge_path

    time, event, x = wide_ridge_data
    assert x.shape[1] > x.shape[0] and 5 < event.sum() < len(event)
    path = ridge_path(time, event, x, np.array(RIDGE_PENALTIES))
    data = pd.concat([pd.DataFrame({"time": time, "event": event}), pd.DataFrame(x).add_prefix("x")], axis=1)
    in_r = r_survival.table(R_RIDGE.replace("{penalties}", ", ".join(map(str, RIDGE_PENALTIES))), data)
    for row, penalty in enumerate(RIDGE_PENALTIES):
        np.testing.assert_allclose(path[row], cox_model(time, event, x, ridge=penalty).coefficients, rtol=1e-8, atol=1e-10)
        reference = CoxPHSurvivalAnalysis(alpha=penalty, ties="efron", tol=1e-12).fit(x, Surv.from_arrays(event.astype(bool), time))
        np.testing.assert_allclose(path[row], reference.coef_, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(path[row], in_r.iloc[row].to_numpy(), rtol=1e-7, atol=1e-10)


def test_ridge_matches_scikit_survival(ridge_data):
    """The engine's ridge (likelihood less alpha/2 |beta|^2) is scikit-survival's
    CoxPHSurvivalAnalysis(alpha, ties="efron"), whose Newton stops at a 1e-9 relative change in
    the loss; tightened to 1e-12 here, the two agree to 1e-9."""
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    from hif_prognosis.survival.fastcox import cox_model

    time, event, x = ridge_data
    for penalty in RIDGE_PENALTIES:
        reference = CoxPHSurvivalAnalysis(alpha=penalty, ties="efron", tol=1e-12)
        reference.fit(x, Surv.from_arrays(event.astype(bool), time))
        fit = cox_model(time, event, x, ridge=penalty)
        assert fit.flag == FLAG_OK
        np.testing.assert_allclose(fit.coefficients, reference.coef_, rtol=1e-9, atol=1e-12)


def test_ridge_matches_r_coxph_ridge(ridge_data, r_survival):
    """R's coxph(ridge(genes, theta, scale = FALSE)) penalises theta/2 |beta|^2 too."""
    from hif_prognosis.survival.fastcox import cox_model

    time, event, x = ridge_data
    data = pd.concat([pd.DataFrame({"time": time, "event": event}), pd.DataFrame(x).add_prefix("x")], axis=1)
    reference = r_survival.table(R_RIDGE.replace("{penalties}", ", ".join(map(str, RIDGE_PENALTIES))), data)
    for row, penalty in enumerate(RIDGE_PENALTIES):
        fit = cox_model(time, event, x, ridge=penalty)
        np.testing.assert_allclose(fit.coefficients, reference.iloc[row].to_numpy(), rtol=1e-7, atol=1e-10)


def test_no_ridge_is_the_unpenalised_model_and_a_ridge_shrinks_it(ridge_data):
    from hif_prognosis.survival.fastcox import cox_model

    time, event, x = ridge_data
    unpenalised = cox_model(time, event, x)
    np.testing.assert_array_equal(cox_model(time, event, x, ridge=0.0).coefficients, unpenalised.coefficients)
    norms = [np.linalg.norm(cox_model(time, event, x, ridge=p).coefficients) for p in RIDGE_PENALTIES]
    assert np.linalg.norm(unpenalised.coefficients) > norms[0] > norms[1] > norms[2] > 0


def test_ridge_path_warm_starts_reach_each_penalty_s_own_fit(ridge_data):
    """ridge_path fits strongest to weakest from the previous estimate; each row is the model
    cox_model fits from zero at that penalty, to the tolerance of their convergence."""
    from hif_prognosis.survival.fastcox import cox_model, ridge_path

    time, event, x = ridge_data
    penalties = np.array([0.01, 1.0, 100.0, 0.1, 10.0])
    path = ridge_path(time, event, x, penalties)
    for row, penalty in enumerate(penalties):
        np.testing.assert_allclose(path[row], cox_model(time, event, x, ridge=penalty).coefficients, rtol=1e-8, atol=1e-10)


def test_condition_decision_is_numpy_s_for_every_two_by_two_matrix():
    """The singular-information check of a column's variance (condition number below 1e12)
    decides 2 x 2 matrices in closed form away from the limit and by numpy's cond near it: the
    decisions are cond's, for conditions from 1 to 1e20, slight asymmetry, singular, infinite and
    overflowing matrices."""
    from hif_prognosis.survival.fastcox import _condition_below

    rng = np.random.default_rng(0)
    matrices = []
    for log_condition in np.linspace(0, 20, 2001):
        rotation = np.linalg.qr(rng.normal(size=(2, 2)))[0]
        largest = 10 ** rng.uniform(-3, 3)
        matrix = rotation @ np.diag([largest, largest / 10**log_condition]) @ rotation.T
        matrix[0, 1] *= 1 + rng.normal() * 1e-16
        matrices.append(matrix)
    matrices += [np.zeros((2, 2)), np.ones((2, 2)), np.diag([1.0, 0.0]), np.diag([np.inf, 1.0]),
                 np.array([[1e300, 1e300], [1e300, 1e-300]])]
    matrices = np.array(matrices)
    with np.errstate(all="ignore"):
        expected = np.linalg.cond(matrices) < 1e12
    np.testing.assert_array_equal(_condition_below(matrices, 1e12), expected)
    assert 0.3 < expected.mean() < 0.9  # both decisions are met
