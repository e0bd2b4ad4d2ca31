"""PC1 score: each signature's first principal component of its genes' z-scores (down genes
negated), oriented to correlate positively with their mean."""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange
from threadpoolctl import threadpool_limits

from hif_prognosis.compiled import fortran_routine
from hif_prognosis.scoring.contract import ScoringMethod
from hif_prognosis.scoring.matrix import SetScorer


def pc1_scores(scorer: SetScorer, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """PC1 scores of every set (pc1_components: the largest eigenpair of each set's Gram matrix
    by LAPACK), oriented to correlate positively with the set's mean signed z, as the
    per-signature form is: equal to its SVD to 1e-10 (tested). BLAS runs on one thread inside
    each of numba's: thousands of small matrices gain nothing from more."""
    with threadpool_limits(limits=1, user_api="blas"):
        return pc1_components(
            scorer.z, np.asarray(up, dtype=np.int64), np.asarray(down, dtype=np.int64), 4 * get_num_threads()
        )


METHOD = ScoringMethod(
    label="PC1 score",
    summary="first principal component of the genes' z-scores, oriented with their mean",
    description=(
        "first principal component of the signature genes' z-scores, its sign set so that it "
        'correlates positively with their mean'
    ),
    set_scores=pc1_scores,
    varying_genes="needs their z-scores",
)


# Compiled kernel, calling scipy's BLAS and LAPACK.

_DSYRK = fortran_routine("blas", "dsyrk", 10)
_DSYEVR = fortran_routine("lapack", "dsyevr", 21)


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
