"""singscore (Foroutan et al. 2018): the centred, scaled mean within-sample rank of the
signature's genes; down genes ranked in reverse."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hif_prognosis.scoring.contract import ScoringMethod

if TYPE_CHECKING:  # the scorer is passed in: naming the method (a figure's label) needs no numba
    from hif_prognosis.scoring.matrix import SetScorer


def singscore_scores(scorer: SetScorer, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    lowest_ranks = scorer.prepared("lowest ranks", lambda: scorer.column_ranks(lowest=True)[0])
    n = scorer.n_genes

    def part(sets: np.ndarray, reverse: bool) -> np.ndarray:
        size = sets.shape[1]
        lowest, highest = (size + 1) / 2, (2 * n - size + 1) / 2
        mean_rank = scorer.sum_of(lowest_ranks, sets) / size
        if reverse:  # the mean of the reversed ranks n - r + 1
            mean_rank = n + 1 - mean_rank
        return (mean_rank - lowest) / (highest - lowest) - 0.5

    score = part(up, reverse=False)
    if down.shape[1]:
        score += part(down, reverse=True)
    return score


METHOD = ScoringMethod(
    label="singscore",
    summary="rank-based single-sample score (Foroutan et al. 2018), up/down aware",
    description=(
        "rank-based single-sample score (Foroutan et al. 2018): the up genes' mean within-sample "
        'rank, scaled between the least and greatest possible and centred (−0.5..0.5), plus the same '
        'on reversed ranks for down genes'
    ),
    set_scores=singscore_scores,
)
