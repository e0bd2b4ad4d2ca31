"""Per-sample signature scores.

Every method takes a log2 genes x samples matrix and one signature (genes with direction) and
returns one score per sample. Only signature genes measured in the cohort are used. Each method
is defined once, vectorised over gene sets (SetScorer: a signature is a set of one, the
random-signature null scores thousands); scanpy's ``score_genes`` scores the signatures
themselves through scanpy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numba import get_num_threads
from scipy import sparse
from threadpoolctl import threadpool_limits

from hif_prognosis.errors import InputError
from hif_prognosis.expression import gene_zscores
from hif_prognosis.kernels import (
    column_ranks,
    compiled_threads,
    gathered_medians,
    nan_mean_rows,
    pc1_components,
    sample_blocks,
    score_genes_controls,
    signed_medians,
    signed_order,
)

SCORE_COLUMNS = ["sample_id", "signature", "method", "score"]
Z_SCORED = frozenset({"zscore", "median", "pc1"})  # methods on gene z-scores (and weighted, by its scale)
SET_CHUNK = 500  # sets per chunk of score_genes' control draws (their uniforms: sets x cuts x ctrl_size)
SAMPLE_BLOCK = 1000  # samples per block of a matrix-sized product formed piecewise
# The median's bitset needs each sample's order of 2 x genes signed z-scores (12 bytes each): it
# is built for many sets of a matrix where that fits in this many bytes, gathered otherwise.
MEDIAN_ORDER_BYTES = 1 << 30
MEDIAN_BITSET_MIN_SETS = 100


def uses_zscores(method: str, weighted_scale: str = "zscore") -> bool:
    """Whether ``method`` scores gene z-scores (then genes that do not vary are left out)."""
    return method in Z_SCORED or (method == "weighted" and weighted_scale == "zscore")


@dataclass(frozen=True)
class SignatureGenes:
    """Measured genes of one signature, split by direction, with their weights in the
    ``weighted`` score (signed; +1 up and -1 down unless given) and what the weights multiply
    (``weighted_scale``: gene z-scores or log2 values)."""

    up: list[str]
    down: list[str]
    up_weights: tuple[float, ...] | None = None
    down_weights: tuple[float, ...] | None = None
    weighted_scale: str = "zscore"

    @classmethod
    def measured(cls, coverage: pd.DataFrame) -> SignatureGenes:
        """The measured genes (``matched_as``) of one signature's coverage rows."""
        present = coverage[coverage["present"].astype(bool)]
        up, down = present[present["direction"] == "up"], present[present["direction"] == "down"]
        scales = coverage["weighted_scale"].unique() if "weighted_scale" in coverage else ["zscore"]
        return cls(
            up=up["matched_as"].tolist(),
            down=down["matched_as"].tolist(),
            up_weights=tuple(up["weight"].astype(float)) if "weight" in present else None,
            down_weights=tuple(down["weight"].astype(float)) if "weight" in present else None,
            weighted_scale=str(scales[0]),
        )

    @property
    def all(self) -> list[str]:
        return self.up + self.down

    def weights(self, direction: str) -> np.ndarray:
        """The signed weights of the ``up`` or ``down`` genes, in their order."""
        genes, given, sign = (
            (self.up, self.up_weights, 1.0) if direction == "up" else (self.down, self.down_weights, -1.0)
        )
        return np.full(len(genes), sign) if given is None else np.asarray(given, dtype=float)

    def weighted_parameters(self, up: np.ndarray | None = None, down: np.ndarray | None = None) -> dict[str, Any]:
        """The ``weighted`` method's per-signature keyword arguments for a set of one: the
        weights of the genes kept (``up``/``down``: masks over the measured genes; all if None)."""
        up_w, down_w = self.weights("up"), self.weights("down")
        if up is not None:
            up_w = up_w[np.asarray(up, dtype=bool)]
        if down is not None:
            down_w = down_w[np.asarray(down, dtype=bool)]
        return {"up_weights": up_w[None, :], "down_weights": down_w[None, :], "scale": self.weighted_scale}


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



def _indicator(
    sets: np.ndarray, n_genes: int, dtype: Any = np.float64, weights: np.ndarray | None = None
) -> sparse.csr_matrix:
    """Sets x genes, 1 where a set holds a gene, or the gene's weight in that set (``weights``,
    shaped as ``sets``); ``dtype``: that of the matrix it multiplies, so scipy makes no converted
    copy of it."""
    rows = np.repeat(np.arange(sets.shape[0]), sets.shape[1])
    data = np.ones(sets.size, dtype=dtype) if weights is None else np.asarray(weights, dtype=dtype).ravel()
    return sparse.csr_matrix((data, (rows, sets.ravel())), shape=(sets.shape[0], n_genes))


@dataclass
class SetScorer:
    """The scoring methods (SCORING_METHODS), each defined once here and vectorised over gene
    sets: scores many gene sets (rows of gene indices) of one matrix by one method, the
    compiled scorers on ``threads`` threads (the scores do not depend on it). A signature is a
    set of one (``signature``); the random-signature null scores thousands of random sets.
    Matrix-wide work (z-scores, ranks) is done once per matrix and method."""

    matrix: pd.DataFrame
    threads: int = 1

    def __post_init__(self) -> None:
        self.n_genes = len(self.matrix)

    @cached_property
    def z(self) -> np.ndarray:
        """Each gene's z-scores (sample SD); NaN for a gene that does not vary."""
        return gene_zscores(self.matrix).to_numpy()

    @cached_property
    def varies(self) -> np.ndarray:
        """Which genes vary across samples (have z-scores): kept when the z-scores are released."""
        return np.isfinite(self.z).all(axis=1)

    def release(self) -> None:
        """Drop the matrix-sized arrays prepared for the methods (z-scores, ranks); the null
        scores method by method and frees each method's before the next."""
        for prepared in ("z", "_signed_order", "_lowest_ranks", "_ssgsea_tau", "_ssgsea_ranks", "_sample_blocks"):
            self.__dict__.pop(prepared, None)

    def _column_ranks(self, *, lowest: bool = False, tau: float | None = None) -> tuple[np.ndarray, ...]:
        values = np.asfortranarray(self.matrix.to_numpy(dtype=np.float64))
        shape, none = values.shape, (0, 0)
        outputs = (
            np.empty(shape if lowest else none, dtype=np.int32),
            np.empty(shape if tau is not None else none),
            np.empty(shape if tau is not None else none, dtype=np.int32),
        )
        # Blocks of samples on the scorer's threads, each sorted by numpy's argsort (its SIMD sort
        # is twice numba's) and ranked by the compiled pass; both release the GIL.
        block = min(SAMPLE_BLOCK, -(-values.shape[1] // self.threads))

        def rank_block(first: int) -> None:
            order = np.argsort(values[:, first:first + block].T, axis=1)
            column_ranks(values, order, first, 0.0 if tau is None else tau, *outputs)

        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(rank_block, range(0, values.shape[1], block)))
        return outputs

    def score(self, method: str, up: np.ndarray, down: np.ndarray, params: Mapping[str, Any]) -> np.ndarray:
        """(n_sets x samples) scores; ``up``/``down`` are (n_sets x n) index arrays."""
        with compiled_threads(self.threads):
            return getattr(self, f"_{method}")(up, down, **params)

    def signature(self, method: str, genes: SignatureGenes, params: Mapping[str, Any]) -> pd.Series:
        """One signature's score per sample. Methods on z-scores (Z_SCORED) leave out the genes
        that do not vary across samples: they have no z-score."""
        index = pd.Series(np.arange(self.n_genes), index=self.matrix.index)
        if uses_zscores(method, genes.weighted_scale):
            index = index[self.varies]
        up, down = index.reindex(genes.up), index.reindex(genes.down)
        if scoring_method(method).signature_parameters:
            params = {**params, **genes.weighted_parameters(up.notna().to_numpy(), down.notna().to_numpy())}
        up, down = up.dropna(), down.dropna()
        if up.empty and down.empty:
            raise InputError(
                f"none of the measured genes {genes.all} varies across this cohort's samples: the "
                f"{method} score needs their z-scores; score the signature by a rank-based method "
                "(singscore, ssgsea) or remove it from this cohort's signatures"
            )
        def rows(positions: pd.Series) -> np.ndarray:
            return positions.to_numpy(dtype=np.int64)[None, :]

        return pd.Series(self.score(method, rows(up), rows(down), params)[0], index=self.matrix.columns)

    def _mean_of(self, values: np.ndarray, sets: np.ndarray) -> np.ndarray:
        return np.asarray(_indicator(sets, self.n_genes) @ values) / sets.shape[1]

    def _sum_of(self, values: np.ndarray, sets: np.ndarray) -> np.ndarray:
        """Per set, the sum of its genes' rows of an integer matrix, exactly (integer sums)."""
        return np.asarray(_indicator(sets, self.n_genes, values.dtype) @ values)

    def _zscore(self, up: np.ndarray, down: np.ndarray) -> np.ndarray:
        n_up, n_down = up.shape[1], down.shape[1]
        total = self._mean_of(self.z, up) * n_up
        if n_down:
            total -= self._mean_of(self.z, down) * n_down
        return total / (n_up + n_down)

    def _weighted(
        self, up: np.ndarray, down: np.ndarray, *, up_weights: np.ndarray, down_weights: np.ndarray, scale: str
    ) -> np.ndarray:
        """Sum over a set's genes of weight x value, the value the gene's z-score (``scale``
        zscore) or its log2 expression (log2): a published model's risk score. The weights are
        signed, row by row as the sets (down genes' negative for an unweighted signature)."""
        values = self.z if scale == "zscore" else self.matrix.to_numpy(dtype=np.float64)
        sets = np.hstack([up, down]).astype(np.int64)
        return np.asarray(_indicator(sets, self.n_genes, weights=np.hstack([up_weights, down_weights])) @ values)

    def _median(self, up: np.ndarray, down: np.ndarray) -> np.ndarray:
        """Many sets of a matrix whose signed order fits MEDIAN_ORDER_BYTES: medians by bitset
        over each sample's order of signed z, prepared once; otherwise (a signature's score, or
        a 10,000-sample cohort) gathered per set. The two are equal (tested)."""
        up, down = np.asarray(up, dtype=np.int64), np.asarray(down, dtype=np.int64)
        n_genes, n_samples = self.z.shape
        if len(up) < MEDIAN_BITSET_MIN_SETS or 2 * n_genes * n_samples * 12 > MEDIAN_ORDER_BYTES:
            return gathered_medians(self.z, up, down)
        if not hasattr(self, "_signed_order"):  # random sets hold no gene with a missing z
            self._signed_order = signed_order(np.nan_to_num(self.z))
        return signed_medians(*self._signed_order, up, down)

    def _pc1(self, up: np.ndarray, down: np.ndarray) -> np.ndarray:
        """PC1 scores of every set (kernels.pc1_components: the largest eigenpair of each set's
        Gram matrix by LAPACK), oriented to correlate positively with the set's mean signed z,
        as the per-signature form is: equal to its SVD to 1e-10 (tested). BLAS runs on one
        thread inside each of numba's: thousands of small matrices gain nothing from more."""
        with threadpool_limits(limits=1, user_api="blas"):
            return pc1_components(
                self.z, np.asarray(up, dtype=np.int64), np.asarray(down, dtype=np.int64), 4 * get_num_threads()
            )

    def _singscore(self, up: np.ndarray, down: np.ndarray) -> np.ndarray:
        if not hasattr(self, "_lowest_ranks"):
            self._lowest_ranks = self._column_ranks(lowest=True)[0]
        n = self.n_genes

        def part(sets: np.ndarray, reverse: bool) -> np.ndarray:
            size = sets.shape[1]
            lowest, highest = (size + 1) / 2, (2 * n - size + 1) / 2
            mean_rank = self._sum_of(self._lowest_ranks, sets) / size
            if reverse:  # the mean of the reversed ranks n - r + 1
                mean_rank = n + 1 - mean_rank
            return (mean_rank - lowest) / (highest - lowest) - 0.5

        score = part(up, reverse=False)
        if down.shape[1]:
            score += part(down, reverse=True)
        return score

    def _ssgsea(self, up: np.ndarray, down: np.ndarray, *, tau: float) -> np.ndarray:
        # Area under the walk = sum over hits of w * remaining / sum(w) minus the same for misses,
        # where "remaining" counts positions from a gene to the end of the ranking. w * remaining
        # is formed per block of samples: a matrix-sized copy less.
        if getattr(self, "_ssgsea_tau", None) != tau:
            _, weight, remaining = self._column_ranks(tau=tau)
            self._ssgsea_tau, self._ssgsea_ranks = tau, (weight, remaining)
        weight, remaining = self._ssgsea_ranks
        n = self.n_genes

        def enrichment(sets: np.ndarray) -> np.ndarray:
            indicator = _indicator(sets, n)
            weighted = np.empty((len(sets), weight.shape[1]))
            for block in range(0, weight.shape[1], SAMPLE_BLOCK):
                columns = slice(block, block + SAMPLE_BLOCK)
                weighted[:, columns] = indicator @ (weight[:, columns] * remaining[:, columns])
            hits = weighted / np.asarray(indicator @ weight)
            misses = (n * (n + 1) / 2 - self._sum_of(remaining, sets)) / (n - sets.shape[1])
            return hits - misses

        score = enrichment(up)
        if down.shape[1]:
            score -= enrichment(down)
        return score

    def _score_genes(
        self, up: np.ndarray, down: np.ndarray, *, ctrl_size: int, n_bins: int, seed: int
    ) -> np.ndarray:
        """scanpy ``tl.score_genes`` (1.11, ``ctrl_as_ref=True``) for every set: genes cut by
        mean expression into ``rank(min) // round(G / (n_bins - 1))``; per cut holding a set
        gene, ``ctrl_size`` genes are drawn from the cut and the set's own genes removed; the
        score is the set's mean minus the controls' mean, NaNs skipped as scanpy's nanmean
        does. Draws come from ``seed``."""
        if not hasattr(self, "_sample_blocks"):  # the matrix in cache-line blocks, once
            values = self.matrix.to_numpy(dtype=float)
            self._sample_blocks = (sample_blocks(values), bool(np.isnan(values).any()), np.nanmean(values, axis=1))
        blocks, missing, gene_means = self._sample_blocks
        n_items = int(np.round(self.n_genes / (n_bins - 1)))
        cut_of_gene = (pd.Series(gene_means).rank(method="min").to_numpy() // n_items).astype(np.int64)
        cut_genes = np.argsort(cut_of_gene, kind="stable")
        cut_start = np.searchsorted(cut_of_gene[cut_genes], np.arange(cut_of_gene.max() + 2))
        rng = np.random.default_rng(seed)

        n_samples = self.matrix.shape[1]

        def part(sets: np.ndarray) -> np.ndarray:
            scores = []
            for start in range(0, len(sets), SET_CHUNK):
                chunk = np.ascontiguousarray(sets[start:start + SET_CHUNK], dtype=np.int64)
                uniforms = rng.random((len(chunk), len(cut_start) - 1, ctrl_size))
                indptr, indices = score_genes_controls(chunk, cut_of_gene, cut_genes, cut_start, ctrl_size, uniforms)
                own = np.arange(0, chunk.size + 1, chunk.shape[1])
                scores.append(
                    nan_mean_rows(blocks, own, chunk.ravel(), n_samples, missing)
                    - nan_mean_rows(blocks, indptr, indices, n_samples, missing)
                )
            return np.concatenate(scores)

        score = part(up)
        if down.shape[1]:
            score -= part(down)
        return score


ScoringFunction = Callable[..., pd.Series]


@dataclass(frozen=True)
class ScoringMethod:
    """A scoring method: defined once, vectorised over gene sets, as ``SetScorer._<name>``
    (keyword arguments from the config block ``scoring.<name>``, if the method has one); whether
    it draws random numbers (then it also takes the config's seed); and, where a library is the
    method's reference, the library's per-signature form, which then scores the signatures
    themselves (scanpy's ``score_genes``; SetScorer's form is tested equal to it). The config
    schema's list of methods and its parameter blocks are tested equal to this table."""

    seeded: bool = False
    library_form: ScoringFunction | None = None
    # keyword arguments that come from each signature (SignatureGenes.weighted_parameters), not the config
    signature_parameters: frozenset[str] = frozenset()

    def parameters(self, settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
        return dict(settings, seed=seed) if self.seeded else dict(settings)


SCORING_METHODS: dict[str, ScoringMethod] = {
    "zscore": ScoringMethod(),
    "score_genes": ScoringMethod(seeded=True, library_form=scanpy_score),
    "ssgsea": ScoringMethod(),
    "singscore": ScoringMethod(),
    "median": ScoringMethod(),
    "pc1": ScoringMethod(),
    "weighted": ScoringMethod(signature_parameters=frozenset({"up_weights", "down_weights", "scale"})),
}


def scoring_method(name: str) -> ScoringMethod:
    if name not in SCORING_METHODS:
        raise InputError(f"unknown scoring method {name!r}; use one of {sorted(SCORING_METHODS)}")
    return SCORING_METHODS[name]


def method_parameters(method: str, settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Keyword arguments of ``method`` from its config block and the config's seed."""
    return scoring_method(method).parameters(settings, seed)


def score_signature(scorer: SetScorer, method: str, genes: SignatureGenes, params: Mapping[str, Any]) -> pd.Series:
    """One signature's score per sample by ``method``: its library's form where it has one."""
    library_form = scoring_method(method).library_form
    if library_form is not None:
        return library_form(scorer.matrix, genes, **params)
    return scorer.signature(method, genes, params)


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
