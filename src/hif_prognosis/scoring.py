"""Per-sample signature scores.

Every method takes a log2 genes x samples matrix and one signature (genes with direction) and
returns one score per sample. Only signature genes measured in the cohort are used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anndata as ad
import numpy as np
import pandas as pd
import scanpy as sc

from hif_prognosis.errors import InputError

SCORE_COLUMNS = ["sample_id", "signature", "method", "score"]


@dataclass(frozen=True)
class SignatureGenes:
    """Measured genes of one signature, split by direction."""

    up: list[str]
    down: list[str]

    @classmethod
    def measured(cls, signature: pd.DataFrame, matrix: pd.DataFrame) -> SignatureGenes:
        present = signature[signature["gene"].isin(matrix.index)]
        return cls(
            up=present.loc[present["direction"] == "up", "gene"].tolist(),
            down=present.loc[present["direction"] == "down", "gene"].tolist(),
        )

    @property
    def all(self) -> list[str]:
        return self.up + self.down


def gene_zscores(matrix: pd.DataFrame) -> pd.DataFrame:
    """Z-score each gene across samples with the sample SD (ddof=1).

    Genes with zero variance carry no ranking information and come back as NaN.
    """
    mean = matrix.mean(axis=1)
    sd = matrix.std(axis=1, ddof=1).replace(0.0, np.nan)
    return matrix.sub(mean, axis=0).div(sd, axis=0)


def zscore_score(matrix: pd.DataFrame, genes: SignatureGenes) -> pd.Series:
    """Mean z over the signature's genes, ``down`` genes entering with their sign flipped."""
    z = gene_zscores(matrix.loc[genes.all])
    signs = pd.Series([1.0] * len(genes.up) + [-1.0] * len(genes.down), index=genes.all)
    signed = z.mul(signs, axis=0)
    return signed.mean(axis=0, skipna=True)


def scanpy_score(
    matrix: pd.DataFrame, genes: SignatureGenes, *, ctrl_size: int, n_bins: int, seed: int
) -> pd.Series:
    """scanpy ``tl.score_genes``: mean of the signature minus mean of expression-matched controls.

    Signed signatures score ``up`` minus ``down``, each against its own control genes.
    """
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


ScoringFunction = Callable[..., pd.Series]

SCORING_METHODS: dict[str, ScoringFunction] = {
    "zscore": zscore_score,
    "score_genes": scanpy_score,
}


def score_signatures(
    matrix: pd.DataFrame,
    signatures: Mapping[str, pd.DataFrame],
    method: str,
    params: Mapping[str, Any],
) -> pd.DataFrame:
    """Score every signature with one method; long table ``sample_id, signature, method, score``."""
    if method not in SCORING_METHODS:
        raise InputError(f"unknown scoring method {method!r}; use one of {sorted(SCORING_METHODS)}")
    score = SCORING_METHODS[method]
    frames = []
    for name, signature in signatures.items():
        genes = SignatureGenes.measured(signature, matrix)
        if not genes.all:
            raise InputError(
                f"signature {name!r}: none of its {len(signature)} genes is measured in this cohort"
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
