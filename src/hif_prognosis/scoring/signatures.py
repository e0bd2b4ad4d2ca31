"""Per-sample signature scores.

Every method takes a log2 genes x samples matrix and one signature (genes with direction) and
returns one score per sample. Only signature genes measured in the cohort are used. Each method
is defined once (a module of ``hif_prognosis.scoring.methods``), vectorised over gene sets: a
signature is a set of one, the random-signature null scores thousands; a method whose
reference is a library (scanpy's ``score_genes``) scores the signatures themselves through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hif_prognosis.errors import InputError
from hif_prognosis.scoring.contract import SignatureGenes
from hif_prognosis.scoring.matrix import SetScorer
from hif_prognosis.scoring.registry import scoring_method

SCORE_COLUMNS = ["sample_id", "signature", "method", "score"]


def score_sets(
    scorer: SetScorer, method: str, up: np.ndarray, down: np.ndarray, params: Mapping[str, Any]
) -> np.ndarray:
    """(n_sets x samples) scores of ``method`` (a config name); ``up``/``down``: (n_sets x n) gene indices."""
    return scorer.score(scoring_method(method), up, down, params)


def signature_scores(scorer: SetScorer, method: str, genes: SignatureGenes, params: Mapping[str, Any]) -> pd.Series:
    """One signature's score per sample by ``method``'s set form. A method that needs genes
    that vary (their z-scores, say) leaves out those that do not."""
    definition = scoring_method(method)
    index = pd.Series(np.arange(scorer.n_genes), index=scorer.matrix.index)
    reason = definition.varying_genes_reason(genes)
    if reason is not None:
        index = index[scorer.varies]
    up, down = index.reindex(genes.up), index.reindex(genes.down)
    if definition.signature_parameters:
        params = {**params, **genes.weighted_parameters(up.notna().to_numpy(), down.notna().to_numpy())}
    up, down = up.dropna(), down.dropna()
    if up.empty and down.empty:
        raise InputError(
            f"none of the measured genes {genes.all} varies across this cohort's samples: the "
            f"{method} score {reason}; score the signature by a rank-based method "
            "(singscore, ssgsea) or remove it from this cohort's signatures"
        )

    def rows(positions: pd.Series) -> np.ndarray:
        return positions.to_numpy(dtype=np.int64)[None, :]

    return pd.Series(scorer.score(definition, rows(up), rows(down), params)[0], index=scorer.matrix.columns)


def score_signature(scorer: SetScorer, method: str, genes: SignatureGenes, params: Mapping[str, Any]) -> pd.Series:
    """One signature's score per sample by ``method``: its library's form where it has one."""
    library_form = scoring_method(method).library_form
    if library_form is not None:
        return library_form(scorer.matrix, genes, **params)
    return signature_scores(scorer, method, genes, params)


def score_signatures(
    matrix: pd.DataFrame,
    coverage: pd.DataFrame,
    method: str,
    params: Mapping[str, Any],
) -> pd.DataFrame:
    """Score every signature of a coverage table (genes.coverage_table) with one method; long
    table ``sample_id, signature, method, score``."""
    scorer = SetScorer(matrix)
    frames = []
    for name, rows in coverage.groupby("signature", sort=False):
        genes = SignatureGenes.measured(rows)
        if not genes.all:
            raise InputError(
                f"signature {name!r}: none of its {len(rows)} genes is measured in this cohort"
            )
        try:
            values = score_signature(scorer, method, genes, params)
        except InputError as error:
            raise InputError(f"signature {name!r}: {error}") from None
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
