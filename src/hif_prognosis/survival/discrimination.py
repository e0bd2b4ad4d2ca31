"""How well a score ranks patients by risk: Harrell's C with a bootstrap interval, Uno's C, and
time-dependent AUC.

- Harrell's C counts, among comparable pairs (the shorter time is an event; a censored time tied
  with an event time counts as longer), those where the higher score failed first; tied scores
  count one half (R ``concordance(..., reverse = TRUE)``). Its 95% interval is the percentile
  interval of ``resamples`` bootstrap resamples of patients (seeded), the same resamples for
  every signature and method scored on the same patients of an endpoint (a paired bootstrap:
  their intervals differ by their scores, not by their draws).
- Uno's C (Uno et al. 2011, Stat Med 30:1105) weights each comparable pair by 1/G(T_i-)^2, the
  inverse squared probability of remaining uncensored just before the earlier (event) time, so
  it does not depend on the censoring pattern; pairs whose event time lies beyond tau get
  weight 0, tau being the last time at which at least TAU_AT_RISK of the samples are still at
  risk (weights beyond are unstable). This is R ``concordance(timewt = "n/G2", ymax = tau,
  reverse = TRUE)``.
- Time-dependent AUC at t is timeROC's estimator (Blanche et al. 2013, Stat Med 32:5381):
  cumulative cases (an event strictly before t), dynamic controls (time strictly after t;
  patients with time exactly t are neither), cases weighted by 1/G(T_i-), controls by 1/G(t),
  which cancels; the area under the empirical ROC curve by the trapezoid rule, so a case and a
  control with equal scores count one half. It is reported only where follow-up allows:
  patients still followed after t, and at least MIN_CASES cases and MIN_CASES controls;
  otherwise the table says why.
In both, G is the Kaplan-Meier estimate of the censoring distribution with the deaths leaving the
risk set before the censorings tied with them (R survival's ``fastkm1`` behind ``concordance``,
and prodlim's reverse Kaplan-Meier behind timeROC). G(T_i-) is positive at every event time, so
no tie pattern of the last follow-up time can stop the run.
Higher scores are taken as higher risk throughout; 0.5 is no discrimination.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hif_prognosis.survival.kaplan_meier import product_limit
from hif_prognosis.survival.stats import concordance_sums, dense_ranks, fraction_below, set_rng
from hif_prognosis.survival.cox import scored_outcomes

TAU_AT_RISK = 0.10
MIN_CASES = 5

DISCRIMINATION_COLUMNS = [
    "cohort", "signature", "method", "endpoint", "n", "events", "harrell_c",
    "harrell_c_ci_low", "harrell_c_ci_high", "bootstrap_resamples", "uno_c", "uno_tau_months",
]
AUC_COLUMNS = [
    "cohort", "signature", "method", "endpoint", "years", "months", "cases", "controls", "auc", "status",
]


def bootstrap_counts(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of ``n`` patients is drawn in each of ``resamples`` bootstrap resamples
    (n x resamples; each column sums to n)."""
    return rng.multinomial(n, np.full(n, 1 / n), size=resamples).T.astype(float)


def bootstrap_harrell_c(
    time: np.ndarray, event: np.ndarray, score: np.ndarray, counts: np.ndarray
) -> tuple[float, np.ndarray]:
    """Harrell's C and its value in each bootstrap resample (the columns of ``counts``,
    bootstrap_counts). A resample's C weighs each pair by w_i w_j, w being how often each
    patient was drawn, where a patient paired with its own copy is never comparable (equal
    times and event status), so no pair is lost. One sorting pass (``stats.concordance_sums``)
    serves the observed C (unit weights, column 0) and every resample, not all n^2 pairs."""
    weights = np.column_stack([np.ones(len(time)), counts])
    concordant, comparable = concordance_sums(time, event, dense_ranks(score[:, None]), weights, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = concordant / comparable
    return float(c[0]), c[1:]


def uno_tau(time: np.ndarray) -> float:
    """The last observed time at which at least TAU_AT_RISK of the samples are at risk."""
    ordered = np.sort(time)
    return float(ordered[int(np.ceil(len(time) * (1 - TAU_AT_RISK))) - 1])


def censoring_survival_before(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    """G(t-) at each of ``at``: the censoring distribution's Kaplan-Meier estimate, tied deaths
    leaving first."""
    return product_limit(time, 1 - event, at, left_limit=True, leave_first=event == 1)


def uno_c(time: np.ndarray, event: np.ndarray, score: np.ndarray, tau: float) -> float:
    """Uno's C truncated at ``tau``, as R ``concordance(timewt = "n/G2", ymax = tau, reverse = TRUE)``."""
    censoring_before = censoring_survival_before(time, event, time)
    weight = np.where((event == 1) & (time <= tau), 1 / censoring_before**2, 0.0)
    concordant, comparable = concordance_sums(time, event, dense_ranks(score[:, None]), query_weight=weight[:, None])
    return float(concordant[0] / comparable[0])


def time_dependent_auc(
    time: np.ndarray, event: np.ndarray, score: np.ndarray, months: float
) -> tuple[int, int, float, str]:
    """Cases, controls, timeROC's cumulative/dynamic AUC at ``months`` and a status saying why
    it was not estimated."""
    cases = (time < months) & (event == 1)
    controls = time > months
    if not controls.any():
        return int(cases.sum()), 0, np.nan, f"not estimable: follow-up ends at {time.max():g} months"
    if cases.sum() < MIN_CASES or controls.sum() < MIN_CASES:
        return int(cases.sum()), int(controls.sum()), np.nan, f"not estimable: fewer than {MIN_CASES} cases or controls"
    weight = 1 / censoring_survival_before(time, event, time[cases])
    auc = weight @ fraction_below(score[cases], score[controls]) / weight.sum()
    return int(cases.sum()), int(controls.sum()), float(auc), "estimated"


def discrimination_tables(
    cohort: str,
    scores: pd.DataFrame,
    clinical: pd.DataFrame,
    *,
    resamples: int,
    auc_years: Sequence[float],
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per signature x method x endpoint: C-statistics (DISCRIMINATION_COLUMNS) and AUC at each
    of ``auc_years`` (AUC_COLUMNS)."""
    c_rows, auc_rows = [], []
    # One draw of resamples per endpoint and patients, shared by every signature and method
    # scored on them: at 10,000 patients each multinomial draw took most of a second.
    resampled: dict[tuple[str, ...], np.ndarray] = {}
    for item in scored_outcomes(scores, clinical):
        time, event, values = (item.data[c].to_numpy() for c in ("time", "event", "score"))
        key = {"cohort": cohort} | item.key
        patients = (item.endpoint, *item.data.index.astype(str))
        if patients not in resampled:
            resampled[patients] = bootstrap_counts(len(time), resamples, set_rng(seed, "bootstrap", cohort, *patients))
        c, boot = bootstrap_harrell_c(time, event, values, resampled[patients])
        tau = uno_tau(time)
        low, high = np.nanpercentile(boot, [2.5, 97.5])
        c_rows.append(key | {
            "n": len(time), "events": int(event.sum()), "harrell_c": c, "harrell_c_ci_low": low,
            "harrell_c_ci_high": high, "bootstrap_resamples": resamples,
            "uno_c": uno_c(time, event, values, tau), "uno_tau_months": tau,
        })
        for years in auc_years:
            cases, controls, auc, status = time_dependent_auc(time, event, values, 12 * years)
            auc_rows.append(key | {
                "years": years, "months": 12 * years, "cases": cases, "controls": controls,
                "auc": auc, "status": status,
            })
    return pd.DataFrame(c_rows, columns=DISCRIMINATION_COLUMNS), pd.DataFrame(auc_rows, columns=AUC_COLUMNS)
