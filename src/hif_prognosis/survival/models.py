"""Multivariable Cox models of a score, with events-per-variable limits and a test of
proportional hazards.

Each model is the score (standardised, per SD) plus the model's covariates, fitted by the
project's Cox engine (``fastcox.cox_model``: Newton-Raphson to a relative log-likelihood change
below 1e-12, Efron ties, equal to R ``coxph`` to 1e-9) on the samples with every covariate known
(complete cases; ``n`` says how many). Covariates are the harmonised clinical ones, coded as
stated in ``covariates`` of each row (binary covariates 1 for the level in COVARIATE_CODING, 0 for
the other; age per year), or ``proliferation_score``: the proliferation signature scored by the
same method, per SD.

A model with fewer than ``min_events_per_variable`` events per estimated coefficient is not fitted
("refused"): its estimates would be unreliable (Peduzzi et al. 1995, J Clin Epidemiol 48:1503).

Proportional hazards: R survival 3.x's ``cox.zph(transform = "km", terms = FALSE)``, the score
test of a coefficient changing linearly in the left-continuous Kaplan-Meier transform of time,
per covariate (1 df) and global (one df per coefficient); ``ph_violated`` when any covariate's
p or the global p is below PH_ALPHA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hif_prognosis.data.clinical import COVARIATES
from hif_prognosis.data.clinical import covariate_label
from hif_prognosis.survival.fastcox import FLAG_OK, cox_model, proportional_hazards_test
from hif_prognosis.distributions import wald_hr_interval
from hif_prognosis.survival.cox import scored_outcomes, standardise

PROLIFERATION = "proliferation_score"
# Level coded 1 for each binary clinical covariate (the other level is the reference, 0).
COVARIATE_CODING = {"metastasis_at_diagnosis": "yes", "sex": "male", "histologic_response": "poor"}
PH_ALPHA = 0.05

MODEL_COLUMNS = [
    "cohort", "signature", "method", "endpoint", "model", "covariates", "n", "events",
    "coefficients", "events_per_variable", "status", "hr", "hr_ci_low", "hr_ci_high",
    "log_hr", "se_log_hr", "p_wald", "ph_p_score", "ph_p_min_covariate", "ph_p_global", "ph_violated",
]


def describe_covariate(name: str) -> str:
    if name == PROLIFERATION:
        return f"{PROLIFERATION} (per SD)"
    if name in COVARIATE_CODING:
        levels = COVARIATES[name] or ()
        reference = next(level for level in levels if level != COVARIATE_CODING[name])
        return f"{name} ({COVARIATE_CODING[name]}=1, {reference}=0)"
    return f"{name} (per year)" if name == "age_years" else name


def covariate_values(clinical: pd.DataFrame, name: str) -> pd.Series:
    """Numeric coding of one harmonised clinical covariate, indexed by sample_id."""
    values = clinical.set_index("sample_id")[name]
    if name in COVARIATE_CODING:
        coded = (values == COVARIATE_CODING[name]).astype(float)
        return coded.where(values.notna())
    return pd.to_numeric(values, errors="raise").astype(float)


def fit_model(
    time: pd.Series, event: pd.Series, score: pd.Series, covariates: pd.DataFrame, min_epv: float
) -> dict[str, object]:
    """One Cox model of the standardised score plus covariates on complete cases."""
    data = pd.concat([time.rename("time"), event.rename("event"), score.rename("score"), covariates], axis=1).dropna()
    data["score"] = standardise(data["score"])
    if PROLIFERATION in data:
        data[PROLIFERATION] = standardise(data[PROLIFERATION])
    n, events, coefficients = len(data), int(data["event"].sum()), 1 + covariates.shape[1]
    epv = events / coefficients
    row: dict[str, object] = {"n": n, "events": events, "coefficients": coefficients, "events_per_variable": epv}
    if epv < min_epv:
        return row | {"status": f"refused: {epv:.1f} events per variable < {min_epv:g} (the minimum events per variable set in the config)"}
    constant = [c for c in data.columns[2:] if data[c].nunique() < 2]
    if constant:
        return row | {"status": f"not fitted: {', '.join(constant)} takes one value in the {n} complete cases"}
    outcome = data["time"].to_numpy(), data["event"].to_numpy()
    design = data.drop(columns=["time", "event"]).to_numpy()
    model = cox_model(*outcome, design)
    if model.flag != FLAG_OK:
        return row | {"status": "not fitted: no finite estimate (a covariate separates the events, or covariates are collinear)"}
    ph = proportional_hazards_test(*outcome, design, model.coefficients)
    log_hr, se = float(model.coefficients[0]), float(model.se[0])
    low, high = wald_hr_interval(log_hr, se)
    return row | {
        "status": "fitted",
        "hr": float(np.exp(log_hr)),
        "hr_ci_low": float(low),
        "hr_ci_high": float(high),
        "log_hr": log_hr,
        "se_log_hr": se,
        "p_wald": float(model.p_wald[0]),
        "ph_p_score": float(ph.p[0]),
        "ph_p_min_covariate": float(ph.p.min()),
        "ph_p_global": ph.global_p,
        "ph_violated": bool(min(ph.p.min(), ph.global_p) < PH_ALPHA),
    }


def model_table(
    cohort: str,
    scores: pd.DataFrame,
    clinical: pd.DataFrame,
    models: Mapping[str, Sequence[str]],
    *,
    proliferation_signature: str,
    min_events_per_variable: float,
) -> pd.DataFrame:
    """One row per signature x method x endpoint x model (MODEL_COLUMNS): the univariable model
    and each adjusted model of ``models`` (name: covariates). A model whose covariate this
    cohort does not record, or that adjusts the proliferation signature for itself, is listed
    with the reason and no estimate."""
    all_models = {"univariable": ()} | {name: tuple(covs) for name, covs in models.items()}
    wide_scores = scores.pivot(index="sample_id", columns=["signature", "method"], values="score")
    rows = []
    for item in scored_outcomes(scores, clinical):
        samples = item.data.index
        for name, covs in all_models.items():
            key = {"cohort": cohort} | item.key | {
                "model": name, "covariates": "; ".join(describe_covariate(c) for c in covs),
            }
            missing = [
                c for c in covs if c != PROLIFERATION and (c not in clinical or clinical[c].isna().all())
            ]
            if missing:
                rows.append(key | {"status": f"not fitted: {', '.join(map(covariate_label, missing))} not recorded in {cohort}"})
                continue
            if PROLIFERATION in covs and item.signature == proliferation_signature:
                rows.append(key | {"status": "not fitted: the score is the proliferation score"})
                continue
            columns = {
                c: (
                    wide_scores[(proliferation_signature, item.method)].reindex(samples)
                    if c == PROLIFERATION else covariate_values(clinical, c).reindex(samples)
                )
                for c in covs
            }
            rows.append(key | fit_model(
                item.data["time"], item.data["event"], item.data["score"],
                pd.DataFrame(columns, index=samples), min_events_per_variable,
            ))
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)
