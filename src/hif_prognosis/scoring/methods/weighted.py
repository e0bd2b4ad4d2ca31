"""Weighted sum: a published model's risk score, sum over genes of weight x value."""

from __future__ import annotations

import numpy as np

from hif_prognosis.scoring.contract import ScoringMethod, SignatureGenes
from hif_prognosis.scoring.matrix import SetScorer, indicator


def weighted_scores(
    scorer: SetScorer, up: np.ndarray, down: np.ndarray, *, up_weights: np.ndarray, down_weights: np.ndarray,
    scale: str,
) -> np.ndarray:
    """Sum over a set's genes of weight x value, the value the gene's z-score (``scale``
    zscore) or its log2 expression (log2): a published model's risk score. The weights are
    signed, row by row as the sets (down genes' negative for an unweighted signature)."""
    values = scorer.z if scale == "zscore" else scorer.matrix.to_numpy(dtype=np.float64)
    sets = np.hstack([up, down]).astype(np.int64)
    return np.asarray(indicator(sets, scorer.n_genes, weights=np.hstack([up_weights, down_weights])) @ values)


def _reason(genes: SignatureGenes) -> str | None:
    return "needs their z-scores" if genes.weighted_scale == "zscore" else None


METHOD = ScoringMethod(
    label="weighted score",
    summary=(
        "sum of weight x gene value (z-score or log2, the signature's weighted_scale): a weight "
        "file's coefficients; +1/-1 by direction for other signatures (then z-scores)"
    ),
    description=(
        "a published risk model's form: the sum over the signature's measured genes of weight × "
        "value, the value each gene's within-cohort z-score (sample SD) or, where the signature sets "
        "`weighted_scale: log2`, its log2 expression; the weights come from the signature's weight "
        "file (`gene`, `weight`, optional `citation`; each weight's sign is the gene's direction in "
        'every other method), +1/−1 by direction for other signatures (then it is the `zscore` score '
        "times the gene count). In the random-signature null each random set takes the signature's "
        'weights in random order, shuffled among the genes drawn for the same sign'
    ),
    set_scores=weighted_scores,
    signature_parameters=frozenset({"up_weights", "down_weights", "scale"}),
    varying_genes=_reason,
)
