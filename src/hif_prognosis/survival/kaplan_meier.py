"""The Kaplan-Meier (product-limit) estimator: a group's curve with its confidence band, as the
figures draw it, and the estimate at given times, for the weights and time transforms of other
statistics (the censoring distribution of Uno's C and the time-dependent AUC, the time axis of
the proportional-hazards test); and what the Kaplan-Meier figures show beside the curves: the
median split, the log-rank test of a split, and the numbers at risk.

At a time s with n(s) observations at risk (time >= s) and e(s) events, the estimate falls by the
factor 1 - e(s) / n(s). Conventions differ only where events of the estimated process tie with
other observations that leave at the same time, and are chosen by the caller:
- R ``survfit`` keeps every observation with time >= s in the risk set (the survival curve);
- the censoring distribution behind R ``concordance`` (survival's ``fastkm1``) and timeROC
  (prodlim's reverse Kaplan-Meier) takes the tied deaths out first ("events come first"), so
  the censoring factor is 1 - c(s) / (n(s) - d(s)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hif_prognosis.distributions import chi2_sf, normal_ppf


def at_risk_counts(index: np.ndarray, n_times: int, members: np.ndarray | None = None) -> np.ndarray:
    """At each of ``n_times`` sorted distinct times, how many observations (of ``members``, a
    boolean mask, if given) are at risk, time >= t; ``index`` is each observation's time's
    position."""
    leaving = np.bincount(index, weights=members, minlength=n_times)
    return leaving.sum() - np.concatenate([[0], np.cumsum(leaving)[:-1]])


def product_limit(
    time: np.ndarray,
    event: np.ndarray,
    at: np.ndarray,
    *,
    left_limit: bool,
    leave_first: np.ndarray | None = None,
) -> np.ndarray:
    """Kaplan-Meier survival of the process whose events ``event`` (1/0) marks, at each of ``at``:
    S(t) (right-continuous) or, with ``left_limit``, S(t-), the product over times strictly
    before t. ``leave_first`` (boolean, optional) marks observations that leave the risk set
    before the events at their own time (prodlim's reverse convention)."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    leaving = np.zeros(len(time)) if leave_first is None else np.asarray(leave_first, dtype=float)
    times, index = np.unique(time, return_inverse=True)
    events = np.bincount(index, weights=event, minlength=len(times))
    leavers = np.bincount(index, weights=leaving, minlength=len(times))
    at_risk = at_risk_counts(index, len(times))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(events > 0, 1 - events / (at_risk - leavers), 1.0)
    survival = np.concatenate([[1.0], np.cumprod(factor)])
    position = np.searchsorted(times, np.asarray(at, dtype=float), side="left" if left_limit else "right")
    return survival[position]


@dataclass(frozen=True)
class KaplanMeierCurve:
    """One group's Kaplan-Meier curve at time 0 and at each distinct observed time: survival
    (right-continuous, R ``survfit``'s), its pointwise 95% band by the exponential Greenwood
    formula (R ``survfit(conf.type = "log-log")``, lifelines' default; 1 where the estimate is 1),
    the numbers at risk (time >= t) and the censorings at each time."""

    label: str
    time: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    at_risk: np.ndarray
    censored: np.ndarray


def kaplan_meier_curve(time: np.ndarray, event: np.ndarray, label: str, *, level: float = 0.95) -> KaplanMeierCurve:
    """The Kaplan-Meier curve of one group (equal to lifelines' ``KaplanMeierFitter``: tested)."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    times, index = np.unique(np.concatenate([[0.0], time]), return_inverse=True)
    index = index[1:]  # time 0 is on the curve whether or not anyone leaves there
    deaths = np.bincount(index, weights=event, minlength=len(times))
    at_risk = at_risk_counts(index, len(times))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(np.where(deaths > 0, 1 - deaths / at_risk, 1.0))
        # Greenwood's sum; a time where everyone at risk dies adds nothing (the estimate is 0 there)
        greenwood = np.cumsum(np.where((deaths > 0) & (at_risk > deaths), deaths / (at_risk * (at_risk - deaths)), 0.0))
        log_survival = np.log(survival)
        spread = normal_ppf(0.5 + level / 2) * np.sqrt(greenwood) / log_survival
        lower = np.exp(-np.exp(np.log(-log_survival) - spread))
        upper = np.exp(-np.exp(np.log(-log_survival) + spread))
    return KaplanMeierCurve(
        label, times, survival, np.nan_to_num(lower, nan=1.0), np.nan_to_num(upper, nan=1.0), at_risk,
        np.bincount(index, weights=1 - event, minlength=len(times)).astype(int),
    )


# The figures' groups and tests: the median split, the log-rank test, the curves and numbers at risk.


def median_groups(score: pd.Series) -> pd.Series:
    """``high`` for scores strictly above the median, ``low`` otherwise."""
    return pd.Series(np.where(score > score.median(), "high", "low"), index=score.index)


def median_split_logrank(
    time: pd.Series, event: pd.Series, score: pd.Series
) -> tuple[float, float, int, int]:
    """Log-rank chi-square, its p-value (1 df), and group sizes (high, low) of the split at the
    score's own median."""
    return split_logrank(time, event, (median_groups(score) == "high").to_numpy())


def split_logrank(time: pd.Series, event: pd.Series, high: np.ndarray) -> tuple[float, float, int, int]:
    """Log-rank chi-square of ``high`` against the rest, its p-value (1 df), and group sizes
    (high, low); NaN where one group is empty. The Mantel-Cox test, as R ``survdiff`` (rho = 0)
    and lifelines' ``logrank_test``: at each event time, the high group's observed less expected
    events and their hypergeometric variance (tested against R)."""
    high = np.asarray(high, dtype=bool)
    n_high, n_low = int(high.sum()), int((~high).sum())
    if n_high == 0 or n_low == 0:
        return np.nan, np.nan, n_high, n_low
    times, index = np.unique(np.asarray(time, dtype=float), return_inverse=True)
    died = np.asarray(event, dtype=float)
    deaths = np.bincount(index, weights=died, minlength=len(times))
    deaths_high = np.bincount(index, weights=died * high, minlength=len(times))
    risk, risk_high = at_risk_counts(index, len(times)), at_risk_counts(index, len(times), high)
    share = risk_high / risk
    with np.errstate(invalid="ignore", divide="ignore"):
        tie_correction = np.where(risk > 1, (risk - deaths) / (risk - 1), 0.0)
    excess = float(np.sum(deaths_high - deaths * share))
    variance = float(np.sum(deaths * share * (1 - share) * tie_correction))
    chisq = excess**2 / variance if variance > 0 else np.nan
    return chisq, float(chi2_sf(chisq, 1)), n_high, n_low


def kaplan_meier_curves(time: pd.Series, event: pd.Series, groups: pd.Series) -> dict[str, KaplanMeierCurve]:
    """Kaplan-Meier curves per group label, in sorted label order, each labelled with its size."""
    curves = {}
    for label in sorted(groups.unique()):
        mask = (groups == label).to_numpy()
        curves[str(label)] = kaplan_meier_curve(
            time.to_numpy()[mask], event.to_numpy()[mask], f"{label} (n={int(mask.sum())})"
        )
    return curves


AT_RISK_COLUMNS = ["group", "time_months", "at_risk", "events_before", "censored_before"]


MAX_AT_RISK_POINTS = 11


def numbers_at_risk(time: pd.Series, event: pd.Series, groups: pd.Series) -> pd.DataFrame:
    """Per group, at 0, k, 2k, ... months up to the last follow-up, k the smallest multiple of 12
    giving at most MAX_AT_RISK_POINTS time points: samples still at risk (time >= t, R
    ``survfit``'s ``n.risk``), and events and censorings strictly before t (AT_RISK_COLUMNS)."""
    every_months = 12.0 * max(1, int(np.ceil(float(time.max()) / 12.0 / (MAX_AT_RISK_POINTS - 1))))
    grid = np.arange(0.0, float(time.max()) + every_months, every_months)
    grid = grid[grid <= time.max()]
    rows = []
    for label in sorted(groups.unique()):
        mask = (groups == label).to_numpy()
        t, e = time.to_numpy()[mask], event.to_numpy()[mask]
        for point in grid:
            rows.append({
                "group": label, "time_months": point, "at_risk": int((t >= point).sum()),
                "events_before": int(((t < point) & (e == 1)).sum()),
                "censored_before": int(((t < point) & (e == 0)).sum()),
            })
    return pd.DataFrame(rows, columns=AT_RISK_COLUMNS)
