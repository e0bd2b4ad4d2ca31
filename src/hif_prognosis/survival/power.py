"""What the cohorts could have seen, and what a "no" rules out.

Power of the Wald test of a standardised score (SD 1) in a Cox model, by Schoenfeld's formula
(Schoenfeld 1983; Hsieh & Lavori 2000 for a continuous covariate): with D events, a two-sided
level ``stats.ALPHA`` (5%) test detects log HR per SD ``(z_{0.975} + z_power) / sqrt(D)``, and its power
at HR h per SD is ``Phi(sqrt(D) |log h| - z_{0.975})`` (the far tail ignored). Pooled over
cohorts, D is the events they pool: the fixed-effect approximation, which heterogeneity between
cohorts would lower. The upper end of an estimate's 95% interval is the largest HR per SD the
data still allow: HRs above it are ruled out at 95%.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from hif_prognosis.distributions import normal_cdf, normal_ppf

from hif_prognosis.distributions import Z95


def detectable_hr(events: float, power: float) -> float:
    """The HR per SD a two-sided 5%-level Wald test detects with ``power`` at ``events``
    events (Schoenfeld); infinite without events."""
    if events <= 0:
        return np.inf
    return float(np.exp((Z95 + normal_ppf(power)) / np.sqrt(events)))


def power_at(events: float, hazard_ratio: float) -> float:
    """The power of that test at ``hazard_ratio`` per SD with ``events`` events (Schoenfeld)."""
    return float(normal_cdf(np.sqrt(max(events, 0.0)) * abs(np.log(hazard_ratio)) - Z95))


def power_column(hazard_ratio: float) -> str:
    return f"power_at_hr_{hazard_ratio:g}_per_sd"


def informative(events: float, power: float, max_detectable_hr: float) -> bool:
    """Whether the events suffice to read a "no" as evidence: the HR per SD detectable at
    ``power`` is at most ``max_detectable_hr`` (config robustness.max_detectable_hr)."""
    return detectable_hr(events, power) <= max_detectable_hr


def power_table(
    specifications: pd.DataFrame, *, power: float, hazard_ratios: Sequence[float], max_detectable_hr: float
) -> pd.DataFrame:
    """One row per cohort and endpoint, and per endpoint pooled over two or more cohorts, of
    the primary specification (specifications.SPECIFICATION_COLUMNS rows with ``primary_choice``):
    its events, the detectable HR per SD at ``power``, the power at each of ``hazard_ratios``,
    and the largest HR per SD its 95% interval allows."""
    chosen = specifications[
        specifications["primary_choice"] & (specifications["left_out"] == "")
        & ((specifications["level"] == "cohort") | (specifications["k"] >= 2))  # one cohort: its own row
    ]
    rows = []
    for _, spec in chosen.iterrows():
        events = float(spec["events"])
        rows.append({
            "scope": "pooled" if spec["level"] == "pooled" else "cohort", "cohorts": spec["cohorts"],
            "endpoint": spec["endpoint"], "signature": spec["signature"], "method": spec["method"],
            "patients": spec["patients"], "events": int(events),
            f"detectable_hr_per_sd_at_{power:g}_power": detectable_hr(events, power),
            **{power_column(hr): power_at(events, hr) for hr in hazard_ratios},
            "hr_per_sd": spec["hr_per_sd"], "hr_ci_low": spec["hr_ci_low"],
            "largest_hr_per_sd_not_ruled_out": spec["hr_ci_high"],
            "informative": informative(events, power, max_detectable_hr),
        })
    return pd.DataFrame(rows)
