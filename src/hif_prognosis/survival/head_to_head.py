"""Does HIF-1alpha add to a comparator the field already uses? For the primary HIF-1alpha score
and a comparator's score in one cohort and endpoint (both standardised within the cohort, so HRs
are per SD; Efron ties, as R ``coxph``):

- the comparator alone: its HR per SD (Wald 95% CI and p);
- both in one model: each HR adjusted for the other, and the likelihood-ratio test of adding
  HIF-1alpha to the comparator (chi-square, 1 df; R ``anova(fit_comparator, fit_both)``);
- the change in Harrell's C (higher linear predictor = higher risk) from the comparator's model
  to both, with a 95% percentile interval over bootstrap resamples of the patients in which both
  models are refitted (optimism is not corrected: the interval is of the apparent change).

Across cohorts (``pool_head_to_head``), DerSimonian-Laird random effects pool HIF-1alpha's log
HR adjusted for the comparator (Wald SE) and the change in C (bootstrap SE), each with a 95% Wald
interval (one cohort: its own bootstrap percentile interval): HIF-1alpha adds to the comparator
where the pooled change in C has its interval above 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hif_prognosis.distributions import chi2_sf

from hif_prognosis.survival.fastcox import FLAG_OK, cox_model
from hif_prognosis.survival.meta import dersimonian_laird
from hif_prognosis.distributions import Z95, wald_hr_interval
from hif_prognosis.survival.stats import harrell_c
from hif_prognosis.survival.cox import standardise

HEAD_TO_HEAD_COLUMNS = [
    "n", "events",
    "comparator_hr", "comparator_hr_ci_low", "comparator_hr_ci_high", "comparator_p_wald",
    "comparator_hr_adj_hif", "comparator_hr_adj_hif_ci_low", "comparator_hr_adj_hif_ci_high",
    "hif_hr_adj_comparator", "hif_hr_adj_comparator_ci_low", "hif_hr_adj_comparator_ci_high", "hif_p_wald_adj_comparator",
    "hif_log_hr_adj_comparator", "hif_se_log_hr_adj_comparator",
    "lrt_chisq_adding_hif", "lrt_p_adding_hif",
    "harrell_c_comparator", "harrell_c_both", "delta_harrell_c", "delta_harrell_c_ci_low", "delta_harrell_c_ci_high",
    "delta_harrell_c_se_bootstrap", "bootstrap_resamples", "status",
]


def _hr(model, index: int, prefix: str) -> dict[str, float]:
    low, high = wald_hr_interval(model.coefficients[index], model.se[index])
    return {prefix: float(np.exp(model.coefficients[index])), f"{prefix}_ci_low": float(low), f"{prefix}_ci_high": float(high)}


def _delta_c(time: np.ndarray, event: np.ndarray, both: np.ndarray) -> float:
    """C of both scores' fitted linear predictor minus C of the comparator's (column 0)."""
    alone, joint = cox_model(time, event, both[:, :1]), cox_model(time, event, both)
    if alone.flag != FLAG_OK or joint.flag != FLAG_OK:
        return np.nan
    return harrell_c(time, event, both @ joint.coefficients) - harrell_c(time, event, both[:, 0] * alone.coefficients[0])


def head_to_head(
    time: pd.Series, event: pd.Series, hif: pd.Series, comparator: pd.Series, *, resamples: int, rng: np.random.Generator
) -> dict[str, object]:
    """One row of HEAD_TO_HEAD_COLUMNS for the samples with a time, an event, and both scores."""
    data = pd.DataFrame({"time": time, "event": event, "hif": hif, "comparator": comparator}).dropna()
    row: dict[str, object] = dict.fromkeys(HEAD_TO_HEAD_COLUMNS, np.nan)
    row |= {"n": len(data), "events": int(data["event"].sum()), "bootstrap_resamples": resamples}
    scores = np.column_stack([standardise(data["comparator"]), standardise(data["hif"])])
    if not np.isfinite(scores).all() or row["events"] == 0:
        return row | {"status": "not estimable: a score without variance, or no event"}
    t, e = data["time"].to_numpy(float), data["event"].to_numpy(float)
    alone, both = cox_model(t, e, scores[:, :1]), cox_model(t, e, scores)
    if alone.flag != FLAG_OK or both.flag != FLAG_OK:
        return row | {"status": "not estimable: a Cox model has no finite maximum"}
    row |= _hr(alone, 0, "comparator_hr") | {"comparator_p_wald": float(alone.p_wald[0])}
    row |= _hr(both, 0, "comparator_hr_adj_hif") | _hr(both, 1, "hif_hr_adj_comparator")
    row |= {"hif_p_wald_adj_comparator": float(both.p_wald[1]), "hif_log_hr_adj_comparator": float(both.coefficients[1]),
            "hif_se_log_hr_adj_comparator": float(both.se[1])}
    statistic = 2 * (both.loglik - alone.loglik)
    row |= {"lrt_chisq_adding_hif": statistic, "lrt_p_adding_hif": float(chi2_sf(statistic, 1))}
    c_alone = harrell_c(t, e, scores[:, 0] * alone.coefficients[0])
    c_both = harrell_c(t, e, scores @ both.coefficients)
    draws = np.array([
        _delta_c(t[pick], e[pick], scores[pick]) for pick in rng.integers(0, len(t), size=(resamples, len(t)))
    ])
    draws = draws[np.isfinite(draws)]
    low, high = np.quantile(draws, [0.025, 0.975]) if len(draws) else (np.nan, np.nan)
    return row | {
        "harrell_c_comparator": c_alone, "harrell_c_both": c_both, "delta_harrell_c": c_both - c_alone,
        "delta_harrell_c_ci_low": float(low), "delta_harrell_c_ci_high": float(high),
        "delta_harrell_c_se_bootstrap": float(np.std(draws, ddof=1)) if len(draws) > 1 else np.nan,
        "status": "estimated" + (f" ({resamples - len(draws)} resamples without a finite fit left out)" if len(draws) < resamples else ""),
    }


POOLED_COLUMNS = [
    "comparator", "endpoint", "k", "cohorts", "patients", "events",
    "pooled_hif_hr_adj_comparator", "pooled_hif_hr_adj_comparator_ci_low", "pooled_hif_hr_adj_comparator_ci_high",
    "pooled_delta_harrell_c", "pooled_delta_harrell_c_ci_low", "pooled_delta_harrell_c_ci_high",
    "i2_delta_harrell_c", "hif_adds", "status",
]


def _pooled(estimate: np.ndarray, se: np.ndarray) -> tuple[float, float, float, float]:
    """Random-effects estimate, 95% Wald interval and I^2 of k >= 1 estimates."""
    if len(estimate) == 1:
        centre, spread, i2 = float(estimate[0]), float(se[0]), np.nan
    else:
        pooled = dersimonian_laird(estimate, se)
        centre, spread, i2 = pooled["pooled"], pooled["se"], pooled["i2"]
    return centre, centre - Z95 * spread, centre + Z95 * spread, i2


def pool_head_to_head(table: pd.DataFrame) -> pd.DataFrame:
    """One POOLED_COLUMNS row per comparator and endpoint over the cohorts where both models
    were estimated (comparators.COMPARATOR_COLUMNS rows); ``hif_adds`` is True where the pooled
    change in C has its 95% interval above 0, NA where nothing was estimated."""
    rows = []
    for (comparator, endpoint), group in table.groupby(["comparator", "endpoint"], sort=False):
        usable = group[group["status"].astype(str).str.startswith("estimated")
                       & np.isfinite(group["delta_harrell_c_se_bootstrap"].astype(float))]
        row: dict[str, object] = dict.fromkeys(POOLED_COLUMNS, np.nan) | {
            "comparator": comparator, "endpoint": endpoint, "k": len(usable), "cohorts": ";".join(usable["cohort"]),
            "patients": int(usable["n"].sum()), "events": int(usable["events"].sum()),
        }
        if usable.empty:
            reasons = "; ".join(f"{c}: {s}" for c, s in zip(group["cohort"], group["comparator_status"], strict=True))
            rows.append(row | {"hif_adds": pd.NA, "status": f"no cohort estimable ({reasons})"})
            continue
        log_hr, low, high, _ = _pooled(usable["hif_log_hr_adj_comparator"].to_numpy(float),
                                      usable["hif_se_log_hr_adj_comparator"].to_numpy(float))
        delta, delta_low, delta_high, i2 = _pooled(usable["delta_harrell_c"].to_numpy(float),
                                                   usable["delta_harrell_c_se_bootstrap"].to_numpy(float))
        if len(usable) == 1:  # one cohort: its own bootstrap percentile interval, as its row shows
            delta_low, delta_high = (float(usable[column].iloc[0]) for column in ("delta_harrell_c_ci_low", "delta_harrell_c_ci_high"))
        rows.append(row | {
            "pooled_hif_hr_adj_comparator": np.exp(log_hr), "pooled_hif_hr_adj_comparator_ci_low": np.exp(low),
            "pooled_hif_hr_adj_comparator_ci_high": np.exp(high), "pooled_delta_harrell_c": delta,
            "pooled_delta_harrell_c_ci_low": delta_low, "pooled_delta_harrell_c_ci_high": delta_high,
            "i2_delta_harrell_c": i2, "hif_adds": bool(delta_low > 0), "status": "pooled" if len(usable) > 1 else "one cohort",
        })
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)
