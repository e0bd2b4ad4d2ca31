"""The compiled exp and log (hif_prognosis.compiled) against libm's, through numpy."""

import numpy as np
import pytest
from numba import njit

from hif_prognosis.compiled import exp, log


def _over_values(function):
    """``function`` over an array in a loop the compiler vectorises, as the kernels use it."""

    @njit(error_model="numpy")
    def apply(values: np.ndarray) -> np.ndarray:
        out = np.empty_like(values)
        for i in range(len(values)):
            out[i] = function(values[i])
        return out

    return apply


_apply_exp, _apply_log = _over_values(exp), _over_values(log)


def _ulps(ours: np.ndarray, libm: np.ndarray) -> np.ndarray:
    """Distance in units in the last place of libm's (correctly rounded or within one) value."""
    return np.abs(ours - libm) / np.spacing(np.abs(libm))


def test_exp_is_within_one_unit_in_the_last_place_of_libm_s_everywhere():
    rng = np.random.default_rng(8)
    x = np.concatenate([
        rng.uniform(-750, 712, 400_000),  # overflow, the whole normal range and the subnormal results
        rng.normal(0, 5, 400_000),  # where a Cox model's linear predictors lie
        rng.uniform(-1e-12, 1e-12, 10_000),
        np.arange(-745.0, 710.0, 0.5),  # multiples of 1/2, where the reduction's k changes
    ])
    ours = _apply_exp(x)
    with np.errstate(over="ignore"):
        libm = np.exp(x)
    positive = np.isfinite(libm) & (libm > 0)
    assert _ulps(ours[positive], libm[positive]).max() <= 1
    assert (ours[~positive] == libm[~positive]).all()  # inf beyond 709.78, 0 below -745.13
    assert positive.sum() > 700_000 and (libm[positive] < 2.2250738585072014e-308).any()


def test_exp_and_log_of_special_values_are_libm_s():
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 709.782712893384, 709.7827128933841, -745.1332191019411,
                        -745.1332191019412, 5e-324, 1.7976931348623157e308, -1.0])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(_apply_exp(special), np.exp(special))
        np.testing.assert_array_equal(_apply_log(special), np.log(special))


def test_log_is_within_one_unit_in_the_last_place_of_libm_s_everywhere():
    rng = np.random.default_rng(9)
    x = np.concatenate([
        np.exp(rng.uniform(-744, 709, 400_000)),  # subnormal to near overflow
        rng.uniform(0.5, 2.0, 400_000),  # around 1, where log is smallest
        1 + rng.uniform(-1e-9, 1e-9, 10_000),
        2.0 ** np.arange(-1074, 1024),  # every power of two: the reduction's edges
        np.sqrt(2) * (1 + np.array([-1e-15, 0, 1e-15])),
    ])
    ours, libm = _apply_log(x), np.log(x)
    nonzero = libm != 0
    assert _ulps(ours[nonzero], libm[nonzero]).max() <= 1
    assert (ours[~nonzero] == 0).all()


@pytest.mark.parametrize("function", [_apply_exp, _apply_log])
def test_the_compiled_functions_give_the_same_bits_in_and_out_of_vectorised_loops(function):
    """A loop the compiler vectorises and one value at a time give the same bits: the kernels
    that use them in both forms (Efron's likelihood per column and in lockstep) rely on it."""
    x = np.random.default_rng(10).uniform(0.01, 30, 1001)
    vectorised = function(x)
    one_by_one = np.array([function(x[i:i + 1])[0] for i in range(len(x))])
    np.testing.assert_array_equal(vectorised, one_by_one)
