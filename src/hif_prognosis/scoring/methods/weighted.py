"""Weighted sum: a published model's risk score, sum over genes of weight x value."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from hif_prognosis.scoring.contract import ScoringMethod, SignatureGenes
from hif_prognosis.scoring.matrix import SetScorer


def weighted_scores(
    scorer: SetScorer, up: np.ndarray, down: np.ndarray, *, up_weights: np.ndarray, down_weights: np.ndarray,
    scale: str,
) -> np.ndarray:
    """Sum over a set's genes of weight x value, the value the gene's z-score (``scale``
    zscore) or its log2 expression (log2): a published model's risk score. The weights are
    signed, row by row as the sets (down genes' negative for an unweighted signature)."""
    values = scorer.z if scale == "zscore" else scorer.matrix.to_numpy(dtype=np.float64)
    sets = np.hstack([up, down]).astype(np.int64)
    return np.asarray(weight_matrix(sets, np.hstack([up_weights, down_weights]), scorer.n_genes) @ values)


def weight_matrix(sets: np.ndarray, weights: np.ndarray, n_genes: int) -> sparse.csr_matrix:
    """Sets x genes, each gene's weight in each set (``weights`` shaped as ``sets``; a gene a
    set lists twice gets the sum of its weights, as scipy sums duplicate entries). Canonical
    CSR (each row's genes in order, so a product sums them in that order), built directly:
    scipy's conversion from coordinates sorts each row's entries again."""
    order = np.argsort(sets, axis=1)
    genes = np.take_along_axis(sets, order, axis=1)
    shape = (sets.shape[0], n_genes)
    if (genes[:, 1:] == genes[:, :-1]).any():
        rows = np.repeat(np.arange(sets.shape[0]), sets.shape[1])
        return sparse.csr_matrix((np.asarray(weights, dtype=np.float64).ravel(), (rows, sets.ravel())), shape=shape)
    data = np.take_along_axis(np.asarray(weights, dtype=np.float64), order, axis=1)
    return sparse.csr_matrix((data.ravel(), genes.ravel(), np.arange(sets.shape[0] + 1) * sets.shape[1]), shape=shape)


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
