import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc

from hif_prognosis.errors import InputError
from hif_prognosis.scoring import (
    SCORE_COLUMNS,
    SignatureGenes,
    gene_zscores,
    scanpy_score,
    score_signatures,
    zscore_score,
)


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


def test_zscore_score_is_signed_mean_of_z(matrix):
    genes = SignatureGenes(up=["G1", "G2"], down=["G3"])
    z = (matrix.T - matrix.mean(axis=1)) / matrix.std(axis=1, ddof=1)
    expected = (z["G1"] + z["G2"] - z["G3"]) / 3
    np.testing.assert_allclose(zscore_score(matrix, genes), expected)


def test_zscore_ignores_genes_without_variance(matrix):
    matrix = matrix.copy()
    matrix.loc["G4"] = 3.0
    genes = SignatureGenes(up=["G1", "G4"], down=[])
    np.testing.assert_allclose(zscore_score(matrix, genes), gene_zscores(matrix).loc["G1"])


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


def test_planted_signature_tracks_its_driver(matrix):
    # Genes G0..G9 follow a latent factor; both methods must recover it.
    rng = np.random.default_rng(9)
    factor = rng.normal(size=matrix.shape[1])
    planted = matrix.copy()
    planted.iloc[:10] += 3 * factor
    signature = pd.DataFrame({"gene": [f"G{i}" for i in range(10)], "direction": "up"})
    for method, params in [("zscore", {}), ("score_genes", dict(ctrl_size=50, n_bins=25, seed=0))]:
        scores = score_signatures(planted, {"S": signature}, method, params)
        assert list(scores.columns) == SCORE_COLUMNS
        assert np.corrcoef(scores["score"], factor)[0, 1] > 0.95


def test_signature_without_measured_genes_is_an_error(matrix):
    signature = pd.DataFrame({"gene": ["NOT_A_GENE"], "direction": "up"})
    with pytest.raises(InputError, match="'S'.*none of its 1 genes"):
        score_signatures(matrix, {"S": signature}, "zscore", {})
