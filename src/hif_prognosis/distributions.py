"""The normal and chi-squared distribution functions, the ranks the statistics use, the
Benjamini-Hochberg adjustment, and the level and Wald interval every test and hazard ratio
uses, from scipy.special's ufuncs and numpy: scipy.stats costs most of a second to import, and
statsmodels (which imports it) more, in every job that imports them. Each is equal, to the bit,
to the scipy.stats or statsmodels call it replaces (a test holds them equal, at the edges
too). The ufuncs are scipy.special's own objects, loaded without its package (submodule_alone):
its array-API layer cost 0.2-0.3 CPU s of every job that computes a p-value."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from hif_prognosis.submodules import submodule_alone

SPECIAL_FUNCTIONS = submodule_alone("scipy.special", "_ufuncs")  # scipy.special's chdtrc, ndtr, ndtri are these

_SQRT_2PI = np.sqrt(2 * np.pi)  # scipy.stats' normal density constant


def _scalar_or_array(values: np.ndarray) -> Any:
    """A 0-d result as a numpy scalar, as scipy.stats returns it."""
    return values[()] if np.ndim(values) == 0 else values


def normal_cdf(x: Any) -> Any:
    """scipy.stats.norm.cdf."""
    return SPECIAL_FUNCTIONS.ndtr(x)


def normal_sf(x: Any) -> Any:
    """scipy.stats.norm.sf: the upper tail."""
    return SPECIAL_FUNCTIONS.ndtr(np.negative(x))


def normal_ppf(q: Any) -> Any:
    """scipy.stats.norm.ppf: the quantile."""
    return SPECIAL_FUNCTIONS.ndtri(q)


def normal_pdf(x: Any) -> Any:
    """scipy.stats.norm.pdf."""
    x = np.asarray(x, dtype=float)
    return _scalar_or_array(np.exp(-x**2 / 2.0) / _SQRT_2PI)


def chi2_sf(x: Any, df: float) -> Any:
    """scipy.stats.chi2.sf(x, df): the upper tail; 1 at and below zero (outside the support)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return _scalar_or_array(np.where(x <= 0, 1.0, SPECIAL_FUNCTIONS.chdtrc(df, np.maximum(x, 0.0))))


def ranks(values: Any, method: Literal["average", "max"] = "average") -> np.ndarray:
    """scipy.stats.rankdata(values, method): ranks from 1, ties given their mean rank (floats)
    or their highest (integers); all NaN if any value is NaN."""
    values = np.asarray(values, dtype=float)
    if np.isnan(values).any():
        return np.full(len(values), np.nan)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], len(values)]  # each tie group's highest rank
    per_group = ends if method == "max" else 0.5 * (ends + starts + 1)
    out = np.empty(len(values), dtype=per_group.dtype)
    out[order] = per_group[group]
    return out


def benjamini_hochberg(p_values: Any) -> np.ndarray:
    """Benjamini-Hochberg q-values, statsmodels' ``multipletests(method="fdr_bh")`` to the bit
    (the same arithmetic: p / (rank / n), the running minimum from the largest p, capped at 1;
    R's ``p.adjust(method="BH")`` to rounding). A missing p (a test that could not be run)
    stays missing and is not counted among the tests; statsmodels would make every q missing."""
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested])]
    n = len(order)
    adjusted = np.minimum.accumulate((p[order] / (np.arange(1, n + 1) / float(n)))[::-1])[::-1]
    q[order] = np.minimum(adjusted, 1.0)
    return q


ALPHA = 0.05  # the level of every test the judgement reads (two-sided unless it says one-sided)
Z95 = float(normal_ppf(1 - ALPHA / 2))  # two-sided 95% normal quantile of every Wald interval


def wald_hr_interval(log_hr: Any, se: Any) -> tuple[Any, Any]:
    """95% Wald interval of a hazard ratio, exp(log HR -/+ 1.96 SE); scalars or arrays alike."""
    return np.exp(log_hr - Z95 * se), np.exp(log_hr + Z95 * se)
