import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc

from scipy.stats import spearmanr

from hif_prognosis.errors import InputError
from hif_prognosis.data.expression import gene_zscores
from hif_prognosis.data.genesets import coverage_table, signature_table
from hif_prognosis.scoring.signatures import SCORE_COLUMNS, score_signature, score_signatures
from hif_prognosis.scoring.matrix import SetScorer
from hif_prognosis.scoring.contract import SignatureGenes
from hif_prognosis.scoring.methods.score_genes import scanpy_score
from support.locations import REPO


def score(matrix: pd.DataFrame, genes: SignatureGenes, method: str, **params) -> pd.Series:
    return score_signature(SetScorer(matrix), method, genes, params)


@pytest.fixture
def matrix() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    genes = [f"G{i}" for i in range(300)]
    return pd.DataFrame(
        rng.normal(8, 2, size=(300, 30)), index=genes, columns=[f"s{j}" for j in range(30)]
    )


def test_gene_zscores_use_sample_sd(matrix):
    z = gene_zscores(matrix)
    np.testing.assert_allclose(z.std(axis=1, ddof=1), 1.0)
    np.testing.assert_allclose(z.mean(axis=1), 0.0, atol=1e-12)


def test_gene_zscores_skip_missing_values_as_pandas_and_flat_genes_have_none(matrix):
    """Missing values are left out of a gene's mean and SD (pandas' skipna) and stay missing; a
    gene whose values are all equal has no z-scores, even where its mean formed in floating
    point is off by rounding (0.1 x 30 summed is not 3.0), and neither has a gene with one
    value."""
    matrix = matrix.copy()
    matrix.iloc[0, [2, 7]] = np.nan
    matrix.loc["G5"] = 0.1
    matrix.loc["G6"] = np.nan
    matrix.loc["G6", "s0"] = 4.0
    z = gene_zscores(matrix)
    expected = matrix.sub(matrix.mean(axis=1), axis=0).div(matrix.std(axis=1, ddof=1), axis=0)
    np.testing.assert_allclose(z.drop(["G5", "G6"]), expected.drop(["G5", "G6"]), rtol=1e-12, atol=1e-12)
    assert z.iloc[0, [2, 7]].isna().all() and z.loc[["G5", "G6"]].isna().all().all()


def _scipy_indicator(genes: np.ndarray, n_genes: int, data: np.ndarray):
    """scipy's CSR of sets x genes from coordinates, duplicates summed: the reference."""
    from scipy import sparse

    rows = np.repeat(np.arange(len(genes)), genes.shape[1])
    built = sparse.csr_matrix((data.ravel(), (rows, genes.ravel())), shape=(len(genes), n_genes))
    built.sum_duplicates()
    return built


def test_weight_matrix_is_scipys_canonical_form_and_its_products_the_same_bits():
    """The weighted method's sets x genes CSR, built directly, is what scipy makes of the same
    coordinates (rows' genes in order, a gene a set lists twice summed), so products with it
    sum in the same order: the same bits."""
    from hif_prognosis.scoring.methods.weighted import weight_matrix

    rng = np.random.default_rng(8)
    values = rng.normal(size=(500, 7))
    sets = np.array([rng.choice(500, 40, replace=False) for _ in range(300)])
    weights = rng.normal(size=sets.shape)
    twice = sets.copy()
    twice[3, 5] = twice[3, 9]
    for case, genes in {"sets": sets, "a gene twice": twice}.items():
        built, expected = weight_matrix(genes, weights, 500), _scipy_indicator(genes, 500, weights)
        assert built.has_canonical_format, case
        for part in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(built, part), getattr(expected, part), err_msg=case)
        assert (built @ values).tobytes() == (expected @ values).tobytes(), case


@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_set_sums_are_scipys_sparse_products_to_the_bit(dtype):
    """A set's sum of its genes' rows is the product of scipy's CSR indicator of the sets with
    the values, to the bit and in the values' type (sets of distinct genes in order, and sets
    of no genes); a gene a set lists twice counts twice."""
    from hif_prognosis.scoring.kernels import set_sums

    rng = np.random.default_rng(8)
    values = (rng.normal(size=(500, 37)) * 1e3).astype(dtype)
    sets = np.sort(np.array([rng.choice(500, 40, replace=False) for _ in range(300)]), axis=1)
    for case, genes in {"sets": sets, "empty": sets[:, :0]}.items():
        expected = np.asarray(_scipy_indicator(genes, 500, np.ones(genes.shape, dtype=dtype)) @ values)
        summed = set_sums(values, genes)
        assert summed.dtype == expected.dtype == dtype, case
        assert summed.tobytes() == expected.tobytes(), case
    twice = sets.copy()
    twice[3, 6] = twice[3, 5]
    np.testing.assert_allclose(set_sums(values, twice), values[twice].sum(axis=1), rtol=1e-13)


def test_zscore_score_is_signed_mean_of_z(matrix):
    genes = SignatureGenes(up=["G1", "G2"], down=["G3"])
    z = (matrix.T - matrix.mean(axis=1)) / matrix.std(axis=1, ddof=1)
    expected = (z["G1"] + z["G2"] - z["G3"]) / 3
    np.testing.assert_allclose(score(matrix, genes, "zscore"), expected)


def test_zscore_ignores_genes_without_variance(matrix):
    matrix = matrix.copy()
    matrix.loc["G4"] = 3.0
    genes = SignatureGenes(up=["G1", "G4"], down=[])
    np.testing.assert_allclose(score(matrix, genes, "zscore"), gene_zscores(matrix).loc["G1"])


def test_score_genes_equals_scanpy_and_is_seeded():
    # Enough genes that each expression bin holds more than ctrl_size candidates to draw from.
    rng = np.random.default_rng(6)
    matrix = pd.DataFrame(rng.normal(8, 2, size=(3000, 30)), index=[f"G{i}" for i in range(3000)])
    genes = SignatureGenes(up=[f"G{i}" for i in range(20)], down=[])
    ours = scanpy_score(matrix, genes, ctrl_size=50, n_bins=25, seed=42)
    adata = ad.AnnData(matrix.T.to_numpy())
    adata.var_names = matrix.index
    sc.tl.score_genes(adata, genes.up, ctrl_size=50, n_bins=25, random_state=42)
    np.testing.assert_array_equal(ours.to_numpy(), adata.obs["score"].to_numpy())
    again = scanpy_score(matrix, genes, ctrl_size=50, n_bins=25, seed=42)
    pd.testing.assert_series_equal(ours, again)
    other_seed = scanpy_score(matrix, genes, ctrl_size=50, n_bins=25, seed=43)
    assert not np.allclose(ours, other_seed)


def test_score_genes_signed_is_up_minus_down(matrix):
    up, down = [f"G{i}" for i in range(10)], [f"G{i}" for i in range(10, 20)]
    kwargs = dict(ctrl_size=20, n_bins=10, seed=1)
    signed = scanpy_score(matrix, SignatureGenes(up=up, down=down), **kwargs)
    expected = scanpy_score(matrix, SignatureGenes(up=up, down=[]), **kwargs) - scanpy_score(
        matrix, SignatureGenes(up=down, down=[]), **kwargs
    )
    np.testing.assert_allclose(signed, expected)


METHOD_PARAMS = {
    "zscore": {}, "score_genes": dict(ctrl_size=50, n_bins=25, seed=0), "ssgsea": dict(tau=0.25),
    "singscore": {}, "median": {}, "pc1": {}, "weighted": {},
}


def coverage_of(up, down=(), measured=None):
    table = signature_table("S", up, "test", down=down)
    return coverage_table(table, measured if measured is not None else list(up) + list(down))


@pytest.mark.parametrize("method", sorted(METHOD_PARAMS))
def test_every_method_recovers_a_planted_signed_signature(matrix, method):
    # G0..G9 rise and G10..G14 fall with a latent factor; every method must track it.
    rng = np.random.default_rng(9)
    factor = rng.normal(size=matrix.shape[1])
    planted = matrix.copy()
    planted.iloc[:10] += 3 * factor
    planted.iloc[10:15] -= 3 * factor
    coverage = coverage_of([f"G{i}" for i in range(10)], [f"G{i}" for i in range(10, 15)])
    scores = score_signatures(planted, coverage, method, METHOD_PARAMS[method])
    assert list(scores.columns) == SCORE_COLUMNS
    assert np.corrcoef(scores["score"], factor)[0, 1] > 0.9


def test_signature_without_measured_genes_is_an_error(matrix):
    coverage = coverage_of(["NOT_A_GENE"], measured=list(matrix.index))
    with pytest.raises(InputError, match="'S'.*none of its 1 genes"):
        score_signatures(matrix, coverage, "zscore", {})



def test_z_score_methods_leave_out_genes_without_variance_and_refuse_a_signature_of_only_those(matrix):
    """A gene that does not vary has no z-score: z-score, median and PC1 score the signature on
    its other genes (rank-based methods keep it); a signature of only such genes is refused
    with what to do, naming the signature."""
    flat = matrix.copy()
    flat.loc[["G4", "G5"]] = 3.0
    for method in ["zscore", "median", "pc1"]:
        with_flat = score(flat, SignatureGenes(up=["G1", "G2", "G4"], down=["G5", "G3"]), method)
        without = score(flat, SignatureGenes(up=["G1", "G2"], down=["G3"]), method)
        np.testing.assert_allclose(with_flat, without, rtol=1e-12, err_msg=method)
    assert not np.allclose(score(flat, SignatureGenes(up=["G1", "G4"], down=[]), "singscore"),
                           score(flat, SignatureGenes(up=["G1"], down=[]), "singscore"))
    coverage = coverage_of(["G4", "G5"], measured=list(matrix.index))
    with pytest.raises(InputError, match=r"signature 'S': none of the measured genes \['G4', 'G5'\] varies.*singscore"):
        score_signatures(flat, coverage, "median", {})

def test_median_and_pc1_follow_their_definitions(matrix):
    genes = SignatureGenes(up=["G1", "G2", "G3"], down=["G4"])
    z = gene_zscores(matrix.loc[genes.all]).T
    signed = z.assign(G4=-z["G4"])
    np.testing.assert_allclose(score(matrix, genes, "median"), signed.median(axis=1))
    pc1 = score(matrix, genes, "pc1")
    assert np.corrcoef(pc1, signed.mean(axis=1))[0, 1] > 0
    # PC1 is the direction of greatest variance: no unit-norm combination of the genes beats it.
    loadings = np.linalg.lstsq(signed.to_numpy(), pc1.to_numpy(), rcond=None)[0]
    assert pc1.var() / np.sum(loadings**2) >= (signed @ (np.ones(4) / 2)).var() - 1e-9


def test_singscore_bounds_and_direction():
    # One sample; the up genes at the very top score +0.5, at the very bottom -0.5.
    matrix = pd.DataFrame({"s": np.arange(100.0)}, index=[f"G{i}" for i in range(100)])
    top, bottom = [f"G{i}" for i in range(90, 100)], [f"G{i}" for i in range(10)]
    assert score(matrix, SignatureGenes(up=top, down=[]), "singscore")["s"] == pytest.approx(0.5)
    assert score(matrix, SignatureGenes(up=bottom, down=[]), "singscore")["s"] == pytest.approx(-0.5)
    assert score(matrix, SignatureGenes(up=top, down=bottom), "singscore")["s"] == pytest.approx(1.0)
    # Scores of one sample do not depend on the other samples.
    other = matrix.assign(t=np.random.default_rng(1).normal(size=100))
    assert score(other, SignatureGenes(up=top, down=[]), "singscore")["s"] == pytest.approx(0.5)


def test_ssgsea_is_single_sample_and_close_to_gseapy(matrix):
    import gseapy

    genes = [f"G{i}" for i in range(0, 300, 7)]
    ours = score(matrix, SignatureGenes(up=genes, down=[]), "ssgsea", tau=0.25)
    alone = score(matrix[["s0"]], SignatureGenes(up=genes, down=[]), "ssgsea", tau=0.25)
    assert alone["s0"] == pytest.approx(ours["s0"])
    theirs = gseapy.ssgsea(
        data=matrix, gene_sets={"S": genes}, sample_norm_method="rank", weight=0.25,
        min_size=1, outdir=None, no_plot=True, threads=1,
    ).res2d.set_index("Name")["ES"].astype(float)
    # gseapy implements a related but not identical ssGSEA variant.
    assert spearmanr(ours, theirs[ours.index]).statistic > 0.9


@pytest.mark.parametrize("threads", [1, 2])
def test_each_samples_ranks_are_rs_with_ties_across_blocks_and_threads(threads):
    """Lowest and truncated average ranks as R's rank(ties.method = "min") and as.integer(rank(x)),
    and the genes remaining to the end of GSVA's decreasing order (ties in gene order), for a
    matrix with ties whose samples span several blocks, small tie groups and ones larger than
    insertion sort takes; the weight of a rank is the C library's pow of it, to the bit."""
    import math

    from scipy.stats import rankdata

    from hif_prognosis.scoring.kernels import INSERTION_SORT_LIMIT
    from hif_prognosis.scoring.matrix import RANK_BLOCK
    from hif_prognosis.scoring.methods.ssgsea import rank_weights

    rng = np.random.default_rng(9)
    values = np.round(rng.normal(size=(4 * INSERTION_SORT_LIMIT, 2 * RANK_BLOCK + 7)), 1)
    values[rng.random(values.shape) < 0.5] = 0.0  # unexpressed genes, as in counts
    lowest, truncated, remaining = SetScorer(pd.DataFrame(values), threads).column_ranks(lowest=True, truncated=True)
    assert lowest.dtype == truncated.dtype == remaining.dtype == np.int32
    np.testing.assert_array_equal(lowest, rankdata(values, method="min", axis=0))
    np.testing.assert_array_equal(truncated, rankdata(values, axis=0).astype(int))
    for j in (0, RANK_BLOCK, values.shape[1] - 1):
        decreasing = np.lexsort((np.arange(len(values)), -truncated[:, j]))
        np.testing.assert_array_equal(remaining[decreasing, j], np.arange(len(values), 0, -1))
    weights = rank_weights(1000, 0.25)
    assert all(weights[r] == math.pow(r, 0.25) for r in range(1001))


def test_ranks_take_no_matrix_sized_float_copy():
    """Ranking a matrix allocates its integer outputs and a block of samples per thread, not a
    copy of the matrix (at 10,000 samples 1.6 GB)."""
    import tracemalloc

    from hif_prognosis.scoring.matrix import RANK_BLOCK

    values = np.random.default_rng(2).normal(size=(500, 10 * RANK_BLOCK))
    scorer = SetScorer(pd.DataFrame(values), threads=2)
    SetScorer(pd.DataFrame(values[:, :10])).column_ranks(truncated=True)  # the kernel loaded first
    tracemalloc.start()
    outputs = scorer.column_ranks(truncated=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < sum(output.nbytes for output in outputs) + values.nbytes / 2


GSVA_SSGSEA = """
suppressMessages(library(GSVA))
x <- as.matrix(data[, -1]); rownames(x) <- data[[1]]
sets <- list(HYPOXIA = readLines("{hypoxia}"), G2M = readLines("{g2m}"))
invisible(capture.output(s <- gsva(x, sets, method = "ssgsea", tau = 0.25, ssgsea.norm = FALSE, verbose = FALSE)))
out <- data.frame(sample = colnames(s), t(s), check.names = FALSE)
write.table(out, stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def test_ssgsea_matches_r_gsva_on_gse4335(gse4335, shared_data, r_survival, tmp_path):
    import subprocess

    probe = subprocess.run([r_survival.rscript, "-e", "library(GSVA)"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("R package GSVA not installed: apt-get install r-bioc-gsva (make system-deps)")
    from hif_prognosis.data.genesets import read_gmt

    matrix, _ = gse4335
    hallmark = read_gmt(shared_data / "msigdb" / "h.all.v7.0.symbols.gmt")
    paths = {}
    for name, set_name in [("hypoxia", "HALLMARK_HYPOXIA"), ("g2m", "HALLMARK_G2M_CHECKPOINT")]:
        paths[name] = tmp_path / f"{name}.txt"
        paths[name].write_text("\n".join(g for g in hallmark[set_name] if g in matrix.index) + "\n")
    reference = r_survival.table(
        GSVA_SSGSEA.format(**paths), matrix.reset_index()
    ).set_index("sample")
    for column, name in [("HYPOXIA", "hypoxia"), ("G2M", "g2m")]:
        ours = score(matrix, SignatureGenes(up=paths[name].read_text().split(), down=[]), "ssgsea", tau=0.25)
        expected = reference[column].reindex(ours.index)
        assert spearmanr(ours, expected).statistic >= 0.999
        np.testing.assert_allclose(ours, expected, rtol=1e-9)


GSVA_GSVA = """
suppressMessages(library(GSVA))
x <- as.matrix(data[, -1]); rownames(x) <- data[[1]]
sets <- lapply(strsplit(readLines("{sets}"), "\\t"), function(row) row[-1])
names(sets) <- sapply(strsplit(readLines("{sets}"), "\\t"), `[`, 1)
invisible(capture.output(s <- suppressWarnings(gsva(x, sets, method = "gsva", tau = {tau}, mx.diff = {mx_diff}, verbose = FALSE))))
out <- data.frame(sample = colnames(s), t(s), check.names = FALSE)
write.table(out, stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


@pytest.mark.parametrize("tau, mx_diff", [(1.0, True), (0.5, False)])
def test_gsva_matches_r_gsva_on_gse4335(gse4335, shared_data, r_survival, tmp_path, tau, mx_diff):
    """GSVA's Gaussian-kernel method equals R GSVA 1.46 (``gsva(method = "gsva")``, its
    defaults and another setting) on a real cohort, for twelve Hallmark sets."""
    import subprocess

    probe = subprocess.run([r_survival.rscript, "-e", "library(GSVA)"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("R package GSVA not installed: apt-get install r-bioc-gsva (make system-deps)")
    from hif_prognosis.data.genesets import read_gmt

    matrix, _ = gse4335
    hallmark = read_gmt(shared_data / "msigdb" / "h.all.v7.0.symbols.gmt")
    sets = {name: [g for g in genes if g in matrix.index] for name, genes in list(hallmark.items())[:12]}
    path = tmp_path / "sets.tsv"
    path.write_text("".join("\t".join([name, *genes]) + "\n" for name, genes in sets.items()))
    reference = r_survival.table(
        GSVA_GSVA.format(sets=path, tau=tau, mx_diff="TRUE" if mx_diff else "FALSE"), matrix.reset_index()
    ).set_index("sample")
    scorer = SetScorer(matrix)
    for name, genes in sets.items():
        ours = score_signature(scorer, "gsva", SignatureGenes(up=genes, down=[]), {"tau": tau, "mx_diff": mx_diff})
        np.testing.assert_allclose(ours, reference[name].reindex(ours.index), rtol=0, atol=1e-9, err_msg=name)


def test_gsva_leaves_out_genes_that_do_not_vary_and_says_so_when_none_is_left(matrix):
    """As GSVA does, a flat gene neither enters the ranking nor a signature's walk; a signature
    of flat genes only is refused with the reason and the remedy."""
    from support.reference_scoring import gsva_score

    flat = matrix.copy()
    flat.loc[["G0", "G1"]] = 3.0
    genes = SignatureGenes(up=["G0", "G2", "G3", "G4"], down=["G5", "G1"])
    ours = score(flat, genes, "gsva", tau=1.0, mx_diff=True)
    kept = SignatureGenes(up=["G2", "G3", "G4"], down=["G5"])
    np.testing.assert_allclose(ours, gsva_score(flat.drop(["G0", "G1"]), kept, 1.0, True), atol=1e-12)
    with pytest.raises(InputError, match="the gsva score needs their kernel density estimates"):
        score(flat, SignatureGenes(up=["G0", "G1"], down=[]), "gsva", tau=1.0, mx_diff=True)


def test_each_method_module_declares_its_parameters_and_the_schema_follows_the_registry():
    """A method module is the one definition of its method: its config block holds exactly the
    keyword parameters of its implementation, the seed goes to the methods that draw random
    numbers, a library form takes the same parameters, and the config schema lists exactly the
    registered methods with their blocks (derived from the modules)."""
    import inspect

    import yaml

    from hif_prognosis.scoring.registry import (
        METHOD_NAMES, default_settings, method_label, method_parameters, scoring_method, scoring_methods,
    )

    schema = yaml.safe_load((REPO / "config" / "schemas" / "config.schema.yaml").read_text())
    scoring = schema["properties"]["scoring"]["properties"]
    assert scoring["methods"]["items"]["enum"] == list(scoring_methods()) == METHOD_NAMES
    for name, method in scoring_methods().items():
        assert scoring_method(name) is method, name
        keywords = {
            p.name for p in inspect.signature(method.set_scores).parameters.values() if p.kind is p.KEYWORD_ONLY
        }
        assert method.seeded == ("seed" in keywords), name
        assert set(method.parameters) == keywords - {"seed"} - method.signature_parameters, name
        assert set(scoring.get(name, {}).get("properties", {})) == set(method.parameters), name
        if method.library_form is not None:
            library_keywords = inspect.signature(method.library_form).parameters.values()
            assert {p.name for p in library_keywords if p.kind is p.KEYWORD_ONLY} == keywords, name
        assert method.label and method.summary and method.description, name
    assert method_label("zscore") == "mean z-score" and method_label("unregistered") == "unregistered"
    assert default_settings("ssgsea") == {"tau": 0.25} and default_settings("gsva") == {"tau": 1, "mx_diff": True}
    assert default_settings("zscore") == {}
    assert method_parameters("zscore", {}, seed=1) == {}
    assert method_parameters("score_genes", {"ctrl_size": 50, "n_bins": 25}, seed=1) == {"ctrl_size": 50, "n_bins": 25, "seed": 1}
    with pytest.raises(InputError, match="unknown scoring method 'gsea'; use one of"):
        method_parameters("gsea", {}, seed=1)


def test_text_derived_from_the_registry_is_current_and_rewritten_when_stale(tmp_path):
    """The schema, the configs' comments, the methods table and the report caption are derived
    from the method modules (make derived); a region edited by hand is found stale and
    rewritten, and the text around it is kept."""
    import shutil

    from hif_prognosis import derived

    assert derived.stale() == [], "run `make derived` (python -m hif_prognosis.derived)"
    repository = REPO
    for region in derived.REGIONS:
        (tmp_path / region.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repository / region.path, tmp_path / region.path)
    docs = tmp_path / "docs" / "methods.md"
    original = docs.read_text()
    docs.write_text(original.replace("| `zscore` | mean z-score |", "| `zscore` | mean z |"))
    assert derived.stale(tmp_path) == ["docs/methods.md"]
    derived.main(tmp_path)
    assert docs.read_text() == original and derived.stale(tmp_path) == []
    docs.write_text(original.replace("(scoring methods): end", "(scoring methods): over"))
    with pytest.raises(ValueError, match="docs/methods.md: 0 regions 'scoring methods'"):
        derived.stale(tmp_path)


def test_weighted_score_is_a_published_models_sum_on_its_scale(matrix, tmp_path):
    """A weight file's coefficients score sum(w x z) or sum(w x log2); a gene the cohort does not
    measure is left out; the sign of each weight is the gene's direction in every other method;
    an unweighted signature's weighted score is its zscore score times its gene count."""
    from hif_prognosis.data.genesets import collect_signatures

    weights = tmp_path / "model.tsv"
    weights.write_text("gene\tweight\tcitation\nG1\t0.8\tpaper, Table 2\nG7\t-0.35\tpaper, Table 2\n"
                       "G9\t1.5e-1\tpaper, Table 2\nNOT_MEASURED\t2\tpaper, Table 2\n")
    table = collect_signatures({
        "MODEL_Z": {"weights_file": str(weights)},
        "MODEL_LOG2": {"weights_file": str(weights), "weighted_scale": "log2"},
        "PLAIN": {"genes_file": str(_gene_list(tmp_path, ["G1", "G2", "G3"]))},
    })
    model = table[table["signature"] == "MODEL_Z"]
    assert model["direction"].tolist() == ["up", "down", "up", "up"]
    assert model["weight_from"].eq("weights_file").all() and model["citation"].eq("paper, Table 2").all()
    assert table.loc[table["signature"] == "PLAIN", "weight"].tolist() == [1.0, 1.0, 1.0]
    coverage = coverage_table(table, matrix.index)
    scores = score_signatures(matrix, coverage, "weighted", {}).pivot(index="sample_id", columns="signature", values="score")
    z = gene_zscores(matrix)
    expected_z = 0.8 * z.loc["G1"] - 0.35 * z.loc["G7"] + 0.15 * z.loc["G9"]
    expected_log2 = 0.8 * matrix.loc["G1"] - 0.35 * matrix.loc["G7"] + 0.15 * matrix.loc["G9"]
    np.testing.assert_allclose(scores.loc[matrix.columns, "MODEL_Z"], expected_z, rtol=1e-12)
    np.testing.assert_allclose(scores.loc[matrix.columns, "MODEL_LOG2"], expected_log2, rtol=1e-12)
    plain = score_signatures(matrix, coverage[coverage["signature"] == "PLAIN"], "zscore", {})
    np.testing.assert_allclose(scores.loc[plain["sample_id"], "PLAIN"], 3 * plain["score"], rtol=1e-12)
    signed = score_signatures(matrix, coverage[coverage["signature"] == "MODEL_Z"], "zscore", {})
    np.testing.assert_allclose(signed["score"], ((z.loc["G1"] - z.loc["G7"] + z.loc["G9"]) / 3)[signed["sample_id"]], rtol=1e-12)


def _gene_list(folder, genes):
    path = folder / "genes.txt"
    path.write_text("\n".join(genes) + "\n")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("gene\tcoef\nG1\t0.5\n", r"needs the columns \['gene', 'weight'\].*missing \['weight'\]"),
        ("gene\tweight\nG1\t0.5\nG2\t0\nG3\tn/a\n", r"column weight: G2 = '0', G3 = 'n/a' not finite.*leave it out"),
        ("gene\tweight\nG1\t0.5\nG1\t0.7\n", r"column gene: \['G1'\] appear more than once"),
        ("gene\tweight\n", r"no rows"),
    ],
)
def test_a_bad_weight_file_names_the_file_column_and_rows(tmp_path, content, message):
    from hif_prognosis.data.genesets import read_weights_table

    path = tmp_path / "model.tsv"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as error:
        read_weights_table(path)
    assert str(path) in str(error.value)


def test_figures_and_pages_import_neither_the_scoring_kernels_nor_numba():
    """A figure or page names the primary method and draws curves and tests: none of that may
    cost the import of every method's compiled kernels, the Cox engine or numba (with
    scipy.sparse, half a second of each such job's start-up)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import hif_prognosis.presentation.plotting, hif_prognosis.presentation.labels\n"
        "import hif_prognosis.enrichment.gsea, hif_prognosis.survival.specifications, hif_prognosis.tables\n"
        "from hif_prognosis.scoring.registry import method_label\n"
        "assert method_label('zscore') == 'mean z-score' and method_label('zscore_typo') == 'zscore_typo'\n"
        "heavy = ('numba', 'scipy.sparse', 'hif_prognosis.scoring.methods.pc1', 'hif_prognosis.survival.fastcox')\n"
        "loaded = [m for m in heavy if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
