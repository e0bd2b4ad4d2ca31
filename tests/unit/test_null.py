"""The random-signature null: matched draws, vectorised scorers, and its statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hif_prognosis.data.genesets import coverage_table, signature_table, weighted_signature_table
from hif_prognosis.survival.null import (
    NULL_COLUMNS, draw_matched_sets, empirical_p, expression_bins, merge_method_nulls, random_signature_null,
)
from hif_prognosis.scoring.matrix import SetScorer
from hif_prognosis.scoring.contract import SignatureGenes
from hif_prognosis.scoring.methods.score_genes import scanpy_score
from hif_prognosis.scoring.signatures import score_sets, score_signatures
from hif_prognosis.survival.stats import harrell_c, harrell_c_columns
from support.reference_scoring import REFERENCE_FORMS

PARAMS = {
    "zscore": {}, "median": {}, "pc1": {}, "singscore": {}, "ssgsea": {"tau": 0.25}, "weighted": {},
    "gsva": {"tau": 1.0, "mx_diff": True},
}


def set_params(method: str, up: np.ndarray, down: np.ndarray) -> dict:
    """PARAMS[method] for these sets: the weighted method's weights +1 up, -1 down."""
    if method != "weighted":
        return PARAMS[method]
    return {"up_weights": np.ones(up.shape), "down_weights": -np.ones(down.shape), "scale": "zscore"}


@pytest.fixture(scope="module")
def matrix() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    values = np.round(rng.normal(8, 2, size=(1500, 30)), 2)  # rounded: ties in ranks
    return pd.DataFrame(values, index=[f"G{i}" for i in range(1500)], columns=[f"s{j}" for j in range(30)])


def test_matched_draws_keep_bin_composition_and_exclude_the_signature(matrix):
    bins = expression_bins(matrix, 10)
    members = np.array([0, 5, 17, 300, 301, 1200])
    sets = draw_matched_sets(bins, members, 200, np.random.default_rng(1), np.ones(1500, bool))
    assert sets.shape == (200, 6)
    expected = np.sort(bins[members])
    assert all((np.sort(bins[row]) == expected).all() for row in sets)
    assert not np.isin(sets, members).any()
    assert all(len(set(row)) == 6 for row in sets)
    again = draw_matched_sets(bins, members, 200, np.random.default_rng(1), np.ones(1500, bool))
    np.testing.assert_array_equal(sets, again)


@pytest.mark.parametrize("method", sorted(PARAMS))
def test_vectorised_scorers_equal_the_pipelines_methods(matrix, method):
    rng = np.random.default_rng(2)
    bins, eligible = expression_bins(matrix, 10), np.ones(1500, bool)
    up = draw_matched_sets(bins, np.arange(15), 8, rng, eligible)
    down = draw_matched_sets(bins, np.arange(15, 22), 8, rng, eligible)
    # the weighted method with a model's weights (z-score scale), each set its own order of them
    up_w, down_w = rng.permuted(np.tile(np.linspace(0.2, 1.6, 15), (8, 1)), axis=1), -rng.uniform(0.1, 1, (8, 7))
    scale = "zscore"
    weighted = {"up_weights": up_w, "down_weights": down_w, "scale": scale} if method == "weighted" else {}
    scores = score_sets(SetScorer(matrix), method, up, down, {**PARAMS[method], **weighted})
    for k in range(8):
        genes = SignatureGenes(
            up=list(matrix.index[up[k]]), down=list(matrix.index[down[k]]),
            up_weights=tuple(up_w[k]), down_weights=tuple(down_w[k]), weighted_scale=scale,
        )
        expected = REFERENCE_FORMS[method](matrix, genes, **PARAMS[method]).to_numpy()
        np.testing.assert_allclose(scores[k], expected, rtol=1e-9, atol=1e-9)


def test_vectorised_pc1_equals_the_pipelines_for_sets_larger_than_the_cohort(matrix):
    """Sets of more genes (40 + 12) than samples (30) take the samples x samples Gram matrix."""
    rng = np.random.default_rng(3)
    bins, eligible = expression_bins(matrix, 10), np.ones(1500, bool)
    up = draw_matched_sets(bins, np.arange(40), 6, rng, eligible)
    down = draw_matched_sets(bins, np.arange(40, 52), 6, rng, eligible)
    scores = score_sets(SetScorer(matrix), "pc1", up, down, {})
    for k in range(6):
        genes = SignatureGenes(up=list(matrix.index[up[k]]), down=list(matrix.index[down[k]]))
        np.testing.assert_allclose(scores[k], REFERENCE_FORMS["pc1"](matrix, genes).to_numpy(), atol=1e-10)


@pytest.mark.parametrize("missing", [False, True], ids=["complete", "with missing values"])
def test_vectorised_score_genes_equals_scanpy_where_nothing_is_sampled(matrix, missing):
    # With ctrl_size above every cut's size all genes of the cut are controls: no randomness.
    # Missing values are skipped in both means, as scanpy's nanmean skips them.
    rng = np.random.default_rng(3)
    if missing:
        matrix = matrix.mask(rng.random(matrix.shape) < 0.02)
    bins, eligible = expression_bins(matrix, 10), np.ones(1500, bool)
    up = draw_matched_sets(bins, np.arange(12), 5, rng, eligible)
    down = draw_matched_sets(bins, np.arange(12, 16), 5, rng, eligible)
    params = dict(ctrl_size=2000, n_bins=25, seed=1)
    scores = score_sets(SetScorer(matrix), "score_genes", up, down, params)
    assert np.isfinite(scores).all()
    for k in range(5):
        genes = SignatureGenes(up=list(matrix.index[up[k]]), down=list(matrix.index[down[k]]))
        np.testing.assert_allclose(scores[k], scanpy_score(matrix, genes, **params).to_numpy(), atol=1e-12)


def test_vectorised_harrell_c_equals_lifelines():
    """The one Harrell's C (hif_prognosis.survival.stats) against lifelines' concordance_index, ties in
    time and in score included."""
    from lifelines.utils import concordance_index

    rng = np.random.default_rng(4)
    time = np.ceil(rng.exponential(20, 60))  # tied times
    event = (rng.uniform(size=60) < 0.6).astype(float)
    scores = rng.normal(size=(60, 4))
    scores[:, 1] = np.round(scores[:, 1])  # tied scores
    c = harrell_c_columns(time, event, scores)
    for k in range(4):
        assert c[k] == pytest.approx(concordance_index(time, -scores[:, k], event), abs=1e-12)
        assert harrell_c(pd.Series(time), pd.Series(event), pd.Series(scores[:, k])) == c[k]


def test_empirical_p_counts_the_observed():
    null = np.array([-3.0, -1.0, 0.5, 2.0])
    assert empirical_p(2.5, null) == pytest.approx(2 / 5)  # |-3| and the observed
    assert empirical_p(10.0, null) == pytest.approx(1 / 5)


def test_planted_signature_stands_out_and_the_null_is_reproducible(matrix):
    rng = np.random.default_rng(5)
    factor = rng.normal(size=30)
    planted = matrix.copy()
    planted.iloc[:20] += 2.0 * factor
    time = rng.exponential(np.exp(-1.0 * factor)) * 12
    clinical = pd.DataFrame({
        "sample_id": matrix.columns, "os_months": time, "os_event": (rng.uniform(size=30) < 0.8).astype(int),
    })
    coverage = pd.concat([
        coverage_table(signature_table("PLANTED", [f"G{i}" for i in range(20)], "x"), planted.index),
        coverage_table(signature_table("PROLIF", [f"G{i}" for i in range(100, 120)], "x"), planted.index),
    ])
    kwargs = dict(n_sets=300, n_bins=10, seed=7, proliferation_signature="PROLIF")
    scores = score_signatures(planted, coverage, "zscore", {})
    summary, distribution = random_signature_null("X", planted, coverage, clinical, scores, {"zscore": {}}, **kwargs)
    assert list(summary.columns) == NULL_COLUMNS and len(summary) == 2
    row = summary.iloc[0]
    assert row["percentile_log_hr"] > 95 and row["p_empirical_abs_log_hr"] < 0.05
    # PROLIF is unrelated to survival here: adjusting for it leaves the signal
    assert row["percentile_log_hr_adj_proliferation"] > 95 and row["p_empirical_abs_log_hr_adj_proliferation"] < 0.05
    assert summary.iloc[1]["proliferation_signature"] == "" and np.isnan(summary.iloc[1]["log_hr_adj_proliferation"])
    assert len(distribution) == 600 and row["n_fitted"] == 300
    again, _ = random_signature_null("X", planted, coverage, clinical, scores, {"zscore": {}}, **kwargs)
    pd.testing.assert_frame_equal(summary, again)
    other, _ = random_signature_null("X", planted, coverage, clinical, scores, {"zscore": {}}, **dict(kwargs, seed=8))
    assert other.iloc[0]["null_log_hr_median"] != row["null_log_hr_median"]


def test_every_method_s_null_is_the_same_on_one_thread_and_two(matrix):
    """The compiled scorers split work over threads, never the draws or a sum's order."""
    rng = np.random.default_rng(9)
    clinical = pd.DataFrame({
        "sample_id": matrix.columns, "os_months": rng.exponential(20, 30), "os_event": (rng.uniform(size=30) < 0.7).astype(int),
    })
    coverage = pd.concat([
        coverage_table(signature_table("SIG", [f"G{i}" for i in range(12)], "x"), matrix.index),
        coverage_table(signature_table("PROLIF", [f"G{i}" for i in range(100, 140)], "x"), matrix.index),
    ])
    methods = dict(PARAMS, score_genes={"ctrl_size": 50, "n_bins": 25, "seed": 4})
    scores = pd.concat([score_signatures(matrix, coverage, m, p) for m, p in methods.items()])
    kwargs = dict(n_sets=200, n_bins=10, seed=7, proliferation_signature="PROLIF")
    one = random_signature_null("X", matrix, coverage, clinical, scores, methods, threads=1, **kwargs)
    two = random_signature_null("X", matrix, coverage, clinical, scores, methods, threads=2, **kwargs)
    pd.testing.assert_frame_equal(one[0], two[0], check_exact=True)
    pd.testing.assert_frame_equal(one[1], two[1], check_exact=True)


def test_each_method_s_null_alone_merges_to_every_method_s_null(matrix):
    """The workflow runs one job per method: each draws the same random sets from the seed, so
    the nulls merged (merge_method_nulls) are those of one run of every method, to the bit, in
    signature, method, endpoint order; weighted's weights drawn alike."""
    rng = np.random.default_rng(5)
    clinical = pd.DataFrame({
        "sample_id": matrix.columns, "os_months": rng.exponential(20, 30), "os_event": (rng.uniform(size=30) < 0.7).astype(int),
        "efs_months": rng.exponential(15, 30), "efs_event": (rng.uniform(size=30) < 0.7).astype(int),
    })
    weights = pd.DataFrame({"gene": [f"G{i}" for i in range(30, 40)], "weight": [-1.0, -0.5, *np.linspace(0.2, 2, 8)], "citation": ""})
    weighted = weighted_signature_table("W", weights, "x", "zscore")
    coverage = pd.concat([
        coverage_table(signature_table("SIG", [f"G{i}" for i in range(12)], "x"), matrix.index),
        coverage_table(weighted, matrix.index),
        coverage_table(signature_table("PROLIF", [f"G{i}" for i in range(100, 140)], "x"), matrix.index),
    ])
    methods = {"zscore": {}, "weighted": {}, "pc1": {}}
    scores = pd.concat([score_signatures(matrix, coverage, m, p) for m, p in methods.items()])
    kwargs = dict(n_sets=100, n_bins=10, seed=7, proliferation_signature="PROLIF")
    together = random_signature_null("X", matrix, coverage, clinical, scores, methods, **kwargs)
    alone = [random_signature_null("X", matrix, coverage, clinical, scores, {m: p}, **kwargs) for m, p in methods.items()]
    assert together[0]["endpoint"].nunique() == 2 and together[0]["signature"].nunique() == 3
    pd.testing.assert_frame_equal(merge_method_nulls([summary for summary, _ in alone]), together[0], check_exact=True)
    for method, (_, distribution) in zip(methods, alone, strict=True):
        expected = together[1][together[1]["method"] == method].reset_index(drop=True)
        pd.testing.assert_frame_equal(distribution, expected, check_exact=True)


def null_with_proliferation(data: pd.DataFrame, clinical: pd.DataFrame, n_sets: int):
    """The null of SIG (G0-G19) and PROLIF (G100-G139) by z-score, PROLIF the proliferation score."""
    coverage = pd.concat([
        coverage_table(signature_table("SIG", [f"G{i}" for i in range(20)], "x"), data.index),
        coverage_table(signature_table("PROLIF", [f"G{i}" for i in range(100, 140)], "x"), data.index),
    ])
    scores = score_signatures(data, coverage, "zscore", {})
    return random_signature_null(
        "X", data, coverage, clinical, scores, {"zscore": {}}, n_sets=n_sets, n_bins=10, seed=3,
        proliferation_signature="PROLIF",
    )


def test_signal_carried_by_proliferation_vanishes_after_adjustment(matrix):
    """The signature's genes follow a proliferation factor that drives survival: it beats the
    random sets alone, and stops standing out once adjusted for the proliferation score."""
    rng = np.random.default_rng(11)
    n = matrix.shape[1]
    factor = rng.normal(size=n)
    data = matrix.copy()
    data.iloc[:20] += 1.5 * factor          # the signature
    data.iloc[100:140] += 2.5 * factor      # the proliferation signature
    time = rng.exponential(np.exp(-1.2 * factor)) * 12
    clinical = pd.DataFrame({"sample_id": matrix.columns, "os_months": time, "os_event": 1})
    summary, _ = null_with_proliferation(data, clinical, 400)
    row = summary.iloc[0]
    assert row["p_empirical_abs_log_hr"] < 0.05
    assert row["p_empirical_abs_log_hr_adj_proliferation"] > 0.05


def test_a_sample_wide_offset_is_reported_and_adjusted_away(matrix):
    """Two-colour-like data: every gene carries the sample's offset, which is not prognostic,
    and the signature adds a weak effect. Every z-score is then mostly the offset, the null is
    narrow and the weak signature "beats random sets"; adjusted for the sample-wide mean z-score
    the null widens and the signature no longer stands out."""
    rng = np.random.default_rng(21)
    n = 120
    offset = rng.normal(size=n)
    factor = rng.normal(size=n)
    values = rng.normal(8, 1, size=(1500, n)) + 3.0 * offset
    values[:20] += 0.6 * factor
    data = pd.DataFrame(values, index=[f"G{i}" for i in range(1500)], columns=[f"s{j}" for j in range(n)])
    time = rng.exponential(np.exp(-0.35 * factor)) * 12
    clinical = pd.DataFrame({"sample_id": data.columns, "os_months": time, "os_event": 1})
    summary, distribution = null_with_proliferation(data, clinical, 400)
    row = summary.iloc[0]
    assert row["r_sample_mean_z"] > 0.9 and row["offset_warning"] and row["null_r_sample_mean_z_median"] > 0.9
    assert row["p_empirical_abs_log_hr"] < 0.05  # the misleading comparison
    assert row["p_empirical_abs_log_hr_adj_sample_mean_z"] > 0.05
    sig = distribution[distribution["signature"] == "SIG"]
    assert sig["null_log_hr_adj_sample_mean_z"].std() > 3 * sig["null_log_hr"].std()
    assert row["null_log_hr_sd"] == pytest.approx(sig["null_log_hr"].std())


def test_sample_wide_mean_z_and_varying_genes_are_the_z_matrix_s_without_forming_it():
    """The null reads the offset and the varying genes before (and, for rank-based methods,
    without) the gene z-scores: the varying genes exactly, constant and incomplete genes left
    out; the offset the mean over the varying rows of the z matrix, summed in gene order (equal
    to the bit to numpy's mean of the row-major matrix; numpy sums the column-major one, as
    gene_zscores gives it, pairwise); the scorer forms no z-scores for it."""
    from hif_prognosis.data.expression import gene_zscores

    rng = np.random.default_rng(4)
    values = rng.normal(8, 2, size=(3000, 45)) * rng.uniform(0.1, 3, size=(3000, 1))
    values[5] = 7.0  # constant
    values[9, 3] = np.nan  # incomplete: its z-scores are not all finite
    matrix = pd.DataFrame(values, index=[f"G{i}" for i in range(3000)])
    z = gene_zscores(matrix).to_numpy()
    varies = np.isfinite(z).all(axis=1)
    scorer = SetScorer(matrix)
    np.testing.assert_array_equal(scorer.varies, varies)
    np.testing.assert_array_equal(scorer.sample_mean_z, np.ascontiguousarray(z).mean(axis=0, where=varies[:, None]))
    np.testing.assert_allclose(scorer.sample_mean_z, np.asfortranarray(z).mean(axis=0, where=varies[:, None]),
                               rtol=0, atol=1e-15)
    assert not varies[5] and not varies[9] and varies.sum() == 2998
    assert "z" not in scorer.__dict__


def test_no_offset_no_warning(matrix):
    rng = np.random.default_rng(2)
    clinical = pd.DataFrame({"sample_id": matrix.columns, "os_months": rng.exponential(12, 30), "os_event": 1})
    summary, _ = null_with_proliferation(matrix, clinical, 200)
    assert not summary["offset_warning"].any() and (summary["r_sample_mean_z"].abs() < 0.5).all()


def test_pc1_kernel_compiles_and_agrees_for_either_memory_layout():
    """z-scores from pandas come column-major; the kernel once failed to compile for them."""
    from hif_prognosis.scoring.methods.pc1 import pc1_components

    rng = np.random.default_rng(12)
    z = rng.normal(size=(300, 40))
    z -= z.mean(axis=1, keepdims=True)
    up = np.ascontiguousarray(rng.integers(0, 300, (6, 12)))
    down = np.ascontiguousarray(rng.integers(0, 300, (6, 3)))
    column_major = pc1_components(np.asfortranarray(z), up, down, 2)
    np.testing.assert_array_equal(column_major, pc1_components(np.ascontiguousarray(z), up, down, 2))


def test_gathered_median_selects_as_numpy_forms_the_median():
    """The gathered median (a selection by partition) equals np.median to the last bit for odd
    and even sizes, one gene to several rounds of partitioning, signed genes, and values tied
    with each other and with the pivots."""
    from hif_prognosis.scoring.methods.median import gathered_medians

    rng = np.random.default_rng(5)
    for trial in range(300):
        z = rng.normal(size=(40, 6))
        if trial % 3:
            z = np.round(z, trial % 3 - 1)  # ties: a few, or many
        up = rng.integers(0, 40, size=(4, rng.integers(1, 70)))
        down = rng.integers(0, 40, size=(4, rng.integers(0, 4)))
        expected = [[np.median(np.r_[z[up[s], j], -z[down[s], j]]) for j in range(6)] for s in range(4)]
        np.testing.assert_array_equal(gathered_medians(z, up, down), expected)


def test_median_by_bitset_and_by_gathering_are_equal_and_released_arrays_are_rebuilt(matrix):
    """The median's two forms (a bitset over each sample's prepared order for many sets of a
    small matrix, gathering otherwise) give the same numbers; a scorer whose prepared arrays
    were released (as the null does between methods) scores as before."""
    from hif_prognosis.scoring.methods.median import gathered_medians, signed_medians, signed_order

    rng = np.random.default_rng(8)
    bins, eligible = expression_bins(matrix, 10), np.ones(1500, bool)
    scorer = SetScorer(matrix)
    order = signed_order(scorer.z)
    # odd and even counts (an even count's two middles often in different 512-bit blocks), one gene
    for n_up, n_down in [(16, 5), (16, 4), (2, 0), (1, 0), (1, 1)]:
        up = draw_matched_sets(bins, np.arange(n_up), 150, rng, eligible).astype(np.int64)
        down = draw_matched_sets(bins, np.arange(16, 16 + n_down), 150, rng, eligible).astype(np.int64) if n_down \
            else np.empty((150, 0), dtype=np.int64)
        np.testing.assert_array_equal(signed_medians(*order, up, down), gathered_medians(scorer.z, up, down))
    before = {method: score_sets(scorer, method, up, down, set_params(method, up, down)) for method in PARAMS}
    scorer.release()
    assert "z" not in scorer.__dict__ and not scorer._prepared
    for method, scores in before.items():
        np.testing.assert_array_equal(score_sets(scorer, method, up, down, set_params(method, up, down)), scores, err_msg=method)


def test_kernels_run_on_the_jobs_threads_and_scores_do_not_depend_on_them(matrix):
    """Outside compiled_threads the kernels take the job's thread count from OMP_NUM_THREADS
    (which Snakemake sets to the rule's threads), not numba's default of every core; the null's
    scorers give the same numbers on one thread and on two."""
    import os
    import subprocess
    import sys

    probe = "import numba, hif_prognosis.survival.stats; print(numba.get_num_threads())"  # a module of kernels
    for threads in ("1", "2"):
        env = dict(os.environ, OMP_NUM_THREADS=threads, NUMBA_NUM_THREADS="2")
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == threads
    rng = np.random.default_rng(2)
    bins, eligible = expression_bins(matrix, 10), np.ones(1500, bool)
    up = draw_matched_sets(bins, np.arange(12), 40, rng, eligible).astype(np.int64)
    down = np.empty((40, 0), dtype=np.int64)
    for method in PARAMS:
        one = score_sets(SetScorer(matrix, threads=1), method, up, down, set_params(method, up, down))
        two = score_sets(SetScorer(matrix, threads=2), method, up, down, set_params(method, up, down))
        np.testing.assert_array_equal(one, two, err_msg=method)


def test_random_sets_take_the_signature_s_weights_in_random_order_within_each_sign(matrix):
    """Each random set's weights are the model's, shuffled among the genes drawn for the same
    sign; an unweighted signature's weighted null is its zscore null (a sum of signed z-scores is
    the mean times the gene count: the same log HR per SD for every random set)."""
    from hif_prognosis.survival.null import random_set_weights

    model = SignatureGenes(up=["G1", "G2", "G3"], down=["G4", "G5"], up_weights=(0.5, 1.2, 2.0), down_weights=(-0.3, -0.9))
    drawn = random_set_weights(model, 200, np.random.default_rng(3))
    assert drawn["up_weights"].shape == (200, 3) and drawn["down_weights"].shape == (200, 2)
    assert (np.sort(drawn["up_weights"], axis=1) == [0.5, 1.2, 2.0]).all()
    assert (np.sort(drawn["down_weights"], axis=1) == [-0.9, -0.3]).all()
    assert len({tuple(row) for row in drawn["up_weights"]}) == 6  # every order occurs

    rng = np.random.default_rng(8)
    clinical = pd.DataFrame({
        "sample_id": matrix.columns, "os_months": rng.exponential(20, 30), "os_event": (rng.uniform(size=30) < 0.7).astype(int),
    })
    coverage = pd.concat([
        coverage_table(signature_table("S", [f"G{i}" for i in range(12)], "x", down=["G40", "G41"]), matrix.index),
        coverage_table(signature_table("PROLIF", [f"G{i}" for i in range(100, 120)], "x"), matrix.index),
    ])
    methods = {"zscore": {}, "weighted": {}}
    scores = pd.concat([score_signatures(matrix, coverage, m, {}) for m in methods])
    kwargs = dict(n_sets=200, n_bins=10, seed=7, proliferation_signature="PROLIF")
    summary, distribution = random_signature_null("X", matrix, coverage, clinical, scores, methods, **kwargs)
    by_method = {m: distribution[(distribution["method"] == m) & (distribution["signature"] == "S")] for m in methods}
    np.testing.assert_allclose(by_method["weighted"]["null_log_hr"], by_method["zscore"]["null_log_hr"], rtol=1e-7)
    rows = summary.set_index(["signature", "method"])
    assert rows.loc[("S", "weighted"), "log_hr"] == pytest.approx(rows.loc[("S", "zscore"), "log_hr"], rel=1e-9)
