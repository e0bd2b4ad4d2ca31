"""Statistical helpers shared across the analyses, each defined once: the seeded random
streams, the concordance sums behind every Harrell's and Uno's C (by sorting, O(n log n)), and
the Wald interval of a hazard ratio."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from hif_prognosis.kernels import concordance_columns, dense_rank_columns


def set_rng(seed: int, *names: str) -> np.random.Generator:
    """A generator per (seed, names), independent of the order in which sets are drawn."""
    return np.random.default_rng([seed, zlib.crc32("/".join(names).encode())])


def dense_ranks(scores: np.ndarray) -> np.ndarray:
    """1-based dense ranks of each column of ``scores`` (n x m): tied values share a rank. Each
    column is contiguous in the result (what the concordance walk reads)."""
    scores = np.asarray(scores, dtype=np.float64)
    ranks = np.empty(scores.shape[::-1], dtype=np.int64).T
    dense_rank_columns(scores, ranks)
    return ranks


def concordance_sums(
    time: np.ndarray,
    event: np.ndarray,
    ranks: np.ndarray,
    insert_weight: np.ndarray | None = None,
    query_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted concordant and comparable pair sums of every column of ``ranks`` (n x m, dense
    ranks of a risk score), by sorting: O(n log n) per column, as R's ``concordance`` (a tree
    over the scores, walked in time order), where the pairwise form is O(n^2).

    A pair (i, j) is comparable where i failed before j was last seen, as in R's
    ``concordance``: i's time is an event and shorter than j's, a censored time tied with it
    counting as longer. It weighs query_weight[i] * insert_weight[j] and is concordant where
    i's rank is higher, half where equal. Unit weights give Harrell's C; bootstrap counts as both weights give a
    resample's C (a patient's own copies are never comparable: equal time and status); inverse
    squared censoring weights as ``query_weight`` give Uno's C."""
    n = len(time)

    def as_columns(values: ArrayLike | None, dtype: Any) -> np.ndarray:
        """n x m, or n x 1 for a value shared by all columns (a scalar or one column)."""
        array = np.asarray(1.0 if values is None else values, dtype=dtype)
        if array.ndim < 2:
            return np.ascontiguousarray(np.broadcast_to(array.reshape(-1, 1), (n, 1)))
        return array  # in its own layout: the walk reads a column at a time

    order = np.argsort(-time, kind="stable")
    sorted_time = time[order]
    starts = np.flatnonzero(np.r_[True, sorted_time[1:] != sorted_time[:-1], True])
    return concordance_columns(
        order, starts, np.asarray(event, dtype=np.float64), as_columns(ranks, np.int64),
        as_columns(insert_weight, np.float64), as_columns(query_weight, np.float64), int(np.max(ranks)),
    )


def harrell_c_columns(time: ArrayLike, event: ArrayLike, scores: ArrayLike) -> np.ndarray:
    """Harrell's C of every column of ``scores`` (n x m) as a risk predictor, as R's
    ``concordance(..., reverse = TRUE)``: over comparable pairs, tied scores count one half."""
    scores = np.asarray(scores, dtype=float)
    concordant, comparable = concordance_sums(
        np.asarray(time, float), np.asarray(event, float), dense_ranks(scores)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return concordant / comparable


def harrell_c(time: ArrayLike, event: ArrayLike, score: ArrayLike) -> float:
    """Harrell's C of ``score`` as a risk predictor (higher score = shorter survival)."""
    return float(harrell_c_columns(time, event, np.asarray(score, dtype=float)[:, None])[0])


def fraction_below(score: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each of ``score``, the fraction of ``other`` it exceeds, ties counting one half: the
    mean over ``other`` of 1 (greater), 1/2 (equal) or 0, by sorting (O((n + m) log m), not
    over all n x m pairs). The counts are whole or half numbers, so the result equals the
    pairwise mean to the last bit."""
    ordered = np.sort(other)
    below = np.searchsorted(ordered, score, side="left")
    equal = np.searchsorted(ordered, score, side="right") - below
    return (below + 0.5 * equal) / len(other)


ALPHA = 0.05  # the level of every test the judgement reads (two-sided unless it says one-sided)
Z95 = float(norm.ppf(1 - ALPHA / 2))  # two-sided 95% normal quantile of every Wald interval


def wald_hr_interval(log_hr: Any, se: Any) -> tuple[Any, Any]:
    """95% Wald interval of a hazard ratio, exp(log HR -/+ 1.96 SE); scalars or arrays alike."""
    return np.exp(log_hr - Z95 * se), np.exp(log_hr + Z95 * se)
