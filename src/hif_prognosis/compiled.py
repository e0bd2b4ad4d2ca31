"""Compiled code (numba) shared by every layer: how many threads the kernels run on, scipy's
BLAS and LAPACK routines made callable from compiled code, and an ``exp`` and ``log`` that the
compiler vectorises.

The kernels themselves live beside the code they serve (the scoring methods in
``hif_prognosis.scoring``, the Cox engine in ``survival.fastcox``, the concordance walk in
``survival.stats``). Each runs over many gene sets, samples or Cox columns at once, a fixed
partition of independent work: results do not depend on the number of threads. Random numbers
come in as uniforms drawn by numpy's seeded Generator, so draws stay reproducible from the
config's seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np
from llvmlite.binding import add_symbol
from numba import config, get_num_threads, njit, set_num_threads, types
from numba.extending import get_cython_function_address, intrinsic


def _pool_size(threads: int) -> int:
    return max(1, min(threads, config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]


# Outside compiled_threads the kernels run on the job's threads, which Snakemake announces as
# OMP_NUM_THREADS, not on numba's default of every core of the machine (a cluster node's 64).
if os.environ.get("OMP_NUM_THREADS", "").isdigit():
    set_num_threads(_pool_size(int(os.environ["OMP_NUM_THREADS"])))


@contextmanager
def compiled_threads(threads: int) -> Iterator[None]:
    """The kernels run on ``threads`` threads (at most numba's pool) inside the block, and on
    as many as before after it."""
    previous = get_num_threads()
    set_num_threads(_pool_size(threads))
    try:
        yield
    finally:
        set_num_threads(previous)


def in_blocks(work: Callable[[int], None], count: int, block: int, threads: int) -> None:
    """``work(first)`` for the first index of every block of ``block`` of ``count`` (samples,
    columns), on ``threads`` threads: for work that releases the GIL (numpy's sorts and
    indexing, nogil kernels) and writes only its own block's part of the output, so the result
    does not depend on the number of threads."""
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(0, count, block)))


def sorted_column_blocks(
    values: np.ndarray, block: int, threads: int, work: Callable[[int, np.ndarray, np.ndarray], None]
) -> None:
    """``work(first, columns, order)`` for every block of ``block`` columns of ``values`` (n x m)
    on ``threads`` threads (``in_blocks``): the block's columns copied as contiguous rows (a
    block at a time, never the whole matrix) and each row's order by numpy's argsort (its SIMD
    sort is twice numba's; NaNs last)."""

    def sort_block(first: int) -> None:
        columns = np.ascontiguousarray(values[:, first:first + block].T)
        work(first, columns, np.argsort(columns, axis=1))

    in_blocks(sort_block, values.shape[1], block, threads)


def fortran_routine(module: str, name: str, n_arguments: int) -> Any:  # called in compiled code only
    """A BLAS or LAPACK routine of scipy's own library (scipy.linalg.cython_*), callable from
    compiled code, every argument a pointer (Fortran convention). It is registered as a named
    symbol, not called through an address, so the compiled code that calls it can be cached."""
    symbol = f"hif_prognosis_{name}"
    add_symbol(symbol, get_cython_function_address(f"scipy.linalg.cython_{module}", name))
    return types.ExternalFunction(symbol, types.void(*[types.voidptr] * n_arguments))


# exp and log as arithmetic, for loops over many values: numba calls libm's scalar exp and log
# once per value, which took half of a Cox likelihood pass (glibc's calls took 2.6 and 2.5 times
# as long as these in a vectorised loop, side by side). They follow fdlibm (Sun Microsystems,
# 1993), are within one unit in the last place of glibc's results (tested), and are pure
# arithmetic: the same bits on every machine, whatever its libm, in vectorised loops and out of
# them. A kernel that uses them wants error_model="numpy", without which numba's division checks
# keep the loop scalar.
# They are inlined where used, and numba's cache checks only the user's file: a module whose
# cached kernels use them (survival.fastcox) must change with them.

_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_SQRT2 = 1.4142135623730951
_MANTISSA, _EXPONENT_ONE = 0x000FFFFFFFFFFFFF, 0x3FF0000000000000
_SMALLEST_NORMAL, _TWO_54 = 2.2250738585072014e-308, 18014398509481984.0
# log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) with s = f / (2 + f): fdlibm e_log.c's Lg1..Lg7
_LG = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
       1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01)


def _bitcast(to: Any) -> Any:
    """A compiled function reading a 64-bit value's bits as type ``to`` (no conversion)."""

    def typing(typingctx: Any, value: Any) -> Any:
        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return builder.bitcast(args[0], context.get_value_type(to))

        return to(value), codegen

    return intrinsic(typing)


_float_from_bits = _bitcast(types.float64)
_bits_of_float = _bitcast(types.int64)


@njit(cache=True, inline="always")
def exp(x: float) -> float:
    """e^x: x = k ln 2 + r (Cody and Waite's two-part ln 2, |r| <= ln 2 / 2), e^r by its Taylor
    series to r^13, scaled by 2^k in two factors (so that results near overflow and in the
    subnormal range come out right). Infinite x gives inf or 0, NaN gives NaN. The series is
    1 + r (1 + r (1/2 + r T(r))), its tail T (the terms from r^3) by Estrin's scheme, whose
    products of powers of r run side by side where Horner's rule waits on each step: 1.35 times
    faster in a vectorised loop, Cox fits 5% faster. The leading terms stay nested: summing all of them by
    Estrin's scheme rounds the larger terms more than once (2 units in the last place)."""
    v = x if x < 710.0 else 710.0  # beyond either bound the result is inf or 0 anyway
    v = v if v > -746.0 else -746.0
    k = np.floor(v * _INV_LN2 + 0.5)
    r = (v - k * _LN2_HI) - k * _LN2_LO
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    a0 = 1.0 / 6.0 + r * (1.0 / 24.0)
    a1 = 1.0 / 120.0 + r * (1.0 / 720.0)
    a2 = 1.0 / 5040.0 + r * (1.0 / 40320.0)
    a3 = 1.0 / 362880.0 + r * (1.0 / 3628800.0)
    a4 = 1.0 / 39916800.0 + r * (1.0 / 479001600.0)
    b0 = a0 + r2 * a1
    b1 = a2 + r2 * a3
    b2 = a4 + r2 * (1.0 / 6227020800.0)
    tail = (b0 + r4 * b1) + r8 * b2
    p = 1.0 + r * (1.0 + r * (0.5 + r * tail))
    half = np.int64(k) >> 1
    p = p * _float_from_bits((half + 1023) << 52) * _float_from_bits((np.int64(k) - half + 1023) << 52)
    return p if x == x else x


@njit(cache=True, inline="always")
def log(x: float) -> float:
    """Natural logarithm: x = 2^k m with sqrt(2)/2 <= m < sqrt(2), log m = log(1 + f) by fdlibm's
    polynomial in s = f / (2 + f). log 0 = -inf, log inf = inf, negative or NaN x give NaN."""
    subnormal = x < _SMALLEST_NORMAL
    v = x * _TWO_54 if subnormal else x
    bits = _bits_of_float(v)
    k = (bits >> 52) - 1023 - (54 if subnormal else 0)
    m = _float_from_bits((bits & _MANTISSA) | _EXPONENT_ONE)
    if m > _SQRT2:
        m *= 0.5
        k += 1
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    odd = w * (_LG[1] + w * (_LG[3] + w * _LG[5]))
    even = z * (_LG[0] + w * (_LG[2] + w * (_LG[4] + w * _LG[6])))
    half_square = 0.5 * f * f
    dk = float(k)
    value = dk * _LN2_HI - ((half_square - (s * (half_square + odd + even) + dk * _LN2_LO)) - f)
    if x > 0.0 and x < np.inf:
        return value
    if x == 0.0:
        return -np.inf
    return x if x == np.inf else np.nan
