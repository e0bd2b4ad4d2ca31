"""Compiled loops (numba) where numpy has no vectorised form: the scorers' sorts and gathers,
the concordance walk behind every C-statistic, and the Cox engine's Newton-Raphson.

Each kernel runs over many random gene sets (or Cox columns) at once, in parallel over sets,
samples or columns (a fixed partition of independent work: results do not depend on the number
of threads, which ``compiled_threads`` sets). Random numbers come in as uniforms drawn by
numpy's seeded Generator, so draws stay reproducible from the config's seed.
``hif_prognosis.scoring``, ``stats`` and ``fastcox`` wrap them; the tests hold the scorers equal
to the readable per-signature definitions in ``tests/reference_scoring.py``, and the
C-statistics and the Cox engine to R.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from llvmlite.binding import add_symbol
from numba import config, get_num_threads, njit, prange, set_num_threads, types
from numba.extending import get_cython_function_address


def _pool_size(threads: int) -> int:
    return max(1, min(threads, config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]


# Outside compiled_threads the kernels run on the job's threads, which Snakemake announces as
# OMP_NUM_THREADS, not on numba's default of every core of the machine (a cluster node's 64).
if os.environ.get("OMP_NUM_THREADS", "").isdigit():
    set_num_threads(_pool_size(int(os.environ["OMP_NUM_THREADS"])))


@contextmanager
def compiled_threads(threads: int) -> Iterator[None]:
    """The kernels run on ``threads`` threads (at most numba's pool) inside the block, and on
    as many as before after it."""
    previous = get_num_threads()
    set_num_threads(_pool_size(threads))
    try:
        yield
    finally:
        set_num_threads(previous)


@njit(cache=True, inline="always")
def _floyd_subset(n: int, uniforms: np.ndarray, chosen: np.ndarray, out: np.ndarray) -> None:
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
        _floyd_subset(len(pool), uniforms[s], np.zeros(len(pool), dtype=np.bool_), positions)
        for i in range(count):
            out[s, i] = pool[positions[i]]
    return out


@njit(cache=True, parallel=True)
def score_genes_controls(
    sets: np.ndarray, cut_of_gene: np.ndarray, cut_genes: np.ndarray, cut_start: np.ndarray,
    ctrl_size: int, uniforms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """scanpy score_genes' control genes of every set, as a CSR structure (indptr, indices):
    for each expression cut holding one of the set's genes, ``ctrl_size`` genes drawn from
    the cut (all of it if smaller), then the set's own genes removed. ``cut_genes`` lists the
    genes cut by cut, cut c at cut_start[c]:cut_start[c + 1]; ``uniforms`` is sets x cuts x
    ctrl_size."""
    n_sets, n_genes, n_cuts = sets.shape[0], len(cut_of_gene), len(cut_start) - 1
    counts = np.zeros(n_sets + 1, dtype=np.int64)
    drawn = np.full((n_sets, n_cuts * ctrl_size), -1, dtype=np.int64)
    for s in prange(n_sets):
        own = np.zeros(n_genes, dtype=np.bool_)
        held = np.zeros(n_cuts, dtype=np.bool_)
        for g in sets[s]:
            own[g] = True
            held[cut_of_gene[g]] = True
        k = 0
        positions = np.empty(ctrl_size, dtype=np.int64)
        for c in range(n_cuts):
            if not held[c]:
                continue
            start, n = cut_start[c], cut_start[c + 1] - cut_start[c]
            if ctrl_size >= n:
                taken = n
                for i in range(n):
                    positions[i] = i
            else:
                taken = ctrl_size
                _floyd_subset(n, uniforms[s, c], np.zeros(n, dtype=np.bool_), positions)
            for i in range(taken):
                g = cut_genes[start + positions[i]]
                if not own[g]:
                    drawn[s, k] = g
                    k += 1
        counts[s + 1] = k
    indptr = np.cumsum(counts)
    indices = np.empty(indptr[-1], dtype=np.int64)
    for s in prange(n_sets):
        indices[indptr[s]:indptr[s + 1]] = drawn[s, : indptr[s + 1] - indptr[s]]
    return indptr, indices


LANES = 8  # samples per block of the blocked layout: one 64-byte cache line of float64


def sample_blocks(values: np.ndarray) -> np.ndarray:
    """genes x samples -> (sample blocks, genes, LANES), the last block padded with zeros: a
    gene's values for LANES samples sit in one cache line, so a kernel reading many genes for
    every set reads whole lines and adds them lane-wise."""
    n_genes, n_samples = values.shape
    n_blocks = -(-n_samples // LANES)
    padded = np.zeros((n_genes, n_blocks * LANES))
    padded[:, :n_samples] = values
    return np.ascontiguousarray(padded.reshape(n_genes, n_blocks, LANES).transpose(1, 0, 2))


@njit(cache=True, parallel=True)
def _sum_rows(blocks: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(blocks x sets x LANES): per set (CSR row of gene indices), the sum of its genes' lines,
    block by block, so the block being read (genes x LANES) stays in cache for every set."""
    n_blocks, n_sets = blocks.shape[0], len(indptr) - 1
    out = np.zeros((n_blocks, n_sets, LANES))
    for b in prange(n_blocks):
        block = blocks[b]
        for s in range(n_sets):
            total = out[b, s]
            for k in range(indptr[s], indptr[s + 1]):
                line = block[indices[k]]
                for lane in range(LANES):
                    total[lane] += line[lane]
    return out


def nan_mean_rows(
    blocks: np.ndarray, indptr: np.ndarray, indices: np.ndarray, n_samples: int, missing: bool
) -> np.ndarray:
    """(sets x samples): per set (CSR row of gene indices) and sample, the mean of the genes'
    values over those not NaN (numpy's nanmean; NaN where all are). ``blocks`` is the
    sample_blocks layout; ``missing`` says whether it holds a NaN (known once per matrix: looking
    costs a pass over it)."""
    if missing:
        absent = np.isnan(blocks)
        sums = _sum_rows(np.where(absent, 0.0, blocks), indptr, indices)
        counts = _sum_rows((~absent).astype(float), indptr, indices)
    else:
        sums, counts = _sum_rows(blocks, indptr, indices), np.diff(indptr).astype(float)[None, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    return np.ascontiguousarray(means.transpose(1, 0, 2)).reshape(len(indptr) - 1, -1)[:, :n_samples]


@njit(cache=True, nogil=True)
def column_ranks(
    values: np.ndarray, order: np.ndarray, first: int, tau: float, lowest: np.ndarray, weight: np.ndarray,
    remaining: np.ndarray,
) -> None:
    """For samples ``first``.. (columns of genes x samples ``values``, no NaN), each sorted by
    its row of ``order`` (numpy's argsort; ties are put in gene order here), fills these
    samples' columns of the outputs of shape ``values.shape`` (an output of 0 rows is skipped):
    ``lowest``, each gene's lowest rank among its ties (1-based, R's ``rank(ties.method =
    "min")``); ``weight``, its average rank truncated to an integer (GSVA's
    ``as.integer(rank(x))``) raised to ``tau``; ``remaining``, how many genes from it to the end
    of the ranking by decreasing truncated rank, ties in gene order (GSVA's ``order(decreasing =
    TRUE)``). Truncated average ranks differ between tie groups, so that order only reverses
    the groups. No other matrix-sized array is made. Serial and free of the GIL: callers run
    blocks of samples on threads of their own."""
    n_genes = values.shape[0]
    for k in range(order.shape[0]):
        j, sample_order = first + k, order[k]
        start = 0
        while start < n_genes:
            stop = start + 1
            while stop < n_genes and values[sample_order[stop], j] == values[sample_order[start], j]:
                stop += 1
            for i in range(start + 1, stop):  # insertion sort of the (small) tie group
                gene, h = sample_order[i], i
                while h > start and sample_order[h - 1] > gene:
                    sample_order[h] = sample_order[h - 1]
                    h -= 1
                sample_order[h] = gene
            truncated = float(int((start + 1 + stop) / 2.0))
            for i in range(start, stop):
                gene = sample_order[i]
                if lowest.shape[0]:
                    lowest[gene, j] = start + 1
                if weight.shape[0]:
                    weight[gene, j] = truncated**tau
                if remaining.shape[0]:
                    remaining[gene, j] = stop - (i - start)
            start = stop


@njit(cache=True, parallel=True)
def row_zscores(values: np.ndarray, out: np.ndarray) -> None:
    """Each row of ``values`` z-scored into ``out`` (same shape): minus the row's mean, over its
    sample SD (ddof=1), both over its non-missing values; NaN stays NaN. A row whose values are
    all equal, or that has fewer than two values, has no z-scores: all NaN (its SD formed in
    floating point would be rounding noise, not zero)."""
    for i in prange(values.shape[0]):
        count, total, low, high = 0, 0.0, np.inf, -np.inf
        for j in range(values.shape[1]):
            v = values[i, j]
            if not np.isnan(v):
                count += 1
                total += v
                low, high = min(low, v), max(high, v)
        if count < 2 or low == high:
            out[i, :] = np.nan
            continue
        mean, squares = total / count, 0.0
        for j in range(values.shape[1]):
            v = values[i, j]
            if not np.isnan(v):
                squares += (v - mean) ** 2
        sd = np.sqrt(squares / (count - 1))
        for j in range(values.shape[1]):
            out[i, j] = (values[i, j] - mean) / sd


@njit(cache=True, parallel=True)
def dense_rank_columns(values: np.ndarray, out: np.ndarray) -> None:
    """1-based dense ranks of each column of ``values`` (n x m) into ``out``: tied values share
    a rank, the next distinct value gets the next. A NaN is sorted last and equals nothing, as
    in numpy, so each gets a rank of its own."""
    for c in prange(values.shape[1]):
        column = values[:, c].copy()
        order = np.argsort(column)
        rank = 0
        for k in range(len(order)):
            if k == 0 or not column[order[k]] == column[order[k - 1]]:
                rank += 1
            out[order[k], c] = rank


@njit(cache=True, parallel=True)
def gathered_medians(z: np.ndarray, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Per set and sample, the median of the set's signed values (``down`` genes negated),
    gathered from ``z`` (genes x samples, no NaN in the sets' genes): no matrix-wide preparation,
    for few sets or many samples (``signed_medians`` for many sets of a smaller matrix)."""
    n_sets, n_up, n_down = up.shape[0], up.shape[1], down.shape[1]
    out = np.empty((n_sets, z.shape[1]))
    for s in prange(n_sets):
        signed = np.empty(n_up + n_down)
        for j in range(z.shape[1]):
            for a in range(n_up):
                signed[a] = z[up[s, a], j]
            for b in range(n_down):
                signed[n_up + b] = -z[down[s, b], j]
            out[s, j] = _median_in_place(signed)
    return out


@njit(cache=True, inline="always")
def _median_in_place(values: np.ndarray) -> float:
    """np.median of ``values`` (no NaN), reordering them instead of copying: Wirth's selection
    puts the upper middle value at k = n // 2 with none greater before it; for even n the lower
    middle is the largest before it, and the median their mean, as numpy forms it."""
    n = len(values)
    k = n // 2
    low, high = 0, n - 1
    while low < high:
        pivot, i, j = values[k], low, high
        while i <= j:
            while values[i] < pivot:
                i += 1
            while pivot < values[j]:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        if j < k:
            low = i
        if k < i:
            high = j
    if n % 2:
        return values[k]
    return (values[:k].max() + values[k]) / 2


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


def signed_order(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every sample (column of genes x samples ``values``, no NaN), its 2G signed values
    (the genes' values, then their negations) in increasing order, and each signed value's
    position in that order (samples x 2G each): what ``signed_medians`` reads."""
    signed = np.concatenate([values, -values]).T
    order = np.argsort(signed, axis=1, kind="stable")
    position = np.empty(order.shape, dtype=np.int32)
    np.put_along_axis(position, order, np.arange(order.shape[1], dtype=np.int32)[None, :], axis=1)
    return np.ascontiguousarray(np.take_along_axis(signed, order, axis=1)), position


@njit(cache=True, inline="always")
def _popcount(word: np.uint64) -> int:
    word = word - ((word >> np.uint64(1)) & np.uint64(0x5555555555555555))
    word = (word & np.uint64(0x3333333333333333)) + ((word >> np.uint64(2)) & np.uint64(0x3333333333333333))
    word = (word + (word >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((word * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, inline="always")
def _nth_set_bit(words: np.ndarray, start_word: int, skip: int) -> tuple[int, int]:
    """Position of the set bit after ``skip`` set bits, counting from word ``start_word``; and
    the word it is in."""
    w = start_word
    while True:
        count = _popcount(words[w])
        if skip < count:
            break
        skip -= count
        w += 1
    word = words[w]
    for _ in range(skip):
        word &= word - np.uint64(1)  # drop the lowest set bit
    bit = 0
    while not (word >> np.uint64(bit)) & np.uint64(1):
        bit += 1
    return w * 64 + bit, w


@njit(cache=True, parallel=True)
def signed_medians(
    sorted_values: np.ndarray, position: np.ndarray, up: np.ndarray, down: np.ndarray
) -> np.ndarray:
    """(sets x samples): per set and sample, the median of the ``up`` genes' values and the
    ``down`` genes' negated values, as numpy's median (the mean of the two middle values for an
    even count), from ``signed_order``. Per sample, the set's signed positions are marked in a
    bitset and the middle one(s) found by counting bits: no sorting per set."""
    n_samples, n_signed = position.shape
    n_genes = n_signed // 2
    n_sets, n_up, n_down = up.shape[0], up.shape[1], down.shape[1]
    n = n_up + n_down
    middle = (n - 1) // 2
    out = np.empty((n_samples, n_sets))
    for j in prange(n_samples):
        words = np.zeros(n_signed // 64 + 1, dtype=np.uint64)
        ranks = position[j]
        values = sorted_values[j]
        for s in range(n_sets):
            first = n_signed
            for i in range(n_up):
                r = ranks[up[s, i]]
                words[r >> 6] |= np.uint64(1) << np.uint64(r & 63)
                first = min(first, r)
            for i in range(n_down):
                r = ranks[n_genes + down[s, i]]
                words[r >> 6] |= np.uint64(1) << np.uint64(r & 63)
                first = min(first, r)
            low, word = _nth_set_bit(words, first >> 6, middle)
            if n % 2:
                out[j, s] = values[low]
            else:
                high, _ = _nth_set_bit(words, word, middle + 1 - _count_below(words, first >> 6, word))
                out[j, s] = (values[low] + values[high]) / 2
            for i in range(n_up):
                words[ranks[up[s, i]] >> 6] = 0
            for i in range(n_down):
                words[ranks[n_genes + down[s, i]] >> 6] = 0
    return out.T


@njit(cache=True, inline="always")
def _count_below(words: np.ndarray, start_word: int, end_word: int) -> int:
    """Set bits in words start_word..end_word-1."""
    count = 0
    for w in range(start_word, end_word):
        count += _popcount(words[w])
    return count


def _fortran_routine(module: str, name: str, n_arguments: int) -> Any:  # called in compiled code only
    """A BLAS or LAPACK routine of scipy's own library (scipy.linalg.cython_*), callable from
    compiled code, every argument a pointer (Fortran convention). It is registered as a named
    symbol, not called through an address, so the compiled code that calls it can be cached."""
    symbol = f"hif_prognosis_{name}"
    add_symbol(symbol, get_cython_function_address(f"scipy.linalg.cython_{module}", name))
    return types.ExternalFunction(symbol, types.void(*[types.voidptr] * n_arguments))


_DSYRK = _fortran_routine("blas", "dsyrk", 10)
_DSYEVR = _fortran_routine("lapack", "dsyevr", 21)


@njit(cache=True, parallel=True)
def pc1_components(z: np.ndarray, up: np.ndarray, down: np.ndarray, n_chunks: int) -> np.ndarray:
    """(sets x samples): each set's first principal component of its genes' rows of ``z``
    (genes x samples, each gene centred; ``down`` genes negated), oriented to covary positively
    with the genes' mean (a component of zero covariance is left as LAPACK gives it): the leading
    eigenvector of the genes' Gram matrix (LAPACK dsyrk, then dsyevr for the largest
    eigenpair only) projected on the data, or, where a set has more genes than there are
    samples, of the samples' Gram matrix scaled by the root of its eigenvalue."""
    n_samples, n_sets, n_up = z.shape[1], up.shape[0], up.shape[1]
    n_genes = n_up + down.shape[1]
    by_genes = n_genes <= n_samples
    order = n_genes if by_genes else n_samples
    out = np.empty((n_sets, n_samples))
    bounds = np.linspace(0, n_sets, n_chunks + 1).astype(np.int64)
    for chunk in prange(n_chunks):
        values = np.empty((n_genes, n_samples))
        gram = np.empty((order, order))
        eigenvalue, vector = np.empty(order), np.empty(order)
        support = np.empty(2, dtype=np.int32)
        work, iwork = np.empty(26 * order), np.empty(10 * order, dtype=np.int32)
        # The routines' scalar arguments, as arrays to point at. Filled element by element:
        # numba's rewrite of constant-list np.array calls fails to compile for some layouts.
        # ints: order, samples, genes, eigenvalues found, lwork, liwork, info, wanted index
        ints = np.empty(8, dtype=np.int32)
        ints[0], ints[1], ints[2], ints[3] = order, n_samples, n_genes, 0
        ints[4], ints[5], ints[6], ints[7] = len(work), len(iwork), 0, order
        reals = np.zeros(5)  # alpha, beta, vl, vu, abstol
        reals[0] = 1.0
        flags = np.empty(4, dtype=np.uint8)  # uplo, trans, jobz, range
        flags[0], flags[1], flags[2], flags[3] = ord("U"), ord("T" if by_genes else "N"), ord("V"), ord("I")
        for s in range(bounds[chunk], bounds[chunk + 1]):
            for i in range(n_genes):
                row = z[up[s, i]] if i < n_up else z[down[s, i - n_up]]
                sign = 1.0 if i < n_up else -1.0
                for j in range(n_samples):
                    values[i, j] = sign * row[j]
            # values (genes x samples, row-major) is Fortran's samples x genes matrix A:
            # A'A is the genes' Gram matrix ("T"), AA' the samples' ("N").
            inner = ints[1:2] if by_genes else ints[2:3]
            _DSYRK(flags[0:1].ctypes, flags[1:2].ctypes, ints[0:1].ctypes, inner.ctypes, reals[0:1].ctypes,
                   values.ctypes, ints[1:2].ctypes, reals[1:2].ctypes, gram.ctypes, ints[0:1].ctypes)
            _DSYEVR(flags[2:3].ctypes, flags[3:4].ctypes, flags[0:1].ctypes, ints[0:1].ctypes, gram.ctypes,
                    ints[0:1].ctypes, reals[2:3].ctypes, reals[3:4].ctypes, ints[7:8].ctypes, ints[7:8].ctypes,
                    reals[4:5].ctypes, ints[3:4].ctypes, eigenvalue.ctypes, vector.ctypes, ints[0:1].ctypes,
                    support.ctypes, work.ctypes, ints[4:5].ctypes, iwork.ctypes, ints[5:6].ctypes, ints[6:7].ctypes)
            if ints[6] != 0:
                out[s] = np.nan
                continue
            if by_genes:
                component = vector @ values
            else:
                component = vector * np.sqrt(max(eigenvalue[0], 0.0))
            # orientation: positive covariance with the genes' mean (signed) value per sample
            mean = values.sum(axis=0) / n_genes
            covariance = np.sum((component - component.mean()) * (mean - mean.mean()))
            out[s] = -component if covariance < 0 else component
    return out


@njit(cache=True, inline="always")
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """a . b as a plain loop (numba's np.dot calls BLAS, costly for a handful of values)."""
    total = 0.0
    for i in range(len(a)):
        total += a[i] * b[i]
    return total


@njit(cache=True)
def efron_column(
    design: np.ndarray, j: int, beta: np.ndarray, risk_end: np.ndarray, ties: np.ndarray,
    event_rows: np.ndarray, event_start: np.ndarray, time_weights: np.ndarray,
    score: np.ndarray, information: np.ndarray, scratch: np.ndarray,
) -> float:
    """Efron's log partial likelihood of column j's model at ``beta``; its score and information
    are written into ``score`` (p) and ``information`` (p x p). ``design`` is m x n x p with rows
    sorted by time descending, events first within a time; event time k's risk set is rows
    0..risk_end[k], its ties[k] events rows event_rows[event_start[k]:][:ties[k]]. Each event
    time's terms are weighted by time_weights[k] (ones for the likelihood itself). ``scratch``
    is working space of 3 p + 2 p^2 values (no allocation here: the kernel runs per column)."""
    p = design.shape[2]
    x = design[j]  # n x p, contiguous
    loglik = 0.0
    score[:] = 0.0
    information[:] = 0.0
    s1, e1, total = scratch[:p], scratch[p:2 * p], scratch[2 * p:3 * p]
    s2 = scratch[3 * p:3 * p + p * p].reshape(p, p)
    e2 = scratch[3 * p + p * p:3 * p + 2 * p * p].reshape(p, p)
    s0 = 0.0
    s1[:] = 0.0
    s2[:] = 0.0
    row = 0
    for k in range(len(risk_end)):
        while row <= risk_end[k]:
            w = np.exp(_dot(x[row], beta))
            s0 += w
            for a in range(p):
                s1[a] += w * x[row, a]
                for b in range(p):
                    s2[a, b] += w * x[row, a] * x[row, b]
            row += 1
        g, d = time_weights[k], ties[k]
        e0 = 0.0
        e1[:] = 0.0
        e2[:] = 0.0
        total[:] = 0.0
        for i in range(event_start[k], event_start[k] + d):
            r = event_rows[i]
            w = np.exp(_dot(x[r], beta))
            e0 += w
            for a in range(p):
                total[a] += x[r, a]
                e1[a] += w * x[r, a]
                for b in range(p):
                    e2[a, b] += w * x[r, a] * x[r, b]
        loglik += g * _dot(total, beta)
        for a in range(p):
            score[a] += g * total[a]
        for step in range(d):
            fraction = step / d
            a0 = s0 - fraction * e0
            loglik -= g * np.log(a0)
            for a in range(p):
                mean_a = (s1[a] - fraction * e1[a]) / a0
                score[a] -= g * mean_a
                for b in range(p):
                    mean_b = (s1[b] - fraction * e1[b]) / a0
                    information[a, b] += g * ((s2[a, b] - fraction * e2[a, b]) / a0 - mean_a * mean_b)
    return loglik


@njit(cache=True)
def _symmetric_eigen(matrix: np.ndarray, values: np.ndarray, vectors: np.ndarray, a: np.ndarray) -> None:
    """Eigenvalues (into ``values``) and eigenvectors (columns of ``vectors``) of a small
    symmetric matrix by cyclic Jacobi rotations (accurate to rounding; no LAPACK, so compiled
    code that uses it can be cached). ``a`` is working space of the matrix's shape."""
    p = len(values)
    a[:] = matrix
    vectors[:] = 0.0
    for i in range(p):
        vectors[i, i] = 1.0
    for _ in range(100):
        off = 0.0
        for i in range(p):
            for k in range(i + 1, p):
                off += a[i, k] * a[i, k]
        if off <= 1e-300 or off <= (1e-17 * np.abs(a).max()) ** 2:
            break
        for i in range(p - 1):
            for k in range(i + 1, p):
                if a[i, k] == 0.0:
                    continue
                theta = (a[k, k] - a[i, i]) / (2.0 * a[i, k])
                t = np.sign(theta) / (abs(theta) + np.sqrt(theta * theta + 1.0)) if theta != 0.0 else 1.0
                c = 1.0 / np.sqrt(t * t + 1.0)
                sn = t * c
                for r in range(p):  # columns i and k of a, then rows
                    ari, ark = a[r, i], a[r, k]
                    a[r, i], a[r, k] = c * ari - sn * ark, sn * ari + c * ark
                for r in range(p):
                    air, akr = a[i, r], a[k, r]
                    a[i, r], a[k, r] = c * air - sn * akr, sn * air + c * akr
                for r in range(p):
                    vri, vrk = vectors[r, i], vectors[r, k]
                    vectors[r, i], vectors[r, k] = c * vri - sn * vrk, sn * vri + c * vrk
    for i in range(p):
        values[i] = a[i, i]


@njit(cache=True)
def _newton_step(information: np.ndarray, score: np.ndarray, step: np.ndarray, work: np.ndarray) -> None:
    """information^-1 score into ``step``; zero where the information is singular: its
    condition number (largest / smallest absolute eigenvalue, as numpy's 2-norm ``cond`` of a
    symmetric matrix) is 1e12 or more, or, in one dimension, it is not positive. ``work``:
    (2 p + 1) x p values of working space."""
    p = len(score)
    if p == 1:
        step[0] = score[0] / information[0, 0] if information[0, 0] > 0 else 0.0
        return
    vectors, a, values = work[:p], work[p:2 * p], work[2 * p]
    _symmetric_eigen(information, values, vectors, a)
    size = np.abs(values)
    if not size.min() * 1e12 > size.max():
        step[:] = 0.0
        return
    step[:] = 0.0
    for k in range(p):
        projection = 0.0
        for r in range(p):
            projection += vectors[r, k] * score[r]
        for r in range(p):
            step[r] += vectors[r, k] * projection / values[k]


@njit(cache=True, parallel=True)
def newton_columns(
    design: np.ndarray, risk_end: np.ndarray, ties: np.ndarray, event_rows: np.ndarray, event_start: np.ndarray,
    skip: np.ndarray, max_iterations: int, tolerance: float, divergence: float, n_chunks: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newton-Raphson on Efron's likelihood for every column's model (design m x n x p, sorted
    as efron_column wants), with step halving where the likelihood fell, as R coxph does. A
    column stops when the likelihood's relative change is below ``tolerance`` and no
    coefficient moved by more than 1e-8 (relative), or when a coefficient times its covariate's
    SD (population SD, m x p) exceeds ``divergence``. Columns in ``skip`` are not fitted.
    Returns coefficients (m x p), log-likelihood, at beta = 0, iterations, converged, the
    information (m x p x p) at the estimate, and the covariates' SDs."""
    m, p = design.shape[0], design.shape[2]
    beta = np.zeros((m, p))
    loglik, loglik0 = np.empty(m), np.empty(m)
    iterations = np.zeros(m, dtype=np.int64)
    converged = skip.copy()
    information = np.empty((m, p, p))
    scale = np.empty((m, p))
    n = design.shape[1]
    ones = np.ones(len(risk_end))
    bounds = np.linspace(0, m, n_chunks + 1).astype(np.int64)
    for chunk in prange(n_chunks):  # working space once per chunk, not per column
        score, new_score = np.empty(p), np.empty(p)
        new_information, step = np.empty((p, p)), np.empty(p)
        old, candidate = np.empty(p), np.empty(p)
        scratch = np.empty(3 * p + 2 * p * p)
        work = np.empty((2 * p + 1, p))
        for j in range(bounds[chunk], bounds[chunk + 1]):
            for a in range(p):
                mean, squares = 0.0, 0.0
                for i in range(n):
                    mean += design[j, i, a]
                mean /= n
                for i in range(n):
                    squares += (design[j, i, a] - mean) ** 2
                scale[j, a] = np.sqrt(squares / n)
            old[:] = 0.0
            current = efron_column(design, j, old, risk_end, ties, event_rows, event_start, ones, score,
                                   information[j], scratch)
            loglik0[j] = current
            for _ in range(max_iterations):
                if converged[j]:
                    break
                _newton_step(information[j], score, step, work)
                for a in range(p):  # loops, not array expressions: no allocation per column
                    candidate[a] = old[a] + step[a]
                new = efron_column(design, j, candidate, risk_end, ties, event_rows, event_start, ones,
                                   new_score, new_information, scratch)
                for _ in range(30):
                    if new >= current - 1e-12 * abs(current):
                        break
                    for a in range(p):
                        candidate[a] = (old[a] + candidate[a]) / 2
                    new = efron_column(design, j, candidate, risk_end, ties, event_rows, event_start, ones,
                                       new_score, new_information, scratch)
                change = abs(new - current) / max(abs(new), 1e-300)
                moved, largest, diverging = 0.0, 0.0, False
                for a in range(p):
                    moved = max(moved, abs(candidate[a] - old[a]))
                    largest = max(largest, abs(candidate[a]))
                    diverging = diverging or abs(candidate[a]) * scale[j, a] > divergence
                    old[a] = candidate[a]
                    score[a] = new_score[a]
                current = new
                information[j] = new_information
                iterations[j] += 1
                converged[j] = (change < tolerance and moved < 1e-8 * max(1.0, largest)) or diverging
            beta[j] = old
            loglik[j] = current
    return beta, loglik, loglik0, iterations, converged, information, scale
