"""Statistical helpers shared across the analyses, each defined once: the seeded random
streams, the pairs and concordance behind every Harrell's C, and the Wald interval of a hazard
ratio."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm


def set_rng(seed: int, *names: str) -> np.random.Generator:
    """A generator per (seed, names), independent of the order in which sets are drawn."""
    return np.random.default_rng([seed, zlib.crc32("/".join(names).encode())])


def comparable_pairs(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """n x n: True where sample i failed before j was last seen, as R's ``concordance``: i's
    time is an event and shorter than j's (a censored time tied with it counts as longer)."""
    later = (time[:, None] < time[None, :]) | ((time[:, None] == time[None, :]) & (event[None, :] == 0))
    return later & (event[:, None] == 1)


def harrell_c_columns(time: np.ndarray, event: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Harrell's C of every column of ``scores`` (n x m) as a risk predictor, as R's
    ``concordance(..., reverse = TRUE)``: over comparable pairs, tied scores count one half."""
    i, j = np.nonzero(comparable_pairs(np.asarray(time, float), np.asarray(event, float)))
    concordant = np.zeros(scores.shape[1])
    for start in range(0, len(i), 20_000):
        a, b = scores[i[start:start + 20_000]], scores[j[start:start + 20_000]]
        concordant += (a > b).sum(axis=0) + 0.5 * (a == b).sum(axis=0)
    return concordant / len(i)


def harrell_c(time: pd.Series, event: pd.Series, score: pd.Series) -> float:
    """Harrell's C of ``score`` as a risk predictor (higher score = shorter survival)."""
    scores = np.asarray(score, dtype=float)[:, None]
    return float(harrell_c_columns(np.asarray(time, float), np.asarray(event, float), scores)[0])


def concordance_score(score: np.ndarray, other: np.ndarray) -> np.ndarray:
    """1 where ``score`` (rows) exceeds ``other`` (columns), 1/2 where they are equal, else 0."""
    return np.where(score[:, None] > other[None, :], 1.0, np.where(score[:, None] == other[None, :], 0.5, 0.0))


Z95 = float(norm.ppf(0.975))  # two-sided 95% normal quantile of every Wald interval


def wald_hr_interval(log_hr: Any, se: Any) -> tuple[Any, Any]:
    """95% Wald interval of a hazard ratio, exp(log HR -/+ 1.96 SE); scalars or arrays alike."""
    return np.exp(log_hr - Z95 * se), np.exp(log_hr + Z95 * se)
