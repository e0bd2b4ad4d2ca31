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

from hif_prognosis.compiled import compiled_threads, sorted_column_blocks
from hif_prognosis.data.expression import mean_gene_zscores, row_zscores
from hif_prognosis.scoring.contract import ScoringMethod
from hif_prognosis.scoring.kernels import column_ranks, set_sums

SAMPLE_BLOCK = 250  # samples per block of a matrix-sized product formed piecewise (40 MB at 20,000 genes)
RANK_BLOCK = 128  # samples a thread ranks at a time (their values and order: 40 MB at 20,000 genes)
Prepared = TypeVar("Prepared")


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
        """Each gene's z-scores (sample SD; gene_zscores'), NaN for a gene that does not vary;
        row-major, since the methods read a set's genes as whole rows (a DataFrame's matrix is
        column-major, and a gene's row of it strided)."""
        values = self.matrix.to_numpy(dtype=np.float64)
        z = np.empty(values.shape)
        row_zscores(values, z)
        return z

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
        return self.sum_of(values, sets) / sets.shape[1]

    def sum_of(self, values: np.ndarray, sets: np.ndarray) -> np.ndarray:
        """Per set, the sum of its genes' rows of ``values`` in the values' type (integers:
        exactly), added in gene order, as a product with the sets' sparse indicator adds them."""
        return set_sums(values, np.sort(sets, axis=1))
