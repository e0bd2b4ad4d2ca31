"""The maximally selected log-rank statistic and p-values corrected for the cut-point search.

Searching the cut-point that best separates survival and then quoting that split's log-rank p
is a well-known false-positive machine (Altman et al. 1994, J Natl Cancer Inst 86:829): under no
effect the minimum of many correlated p-values is far below 0.05 much more often than 5% of the
time. This module never reports that naive p. As R ``maxstat.test(smethod = "LogRank")``
(Hothorn and Lausen 2003):

- each sample gets its log-rank score (``exactRankTests::cscores``);
- for every candidate cut-point c (the distinct score values that leave between ``min_fraction``
  and 1 - ``min_fraction`` of the samples at or below c), the sum of the scores of samples at
  or below c is standardised by its permutation mean and variance;
- the statistic M is the largest absolute standardised sum; the estimated cut-point is where it
  is reached (``high`` = score above the cut-point);
- p-values for M: Lausen and Schumacher's (1992, Biometrics 48:73) asymptotic bound, and a
  conditional Monte-Carlo permutation p ((1 + exceeding) / (1 + permutations), seeded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from hif_prognosis.distributions import normal_pdf, ranks

from hif_prognosis.survival.stats import set_rng
from hif_prognosis.survival.cox import scored_outcomes

CUTPOINT_COLUMNS = [
    "cohort", "signature", "method", "endpoint", "n", "events", "cutpoint", "fraction_at_or_below",
    "n_low", "n_high", "higher_risk_group", "max_standardised_logrank", "p_lausen_schumacher_1992",
    "p_permutation", "permutations",
]


def logrank_scores(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Log-rank scores of censored times, as R ``exactRankTests::cscores(Surv(time, event))``."""
    n = len(time)
    order = np.argsort(time, kind="stable")
    rank_max = ranks(time, "max").astype(int)
    fact = event / (n - rank_max + 1)
    return event - np.cumsum(fact[order])[rank_max - 1]


def p_lausen_schumacher(statistic: float, min_fraction: float) -> float:
    """Lausen and Schumacher's 1992 approximation of P(M >= statistic), as maxstat's pLausen92."""
    if statistic < 1:
        return 1.0
    density = normal_pdf(statistic)
    span = np.log((1 - min_fraction) ** 2 / min_fraction**2)
    return float(min(1.0, max(0.0, 4 * density / statistic + density * (statistic - 1 / statistic) * span)))


@dataclass(frozen=True)
class MaxSelected:
    cutpoint: float
    n_low: int
    statistic: float
    standardised_sum: float  # at the cut-point; > 0: the low group had more events than expected
    p_lausen_schumacher: float
    p_permutation: float


# Permutations x samples from which permuted_maxima replaces numpy's form (36 ns an element
# less, and 0.3 s to load once a job: a default run's cohorts stay below it, 10,000 samples not).
COMPILED_FROM = 1_000_000


def max_selected_logrank(
    time: np.ndarray,
    event: np.ndarray,
    score: np.ndarray,
    *,
    min_fraction: float,
    permutations: int,
    rng: np.random.Generator,
) -> MaxSelected:
    """Maximally selected log-rank statistic of ``score`` with corrected p-values."""
    n = len(score)
    order = np.argsort(score, kind="stable")
    y, x = logrank_scores(time, event)[order], score[order]
    m = np.flatnonzero(np.append(x[1:] != x[:-1], True)) + 1  # samples at or below each distinct value
    m = m[(m >= max(1, np.floor(n * min_fraction))) & (m <= np.floor(n * (1 - min_fraction)))]
    if not len(m):
        raise ValueError(f"no cut-point leaves {min_fraction:g} of the {n} samples on each side")
    total, squares = y.sum(), (y**2).sum()
    expected = m / n * total
    sd = np.sqrt(m * (n - m) / (n**2 * (n - 1)) * (n * squares - total**2))
    standardised = (np.cumsum(y)[m - 1] - expected) / sd
    best = int(np.argmax(np.abs(standardised)))
    statistic = float(np.abs(standardised[best]))
    permuted = rng.permuted(np.broadcast_to(y, (permutations, n)), axis=1)
    if permuted.size >= COMPILED_FROM:
        permuted_max = permuted_maxima(permuted, m, expected, sd)
    else:  # the same numbers
        permuted_max = np.abs((np.cumsum(permuted, axis=1)[:, m - 1] - expected) / sd).max(axis=1)
    return MaxSelected(
        cutpoint=float(x[m[best] - 1]),
        n_low=int(m[best]),
        statistic=statistic,
        standardised_sum=float(standardised[best]),
        p_lausen_schumacher=p_lausen_schumacher(statistic, min_fraction),
        # a tolerance so that permutations tying the observed maximum count as extreme
        p_permutation=float((1 + np.sum(permuted_max >= statistic * (1 - 1e-12))) / (1 + permutations)),
    )


@njit(cache=True, error_model="numpy")  # a zero SD gives inf or NaN, as numpy's division
def permuted_maxima(permuted: np.ndarray, m: np.ndarray, expected: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Each permutation's (row's) largest |standardised sum| over the cut-points (``m``: samples
    at or below each, increasing): ``np.abs((np.cumsum(permuted, axis=1)[:, m - 1] - expected) /
    sd).max(axis=1)`` to the bit (the same running sum; NaN wins, as in numpy's max), without its
    permutations x samples temporaries (80 MB each at 10,000 samples)."""
    out = np.empty(permuted.shape[0])
    for r in range(permuted.shape[0]):
        running, cut, largest = 0.0, 0, -np.inf
        for i in range(permuted.shape[1]):
            running += permuted[r, i]
            if cut < len(m) and m[cut] - 1 == i:
                value = abs((running - expected[cut]) / sd[cut])
                if not value <= largest and not np.isnan(largest):  # a larger value, or the first NaN
                    largest = value
                cut += 1
        out[r] = largest
    return out


def cutpoint_table(
    cohort: str,
    scores: pd.DataFrame,
    clinical: pd.DataFrame,
    *,
    min_fraction: float,
    permutations: int,
    seed: int,
) -> pd.DataFrame:
    """One row per signature x method x endpoint (CUTPOINT_COLUMNS)."""
    rows = []
    for item in scored_outcomes(scores, clinical):
        time, event, values = (item.data[c].to_numpy() for c in ("time", "event", "score"))
        rng = set_rng(seed, "cutpoint", cohort, item.signature, item.method, item.endpoint)
        found = max_selected_logrank(
            time, event, values, min_fraction=min_fraction, permutations=permutations, rng=rng
        )
        rows.append({"cohort": cohort} | item.key | {
            "n": len(time), "events": int(event.sum()), "cutpoint": found.cutpoint,
            "fraction_at_or_below": found.n_low / len(time), "n_low": found.n_low,
            "n_high": len(time) - found.n_low,
            "higher_risk_group": "low" if found.standardised_sum > 0 else "high",
            "max_standardised_logrank": found.statistic,
            "p_lausen_schumacher_1992": found.p_lausen_schumacher,
            "p_permutation": found.p_permutation, "permutations": permutations,
        })
    return pd.DataFrame(rows, columns=CUTPOINT_COLUMNS)
