"""Statistical helpers shared across the analyses, each defined once: the seeded random
streams and the concordance sums behind every Harrell's and Uno's C (by sorting, O(n log n);
small data's Harrell's C by counting pairs). The tests' level and the Wald interval of a hazard
ratio are in ``hif_prognosis.distributions``."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from numba import get_num_threads, njit, prange

from hif_prognosis.compiled import sorted_column_blocks  # importing it: the kernels' thread count follows the job's


def set_rng(seed: int, *names: str) -> np.random.Generator:
    """A generator per (seed, names), independent of the order in which sets are drawn."""
    return np.random.default_rng([seed, zlib.crc32("/".join(names).encode())])


RANK_COLUMNS = 64  # columns a thread sorts at a time (their copy and order: 10 MB at 10,000 samples)


def dense_ranks(scores: np.ndarray) -> np.ndarray:
    """1-based dense ranks of each column of ``scores`` (n x m): tied values share a rank; a NaN
    equals nothing, and the NaNs of a column rank last, one each, in row order. Each column is
    contiguous in the result (what the concordance walk reads). Sorted a block of columns at a
    time on the job's threads (sorted_column_blocks)."""
    scores = np.asarray(scores, dtype=np.float64)
    ranks = np.empty(scores.shape[::-1], dtype=np.int64)
    sorted_column_blocks(
        scores, RANK_COLUMNS, get_num_threads(),
        lambda first, columns, order: dense_rank_rows(columns, order, ranks[first:first + RANK_COLUMNS]),
    )
    return ranks.T


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
    ``concordance(..., reverse = TRUE)``: over comparable pairs, tied scores count one half.

    Where the comparable pairs are few (below PAIRWISE_PAIRS_PER_SORT_STEP n log2 n, as in the
    random-signature null's cohorts of tens to hundreds of patients), each event's pairs are
    counted directly (harrell_c_pairwise); else by sorting (concordance_sums). The counts are
    whole and half numbers, so both give the same bits (tested)."""
    time, event = np.asarray(time, float), np.asarray(event, float)
    scores = np.asarray(scores, dtype=float)
    order = np.lexsort((event, -time))  # time descending; censored before events in a tie
    sorted_time = time[order]
    events = np.flatnonzero(event[order] == 1)
    # An event's comparable rows (everyone seen longer, the censored of its own time included)
    # are the rows before its time's first event.
    new_time = np.r_[True, sorted_time[events][1:] != sorted_time[events][:-1]]
    comparable_end = np.maximum.accumulate(np.where(new_time, events, 0))
    n = len(time)
    if comparable_end.sum() <= PAIRWISE_PAIRS_PER_SORT_STEP * n * np.log2(max(n, 2)) and not np.isnan(scores).any():
        return harrell_c_pairwise(scores, order, events, comparable_end)
    concordant, comparable = concordance_sums(time, event, dense_ranks(scores))
    with np.errstate(invalid="ignore", divide="ignore"):
        return concordant / comparable


# Counting pairs directly beats sorting up to about 50 comparable pairs per step of the sort's
# n log2 n (measured: 5.5x faster at 86 patients, 2.5x at 1,000, 1.3x at 3,000 with 40% events);
# 32 keeps a margin.
PAIRWISE_PAIRS_PER_SORT_STEP = 32


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


# Compiled kernels of the concordance walk.


@njit(cache=True, nogil=True)
def dense_rank_rows(values: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    """Dense ranks (dense_ranks') of each row of ``values`` into that row of ``out``, the row
    sorted by its row of ``order`` (numpy's argsort: NaNs last, in any order)."""
    for c in range(values.shape[0]):
        row, row_order = values[c], order[c]
        rank = 0
        for k in range(len(row_order)):
            value = row[row_order[k]]
            if np.isnan(value):
                break
            if k == 0 or value != row[row_order[k - 1]]:
                rank += 1
            out[c, row_order[k]] = rank
        for j in range(len(row)):
            if np.isnan(row[j]):
                rank += 1
                out[c, j] = rank


@njit(cache=True, parallel=True, error_model="numpy")  # numpy's: 0 / 0 pairs is NaN, not an exception
def harrell_c_pairwise(
    scores: np.ndarray, order: np.ndarray, events: np.ndarray, comparable_end: np.ndarray
) -> np.ndarray:
    """Harrell's C of each column of ``scores`` (n x m) with NaN-free scores, by counting pairs:
    rows in ``order`` (time descending, censored first in a tie), event k at sorted row events[k]
    compared with sorted rows 0..comparable_end[k] - 1, in integer counts the compiler
    vectorises."""
    n, m = scores.shape
    out = np.empty(m)
    for column in prange(m):
        c = np.int64(column)
        ordered = np.empty(n)
        for k in range(n):
            ordered[k] = scores[order[k], c]
        concordant, comparable = 0.0, 0.0
        for k in range(len(events)):
            score = ordered[events[k]]
            below, equal = 0, 0
            for j in range(comparable_end[k]):
                below += ordered[j] < score
                equal += ordered[j] == score
            concordant += below + 0.5 * equal
            comparable += comparable_end[k]
        out[c] = concordant / comparable
    return out


@njit(cache=True, inline="always")
def _tree_add(tree: np.ndarray, position: int, weight: float) -> None:
    """Add ``weight`` at ``position`` (1-based) of a binary indexed (Fenwick) tree."""
    while position < len(tree):
        tree[position] += weight
        position += position & -position


@njit(cache=True, inline="always")
def _tree_prefix(tree: np.ndarray, position: int) -> float:
    """The sum of a Fenwick tree's weights at positions 1..``position``."""
    total = 0.0
    while position > 0:
        total += tree[position]
        position -= position & -position
    return total


@njit(cache=True, parallel=True)
def concordance_columns(
    order: np.ndarray, starts: np.ndarray, event: np.ndarray, ranks: np.ndarray, insert: np.ndarray,
    query: np.ndarray, size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The walk of ``stats.concordance_sums`` for every column, in parallel over columns: samples
    in decreasing time (``order``), tied times in groups (``starts``, with the end appended);
    per group the censored enter a Fenwick tree over the dense ``ranks`` (1..size) first, then
    each failure reads how much inserted weight ranks below and equal to it, then the failures
    enter. ``ranks``, ``insert`` and ``query`` have one column per column or one for all."""
    n_columns = max(ranks.shape[1], insert.shape[1], query.shape[1])
    concordant, comparable = np.zeros(n_columns), np.zeros(n_columns)
    for column in prange(n_columns):
        c = np.int64(column)  # prange's index may be unsigned: mixing it with 0 would give a float
        cr = c if ranks.shape[1] > 1 else 0
        ci = c if insert.shape[1] > 1 else 0
        cq = c if query.shape[1] > 1 else 0
        tree = np.zeros(size + 1)
        inserted, total_concordant, total_comparable = 0.0, 0.0, 0.0
        for g in range(len(starts) - 1):
            for k in range(starts[g], starts[g + 1]):  # a censoring tied with a failure is later
                j = order[k]
                if event[j] == 0:
                    _tree_add(tree, ranks[j, cr], insert[j, ci])
                    inserted += insert[j, ci]
            for k in range(starts[g], starts[g + 1]):
                i = order[k]
                if event[i] == 1:
                    below = _tree_prefix(tree, ranks[i, cr] - 1)
                    at = _tree_prefix(tree, ranks[i, cr])
                    total_concordant += query[i, cq] * (below + 0.5 * (at - below))
                    total_comparable += query[i, cq] * inserted
            for k in range(starts[g], starts[g + 1]):
                i = order[k]
                if event[i] == 1:
                    _tree_add(tree, ranks[i, cr], insert[i, ci])
                    inserted += insert[i, ci]
        concordant[c], comparable[c] = total_concordant, total_comparable
    return concordant, comparable
