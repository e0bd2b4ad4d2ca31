"""The statistics the two genome-wide rankings (``hif_prognosis.enrichment.rankings``) rank the
genes by: each gene's univariable Cox Wald z, and its Spearman correlation with a score."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from hif_prognosis.data.expression import GENE_BLOCK
from hif_prognosis.enrichment.rankings import sorted_ranking
from hif_prognosis.survival.cox import per_gene_cox
from hif_prognosis.survival.fastcox import FLAG_OK


def spearman_with_score(matrix: pd.DataFrame, score: pd.Series) -> pd.Series:
    """Spearman correlation of every gene (rows) with a per-sample score.

    Pearson correlation of average ranks, identical to ``scipy.stats.spearmanr`` per gene.
    Genes with no variance are dropped. Sorted by decreasing correlation, then gene symbol.
    """
    score = score.reindex(matrix.columns)
    score_ranks = score.rank(method="average").to_numpy(dtype=float)
    score_centred = score_ranks - score_ranks.mean()
    rho = np.empty(len(matrix))
    for start in range(0, len(matrix), GENE_BLOCK):  # blocks of genes: a few matrix-sized copies less
        block = slice(start, start + GENE_BLOCK)
        centred = average_ranks(matrix.iloc[block].to_numpy(dtype=float))
        centred -= centred.mean(axis=1, keepdims=True)  # in place: a fresh block-sized array costs seconds
        products = centred @ score_centred
        squares = np.square(centred, out=centred).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rho[block] = products / (np.sqrt(squares) * np.sqrt((score_centred**2).sum()))
    return sorted_ranking(pd.Series(rho, index=matrix.index, name="spearman_rho").dropna())


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1 within each row of ``values``, ties given their mean rank: pandas'
    ``rank(axis=1, method="average")`` to the bit (half-integers are exact), from numpy's
    argsort (SIMD) and one compiled pass over the tie groups, where pandas' took about 2 us a
    value; a row holding a NaN is all NaN (its correlation is undefined)."""
    values = np.ascontiguousarray(values, dtype=float)
    out = np.empty(values.shape)
    _average_rank_rows(values, np.argsort(values, axis=1), out)
    return out


@njit(cache=True, nogil=True)
def _average_rank_rows(values: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    """Each row's mean ranks of its tie groups, in its argsort ``order`` (NaNs sort last)."""
    n = values.shape[1]
    for r in range(values.shape[0]):
        row, row_order = values[r], order[r]
        if n and np.isnan(row[row_order[n - 1]]):
            out[r, :] = np.nan
            continue
        start = 0
        while start < n:
            stop, value = start + 1, row[row_order[start]]
            while stop < n and row[row_order[stop]] == value:
                stop += 1
            rank = (start + 1 + stop) / 2.0
            for i in range(start, stop):
                out[r, row_order[i]] = rank
            start = stop


def survival_cox_ranking(
    matrix: pd.DataFrame, outcome: pd.DataFrame, *, threads: int = 1
) -> pd.DataFrame:
    """Univariable Cox of every gene (rows of ``matrix``) on ``outcome`` (``time``, ``event``,
    indexed by sample): log HR per SD of expression, its SE and the Wald z = log HR / SE.

    Genes without variance or whose fit does not converge are left out (their z is undefined).
    Sorted by decreasing z, then gene symbol.
    """
    fits = per_gene_cox(matrix, outcome, threads=threads)
    fits = fits[fits["flag"] == FLAG_OK]
    table = pd.DataFrame(
        {"log_hr_per_sd": fits["log_hr"], "se_log_hr": fits["se_log_hr"], "wald_z": fits["log_hr"] / fits["se_log_hr"]}
    )
    ranked = sorted_ranking(table["wald_z"])
    return table.loc[ranked.index].rename_axis("gene").reset_index()
