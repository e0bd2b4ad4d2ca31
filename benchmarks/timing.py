"""Timing shared by the benchmark scripts (run as scripts: this folder is on their path)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The shortest of ``repeats`` wall-clock timings of ``run()``, in seconds."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)
