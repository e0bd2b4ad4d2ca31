"""Random-signature null (Venet et al. 2011, PLoS Comput Biol 7:e1002240).

Most random gene sets are prognostic too. For a signature, random sets of the same size are
drawn from genes of matched mean expression (the genes binned by mean expression; each random
set takes as many genes from each bin as the signature has there; the signature's own genes
are not drawn), scored by the same method, and fitted by the same univariable Cox model. The
signature's statistics are then read against this null.

A score can be mostly a sample-wide offset (:mod:`hif_prognosis.scoring.offset`): then nearly every gene
set gives the same score, the null is narrow, and a weak signature "beats random sets". Each row
therefore reports the score's Pearson correlation with the sample-wide mean z-score (the mean
over all genes), warns where |r| >= OFFSET_WARNING_R, gives the null's spread, and repeats the
comparison with every model (signature and random sets alike) adjusted for the sample-wide mean
z-score, which takes the offset out of every score.

The ``weighted`` score of a random set takes the signature's weights in random order (among the
genes drawn for the same sign), so the null asks whether these genes, rather than any with the
same weights, carry the prognosis.

Random sets are scored by the methods' one implementation, vectorised over sets
(:class:`hif_prognosis.scoring.matrix.SetScorer`), which also scores the signatures themselves.
The sets are drawn from the seed, the cohort and the signature alone, so a null of one method
(the workflow's job) is read on the same sets as every other method's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hif_prognosis.survival.fastcox import cox_columns
from hif_prognosis.data.clinical import endpoint_data, endpoint_names
from hif_prognosis.compiled import compiled_threads
from hif_prognosis.scoring.kernels import sample_subsets
from hif_prognosis.scoring.offset import OFFSET_WARNING_R, row_correlations
from hif_prognosis.scoring.matrix import SetScorer
from hif_prognosis.scoring.contract import SignatureGenes
from hif_prognosis.scoring.registry import scoring_method
from hif_prognosis.survival.stats import harrell_c_columns, set_rng


def expression_bins(matrix: pd.DataFrame, n_bins: int) -> np.ndarray:
    """Bin of each gene by mean expression (equal-count bins, 0 = lowest)."""
    means = matrix.mean(axis=1).to_numpy()
    order = np.argsort(means, kind="stable")
    bins = np.empty(len(means), dtype=int)
    bins[order] = np.arange(len(means)) * n_bins // len(means)
    return bins


def draw_matched_sets(
    bins: np.ndarray,
    members: np.ndarray,
    n_sets: int,
    rng: np.random.Generator,
    eligible: np.ndarray,
) -> np.ndarray:
    """``n_sets`` x len(members) gene indices: per bin, as many genes as ``members`` has there,
    drawn without replacement within a set from ``eligible`` genes that are not members."""
    pool_mask = eligible.copy()
    pool_mask[members] = False
    columns = []
    for b, count in zip(*np.unique(bins[members], return_counts=True), strict=True):
        pool = np.flatnonzero(pool_mask & (bins == b))
        if len(pool) < count:
            raise ValueError(f"expression bin {b} has {len(pool)} genes, fewer than the {count} needed")
        columns.append(sample_subsets(pool, rng.random((n_sets, count))))
    return np.concatenate(columns, axis=1)


def random_set_weights(genes: SignatureGenes, n_sets: int, rng: np.random.Generator) -> dict[str, Any]:
    """The ``weighted`` method's keyword arguments for ``n_sets`` random sets drawn like
    ``genes``: each set gets the signature's weights in random order, shuffled among the genes
    drawn for the same sign (a random set has as many risk as protective genes as the model)."""
    def shuffled(weights: np.ndarray) -> np.ndarray:
        return rng.permuted(np.tile(weights, (n_sets, 1)), axis=1)

    return {
        "up_weights": shuffled(genes.weights("up")),
        "down_weights": shuffled(genes.weights("down")),
        "scale": genes.weighted_scale,
    }


def empirical_p(observed: float, null: np.ndarray) -> float:
    """Two-sided empirical p of |observed| among |null|, counting the observed itself
    ((1 + extreme) / (1 + n), Phipson and Smyth 2010): never zero."""
    null = null[np.isfinite(null)]
    return float((1 + np.sum(np.abs(null) >= abs(observed))) / (1 + len(null)))


def standardise_rows(scores: np.ndarray) -> np.ndarray:
    mean = scores.mean(axis=1, keepdims=True)
    sd = scores.std(axis=1, ddof=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (scores - mean) / sd


NULL_COLUMNS = [
    "cohort", "signature", "method", "endpoint", "n", "events", "n_random_sets", "n_fitted",
    "log_hr", "null_log_hr_median", "percentile_log_hr", "p_empirical_abs_log_hr",
    "c_index", "null_c_index_median", "percentile_c_index", "p_empirical_c_index",
    "proliferation_signature", "n_fitted_adjusted", "log_hr_adj_proliferation",
    "null_log_hr_adj_proliferation_median", "percentile_log_hr_adj_proliferation",
    "p_empirical_abs_log_hr_adj_proliferation",
    "null_log_hr_sd", "r_sample_mean_z", "null_r_sample_mean_z_median", "offset_warning",
    "log_hr_adj_sample_mean_z", "null_log_hr_adj_sample_mean_z_median",
    "percentile_log_hr_adj_sample_mean_z", "p_empirical_abs_log_hr_adj_sample_mean_z",
]


def read_against_null(observed: float, null: np.ndarray) -> tuple[int, float, float, float]:
    """Fitted null sets, their median, the observed value's percentile among them (% below)
    and its two-sided empirical p."""
    null = null[np.isfinite(null)]
    if not np.isfinite(observed) or not len(null):
        return len(null), np.nan, np.nan, np.nan
    return len(null), float(np.median(null)), float(100 * np.mean(null < observed)), empirical_p(observed, null)


@dataclass(frozen=True)
class _Fits:
    """One endpoint's Cox fits and Harrell's C of the observed score and of every random set:
    alone, adjusted for the proliferation score (NaN where not adjusted) and for the sample-wide
    mean z-score; the observed score's and the random sets' correlation with that offset."""

    beta_obs: float
    beta_null: np.ndarray
    c_obs: float
    c_null: np.ndarray
    beta_obs_adj: float
    beta_null_adj: np.ndarray
    beta_obs_offset: float
    beta_null_offset: np.ndarray
    r_obs: float
    r_null: np.ndarray


def _fit_endpoint(
    outcome: pd.DataFrame, columns: np.ndarray, null_scores: np.ndarray, observed: pd.Series,
    proliferation: pd.Series | None, offset_all: np.ndarray, threads: int,
) -> _Fits:
    """The observed and random scores of one endpoint's samples (``columns`` of the matrix),
    standardised and fitted alike (fast Cox engine, Efron ties)."""
    time, event = outcome["time"].to_numpy(), outcome["event"].to_numpy()
    random = np.nan_to_num(standardise_rows(null_scores[:, columns]).T)
    obs = standardise_rows(observed.reindex(outcome.index).to_numpy()[None, :]).T
    beta_null_adj, beta_obs_adj = np.full(null_scores.shape[0], np.nan), np.nan
    if proliferation is not None:
        z = standardise_rows(proliferation.reindex(outcome.index).to_numpy()[None, :]).T
        beta_null_adj = cox_columns(time, event, random, adjust=z, threads=threads).beta
        beta_obs_adj = float(cox_columns(time, event, obs, adjust=z).beta[0])
    offset = standardise_rows(offset_all[columns][None, :]).T
    return _Fits(
        beta_obs=float(cox_columns(time, event, obs).beta[0]),
        beta_null=cox_columns(time, event, random, threads=threads).beta,
        c_obs=float(harrell_c_columns(time, event, obs)[0]),
        c_null=harrell_c_columns(time, event, random),
        beta_obs_adj=beta_obs_adj,
        beta_null_adj=beta_null_adj,
        beta_obs_offset=float(cox_columns(time, event, obs, adjust=offset).beta[0]),
        beta_null_offset=cox_columns(time, event, random, adjust=offset, threads=threads).beta,
        r_obs=float(row_correlations(obs.T, offset[:, 0])[0]),
        r_null=row_correlations(random.T, offset[:, 0]),
    )


def _null_row(fits: _Fits, adjusted: bool, proliferation_signature: str) -> dict[str, Any]:
    """The null summary's statistics of one signature x method x endpoint (NULL_COLUMNS after
    the key, n and events)."""
    _, offset_median, offset_percentile, p_offset = read_against_null(fits.beta_obs_offset, fits.beta_null_offset)
    fitted, null_median, percentile, p_value = read_against_null(fits.beta_obs, fits.beta_null)
    fitted_adj, null_median_adj, percentile_adj, p_adj = read_against_null(fits.beta_obs_adj, fits.beta_null_adj)
    _, c_median, c_percentile, _ = read_against_null(fits.c_obs, fits.c_null)
    return {
        "n_random_sets": len(fits.beta_null),
        "n_fitted": fitted, "log_hr": fits.beta_obs, "null_log_hr_median": null_median,
        "percentile_log_hr": percentile, "p_empirical_abs_log_hr": p_value,
        "c_index": fits.c_obs, "null_c_index_median": c_median, "percentile_c_index": c_percentile,
        "p_empirical_c_index": empirical_p(fits.c_obs - 0.5, fits.c_null - 0.5),
        "proliferation_signature": proliferation_signature if adjusted else "",
        "n_fitted_adjusted": fitted_adj if adjusted else 0,
        "log_hr_adj_proliferation": fits.beta_obs_adj,
        "null_log_hr_adj_proliferation_median": null_median_adj,
        "percentile_log_hr_adj_proliferation": percentile_adj,
        "p_empirical_abs_log_hr_adj_proliferation": p_adj,
        "null_log_hr_sd": float(np.nanstd(fits.beta_null, ddof=1)),
        "r_sample_mean_z": fits.r_obs,
        "null_r_sample_mean_z_median": float(np.nanmedian(fits.r_null)),
        "offset_warning": bool(abs(fits.r_obs) >= OFFSET_WARNING_R),
        "log_hr_adj_sample_mean_z": fits.beta_obs_offset,
        "null_log_hr_adj_sample_mean_z_median": offset_median,
        "percentile_log_hr_adj_sample_mean_z": offset_percentile,
        "p_empirical_abs_log_hr_adj_sample_mean_z": p_offset,
    }


def _random_sets(
    cohort: str, matrix: pd.DataFrame, coverage: pd.DataFrame, eligible: np.ndarray, *, n_sets: int, n_bins: int,
    seed: int, threads: int, weights: bool,
) -> tuple[dict[Any, tuple[np.ndarray, np.ndarray]], dict[Any, dict[str, Any]]]:
    """One draw of random sets per signature (up and down genes), scored by every method so
    that the methods' nulls are read on the same random sets; and, where a method takes a
    signature's weights (``weights``), each set's weights."""
    index = {gene: k for k, gene in enumerate(matrix.index)}
    bins = expression_bins(matrix, n_bins)
    draws: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
    weighted: dict[Any, dict[str, Any]] = {}
    for signature, genes in coverage.groupby("signature", sort=False):
        measured = SignatureGenes.measured(genes)
        up = np.array([index[g] for g in measured.up], dtype=int)
        down = np.array([index[g] for g in measured.down], dtype=int)
        rng = set_rng(seed, cohort, str(signature))
        with compiled_threads(threads):
            draws[signature] = (
                draw_matched_sets(bins, up, n_sets, rng, eligible),
                draw_matched_sets(bins, down, n_sets, rng, eligible) if len(down)
                else np.empty((n_sets, 0), dtype=int),
            )
        if weights:
            weighted[signature] = random_set_weights(measured, n_sets, set_rng(seed, cohort, str(signature), "weights"))
    return draws, weighted


def random_signature_null(
    cohort: str,
    matrix: pd.DataFrame,
    coverage: pd.DataFrame,
    clinical: pd.DataFrame,
    scores: pd.DataFrame,
    methods: Mapping[str, Mapping[str, Any]],
    *,
    n_sets: int,
    n_bins: int,
    seed: int,
    proliferation_signature: str,
    threads: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Null summary (NULL_COLUMNS) and the null log HRs (long table) of every signature x
    method x endpoint. ``scores`` holds the signatures' own scores (scores.tsv). Observed and
    random scores are standardised and fitted alike (fast Cox engine, Efron ties; Harrell's C),
    once alone, once adjusted for the proliferation signature's score by the same method
    (standardised; not for the proliferation signature itself), and once adjusted for the
    sample-wide mean z-score. Empirical p: two-sided, (1 + extreme) / (1 + n). ``threads``: the
    compiled scorers' and the Cox fits' (results do not depend on it)."""
    observed_scores = scores.set_index(["signature", "method", "sample_id"])["score"].sort_index()
    scorer = SetScorer(matrix, threads)
    offset_all = scorer.sample_mean_z
    draws, weighted = _random_sets(
        cohort, matrix, coverage, scorer.varies, n_sets=n_sets, n_bins=n_bins, seed=seed, threads=threads,
        weights=any(scoring_method(method).signature_parameters for method in methods),
    )
    endpoints = endpoint_names(clinical)
    rows, distributions = {}, {}
    # Method by method, each method's matrix-wide arrays freed before the next: at 10,000
    # samples each is gigabytes.
    for method, params in methods.items():
        definition = scoring_method(method)
        for signature, (random_up, random_down) in draws.items():
            set_params = {**params, **weighted[signature]} if definition.signature_parameters else params
            null_scores = scorer.score(definition, random_up, random_down, set_params)
            adjusted = signature != proliferation_signature
            proliferation = observed_scores.loc[(proliferation_signature, method)] if adjusted else None
            for endpoint in endpoints:
                outcome = endpoint_data(clinical, endpoint)
                fits = _fit_endpoint(
                    outcome, matrix.columns.get_indexer(outcome.index), null_scores,
                    observed_scores.loc[(signature, method)], proliferation, offset_all, threads,
                )
                key = {"cohort": cohort, "signature": signature, "method": method, "endpoint": endpoint}
                rows[signature, method, endpoint] = key | {
                    "n": len(outcome), "events": int(outcome["event"].to_numpy().sum()),
                } | _null_row(fits, adjusted, proliferation_signature)
                distributions[signature, method, endpoint] = pd.DataFrame({
                    "signature": signature, "method": method, "endpoint": endpoint,
                    "null_log_hr": fits.beta_null, "null_log_hr_adj_proliferation": fits.beta_null_adj,
                    "null_log_hr_adj_sample_mean_z": fits.beta_null_offset,
                })
        scorer.release()
    # Tables in signature, method, endpoint order, as the config lists them.
    keys = [(signature, method, endpoint) for signature in draws for method in methods for endpoint in endpoints]
    table = pd.DataFrame([rows[key] for key in keys], columns=NULL_COLUMNS)
    return table, pd.concat([distributions[key] for key in keys], ignore_index=True)


def merge_method_nulls(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The null summaries of one cohort's methods (each random_signature_null's table of one
    method, given in the config's method order) as one table in signature, method, endpoint
    order, as random_signature_null gives every method's."""
    merged = pd.concat(tables, ignore_index=True)
    signature_order = {signature: k for k, signature in enumerate(pd.unique(merged["signature"]))}
    order = np.argsort(merged["signature"].map(signature_order).to_numpy(), kind="stable")
    return merged.iloc[order].reset_index(drop=True)
