"""Multivariable Cox models: against R coxph, events-per-variable refusal, missing covariates,
and the proportional-hazards test on planted violations."""

import numpy as np
import pandas as pd
from scipy.stats import kstest

from hif_prognosis.models import PROLIFERATION, fit_model, model_table

R_ADJUSTED = """
data$z <- as.numeric(scale(data$score))
data$p <- as.numeric(scale(data$prolif))
fit <- coxph(Surv(time, event) ~ z + metastasis + p, data = data, ties = "efron")
out <- data.frame(log_hr = unname(coef(fit)["z"]), se = unname(sqrt(vcov(fit)["z", "z"])),
                  p_wald = summary(fit)$coefficients["z", "Pr(>|z|)"])
write.table(format(out, digits = 15), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


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
    np.testing.assert_allclose(result["log_hr"], reference["log_hr"], rtol=1e-6)
    np.testing.assert_allclose(result["se_log_hr"], reference["se"], rtol=1e-6)
    np.testing.assert_allclose(result["p_wald"], reference["p_wald"], rtol=1e-5)
    # lifelines' PH test is the approximation survival 3.x replaced; both see no violation here
    assert result["ph_p_score"] > 0.05 and not result["ph_violated"]


def test_refuses_below_events_per_variable_and_obeys_a_lower_bar():
    scores, clinical = cohort(35, seed=2)
    events = clinical["os_event"].sum()
    models = {"clinical": ["metastasis_at_diagnosis", "sex"]}
    assert events / 3 < 10
    refused = table(scores, clinical, models).loc[("HIF", "clinical")]
    assert refused["status"].startswith("refused") and "survival.min_events_per_variable" in refused["status"]
    assert np.isnan(refused["hr"])
    lowered = table(scores, clinical, models, min_epv=1.0).loc[("HIF", "clinical")]
    assert lowered["status"] == "fitted" and np.isfinite(lowered["hr"])
    assert lowered["n"] == clinical["sex"].notna().sum()  # complete cases only


def test_unrecorded_covariate_and_self_adjustment_are_reported_not_fitted():
    scores, clinical = cohort(100, seed=3)
    result = table(scores, clinical, {"age": ["age_years"], "proliferation": [PROLIFERATION]})
    assert result.loc[("HIF", "age"), "status"] == "not fitted: age_years not recorded in synthetic"
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
