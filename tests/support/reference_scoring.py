"""The scoring methods written per signature, as their papers define them: readable pandas,
one signature at a time. The package's one implementation (hif_prognosis.scoring.matrix.SetScorer and the method modules,
vectorised over gene sets) is tested equal to these."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hif_prognosis.data.expression import gene_zscores
from hif_prognosis.scoring.contract import SignatureGenes


def _signs(genes: SignatureGenes) -> pd.Series:
    return pd.Series([1.0] * len(genes.up) + [-1.0] * len(genes.down), index=genes.all)


def zscore_score(matrix: pd.DataFrame, genes: SignatureGenes) -> pd.Series:
    """Mean z over the signature's genes, ``down`` genes entering with their sign flipped."""
    signed = gene_zscores(matrix.loc[genes.all]).mul(_signs(genes), axis=0)
    return signed.mean(axis=0, skipna=True)


def median_score(matrix: pd.DataFrame, genes: SignatureGenes) -> pd.Series:
    """Median over the signature's genes of z (``down`` genes sign-flipped), as Winter et al.
    (2007) and Eustace et al. (2013) scored their hypoxia metagenes."""
    signed = gene_zscores(matrix.loc[genes.all]).mul(_signs(genes), axis=0)
    return signed.median(axis=0, skipna=True)


def pc1_score(matrix: pd.DataFrame, genes: SignatureGenes) -> pd.Series:
    """First principal component of the signature genes' z-scores (``down`` genes
    sign-flipped), oriented to correlate positively with their mean."""
    signed = gene_zscores(matrix.loc[genes.all]).mul(_signs(genes), axis=0).dropna(axis=0)
    values = signed.T.to_numpy()  # samples x genes, each gene centred (z-scores)
    u, singular, _ = np.linalg.svd(values, full_matrices=False)
    component = u[:, 0] * singular[0]
    if np.corrcoef(component, values.mean(axis=1))[0, 1] < 0:
        component = -component
    return pd.Series(component, index=matrix.columns)


def singscore_score(matrix: pd.DataFrame, genes: SignatureGenes) -> pd.Series:
    """singscore (Foroutan et al. 2018, BMC Bioinformatics 19:404), single-sample and rank based.

    Genes are ranked within each sample (ties take the lowest rank, as ``rankGenes`` does); an
    up set scores its mean rank scaled between the least and the greatest mean rank a set of its
    size can have, centred on 0 (range -0.5..0.5); ``down`` genes score on reversed ranks, and a
    signed signature's score is the sum of both parts (range -1..1).
    """
    ranks = matrix.rank(axis=0, method="min")
    n_genes = len(matrix)

    def part(gene_list: list[str], reverse: bool) -> pd.Series:
        r = ranks.loc[gene_list]
        if reverse:
            r = n_genes - r + 1
        size = len(gene_list)
        lowest, highest = (size + 1) / 2, (2 * n_genes - size + 1) / 2
        return (r.mean(axis=0) - lowest) / (highest - lowest) - 0.5

    score = part(genes.up, reverse=False) if genes.up else pd.Series(0.0, index=matrix.columns)
    if genes.down:
        score = score + part(genes.down, reverse=True)
    return score


def ssgsea_enrichment(matrix: pd.DataFrame, gene_list: list[str], *, tau: float) -> pd.Series:
    """ssGSEA enrichment score (Barbie et al. 2009) of one gene set in every sample, computed
    as R GSVA 1.46 does with ``method="ssgsea", ssgsea.norm=FALSE``.

    Per sample: genes ranked by expression (average ranks truncated to integers, as GSVA's
    ``as.integer(rank(x))``), walked from the highest; hits step by rank^tau / sum over hits,
    misses by 1 / number of misses; the score is the area (sum) of the walk. Each sample is
    scored on its own. gseapy's ``ssgsea`` implements a different variant (Spearman 0.98 with
    GSVA on real data), hence this function; tests compare it with both.
    """
    ranks = np.floor(matrix.rank(axis=0, method="average").to_numpy(dtype=float))
    order = np.argsort(-ranks, axis=0, kind="stable")  # R's order(decreasing=TRUE) keeps ties
    hits = np.asarray(matrix.index.isin(gene_list))[order]
    weights = np.take_along_axis(ranks, order, axis=0) ** tau * hits
    walk_in = np.cumsum(weights, axis=0) / weights.sum(axis=0)
    walk_out = np.cumsum(~hits, axis=0) / (~hits).sum(axis=0)
    return pd.Series((walk_in - walk_out).sum(axis=0), index=matrix.columns)


def ssgsea_score(matrix: pd.DataFrame, genes: SignatureGenes, *, tau: float) -> pd.Series:
    """ssGSEA score of the signature; signed signatures score ``up`` minus ``down``."""
    score = (
        ssgsea_enrichment(matrix, genes.up, tau=tau) if genes.up
        else pd.Series(0.0, index=matrix.columns)
    )
    if genes.down:
        score = score - ssgsea_enrichment(matrix, genes.down, tau=tau)
    return score


def weighted_score(matrix: pd.DataFrame, genes: SignatureGenes) -> pd.Series:
    """A published risk model's score: sum over its genes of coefficient x value, the value each
    gene's within-cohort z-score (sample SD) or its log2 expression."""
    weights = pd.Series(np.concatenate([genes.weights("up"), genes.weights("down")]), index=genes.all)
    values = gene_zscores(matrix.loc[genes.all]) if genes.weighted_scale == "zscore" else matrix.loc[genes.all]
    return values.mul(weights, axis=0).sum(axis=0)


def gsva_score(matrix: pd.DataFrame, genes: SignatureGenes, tau: float, mx_diff: bool) -> pd.Series:
    """GSVA as R GSVA 1.46's C code computes it, loop for loop where it walks: genes that do not
    vary dropped; per gene, each sample's Gaussian-kernel left tail (bandwidth SD / 4, the normal
    CDF read from GSVA's table with the index truncated) as log-odds; per sample, genes ordered
    by it (highest first, ties in gene order) with rank score |n/2 - position|; the walk over
    the whole ranking, step by step. ``down`` genes: their walk subtracted."""
    from scipy.special import ndtr

    table = ndtr(10.0 * np.arange(10001) / 10000)
    values = matrix[matrix.std(axis=1, ddof=1) > 0]
    log_odds = {}
    for gene, row in values.iterrows():
        x = row.to_numpy(dtype=float)
        v = (x[:, None] - x[None, :]) / (x.std(ddof=1) / 4)
        index = np.minimum((np.abs(v) / 10 * 10000).astype(int), 10000)
        cdf = np.where(v < -10, 0.0, np.where(v > 10, 1.0, np.where(v < 0, 1 - table[index], table[index])))
        left = cdf.mean(axis=1)
        log_odds[gene] = np.log(left / (1 - left))
    density = pd.DataFrame(log_odds, index=matrix.columns).T
    n = len(density)

    def walk(sample: str, members: list[str]) -> float:
        ranking = density[sample].sort_values(ascending=False, kind="stable").index
        rank_score = pd.Series(np.abs(n / 2 - np.arange(n)) ** tau, index=ranking)
        total = rank_score[members].sum()
        walked, highest, lowest = 0.0, 0.0, 0.0
        for gene in ranking:
            walked += rank_score[gene] / total if gene in members else -1 / (n - len(members))
            highest, lowest = max(highest, walked), min(lowest, walked)
        return highest + lowest if mx_diff else (highest if highest > abs(lowest) else lowest)

    up, down = set(genes.up), set(genes.down)
    return pd.Series(
        [walk(s, list(up)) - (walk(s, list(down)) if down else 0.0) for s in matrix.columns], index=matrix.columns
    )


REFERENCE_FORMS = {
    "zscore": zscore_score, "median": median_score, "pc1": pc1_score, "singscore": singscore_score,
    "ssgsea": ssgsea_score, "weighted": weighted_score, "gsva": gsva_score,
}
