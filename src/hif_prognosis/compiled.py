"""Compiled code (numba) shared by every layer: how many threads the kernels run on, and
scipy's BLAS and LAPACK routines made callable from compiled code.

The kernels themselves live beside the code they serve (the scoring methods in
``hif_prognosis.scoring``, the Cox engine in ``survival.fastcox``, the concordance walk in
``survival.stats``). Each runs over many gene sets, samples or Cox columns at once, a fixed
partition of independent work: results do not depend on the number of threads. Random numbers
come in as uniforms drawn by numpy's seeded Generator, so draws stay reproducible from the
config's seed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from llvmlite.binding import add_symbol
from numba import config, get_num_threads, set_num_threads, types
from numba.extending import get_cython_function_address


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


def fortran_routine(module: str, name: str, n_arguments: int) -> Any:  # called in compiled code only
    """A BLAS or LAPACK routine of scipy's own library (scipy.linalg.cython_*), callable from
    compiled code, every argument a pointer (Fortran convention). It is registered as a named
    symbol, not called through an address, so the compiled code that calls it can be cached."""
    symbol = f"hif_prognosis_{name}"
    add_symbol(symbol, get_cython_function_address(f"scipy.linalg.cython_{module}", name))
    return types.ExternalFunction(symbol, types.void(*[types.voidptr] * n_arguments))
