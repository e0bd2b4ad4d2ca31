"""Does the answer survive every reasonable choice? A specification curve (Simonsohn, Simmons &
Nelson 2020) of the question "does the HIF-1alpha score predict survival?".

A specification is one signature variant (the primary signature and the variants of the review's
HIF-1alpha targets the config scores), one scoring method, one endpoint (each kind, and each
joined group of kinds) and one set of cohorts: every cohort recording the endpoint, or those
with one left out in turn. Its estimate is the HR per SD pooled over those cohorts as the
meta-analysis pools them (hif_prognosis.survival.meta: DerSimonian-Laird, Wald 95% CI and p; one cohort:
its own Cox estimate); per-cohort rows (``level`` cohort) are the cohorts' own Cox rows.

The verdict of an estimate is the signal criterion of the judgement's question 1: ``higher
risk`` where the 95% interval lies above 1, ``lower risk`` below 1, ``no evidence`` where it
holds 1. The primary answer is the verdict of the pre-specified primary (config ``primary``:
signature, method and endpoint, every cohort); a specification agrees where its verdict is the
same. Only the primary is tested; the others show how much the answer hangs on the choice, and
their p values are given Holm-adjusted across the pooled specifications as well
(``p_holm_across_specifications``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hif_prognosis.data.clinical import endpoint_label
from hif_prognosis.wording import format_hr
from hif_prognosis.scoring.registry import method_label
from hif_prognosis.survival.meta import random_effects
from hif_prognosis.data.review import TARGET_VARIANTS

SPECIFICATION_COLUMNS = [
    "level", "signature", "method", "endpoint", "left_out", "k", "cohorts", "endpoints_pooled", "patients", "events",
    "hr_per_sd", "hr_ci_low", "hr_ci_high", "p_wald", "p_holm_across_specifications", "verdict",
    "primary_choice", "is_primary", "agrees_with_primary",
]
VERDICTS = ("higher risk", "lower risk", "no evidence", "not estimable")


@dataclass(frozen=True)
class Primary:
    signature: str
    method: str
    endpoint: str


def compared_signatures(scored: Sequence[str], primary: str) -> list[str]:
    """The primary signature and the review's target-gene variants among those ``scored``."""
    return [s for s in dict.fromkeys(scored) if s == primary or s in TARGET_VARIANTS]


def verdict(low: float, high: float) -> str:
    """The signal criterion's reading of a 95% interval of an HR (one of VERDICTS)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "not estimable"
    return "higher risk" if low > 1 else "lower risk" if high < 1 else "no evidence"


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p values (R ``p.adjust(method = "holm")``); NaN stays NaN."""
    adjusted = np.full(len(p), np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def _pooled(cox: pd.DataFrame, joined: Sequence[Sequence[str]], left_out: str) -> pd.DataFrame:
    meta = random_effects(cox, joined)
    meta = meta[meta["k"] > 0]
    return pd.DataFrame({
        "level": "pooled", "signature": meta["signature"], "method": meta["method"], "endpoint": meta["endpoint"],
        "left_out": left_out, "k": meta["k"], "cohorts": meta["cohorts"], "endpoints_pooled": meta["endpoints_pooled"],
        "patients": meta["patients"], "events": meta["events"], "hr_per_sd": meta["pooled_hr"],
        "hr_ci_low": meta["pooled_hr_ci_low"], "hr_ci_high": meta["pooled_hr_ci_high"], "p_wald": meta["p_pooled"],
    })


def specification_table(
    cox: pd.DataFrame, *, primary: Primary, signatures: Sequence[str], joined: Sequence[Sequence[str]] = ()
) -> pd.DataFrame:
    """SPECIFICATION_COLUMNS rows from every cohort's cox.tsv rows (``cox``): the pooled
    specifications over every cohort, then with each cohort of a pool left out (where others
    remain), then each cohort's own rows; ``signatures``: the variants compared."""
    cox = cox[cox["signature"].isin(signatures)]
    pooled = [_pooled(cox, joined, "")]
    every = pooled[0].set_index(["signature", "method", "endpoint"])["cohorts"]
    for cohort in pd.unique(cox["cohort"]):
        others = _pooled(cox[cox["cohort"] != cohort], joined, cohort)
        held = [cohort in every.get(key, "").split(";") for key in zip(others["signature"], others["method"], others["endpoint"], strict=True)]
        pooled.append(others[held])  # only pools the cohort was in: leaving it out changes them
    cohorts = pd.DataFrame({
        "level": "cohort", "signature": cox["signature"], "method": cox["method"], "endpoint": cox["endpoint"],
        "left_out": "", "k": 1, "cohorts": cox["cohort"], "endpoints_pooled": cox["endpoint"], "patients": cox["n"],
        "events": cox["events"], "hr_per_sd": cox["hr"], "hr_ci_low": cox["hr_ci_low"], "hr_ci_high": cox["hr_ci_high"],
        "p_wald": cox["p_wald"],
    })
    table = pd.concat([*pooled, cohorts], ignore_index=True)
    table["verdict"] = [verdict(low, high) for low, high in zip(table["hr_ci_low"], table["hr_ci_high"], strict=True)]
    table["primary_choice"] = (table["signature"] == primary.signature) & (table["method"] == primary.method)
    table["is_primary"] = (table["primary_choice"] & (table["level"] == "pooled") & (table["endpoint"] == primary.endpoint)
                           & (table["left_out"] == ""))
    is_pooled = (table["level"] == "pooled").to_numpy()
    table["p_holm_across_specifications"] = np.nan
    table.loc[is_pooled, "p_holm_across_specifications"] = holm(table.loc[is_pooled, "p_wald"].to_numpy(float))
    answer = table.loc[table["is_primary"], "verdict"]
    primary_verdict = str(answer.iloc[0]) if len(answer) else None
    table["agrees_with_primary"] = pd.array([
        verdict_of == primary_verdict if row_pooled and primary_verdict else pd.NA
        for verdict_of, row_pooled in zip(table["verdict"], is_pooled, strict=True)
    ], dtype="boolean")
    return table[SPECIFICATION_COLUMNS]


DIMENSIONS = {"method": "scoring method", "signature": "signature variant", "endpoint": "endpoint",
              "left_out": "cohorts pooled"}


def choice_label(dimension: str, value: str) -> str:
    """A choice of one dimension in words."""
    if dimension == "method":
        return method_label(value)
    if dimension == "endpoint":
        return endpoint_label(value)
    if dimension == "left_out":
        return f"without {value}" if value else "every cohort"
    return value


@dataclass(frozen=True)
class Robustness:
    """What the first screen says of the specification curve."""

    primary_verdict: str  # one of VERDICTS, or "" where the primary has no estimate
    specifications: int  # pooled specifications with an estimate
    agreeing: int
    depends_on: dict[str, list[str]]  # dimension (in words) -> "choice: HR [CI] (verdict)", one choice changed

    def sentence(self, primary: Primary) -> str:
        """The robustness of the primary answer in words."""
        if not self.primary_verdict:
            return f"The primary ({primary.signature}, {method_label(primary.method)}, {endpoint_label(primary.endpoint)}) has no estimate."
        head = (f"{self.agreeing} of {self.specifications} specifications agree with the primary answer "
                f"({self.primary_verdict} for {endpoint_label(primary.endpoint)}).")
        if not self.depends_on:
            return head + " Changing any one choice of the primary leaves the verdict as it is."
        changed = "; ".join(f"the {dimension}: {', '.join(choices)}" for dimension, choices in self.depends_on.items())
        return head + f" The verdict depends on the choice. Changing one choice of the primary changes it for {changed}."


def robustness(table: pd.DataFrame, primary: Primary) -> Robustness:
    """Counts of agreeing specifications, and the single choices that change the verdict: the
    primary's pooled specification with one of method, signature, endpoint or cohorts changed."""
    pooled = table[(table["level"] == "pooled") & (table["verdict"] != "not estimable")]
    chosen = pooled[pooled["is_primary"]]
    if chosen.empty:
        return Robustness("", len(pooled), 0, {})
    answer = str(chosen["verdict"].iloc[0])
    base = {"method": primary.method, "signature": primary.signature, "endpoint": primary.endpoint, "left_out": ""}
    depends: dict[str, list[str]] = {}
    for dimension, words in DIMENSIONS.items():
        others = pooled
        for fixed, value in base.items():
            if fixed != dimension:
                others = others[others[fixed] == value]
        flips = others[(others[dimension] != base[dimension]) & (others["verdict"] != answer)]
        if len(flips):
            depends[words] = [
                f"{choice_label(dimension, str(row[dimension]))} gives HR "
                f"{format_hr(row['hr_per_sd'], row['hr_ci_low'], row['hr_ci_high'])} ({row['verdict']})"
                for _, row in flips.iterrows()
            ]
    return Robustness(answer, len(pooled), int((pooled["verdict"] == answer).sum()), depends)

