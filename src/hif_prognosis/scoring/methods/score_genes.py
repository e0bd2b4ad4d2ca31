"""scanpy's ``tl.score_genes``: the signature's mean minus the mean of random control genes of
matched mean expression (seeded). The signatures themselves are scored by scanpy; random sets
by the vectorised form here, equal to scanpy's (tested)."""

from __future__ import annotations

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
    blocks, missing, gene_means = scorer.prepared("sample blocks", lambda: _blocked(scorer.matrix))
    n_items = int(np.round(scorer.n_genes / (n_bins - 1)))
    cut_of_gene = (pd.Series(gene_means).rank(method="min").to_numpy() // n_items).astype(np.int64)
    cut_genes = np.argsort(cut_of_gene, kind="stable")
    cut_start = np.searchsorted(cut_of_gene[cut_genes], np.arange(cut_of_gene.max() + 2))
    rng = np.random.default_rng(seed)

    n_samples = scorer.matrix.shape[1]

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

    return up_minus_down(part, up, down)


def _blocked(matrix: pd.DataFrame) -> tuple[np.ndarray, bool, np.ndarray]:
    """The matrix in cache-line blocks, whether it has missing values, and each gene's mean."""
    values = matrix.to_numpy(dtype=float)
    return sample_blocks(values), bool(np.isnan(values).any()), np.nanmean(values, axis=1)


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
    """scanpy score_genes' control genes of every set, as a CSR structure (indptr, indices):
    for each expression cut holding one of the set's genes, ``ctrl_size`` genes drawn from
    the cut (all of it if smaller), then the set's own genes removed. ``cut_genes`` lists the
    genes cut by cut, cut c at cut_start[c]:cut_start[c + 1]; ``uniforms`` is sets x cuts x
    ctrl_size."""
    n_sets, n_genes, n_cuts = sets.shape[0], len(cut_of_gene), len(cut_start) - 1
    counts = np.zeros(n_sets + 1, dtype=np.int64)
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
                g = cut_genes[start + positions[i]]
                if not own[g]:
                    drawn[s, k] = g
                    k += 1
        counts[s + 1] = k
    indptr = np.cumsum(counts)
    indices = np.empty(indptr[-1], dtype=np.int64)
    for s in prange(n_sets):
        indices[indptr[s]:indptr[s + 1]] = drawn[s, : indptr[s + 1] - indptr[s]]
    return indptr, indices


LANES = 8  # samples per block of the blocked layout: one 64-byte cache line of float64


def sample_blocks(values: np.ndarray) -> np.ndarray:
    """genes x samples -> (sample blocks, genes, LANES), the last block padded with zeros: a
    gene's values for LANES samples sit in one cache line, so a kernel reading many genes for
    every set reads whole lines and adds them lane-wise."""
    n_genes, n_samples = values.shape
    n_blocks = -(-n_samples // LANES)
    padded = np.zeros((n_genes, n_blocks * LANES))
    padded[:, :n_samples] = values
    return np.ascontiguousarray(padded.reshape(n_genes, n_blocks, LANES).transpose(1, 0, 2))


@njit(cache=True, parallel=True)
def _sum_rows(blocks: np.ndarray, indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(blocks x sets x LANES): per set (CSR row of gene indices), the sum of its genes' lines,
    block by block, so the block being read (genes x LANES) stays in cache for every set."""
    n_blocks, n_sets = blocks.shape[0], len(indptr) - 1
    out = np.zeros((n_blocks, n_sets, LANES))
    for b in prange(n_blocks):
        block = blocks[b]
        for s in range(n_sets):
            total = out[b, s]
            for k in range(indptr[s], indptr[s + 1]):
                line = block[indices[k]]
                for lane in range(LANES):
                    total[lane] += line[lane]
    return out


def nan_mean_rows(
    blocks: np.ndarray, indptr: np.ndarray, indices: np.ndarray, n_samples: int, missing: bool
) -> np.ndarray:
    """(sets x samples): per set (CSR row of gene indices) and sample, the mean of the genes'
    values over those not NaN (numpy's nanmean; NaN where all are). ``blocks`` is the
    sample_blocks layout; ``missing`` says whether it holds a NaN (known once per matrix: looking
    costs a pass over it)."""
    if missing:
        absent = np.isnan(blocks)
        sums = _sum_rows(np.where(absent, 0.0, blocks), indptr, indices)
        counts = _sum_rows((~absent).astype(float), indptr, indices)
    else:
        sums, counts = _sum_rows(blocks, indptr, indices), np.diff(indptr).astype(float)[None, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    return np.ascontiguousarray(means.transpose(1, 0, 2)).reshape(len(indptr) - 1, -1)[:, :n_samples]
