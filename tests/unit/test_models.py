"""Multivariable Cox models and the proportional-hazards test: against R coxph and survival 3.x
cox.zph (synthetic and real tied data), events-per-variable refusal, missing covariates, planted
violations."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kstest

from hif_prognosis.survival.fastcox import cox_model, proportional_hazards_test
from hif_prognosis.survival.models import PROLIFERATION, fit_model, model_table

R_ADJUSTED = """
data$z <- as.numeric(scale(data$score))
data$p <- as.numeric(scale(data$prolif))
fit <- coxph(Surv(time, event) ~ z + metastasis + p, data = data, ties = "efron",
             control = coxph.control(eps = 1e-12, iter.max = 100))
zph <- cox.zph(fit, transform = "km", terms = FALSE)$table
out <- data.frame(log_hr = unname(coef(fit)["z"]), se = unname(sqrt(vcov(fit)["z", "z"])),
                  p_wald = summary(fit)$coefficients["z", "Pr(>|z|)"], ph_p_score = zph["z", "p"],
                  ph_p_min_covariate = min(zph[c("z", "metastasis", "p"), "p"]), ph_p_global = zph["GLOBAL", "p"])
write.table(format(out, digits = 17), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""

# Every covariate column of data after time and event, one model; coefficients, SEs and
# cox.zph per covariate, then the global test in the last row.
R_MODEL_AND_ZPH = """
fit <- coxph(Surv(time, event) ~ ., data = data, ties = "efron",
             control = coxph.control(eps = 1e-12, iter.max = 100))
zph <- cox.zph(fit, transform = "km", terms = FALSE)$table
out <- data.frame(coef = c(coef(fit), NA), se = c(sqrt(diag(vcov(fit))), NA),
                  chisq = zph[, "chisq"], p = zph[, "p"])
out[] <- lapply(out, sprintf, fmt = "%.17g")
write.table(out, stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def assert_model_and_zph_match_r(r_survival, data: pd.DataFrame) -> None:
    reference = r_survival.table(R_MODEL_AND_ZPH, data).astype(float)
    time, event, x = data["time"].to_numpy(), data["event"].to_numpy(), data.iloc[:, 2:].to_numpy()
    model = cox_model(time, event, x)
    np.testing.assert_allclose(model.coefficients, reference["coef"][:-1], rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(model.se, reference["se"][:-1], rtol=1e-9)
    ph = proportional_hazards_test(time, event, x, model.coefficients)
    np.testing.assert_allclose(ph.chisq, reference["chisq"][:-1], rtol=1e-7)
    np.testing.assert_allclose(ph.p, reference["p"][:-1], rtol=1e-7)
    np.testing.assert_allclose(ph.global_chisq, reference["chisq"].iloc[-1], rtol=1e-7)
    np.testing.assert_allclose(ph.global_p, reference["p"].iloc[-1], rtol=1e-7)


def cohort(n: int, seed: int, effect: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic scores of two signatures and a clinical table with OS and covariates."""
    rng = np.random.default_rng(seed)
    ids = [f"s{i}" for i in range(n)]
    prolif = rng.normal(size=n)
    score = 0.5 * prolif + rng.normal(size=n)
    metastasis = rng.uniform(size=n) < 0.25
    hazard = np.exp(effect * score + 0.8 * metastasis)
    time = np.ceil(rng.exponential(40 / hazard))
    censor = rng.uniform(10, 120, n)
    clinical = pd.DataFrame({
        "sample_id": ids, "os_months": np.minimum(time, np.ceil(censor)),
        "os_event": (time <= censor).astype(int),
        "metastasis_at_diagnosis": np.where(metastasis, "yes", "no"),
        "sex": pd.Series(np.where(rng.uniform(size=n) < 0.5, "male", "female")).where(rng.uniform(size=n) > 0.1),
        "age_years": np.nan,
    })
    scores = pd.concat([
        pd.DataFrame({"signature": "HIF", "method": "zscore", "sample_id": ids, "score": score}),
        pd.DataFrame({"signature": "G2M", "method": "zscore", "sample_id": ids, "score": prolif}),
    ])
    return scores, clinical


def table(scores, clinical, models, min_epv=10.0):
    return model_table("synthetic", scores, clinical, models, proliferation_signature="G2M",
                       min_events_per_variable=min_epv).set_index(["signature", "model"])


def test_adjusted_model_matches_r_coxph(r_survival):
    scores, clinical = cohort(150, seed=1)
    result = table(scores, clinical, {"both": ["metastasis_at_diagnosis", PROLIFERATION]}).loc[("HIF", "both")]
    wide = scores.pivot(index="sample_id", columns="signature", values="score").loc[clinical["sample_id"]]
    reference = r_survival.table(R_ADJUSTED, pd.DataFrame({
        "time": clinical["os_months"], "event": clinical["os_event"], "score": wide["HIF"].to_numpy(),
        "prolif": wide["G2M"].to_numpy(), "metastasis": (clinical["metastasis_at_diagnosis"] == "yes").astype(int),
    })).iloc[0]
    assert result["status"] == "fitted" and result["coefficients"] == 3
    np.testing.assert_allclose(result["log_hr"], reference["log_hr"], rtol=1e-9)
    np.testing.assert_allclose(result["se_log_hr"], reference["se"], rtol=1e-9)
    np.testing.assert_allclose(result["p_wald"], reference["p_wald"], rtol=1e-8)
    for column in ["ph_p_score", "ph_p_min_covariate", "ph_p_global"]:
        np.testing.assert_allclose(result[column], reference[column], rtol=1e-7)


@pytest.mark.parametrize("cohort_name", ["gse21257_survival", "target_os_survival"])
def test_real_osteosarcoma_models_and_ph_tests_match_r(cohort_name, r_survival, request):
    """Real follow-up (GSE21257 in whole months, many ties; TARGET-OS in days) with the real
    covariates age, metastasis at diagnosis and sex, and a seeded score."""
    data = request.getfixturevalue(cohort_name).copy()
    data["score"] = np.random.default_rng(4).normal(size=len(data)) + data["metastasis"]
    assert_model_and_zph_match_r(r_survival, data)
    assert_model_and_zph_match_r(r_survival, data[["time", "event", "score"]])


def test_heavily_tied_correlated_covariates_match_r(r_survival):
    """The case where survival 3.x's exact test and the old approximation part: correlated
    covariates and many tied event times."""
    rng = np.random.default_rng(8)
    n = 200
    a = rng.normal(size=n)
    data = pd.DataFrame({"a": a, "b": 0.8 * a + 0.6 * rng.normal(size=n), "c": (rng.uniform(size=n) < 0.3) * 1.0})
    time = np.ceil(rng.exponential(20 * np.exp(-0.6 * data["a"] - 0.5 * data["c"])) / 4) * 4
    censor = np.ceil(rng.uniform(4, 80, n))
    data.insert(0, "event", (time <= censor).astype(float))
    data.insert(0, "time", np.minimum(time, censor))
    assert data["time"][data["event"] == 1].duplicated().sum() > 100
    assert_model_and_zph_match_r(r_survival, data)


def test_refuses_below_events_per_variable_and_obeys_a_lower_bar():
    scores, clinical = cohort(35, seed=2)
    events = clinical["os_event"].sum()
    models = {"clinical": ["metastasis_at_diagnosis", "sex"]}
    assert events / 3 < 10
    refused = table(scores, clinical, models).loc[("HIF", "clinical")]
    assert refused["status"].startswith("refused") and "minimum events per variable set in the config" in refused["status"]
    assert np.isnan(refused["hr"])
    lowered = table(scores, clinical, models, min_epv=1.0).loc[("HIF", "clinical")]
    assert lowered["status"] == "fitted" and np.isfinite(lowered["hr"])
    assert lowered["n"] == clinical["sex"].notna().sum()  # complete cases only


def test_unrecorded_covariate_and_self_adjustment_are_reported_not_fitted():
    scores, clinical = cohort(100, seed=3)
    result = table(scores, clinical, {"age": ["age_years"], "proliferation": [PROLIFERATION]})
    assert result.loc[("HIF", "age"), "status"] == "not fitted: age not recorded in synthetic"
    assert result.loc[("G2M", "proliferation"), "status"] == "not fitted: the score is the proliferation score"
    assert result.loc[("HIF", "proliferation"), "status"] == "fitted"
    assert result.loc[("HIF", "univariable"), "coefficients"] == 1


def test_proportional_hazards_flagged_when_violated():
    rng = np.random.default_rng(5)
    n = 400
    x = rng.normal(size=n)
    # Crossing hazards: the score raises the early hazard and lowers the late one.
    early = rng.exponential(10 / np.exp(1.2 * x))
    late = 15 + rng.exponential(10 / np.exp(-1.2 * x))
    time = np.where(early < 15, early, late)
    data = pd.DataFrame({"time": time, "event": 1.0})
    fitted = fit_model(data["time"], data["event"], pd.Series(x), pd.DataFrame(index=data.index), 10)
    assert fitted["ph_violated"] and fitted["ph_p_score"] < 1e-3
    proportional = pd.Series(rng.exponential(10 / np.exp(0.8 * x)))
    fitted = fit_model(proportional, data["event"], pd.Series(x), pd.DataFrame(index=data.index), 10)
    assert fitted["ph_p_score"] > 0.01


def test_null_adjusted_p_values_are_uniform():
    """No effect of the score: adjusted Wald p-values over 300 simulated cohorts are uniform."""
    p_values = []
    for k in range(300):
        scores, clinical = cohort(120, seed=11_000 + k, effect=0.0)
        wide = scores.pivot(index="sample_id", columns="signature", values="score").loc[clinical["sample_id"]]
        fitted = fit_model(clinical["os_months"], clinical["os_event"], pd.Series(wide["HIF"].to_numpy()),
                           pd.DataFrame({PROLIFERATION: wide["G2M"].to_numpy()}), 10)
        p_values.append(fitted["p_wald"])
    assert kstest(p_values, "uniform").pvalue > 0.01
