"""scanpy's ``tl.score_genes``: the signature's mean minus the mean of random control genes of
matched mean expression (seeded). The signatures themselves are scored by scanpy; random sets
by the vectorised form here, equal to scanpy's (tested)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit, prange

from hif_prognosis.scoring.contract import ScoringMethod, SignatureGenes
from hif_prognosis.scoring.kernels import floyd_subset
from hif_prognosis.scoring.matrix import SetScorer, up_minus_down

SET_CHUNK = 500  # sets per chunk of score_genes' control draws (their uniforms: sets x cuts x ctrl_size)


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


def score_genes_scores(
    scorer: SetScorer, up: np.ndarray, down: np.ndarray, *, ctrl_size: int, n_bins: int, seed: int
) -> np.ndarray:
    """scanpy ``tl.score_genes`` (1.11, ``ctrl_as_ref=True``) for every set: genes cut by
    mean expression into ``rank(min) // round(G / (n_bins - 1))``; per cut holding a set
    gene, ``ctrl_size`` genes are drawn from the cut and the set's own genes removed; the
    score is the set's mean minus the controls' mean, NaNs skipped as scanpy's nanmean
    does. Draws come from ``seed``."""
    cuts = scorer.prepared(("expression cuts", n_bins), lambda: ExpressionCuts.of(scorer.matrix, n_bins))
    rng = np.random.default_rng(seed)

    def part(sets: np.ndarray) -> np.ndarray:
        scores = []
        for start in range(0, len(sets), SET_CHUNK):
            chunk = np.ascontiguousarray(sets[start:start + SET_CHUNK], dtype=np.int64)
            uniforms = rng.random((len(chunk), len(cuts.start) - 1, ctrl_size))
            segments, controls = score_genes_controls(chunk, cuts.of_gene, cuts.genes, cuts.start, ctrl_size, uniforms)
            own = np.arange(0, chunk.size + 1, chunk.shape[1])
            scores.append(
                cuts.nan_means(np.stack([own[:-1], own[1:]], axis=1), cuts.row_of_gene[chunk].ravel())
                - cuts.nan_means(segments, controls)
            )
        return np.concatenate(scores)

    return up_minus_down(part, up, down)


@dataclass(frozen=True)
class ExpressionCuts:
    """The genes cut by mean expression as scanpy cuts them, and the matrix in cache-line
    blocks with its rows in cut order (cut c's genes at rows start[c]:start[c + 1]), so that
    summing many sets' control genes cut by cut reads one cut's rows at a time, from cache."""

    of_gene: np.ndarray  # each gene's cut
    genes: np.ndarray  # the genes in cut order (stable within a cut)
    start: np.ndarray  # first row of each cut, and the row count last
    row_of_gene: np.ndarray  # each gene's row in cut order
    blocks: np.ndarray  # sample_blocks of the matrix, rows in cut order, a missing value as 0
    present: np.ndarray | None  # the same layout, 1 where a value is present; None if none is missing
    n_samples: int

    @classmethod
    def of(cls, matrix: pd.DataFrame, n_bins: int) -> ExpressionCuts:
        values = matrix.to_numpy(dtype=float)
        n_items = int(np.round(len(values) / (n_bins - 1)))
        of_gene = (pd.Series(np.nanmean(values, axis=1)).rank(method="min").to_numpy() // n_items).astype(np.int64)
        genes = np.argsort(of_gene, kind="stable")
        row_of_gene = np.empty_like(genes)
        row_of_gene[genes] = np.arange(len(genes))
        blocks, present = sample_blocks(values, genes), None
        if np.isnan(values).any():  # once per matrix, not per chunk of sets: each is matrix-sized
            absent = np.isnan(blocks)
            present = (~absent).astype(float)
            blocks[absent] = 0.0
        return cls(
            of_gene, genes, np.searchsorted(of_gene[genes], np.arange(of_gene.max() + 2)), row_of_gene,
            blocks, present, values.shape[1],
        )

    def nan_means(self, segments: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(sets x samples): per set (its rows: ``rows[segments[s, 0]:segments[s, -1]]``) and
        sample, the mean of the rows' values over those not NaN (numpy's nanmean; NaN where all
        are)."""
        sums = _sum_rows(self.blocks, segments, rows)
        if self.present is None:
            counts = (segments[:, -1] - segments[:, 0]).astype(float)[None, :, None]
        else:
            counts = _sum_rows(self.present, segments, rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums / counts
        return np.ascontiguousarray(means.transpose(1, 0, 2)).reshape(len(segments), -1)[:, :self.n_samples]


METHOD = ScoringMethod(
    label="scanpy score_genes",
    summary="scanpy tl.score_genes (signature mean minus expression-binned random controls)",
    description=(
        'scanpy `tl.score_genes`: mean of the signature genes minus the mean of randomly drawn '
        'control genes from the same expression bins (`ctrl_size`, `n_bins`, seeded)'
    ),
    set_scores=score_genes_scores,
    parameters={
        "ctrl_size": {"type": "integer", "minimum": 1, "default": 50, "description": "control genes drawn per signature gene's expression bin"},
        "n_bins": {"type": "integer", "minimum": 1, "default": 25, "description": "expression bins"},
    },
    seeded=True,
    library_form=scanpy_score,
)


# Compiled kernels.


@njit(cache=True, parallel=True)
def score_genes_controls(
    sets: np.ndarray, cut_of_gene: np.ndarray, cut_genes: np.ndarray, cut_start: np.ndarray,
    ctrl_size: int, uniforms: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """scanpy score_genes' control genes of every set: for each expression cut holding one of
    the set's genes, ``ctrl_size`` genes drawn from the cut (all of it if smaller), then the
    set's own genes removed. ``cut_genes`` lists the genes cut by cut, cut c at
    cut_start[c]:cut_start[c + 1]; ``uniforms`` is sets x cuts x ctrl_size. Returns the
    controls as rows of the cut-ordered matrix (positions in ``cut_genes``), in drawing order,
    and each set's segment per cut: set s's controls from cut c are
    rows[segments[s, c]:segments[s, c + 1]]."""
    n_sets, n_genes, n_cuts = sets.shape[0], len(cut_of_gene), len(cut_start) - 1
    counts = np.zeros((n_sets, n_cuts), dtype=np.int64)
    drawn = np.full((n_sets, n_cuts * ctrl_size), -1, dtype=np.int64)
    for s in prange(n_sets):
        own = np.zeros(n_genes, dtype=np.bool_)
        held = np.zeros(n_cuts, dtype=np.bool_)
        for g in sets[s]:
            own[g] = True
            held[cut_of_gene[g]] = True
        k = 0
        positions = np.empty(ctrl_size, dtype=np.int64)
        for c in range(n_cuts):
            if not held[c]:
                continue
            start, n = cut_start[c], cut_start[c + 1] - cut_start[c]
            if ctrl_size >= n:
                taken = n
                for i in range(n):
                    positions[i] = i
            else:
                taken = ctrl_size
                floyd_subset(n, uniforms[s, c], np.zeros(n, dtype=np.bool_), positions)
            for i in range(taken):
                if not own[cut_genes[start + positions[i]]]:
                    drawn[s, k] = start + positions[i]
                    k += 1
                    counts[s, c] += 1
    segments = np.zeros((n_sets, n_cuts + 1), dtype=np.int64)
    total = 0
    for s in range(n_sets):
        segments[s, 0] = total
        for c in range(n_cuts):
            total += counts[s, c]
            segments[s, c + 1] = total
    rows = np.empty(total, dtype=np.int64)
    for s in prange(n_sets):
        rows[segments[s, 0]:segments[s, -1]] = drawn[s, : segments[s, -1] - segments[s, 0]]
    return segments, rows


LANES = 8  # samples per block of the blocked layout: one 64-byte cache line of float64


def sample_blocks(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """genes x samples -> (sample blocks, rows, LANES), the genes in the order ``rows`` lists
    them, the last block padded with zeros: a gene's values for LANES samples sit in one cache
    line, so a kernel reading many genes for every set reads whole lines and adds them
    lane-wise. Filled block by block: no matrix-sized copy besides the result."""
    n_blocks = -(-values.shape[1] // LANES)
    blocks = np.zeros((n_blocks, len(rows), LANES))
    for b in range(n_blocks):
        part = values[:, b * LANES:(b + 1) * LANES]
        blocks[b, :, :part.shape[1]] = part[rows]
    return blocks


@njit(cache=True, parallel=True)
def _sum_rows(blocks: np.ndarray, segments: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(blocks x sets x LANES): per set, the sum of its rows' lines (rows[segments[s, 0]:
    segments[s, -1]], added in that order), block by block, and within a block segment by
    segment across the sets: where segment c of every set reads one region of rows (a cut's
    genes), that region stays in cache while every set reads it."""
    n_blocks, n_sets = blocks.shape[0], segments.shape[0]
    out = np.zeros((n_blocks, n_sets, LANES))
    for b in prange(n_blocks):
        block = blocks[b]
        for c in range(segments.shape[1] - 1):
            for s in range(n_sets):
                total = out[b, s]
                for k in range(segments[s, c], segments[s, c + 1]):
                    line = block[rows[k]]
                    for lane in range(LANES):
                        total[lane] += line[lane]
    return out
