"""Mean z-score: each gene z-scored across the cohort's samples (sample SD), the mean over the
signature's genes, down genes negated."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hif_prognosis.scoring.contract import ScoringMethod

if TYPE_CHECKING:  # the scorer is passed in: naming the method (a figure's label) needs no numba
    from hif_prognosis.scoring.matrix import SetScorer


def zscore_scores(scorer: SetScorer, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    n_up, n_down = up.shape[1], down.shape[1]
    total = scorer.mean_of(scorer.z, up) * n_up
    if n_down:
        total -= scorer.mean_of(scorer.z, down) * n_down
    return total / (n_up + n_down)


METHOD = ScoringMethod(
    label="mean z-score",
    summary="each gene z-scored across the cohort (sample SD, ddof=1), the mean over the measured genes",
    description=(
        "each gene z-scored across the cohort's samples (sample SD, ddof = 1); the score is the mean "
        "over the signature's measured genes (genes without variance ignored)"
    ),
    set_scores=zscore_scores,
    varying_genes="needs their z-scores",
)
