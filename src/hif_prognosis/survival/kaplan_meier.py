"""The Kaplan-Meier (product-limit) estimator evaluated at given times, for the weights and time
transforms of other statistics (the censoring distribution of Uno's C and the time-dependent AUC,
the time axis of the proportional-hazards test).

At a time s with n(s) observations at risk (time >= s) and e(s) events, the estimate falls by the
factor 1 - e(s) / n(s). Conventions differ only where events of the estimated process tie with
other observations that leave at the same time, and are chosen by the caller:
- R ``survfit`` keeps every observation with time >= s in the risk set (the survival curve);
- the censoring distribution behind R ``concordance`` (survival's ``fastkm1``) and timeROC
  (prodlim's reverse Kaplan-Meier) takes the tied deaths out first ("events come first"), so
  the censoring factor is 1 - c(s) / (n(s) - d(s)).
"""

from __future__ import annotations

import numpy as np


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
    at_risk = len(time) - np.concatenate([[0], np.cumsum(np.bincount(index, minlength=len(times)))[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(events > 0, 1 - events / (at_risk - leavers), 1.0)
    survival = np.concatenate([[1.0], np.cumprod(factor)])
    position = np.searchsorted(times, np.asarray(at, dtype=float), side="left" if left_limit else "right")
    return survival[position]
