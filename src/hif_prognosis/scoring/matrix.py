"""One expression matrix prepared for scoring many gene sets (:class:`SetScorer`).

Matrix-wide work a method needs (gene z-scores, each sample's ranking of the genes) is done
once per matrix and kept until released; the methods themselves live in
``hif_prognosis.scoring.methods``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from scipy import sparse

from hif_prognosis.compiled import compiled_threads, sorted_column_blocks
from hif_prognosis.data.expression import gene_zscores, mean_gene_zscores
from hif_prognosis.scoring.contract import ScoringMethod
from hif_prognosis.scoring.kernels import column_ranks

SAMPLE_BLOCK = 250  # samples per block of a matrix-sized product formed piecewise (40 MB at 20,000 genes)
RANK_BLOCK = 128  # samples a thread ranks at a time (their values and order: 40 MB at 20,000 genes)
Prepared = TypeVar("Prepared")


def indicator(
    sets: np.ndarray, n_genes: int, dtype: Any = np.float64, weights: np.ndarray | None = None
) -> sparse.csr_matrix:
    """Sets x genes, 1 where a set holds a gene, or the gene's weight in that set (``weights``,
    shaped as ``sets``; a gene a set lists twice gets the sum); ``dtype``: that of the matrix it
    multiplies, so scipy makes no converted copy of it. Canonical CSR (each row's genes in
    order, so a product sums them in that order), built directly: scipy's conversion from
    coordinates sorts each row's entries again, a fifth of a small cohort's null."""
    if weights is None:
        genes, data = np.sort(sets, axis=1), np.ones(sets.shape, dtype=dtype)
    else:
        order = np.argsort(sets, axis=1)
        genes, data = np.take_along_axis(sets, order, axis=1), np.asarray(weights, dtype=dtype)
    shape = (sets.shape[0], n_genes)
    if (genes[:, 1:] == genes[:, :-1]).any():  # a gene listed twice: scipy sums its entries
        rows = np.repeat(np.arange(sets.shape[0]), sets.shape[1])
        return sparse.csr_matrix((data.ravel(), (rows, sets.ravel())), shape=shape)
    if weights is not None:
        data = np.take_along_axis(data, order, axis=1)
    return sparse.csr_matrix((data.ravel(), genes.ravel(), np.arange(sets.shape[0] + 1) * sets.shape[1]), shape=shape)


def up_minus_down(part: Callable[[np.ndarray], np.ndarray], up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """A signed signature's score where a method scores each direction alone: the up genes'
    score minus the down genes' (none: the up genes' alone)."""
    score = part(up)
    if down.shape[1]:
        score -= part(down)
    return score


@dataclass
class SetScorer:
    """Scores many gene sets (rows of gene indices) of one matrix by one method at a time, the
    compiled scorers on ``threads`` threads (the scores do not depend on it). A signature is a
    set of one; the random-signature null scores thousands of random sets."""

    matrix: pd.DataFrame
    threads: int = 1
    _prepared: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.n_genes = len(self.matrix)

    @cached_property
    def z(self) -> np.ndarray:
        """Each gene's z-scores (sample SD); NaN for a gene that does not vary."""
        return gene_zscores(self.matrix).to_numpy()

    @cached_property
    def _sample_wide(self) -> tuple[np.ndarray, np.ndarray]:
        return mean_gene_zscores(self.matrix.to_numpy(dtype=np.float64))

    @property
    def varies(self) -> np.ndarray:
        """Which genes vary across samples (have z-scores), found without forming the
        z-scores (a method that does not read them never holds them)."""
        return self._sample_wide[1]

    @property
    def sample_mean_z(self) -> np.ndarray:
        """Each sample's mean z-score over the genes that vary (hif_prognosis.scoring.offset)."""
        return self._sample_wide[0]

    def prepared(self, key: Hashable, build: Callable[[], Prepared]) -> Prepared:
        """A method's matrix-wide arrays under ``key``, built on first use and kept until released."""
        if key not in self._prepared:
            self._prepared[key] = build()
        return self._prepared[key]  # type: ignore[no-any-return]

    def release(self) -> None:
        """Drop the matrix-sized arrays prepared for the methods; the null scores method by
        method and frees each method's before the next."""
        self.__dict__.pop("z", None)
        self._prepared.clear()

    def score(self, method: ScoringMethod, up: np.ndarray, down: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """(n_sets x samples) scores; ``up``/``down`` are (n_sets x n) index arrays."""
        with compiled_threads(self.threads):
            return method.set_scores(self, up, down, **params)

    def column_ranks(self, *, lowest: bool = False, truncated: bool = False) -> tuple[np.ndarray, ...]:
        """Each sample's ranks of the genes (kernels.column_ranks), genes x samples, int32:
        the lowest rank of each tie group where ``lowest``; GSVA's truncated average rank and
        the genes remaining from each to the end of the ranking where ``truncated`` (others:
        0 x 0)."""
        values = self.matrix.to_numpy(dtype=np.float64)
        shape, none = values.shape, (0, 0)
        outputs = (
            np.empty(shape if lowest else none, dtype=np.int32),
            np.empty(shape if truncated else none, dtype=np.int32),
            np.empty(shape if truncated else none, dtype=np.int32),
        )
        # At 10,000 samples a copy of the whole matrix is 1.6 GB: a block of samples at a time.
        sorted_column_blocks(
            values, RANK_BLOCK, self.threads, lambda first, samples, order: column_ranks(samples, order, first, *outputs)
        )
        return outputs

    def mean_of(self, values: np.ndarray, sets: np.ndarray) -> np.ndarray:
        """Per set, the mean of its genes' rows of ``values``."""
        return np.asarray(indicator(sets, self.n_genes) @ values) / sets.shape[1]

    def sum_of(self, values: np.ndarray, sets: np.ndarray) -> np.ndarray:
        """Per set, the sum of its genes' rows of an integer matrix, exactly (integer sums)."""
        return np.asarray(indicator(sets, self.n_genes, values.dtype) @ values)
