"""Per-sample signature scores.

Every method takes a log2 genes x samples matrix and one signature (genes with direction) and
returns one score per sample. Only signature genes measured in the cohort are used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hif_prognosis.errors import InputError
from hif_prognosis.expression import gene_zscores

SCORE_COLUMNS = ["sample_id", "signature", "method", "score"]


@dataclass(frozen=True)
class SignatureGenes:
    """Measured genes of one signature, split by direction."""

    up: list[str]
    down: list[str]

    @classmethod
    def measured(cls, coverage: pd.DataFrame) -> SignatureGenes:
        """The measured genes (``matched_as``) of one signature's coverage rows."""
        present = coverage[coverage["present"].astype(bool)]
        return cls(
            up=present.loc[present["direction"] == "up", "matched_as"].tolist(),
            down=present.loc[present["direction"] == "down", "matched_as"].tolist(),
        )

    @property
    def all(self) -> list[str]:
        return self.up + self.down


def _signs(genes: SignatureGenes) -> pd.Series:
    return pd.Series([1.0] * len(genes.up) + [-1.0] * len(genes.down), index=genes.all)


def zscore_score(matrix: pd.DataFrame, genes: SignatureGenes) -> pd.Series:
    """Mean z over the signature's genes, ``down`` genes entering with their sign flipped."""
    signed = gene_zscores(matrix.loc[genes.all]).mul(_signs(genes), axis=0)
    return signed.mean(axis=0, skipna=True)


def scanpy_score(
    matrix: pd.DataFrame, genes: SignatureGenes, *, ctrl_size: int, n_bins: int, seed: int
) -> pd.Series:
    """scanpy ``tl.score_genes``: mean of the signature minus mean of expression-matched controls.

    Signed signatures score ``up`` minus ``down``, each against its own control genes.
    """
    import anndata as ad  # here, not at module level: scanpy costs 2-3 s of every job's start-up
    import scanpy as sc

    adata = ad.AnnData(
        X=matrix.T.to_numpy(dtype=np.float64),
        obs=pd.DataFrame(index=matrix.columns.astype(str)),
        var=pd.DataFrame(index=matrix.index.astype(str)),
    )

    def one_direction(gene_list: list[str]) -> np.ndarray:
        sc.tl.score_genes(
            adata,
            gene_list,
            ctrl_size=ctrl_size,
            n_bins=n_bins,
            random_state=seed,
            score_name="_score",
        )
        return adata.obs["_score"].to_numpy(dtype=float)

    score = one_direction(genes.up) if genes.up else np.zeros(adata.n_obs)
    if genes.down:
        score = score - one_direction(genes.down)
    return pd.Series(score, index=matrix.columns)


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


ScoringFunction = Callable[..., pd.Series]


@dataclass(frozen=True)
class ScoringMethod:
    """A scoring method, defined here once: its per-sample form (keyword arguments from the
    config block ``scoring.<name>``, if the method has one) and whether it draws random numbers
    (then it also takes the config's seed). Its form vectorised over many gene sets is
    ``null.NullScorer._<name>``, tested equal to the per-sample form; the config schema's list
    of methods and its parameter blocks are tested equal to this table."""

    per_sample: ScoringFunction
    seeded: bool = False

    def parameters(self, settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
        return dict(settings, seed=seed) if self.seeded else dict(settings)


SCORING_METHODS: dict[str, ScoringMethod] = {
    "zscore": ScoringMethod(zscore_score),
    "score_genes": ScoringMethod(scanpy_score, seeded=True),
    "ssgsea": ScoringMethod(ssgsea_score),
    "singscore": ScoringMethod(singscore_score),
    "median": ScoringMethod(median_score),
    "pc1": ScoringMethod(pc1_score),
}


def scoring_method(name: str) -> ScoringMethod:
    if name not in SCORING_METHODS:
        raise InputError(f"unknown scoring method {name!r}; use one of {sorted(SCORING_METHODS)}")
    return SCORING_METHODS[name]


def method_parameters(method: str, settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Keyword arguments of ``method`` from its config block and the config's seed."""
    return scoring_method(method).parameters(settings, seed)


def score_signatures(
    matrix: pd.DataFrame,
    coverage: pd.DataFrame,
    method: str,
    params: Mapping[str, Any],
) -> pd.DataFrame:
    """Score every signature of a coverage table (genes.coverage_table) with one method; long
    table ``sample_id, signature, method, score``."""
    score = scoring_method(method).per_sample
    frames = []
    for name, rows in coverage.groupby("signature", sort=False):
        genes = SignatureGenes.measured(rows)
        if not genes.all:
            raise InputError(
                f"signature {name!r}: none of its {len(rows)} genes is measured in this cohort"
            )
        values = score(matrix, genes, **params)
        frames.append(
            pd.DataFrame(
                {
                    "sample_id": values.index.astype(str),
                    "signature": name,
                    "method": method,
                    "score": values.to_numpy(dtype=float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[SCORE_COLUMNS]
