"""GSVA (Hänzelmann et al. 2013), exactly as R GSVA 1.46's ``gsva(method = "gsva")`` with its
defaults (``kcdf = "Gaussian"``, ``abs.ranking = FALSE``).

Per gene, each sample's expression is placed in the gene's own distribution across the cohort:
a Gaussian-kernel estimate of its cumulative distribution (bandwidth the gene's SD / 4, the
normal CDF read from GSVA's table of 10,001 values), as a log-odds. Per sample, genes are ranked
by that value, highest first, and given the rank score |n/2 - position|. A set's score is a
Kolmogorov-Smirnov-like random walk down that ranking (hits step up by their rank score^tau
over the set's total, misses down by 1 / (n - set size)): the largest positive plus the largest
negative deviation (``mx_diff``), or the larger in size of the two. As GSVA does, genes that do
not vary across the samples are left out before anything is estimated. The kernel estimate is
quadratic in the number of samples, as GSVA's is.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hif_prognosis.distributions import normal_cdf
from hif_prognosis.scoring.contract import ScoringMethod
from hif_prognosis.scoring.matrix import SetScorer, up_minus_down

SD_FACTOR = 4.0  # GSVA's SIGMA_FACTOR: the bandwidth is the gene's SD over this
CDF_RESOLUTION, CDF_RANGE = 10000, 10.0  # GSVA's PRECOMPUTE_RESOLUTION and MAX_PRECOMPUTE
# GSVA's table of the standard normal CDF at 0, 0.001, ..., 10 (initCdfs)
NORMAL_CDF_TABLE = normal_cdf(CDF_RANGE * np.arange(CDF_RESOLUTION + 1, dtype=np.float64) / CDF_RESOLUTION)


def gsva_scores(
    scorer: SetScorer, up: np.ndarray, down: np.ndarray, *, tau: float, mx_diff: bool
) -> np.ndarray:
    positions, n_ranked = scorer.prepared("gsva positions", lambda: _ranking_positions(scorer))
    return up_minus_down(
        lambda sets: gsva_walks(positions, np.asarray(sets, dtype=np.int64), n_ranked, tau, mx_diff), up, down
    )


def _ranking_positions(scorer: SetScorer) -> tuple[np.ndarray, int]:
    """Each varying gene's position (0 = highest) in each sample's ranking by kernel log-odds
    (R's ``order(decreasing = TRUE)``: ties in gene order); -1 for a gene that does not vary."""
    varying = np.flatnonzero(scorer.varies)
    log_odds = np.empty((len(varying), scorer.matrix.shape[1]))
    gaussian_kernel_log_odds(np.ascontiguousarray(scorer.matrix.to_numpy(dtype=np.float64)[varying]), NORMAL_CDF_TABLE, log_odds)
    order = np.argsort(-log_odds, axis=0, kind="stable")
    positions = np.full(scorer.matrix.shape, -1, dtype=np.int32)
    columns = np.arange(log_odds.shape[1])
    positions[varying[order], columns] = np.arange(len(varying), dtype=np.int32)[:, None]
    return positions, len(varying)


METHOD = ScoringMethod(
    label="GSVA score",
    summary='gene set variation analysis, as R GSVA gsva(method="gsva", kcdf="Gaussian")',
    description=(
        "gene set variation analysis (Hänzelmann et al. 2013), exactly as R GSVA's `method = "
        '"gsva"` with the Gaussian kernel (equal to GSVA 1.46 on GSE4335 to 2e-13, tested to 1e-9): each '
        "gene's expression placed in its own distribution across the cohort by a Gaussian-kernel "
        "CDF (bandwidth SD / 4) as log-odds; per sample, genes ranked by it and scored |n/2 − "
        "rank|; the set's score is a random walk down that ranking, its largest positive plus "
        "largest negative deviation (`mx_diff`; the larger of the two otherwise), hits weighted "
        "by rank score^`tau`. Genes that do not vary are left out, as GSVA does; the estimate is "
        "quadratic in the number of samples"
    ),
    set_scores=gsva_scores,
    parameters={
        "tau": {"type": "number", "minimum": 0, "default": 1, "description": "weight exponent of the rank scores in the walk (GSVA's tau)"},
        "mx_diff": {"type": "boolean", "default": True, "description": "score = largest positive + largest negative deviation (GSVA's mx.diff); false: the larger of the two"},
    },
    varying_genes="needs their kernel density estimates",
)


# Compiled kernels.


@njit(cache=True, inline="always")
def _r_sd(x: np.ndarray) -> float:
    """R's sd as GSVA's C code forms it (a refined two-pass mean, sums in extended precision),
    the extended sums by Neumaier's compensated summation."""
    n = len(x)
    total, carry = 0.0, 0.0
    for value in x:
        t = total + value
        carry += (total - t) + value if abs(total) >= abs(value) else (value - t) + total
        total = t
    mean = (total + carry) / n
    total, carry = 0.0, 0.0
    for value in x:
        d = value - mean
        t = total + d
        carry += (total - t) + d if abs(total) >= abs(d) else (d - t) + total
        total = t
    mean = mean + (total + carry) / n
    total, carry = 0.0, 0.0
    for value in x:
        d = (value - mean) * (value - mean)
        t = total + d
        carry += (total - t) + d if abs(total) >= abs(d) else (d - t) + total
        total = t
    return math.sqrt((total + carry) / (n - 1))


@njit(cache=True, parallel=True)
def gaussian_kernel_log_odds(values: np.ndarray, table: np.ndarray, out: np.ndarray) -> None:
    """GSVA's ``matrix_density_R`` for microarray-like data: per gene (row), each sample's
    left-tail mass under a Gaussian kernel estimate over all the gene's samples, the kernel's
    CDF read from ``table`` as GSVA reads it (index truncated, 0 and 1 beyond 10 bandwidths),
    as log-odds log(F / (1 - F)). Parallel over genes; each gene's sums in sample order."""
    n_genes, n_samples = values.shape
    for g in prange(n_genes):
        x = values[g]
        bandwidth = _r_sd(x) / SD_FACTOR
        for j in range(n_samples):
            left_tail = 0.0
            for i in range(n_samples):
                v = (x[j] - x[i]) / bandwidth
                if v < -CDF_RANGE:
                    cdf = 0.0
                elif v > CDF_RANGE:
                    cdf = 1.0
                else:
                    cdf = table[int(abs(v) / CDF_RANGE * CDF_RESOLUTION)]
                    if v < 0:
                        cdf = 1.0 - cdf
                left_tail += cdf
            left_tail = left_tail / n_samples
            out[g, j] = -1.0 * math.log((1.0 - left_tail) / left_tail)


@njit(cache=True, parallel=True)
def gsva_walks(positions: np.ndarray, sets: np.ndarray, n_ranked: int, tau: float, mx_diff: bool) -> np.ndarray:
    """(sets x samples) GSVA walk statistics (GSVA's ``ks_matrix_R``) from each set's genes'
    positions in each sample's ranking. The walk only turns at hits, so its extremes are read
    at them: after a hit (highest) and just before one or at the end (lowest)."""
    n_sets, size = sets.shape
    n_samples = positions.shape[1]
    out = np.empty((n_sets, n_samples))
    miss_step = 1.0 / (n_ranked - size)
    for s in prange(n_sets):
        hits = np.empty(size, dtype=np.int64)
        weight = np.empty(size)
        for j in range(n_samples):
            for i in range(size):
                hits[i] = positions[sets[s, i], j]
            hits.sort()
            total = 0.0
            for i in range(size):
                weight[i] = abs(n_ranked / 2.0 - hits[i]) ** tau
                total += weight[i]
            walked, highest, lowest = 0.0, 0.0, 0.0
            for i in range(size):
                misses = hits[i] - i
                lowest = min(lowest, walked - misses * miss_step)
                walked += weight[i] / total
                highest = max(highest, walked - misses * miss_step)
            end = walked - (n_ranked - size) * miss_step
            lowest, highest = min(lowest, end), max(highest, end)
            if mx_diff:
                out[s, j] = highest + lowest
            else:
                out[s, j] = highest if highest > abs(lowest) else lowest
    return out
