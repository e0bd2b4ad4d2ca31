"""Gene ranking and pre-ranked GSEA (gseapy)."""

from __future__ import annotations

from collections.abc import Mapping

import gseapy
import numpy as np
import pandas as pd

PRERANK_COLUMNS = [
    "library",
    "term",
    "es",
    "nes",
    "nom_p",
    "fdr_q",
    "fwer_p",
    "tag_fraction",
    "gene_fraction",
    "lead_genes",
]


def spearman_with_score(matrix: pd.DataFrame, score: pd.Series) -> pd.Series:
    """Spearman correlation of every gene (rows) with a per-sample score.

    Pearson correlation of average ranks, identical to ``scipy.stats.spearmanr`` per gene.
    Genes with no variance are dropped. Sorted by decreasing correlation, then gene symbol.
    """
    score = score.reindex(matrix.columns)
    gene_ranks = matrix.rank(axis=1, method="average").to_numpy(dtype=float)
    score_ranks = score.rank(method="average").to_numpy(dtype=float)
    gene_centred = gene_ranks - gene_ranks.mean(axis=1, keepdims=True)
    score_centred = score_ranks - score_ranks.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (gene_centred @ score_centred) / (
            np.sqrt((gene_centred**2).sum(axis=1)) * np.sqrt((score_centred**2).sum())
        )
    ranking = pd.Series(rho, index=matrix.index, name="spearman_rho").dropna()
    order = np.lexsort((ranking.index.to_numpy(dtype=str), -ranking.to_numpy()))
    return ranking.iloc[order]


def prerank(
    ranking: pd.Series,
    libraries: Mapping[str, Mapping[str, list[str]]],
    *,
    permutations: int,
    min_size: int,
    max_size: int,
    seed: int,
    threads: int,
) -> pd.DataFrame:
    """Pre-ranked GSEA of one ranking against each gene-set library.

    gseapy permutes gene sets (the only option for a pre-ranked list); p-values and FDR are
    gseapy's. Rows are sorted by library, then FDR, then |NES| descending, then term.
    """
    frames = []
    for library, sets in libraries.items():
        result = gseapy.prerank(
            rnk=ranking,
            gene_sets=dict(sets),
            outdir=None,
            permutation_num=permutations,
            min_size=min_size,
            max_size=max_size,
            seed=seed,
            threads=threads,
            no_plot=True,
            verbose=False,
        ).res2d
        frames.append(
            pd.DataFrame(
                {
                    "library": library,
                    "term": result["Term"].astype(str),
                    "es": result["ES"].astype(float),
                    "nes": result["NES"].astype(float),
                    "nom_p": result["NOM p-val"].astype(float),
                    "fdr_q": result["FDR q-val"].astype(float),
                    "fwer_p": result["FWER p-val"].astype(float),
                    "tag_fraction": result["Tag %"].astype(str),
                    "gene_fraction": result["Gene %"].astype(str),
                    "lead_genes": result["Lead_genes"].astype(str),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)[PRERANK_COLUMNS]
    table["_abs_nes"] = table["nes"].abs()
    table = table.sort_values(
        ["library", "fdr_q", "_abs_nes", "term"], ascending=[True, True, False, True]
    )
    return table.drop(columns="_abs_nes").reset_index(drop=True)
