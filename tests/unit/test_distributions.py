"""The distribution functions and ranks are scipy.stats', to the bit."""

from __future__ import annotations

import numpy as np
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
