"""The distribution functions and ranks are scipy.stats', and the Benjamini-Hochberg q-values
statsmodels', to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hif_prognosis import distributions

EDGES = np.array([-np.inf, -40.0, -8.5, -1.96, -1e-300, -0.0, 0.0, 1e-300, 0.5, 1.96, 8.5, 40.0, 1e3, np.inf, np.nan])


def values(seed: int) -> np.ndarray:
    return np.concatenate([EDGES, np.random.default_rng(seed).normal(scale=4, size=2000)])


@pytest.mark.parametrize("ours, theirs", [
    (distributions.normal_cdf, stats.norm.cdf), (distributions.normal_sf, stats.norm.sf),
    (distributions.normal_pdf, stats.norm.pdf),
])
def test_normal_functions_are_scipys(ours, theirs):
    x = values(1)
    np.testing.assert_array_equal(ours(x), theirs(x))
    for scalar in (0.3, -2.5, 0.0):
        assert ours(scalar) == theirs(scalar) and np.ndim(ours(scalar)) == 0


def test_normal_quantile_is_scipys():
    q = np.concatenate([[0.0, 1e-300, 0.025, 0.5, 0.975, 0.8, 1.0, 1.5, -0.1, np.nan],
                        np.random.default_rng(2).uniform(size=2000)])
    np.testing.assert_array_equal(distributions.normal_ppf(q), stats.norm.ppf(q))


@pytest.mark.parametrize("df", [1, 2, 5])
def test_chi2_upper_tail_is_scipys(df):
    x = np.concatenate([EDGES, np.random.default_rng(df).exponential(scale=3, size=2000)])
    np.testing.assert_array_equal(distributions.chi2_sf(x, df), stats.chi2.sf(x, df))
    assert distributions.chi2_sf(3.84, df) == stats.chi2.sf(3.84, df) and np.ndim(distributions.chi2_sf(3.84, df)) == 0


@pytest.mark.parametrize("method", ["average", "max"])
def test_ranks_are_scipys(method):
    rng = np.random.default_rng(3)
    for x in (rng.integers(0, 30, 500).astype(float), rng.normal(size=300), np.array([2.0]), np.array([1.0, np.nan])):
        ours, theirs = distributions.ranks(x, method), stats.rankdata(x, method=method)
        np.testing.assert_array_equal(ours, theirs)
        assert (ours.dtype.kind == "f") == (theirs.dtype.kind == "f")


def bh_inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    tied = np.round(rng.uniform(size=400), 2)  # many ties
    return [rng.uniform(size=1000), tied, rng.uniform(size=300) ** 8, np.array([0.0, 1.0, 1.0, 0.0, 0.5]),
            np.array([0.2]), np.array([], dtype=float)]


def test_benjamini_hochberg_is_statsmodels_to_the_bit():
    from statsmodels.stats.multitest import multipletests

    for p in bh_inputs():
        theirs = multipletests(p, method="fdr_bh")[1] if len(p) else np.array([])
        np.testing.assert_array_equal(distributions.benjamini_hochberg(p), theirs)


def test_benjamini_hochberg_leaves_a_missing_p_missing_and_uncounted():
    p = np.array([0.01, np.nan, 0.04, 0.03, np.nan])
    q = distributions.benjamini_hochberg(p)
    assert np.isnan(q[[1, 4]]).all()
    np.testing.assert_array_equal(q[[0, 2, 3]], distributions.benjamini_hochberg(p[[0, 2, 3]]))
    np.testing.assert_allclose(q[[0, 2, 3]], [0.03, 0.04, 0.04], rtol=1e-15)
    assert np.isnan(distributions.benjamini_hochberg([np.nan, np.nan])).all()


def test_benjamini_hochberg_equals_r_p_adjust(r_survival):
    inputs = bh_inputs()[:4]
    data = pd.DataFrame({"set": np.repeat(np.arange(len(inputs)), [len(p) for p in inputs]),
                         "p": np.concatenate(inputs)})
    code = ('out <- data.frame(q = ave(data$p, data$set, FUN = function(p) p.adjust(p, "BH")))\n'
            'write.table(format(out, digits = 17), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)')
    theirs = r_survival.table(code, data)["q"].to_numpy(float)
    ours = np.concatenate([distributions.benjamini_hochberg(p) for p in inputs])
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)
