"""The text of many float64 values in one format, ``"%.12g"`` (``tables.FLOAT_FORMAT``), compiled:
writing a 10,000 x 20,000 expression matrix took 63 CPU s by ``%`` templates, 30 this way (gzip
13 of them). Equal to Python's ``"%.12g" % value`` to the byte (tested), with pandas' ``na_rep``
"NA" for NaN: a value whose twelfth digit float arithmetic cannot round with certainty (the
scaled value within 1e-4 of a half, where its rounding error is below 6.2e-5), or outside 1e-11
to 1e12, where a power of ten is not exact in a double, is formatted by Python. Imported only by
the writer of large tables (tables.COMPILED_FROM values or more: it loads numba)."""

from __future__ import annotations

import numpy as np
from numba import njit

from hif_prognosis.tables import FLOAT_FORMAT

WIDTH = 24  # bytes a value's text may take ("-1.23456789012e-308" takes 19)
_POWERS = np.array([10.0**k for k in range(23)])  # exact in a double up to 10^22
_UNSURE = -1  # the text's end of a value left to Python


def rows_text(values: np.ndarray, prefixes: list[bytes]) -> memoryview:
    """Each row of ``values`` (rows x columns, float64) as ``prefixes[row]`` then its values'
    text separated by tabs, ending in a newline. The compiled writer stops at a value it cannot
    round with certainty; Python writes that one and the writer goes on after it."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    prefix_bytes = np.frombuffer(b"".join(prefixes), dtype=np.uint8)
    prefix_ends = np.cumsum([len(prefix) for prefix in prefixes], dtype=np.int64)
    out = np.empty(len(prefix_bytes) + values.size * (WIDTH + 1), dtype=np.uint8)  # touched only where written
    index, n = _write_rows(values, prefix_bytes, prefix_ends, out, 0, 0)
    while index < values.size:
        written = (FLOAT_FORMAT % values.flat[index]).encode() + (b"\n" if (index + 1) % values.shape[1] == 0 else b"\t")
        out[n:n + len(written)] = np.frombuffer(written, dtype=np.uint8)
        index, n = _write_rows(values, prefix_bytes, prefix_ends, out, index + 1, n + len(written))
    return out.data[:n]


@njit(cache=True)
def _write_rows(
    values: np.ndarray, prefix_bytes: np.ndarray, prefix_ends: np.ndarray, out: np.ndarray, index: int, n: int
) -> tuple[int, int]:
    """The rows' text into ``out`` from byte ``n``, from the value at flat ``index`` on (its row's
    prefix first where it starts a row). Returns the flat index of the first value it could not
    write (the prefix of its row written), or the number of values, and the end of the text."""
    columns = values.shape[1]
    flat = values.ravel()
    digits = np.empty(12, dtype=np.uint8)
    for i in range(index, len(flat)):
        row, column = divmod(i, columns)
        if column == 0:
            for k in range(prefix_ends[row - 1] if row else 0, prefix_ends[row]):
                out[n] = prefix_bytes[k]
                n += 1
        end = _value_text(flat[i], digits, out, n)
        if end == _UNSURE:
            return i, n
        out[end] = 9 if column < columns - 1 else 10  # tab, or the row's newline
        n = end + 1
    return len(flat), n


@njit(cache=True, inline="always")
def _value_text(x: float, digits: np.ndarray, out: np.ndarray, n: int) -> int:
    """The "%.12g" text of ``x`` ("NA" for NaN) from out[n] on; its end, or _UNSURE."""
    if np.isnan(x):
        out[n], out[n + 1] = 78, 65  # NA
        return n + 2
    if x < 0 or (x == 0 and np.signbit(x)):
        out[n] = 45  # -
        n += 1
    a = abs(x)
    if a == 0:
        out[n] = 48
        return n + 1
    if a == np.inf:
        out[n], out[n + 1], out[n + 2] = 105, 110, 102  # inf
        return n + 3
    return _digits_text(a, digits, out, n)


@njit(cache=True, inline="always")
def _digits_text(a: float, digits: np.ndarray, out: np.ndarray, n: int) -> int:
    """The text of positive finite ``a`` from out[n] on; its end, or _UNSURE."""
    if not (1e-11 <= a < 1e12):
        return _UNSURE
    e = min(max(int(np.floor(np.log10(a))), -11), 11)
    scaled = a * _POWERS[11 - e]  # one rounding: the power is exact
    if scaled >= 1e12:  # log10 rounded up across a power of ten
        e += 1
        if e > 11:
            return _UNSURE
        scaled = a * _POWERS[11 - e]
    elif scaled < 1e11:
        e -= 1
        if e < -11:
            return _UNSURE
        scaled = a * _POWERS[11 - e]
    whole = np.floor(scaled)
    fraction = scaled - whole  # exact: both are below 2^40
    if abs(fraction - 0.5) < 1e-4:
        return _UNSURE
    d = np.uint64(whole) + np.uint64(fraction > 0.5)
    if d == 1_000_000_000_000:  # rounded up to the next power of ten
        if e == 11:
            return _UNSURE  # 1e+12: the exponent form
        d = np.uint64(100_000_000_000)
        e += 1
    for k in range(11, -1, -1):  # unsigned: a signed division by 10 took 3 times as long
        quotient = d // np.uint64(10)
        digits[k] = np.uint8(d - quotient * np.uint64(10)) + np.uint8(48)
        d = quotient
    # Every digit is written and the text's end worked out after, without branching on the
    # number of digits kept (mispredicted branches took most of a value's time).
    trailing, zeros = 0, 1
    for k in range(11, 0, -1):
        zeros &= digits[k] == 48
        trailing += zeros
    kept = 12 - trailing
    if 0 <= e:  # 12 digits, the point after the e + 1 of the whole part
        for k in range(12):
            out[n + k + (k > e)] = digits[k]
        out[n + e + 1] = 46
        return n + (e + 1 if kept <= e + 1 else kept + 1)
    if -4 <= e:  # 0., -e - 1 zeros, the digits
        out[n], out[n + 1] = 48, 46
        for k in range(3):
            out[n + 2 + k] = 48
        for k in range(12):
            out[n + 1 - e + k] = digits[k]
        return n + 1 - e + kept
    out[n], out[n + 1] = digits[0], 46  # d.ddd e-XX (e is -11 to -5 here)
    for k in range(1, 12):
        out[n + 1 + k] = digits[k]
    n += 1 if kept == 1 else kept + 1
    out[n], out[n + 1], out[n + 2], out[n + 3] = 101, 45, 48 + (-e) // 10, 48 + (-e) % 10
    return n + 4
