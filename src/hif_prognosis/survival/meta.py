"""Random-effects meta-analysis of per-SD log hazard ratios across cohorts.

DerSimonian-Laird between-cohort variance tau^2, truncated at 0; pooled log HR with its 95%
Wald interval and two-sided p; Cochran's Q with its chi-square p (k - 1 df) and I^2 (the share
of variation due to heterogeneity). statsmodels' ``combine_effects(method_re="dl")`` agrees where
tau^2 > 0, but does not truncate a negative tau^2 (Q < k - 1) before weighting, so the estimator
is written out here (tests compare both).

Cohorts are pooled within one endpoint kind. A group of kinds the config joins
(``meta_analysis.joined_endpoints``, e.g. event-free with recurrence-free survival) is pooled
as well, in a row of its own named for the kinds it joins, each cohort entering with the first
kind of the group it records (``endpoints_pooled`` says which).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from hif_prognosis.distributions import chi2_sf, normal_sf

from hif_prognosis.data.clinical import joined_endpoint, joined_member
from hif_prognosis.distributions import wald_hr_interval

META_COLUMNS = [
    "signature", "method", "endpoint", "k", "cohorts", "endpoints_pooled", "patients", "events",
    "pooled_log_hr", "pooled_se", "pooled_hr", "pooled_hr_ci_low", "pooled_hr_ci_high", "p_pooled",
    "tau2", "i2", "q", "p_heterogeneity",
]


def dersimonian_laird(estimate: np.ndarray, se: np.ndarray) -> dict[str, float]:
    """Pooled estimate, its SE, tau^2, I^2, Q and the heterogeneity p of k >= 2 estimates."""
    weight = 1 / se**2
    fixed = np.sum(weight * estimate) / weight.sum()
    q = float(np.sum(weight * (estimate - fixed) ** 2))
    df = len(estimate) - 1
    tau2 = max(0.0, (q - df) / (weight.sum() - np.sum(weight**2) / weight.sum()))
    weight_re = 1 / (se**2 + tau2)
    return {
        "pooled": float(np.sum(weight_re * estimate) / weight_re.sum()),
        "se": float(np.sqrt(1 / weight_re.sum())),
        "tau2": tau2,
        "i2": max(0.0, (q - df) / q) if q > 0 else 0.0,
        "q": q,
        "p_heterogeneity": float(chi2_sf(q, df)),
    }


def joined_rows(cox: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """The cox.tsv rows a joined pool of ``kinds`` takes: per cohort, those of the first kind it
    records, relabelled with the pool's name (clinical.joined_endpoint)."""
    entered = {cohort: joined_member(kinds, list(group)) for cohort, group in cox.groupby("cohort", sort=False)["endpoint"]}
    # A boolean array, not a list: an empty list would select no columns, not no rows (a
    # one-cohort run pools the other cohorts, none, when it leaves its cohort out).
    taken = np.array([entered[cohort] == endpoint for cohort, endpoint in zip(cox["cohort"], cox["endpoint"], strict=True)],
                     dtype=bool)
    rows = cox[taken]
    return rows.assign(endpoint_pooled=rows["endpoint"], endpoint=joined_endpoint(kinds))


def random_effects(cox: pd.DataFrame, joined: Sequence[Sequence[str]] = ()) -> pd.DataFrame:
    """One row per signature x method x endpoint over the cohorts of ``cox`` (cox.tsv rows) that
    record the endpoint, then one per group of ``joined`` kinds, each with the patients and
    events it pools (the cohorts' ``n`` and ``events``; the cohort-overlap check has made sure no
    patient is in two of them)."""
    rows = []
    cox = cox.assign(endpoint_pooled=cox["endpoint"])
    pools = pd.concat([cox, *(joined_rows(cox, kinds) for kinds in joined)], ignore_index=True)
    for (signature, method, endpoint), group in pools.groupby(["signature", "method", "endpoint"], sort=False):
        usable = group[np.isfinite(group["log_hr"]) & np.isfinite(group["se_log_hr"])]
        k = len(usable)
        row: dict[str, object] = {
            "signature": signature, "method": method, "endpoint": endpoint, "k": k,
            "cohorts": ";".join(usable["cohort"]), "endpoints_pooled": ";".join(usable["endpoint_pooled"]),
            "patients": int(usable["n"].sum()), "events": int(usable["events"].sum()),
        }
        if k >= 2:
            pooled = dersimonian_laird(usable["log_hr"].to_numpy(), usable["se_log_hr"].to_numpy())
            estimate, se = pooled.pop("pooled"), pooled.pop("se")
            row |= pooled
        elif k == 1:
            estimate, se = float(usable["log_hr"].iloc[0]), float(usable["se_log_hr"].iloc[0])
        else:
            estimate = se = np.nan
        low, high = wald_hr_interval(estimate, se)
        row |= {
            "pooled_log_hr": estimate, "pooled_se": se, "pooled_hr": np.exp(estimate),
            "pooled_hr_ci_low": low, "pooled_hr_ci_high": high,
            "p_pooled": 2 * normal_sf(abs(estimate / se)) if se > 0 else np.nan,
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=META_COLUMNS)
