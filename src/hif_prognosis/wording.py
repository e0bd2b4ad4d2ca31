"""How a number is printed wherever a person reads it (the summary page, the judgement's
values): one format per kind of number."""

from __future__ import annotations

import math


def format_p(p: float, n_draws: int | None = None) -> str:
    """A p-value: two significant digits from 0.001 up, else in exponent form. With
    ``n_draws`` (random sets or permutations behind an empirical p), a p at the test's
    resolution, where no draw was as extreme (p = 0, or (1 + 0) / (1 + n)), prints as
    "< 1/n": the test cannot say how much smaller it is. Missing: "–"."""
    if p is None or not math.isfinite(p):
        return "–"
    if n_draws and p * (n_draws + 1) <= 1 + 1e-9:
        return f"< 1/{n_draws}"
    if p == 0:
        return "< 1e-300"  # below double precision: an exact p too small to represent
    return f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


def format_bound(value: float, reference: float = 1.0, digits: int = 2, *, signed: bool = False) -> str:
    """An interval bound to ``digits`` decimals, with more (up to 6) where that would print it
    as ``reference`` without being it: 1.003 stays "1.003", so a printed interval never seems
    to contain 1 while its verdict says it excludes 1."""
    sign = "+" if signed else ""
    text = f"{value:{sign}.{digits}f}"
    while digits < 6 and math.isfinite(value) and value != reference and float(text) == reference:
        digits += 1
        text = f"{value:{sign}.{digits}f}"
    return text


def format_delta_c(delta: float, low: float, high: float) -> str:
    """A change in Harrell's C with its 95% interval, signed, bounds by format_bound against 0."""
    return f"{delta:+.3f} [{format_bound(low, 0.0, 3, signed=True)}, {format_bound(high, 0.0, 3, signed=True)}]"


def format_hr(hr: float, low: float, high: float) -> str:
    """A hazard ratio with its 95% interval, "HR [low–high]" (bounds by format_bound); missing: "–"."""
    if not math.isfinite(hr):
        return "–"
    return f"{hr:.2f} [{format_bound(low)}–{format_bound(high)}]"
