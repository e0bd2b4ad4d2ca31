"""Compiled kernels more than one scoring method (or the random-signature null) uses: draws of
random gene subsets, sums over gene sets, each sample's ranking of the genes and a small sort.
A kernel that serves one method lives in that method's module."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

import hif_prognosis.compiled  # noqa: F401 - the kernels' thread count follows the job's


@njit(cache=True, inline="always")
def floyd_subset(n: int, uniforms: np.ndarray, chosen: np.ndarray, out: np.ndarray) -> None:
    """Robert Floyd's algorithm: ``out`` gets len(uniforms) distinct positions in 0..n-1,
    uniformly at random (each subset equally likely), one uniform per position; ``chosen``
    (length n, all False) marks the positions taken and is left marked."""
    count = len(uniforms)
    for i in range(count):
        j = n - count + i
        t = min(int(uniforms[i] * (j + 1)), j)  # min: u * (j + 1) may round up to j + 1
        if chosen[t]:
            t = j
        chosen[t] = True
        out[i] = t


@njit(cache=True, parallel=True)
def sample_subsets(pool: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Row s: uniforms.shape[1] distinct elements of ``pool`` drawn without replacement with
    the uniforms of row s (sets x count)."""
    n_sets, count = uniforms.shape
    out = np.empty((n_sets, count), dtype=pool.dtype)
    for s in prange(n_sets):
        positions = np.empty(count, dtype=np.int64)
        floyd_subset(len(pool), uniforms[s], np.zeros(len(pool), dtype=np.bool_), positions)
        for i in range(count):
            out[s, i] = pool[positions[i]]
    return out


@njit(cache=True, nogil=True)
def set_sums(values: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """(sets x columns): each set's sum of its genes' rows of ``values`` (genes x columns), in
    the values' type, the rows added in the order the set lists them (a gene listed twice
    added twice). For sets of distinct genes in gene order, scipy's product of their CSR
    indicator with ``values`` to the bit, without building the indicator. Serial and free of
    the GIL: callers run blocks of columns on threads of their own."""
    out = np.zeros((sets.shape[0], values.shape[1]), dtype=values.dtype)
    for s in range(sets.shape[0]):
        row = out[s]
        for i in range(sets.shape[1]):
            gene = values[sets[s, i]]
            for j in range(len(row)):
                row[j] += gene[j]
    return out


# Tie groups up to this size are put in gene order by insertion sort, larger ones by numpy's sort:
# an RNA-seq sample's unexpressed genes (thousands of zeros) made insertion sort quadratic.
INSERTION_SORT_LIMIT = 32


@njit(cache=True, nogil=True, inline="always")
def insertion_sort(values: np.ndarray, lo: int, hi: int) -> None:
    """Sort values[lo:hi] in place by insertion: for a few values, quadratic beyond."""
    for i in range(lo + 1, hi):
        x, h = values[i], i
        while h > lo and values[h - 1] > x:
            values[h] = values[h - 1]
            h -= 1
        values[h] = x


@njit(cache=True, nogil=True, inline="always")
def _sort_genes(order: np.ndarray, start: int, stop: int) -> None:
    """Sort order[start:stop] (one tie group's genes, distinct indices) in place."""
    if stop - start > INSERTION_SORT_LIMIT:
        order[start:stop] = np.sort(order[start:stop])
    else:
        insertion_sort(order, start, stop)


@njit(cache=True, nogil=True)
def column_ranks(
    values: np.ndarray, order: np.ndarray, first: int, lowest: np.ndarray, truncated: np.ndarray,
    remaining: np.ndarray,
) -> None:
    """For samples ``first``.. (the rows of ``values``, samples x genes, no NaN), each sorted by
    its row of ``order`` (numpy's argsort; ties are put in gene order here), fills these
    samples' columns of the genes x samples outputs (an output of 0 rows is skipped):
    ``lowest``, each gene's lowest rank among its ties (1-based, R's ``rank(ties.method =
    "min")``); ``truncated``, its average rank truncated to an integer (GSVA's
    ``as.integer(rank(x))``); ``remaining``, how many genes from it to the end of the ranking
    by decreasing truncated rank, ties in gene order (GSVA's ``order(decreasing = TRUE)``).
    Truncated average ranks differ between tie groups, so that order only reverses the groups.
    Serial and free of the GIL: callers run blocks of samples on threads of their own."""
    n_genes = values.shape[1]
    for k in range(order.shape[0]):
        j, sample_values, sample_order = first + k, values[k], order[k]
        start = 0
        while start < n_genes:
            stop = start + 1
            while stop < n_genes and sample_values[sample_order[stop]] == sample_values[sample_order[start]]:
                stop += 1
            _sort_genes(sample_order, start, stop)
            for i in range(start, stop):
                gene = sample_order[i]
                if lowest.shape[0]:
                    lowest[gene, j] = start + 1
                if truncated.shape[0]:
                    truncated[gene, j] = (start + 1 + stop) // 2
                if remaining.shape[0]:
                    remaining[gene, j] = stop - (i - start)
            start = stop
