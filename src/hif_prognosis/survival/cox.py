"""Univariable survival statistics of a score.

Conventions (stated in every table and the report):
- Cox proportional hazards with Efron's method for tied event times (R ``coxph``'s default),
  fitted by the project's engine (``fastcox``; equal to R to 1e-9); the score is standardised
  within the cohort (mean 0, sample SD with ddof=1), so ``hr`` is the hazard ratio per 1 SD of
  score. The 95% interval is Wald's.
- ``p_wald`` is the two-sided Wald test of the coefficient, ``p_lrt`` the likelihood-ratio test
  against the null model (1 df).
- ``c_index`` is Harrell's C with a higher score meaning higher risk (0.5 = no discrimination).
- The log-rank test compares samples scoring strictly above the cohort median with the rest;
  ``hr_high_vs_low`` is the Cox HR (Efron, Wald 95% CI) of that split, the scale of published
  high-against-low hazard ratios, which an HR per SD is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hif_prognosis.data.clinical import endpoint_data, endpoint_names
from hif_prognosis.distributions import benjamini_hochberg, wald_hr_interval
from hif_prognosis.survival.fastcox import cox_columns
from hif_prognosis.survival.kaplan_meier import median_groups, split_logrank
from hif_prognosis.data.expression import GENE_BLOCK, gene_zscores
from hif_prognosis.survival.stats import harrell_c


COX_COLUMNS = [
    "cohort",
    "signature",
    "method",
    "endpoint",
    "n",
    "events",
    "hr",
    "hr_ci_low",
    "hr_ci_high",
    "log_hr",
    "se_log_hr",
    "p_wald",
    "p_lrt",
    "c_index",
    "logrank_chisq",
    "logrank_p",
    "n_high",
    "n_low",
    "hr_high_vs_low",
    "hr_high_vs_low_ci_low",
    "hr_high_vs_low_ci_high",
    "se_log_hr_high_vs_low",
]


def standardise(values: pd.Series) -> pd.Series:
    """Centre and scale to unit sample SD (ddof=1)."""
    sd = values.std(ddof=1)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(np.nan, index=values.index)
    return (values - values.mean()) / sd


@dataclass(frozen=True)
class CoxResult:
    n: int
    events: int
    log_hr: float
    se_log_hr: float
    p_wald: float
    p_lrt: float

    @property
    def hr(self) -> float:
        return float(np.exp(self.log_hr))

    def hr_ci(self) -> tuple[float, float]:
        low, high = wald_hr_interval(self.log_hr, self.se_log_hr)
        return float(low), float(high)


def cox_per_sd(time: pd.Series, event: pd.Series, score: pd.Series, *, standardised: bool = True) -> CoxResult:
    """Univariable Cox model (Efron ties) of the standardised score (``standardised``; else of
    the score as it is, e.g. a 0/1 split); NaN estimates where the score has no variance, there
    is no event, or the likelihood has no finite maximum."""
    z = standardise(score) if standardised else score if score.nunique() > 1 else score * np.nan
    n, events = len(z), int(event.sum())
    if z.isna().any() or events == 0:
        return CoxResult(n, events, np.nan, np.nan, np.nan, np.nan)
    fit = cox_columns(time.to_numpy(dtype=float), event.to_numpy(dtype=float), z.to_numpy()[:, None])
    return CoxResult(n, events, float(fit.beta[0]), float(fit.se[0]), float(fit.p_wald[0]), float(fit.p_lrt[0]))


def univariable_survival_row(
    time: pd.Series, event: pd.Series, score: pd.Series
) -> dict[str, float | int]:
    """All univariable statistics of one score against one endpoint."""
    cox = cox_per_sd(time, event, score)
    ci_low, ci_high = cox.hr_ci()
    high = median_groups(score) == "high"
    chisq, p_logrank, n_high, n_low = split_logrank(time, event, high.to_numpy())
    split = cox_per_sd(time, event, high.astype(float), standardised=False)
    split_low, split_high = split.hr_ci()
    return {
        "n": cox.n,
        "events": cox.events,
        "hr": cox.hr,
        "hr_ci_low": ci_low,
        "hr_ci_high": ci_high,
        "log_hr": cox.log_hr,
        "se_log_hr": cox.se_log_hr,
        "p_wald": cox.p_wald,
        "p_lrt": cox.p_lrt,
        "c_index": harrell_c(time, event, score),
        "logrank_chisq": chisq,
        "logrank_p": p_logrank,
        "n_high": n_high,
        "n_low": n_low,
        "hr_high_vs_low": split.hr,
        "hr_high_vs_low_ci_low": split_low,
        "hr_high_vs_low_ci_high": split_high,
        "se_log_hr_high_vs_low": split.se_log_hr,
    }


@dataclass(frozen=True)
class ScoredOutcome:
    """One score against one endpoint: samples with known time, event and score."""

    signature: str
    method: str
    endpoint: str
    data: pd.DataFrame  # index sample_id; columns time, event, score

    @property
    def key(self) -> dict[str, object]:
        return {"signature": self.signature, "method": self.method, "endpoint": self.endpoint}


def scored_outcomes(scores: pd.DataFrame, clinical: pd.DataFrame) -> Iterator[ScoredOutcome]:
    """Every endpoint x signature x method of a cohort's scores (scores.tsv) and clinical table."""
    for endpoint in endpoint_names(clinical):
        outcome = endpoint_data(clinical, endpoint)
        for (signature, method), group in scores.groupby(["signature", "method"], sort=False):
            score = group.set_index("sample_id")["score"].reindex(outcome.index)
            yield ScoredOutcome(str(signature), str(method), endpoint, outcome.assign(score=score).dropna())


def survival_table(cohort: str, scores: pd.DataFrame, clinical: pd.DataFrame) -> pd.DataFrame:
    """One row per signature x method x endpoint of univariable statistics (COX_COLUMNS)."""
    rows = [
        {"cohort": cohort} | item.key
        | univariable_survival_row(item.data["time"], item.data["event"], item.data["score"])
        for item in scored_outcomes(scores, clinical)
    ]
    return pd.DataFrame(rows, columns=COX_COLUMNS)


GENE_COLUMNS = [
    "cohort", "signature", "symbol", "matched_as", "direction", "endpoint", "n", "events",
    "hr", "hr_ci_low", "hr_ci_high", "log_hr", "se_log_hr", "p_wald", "q_bh", "flag",
]


def per_gene_cox(matrix: pd.DataFrame, outcome: pd.DataFrame, *, threads: int = 1) -> pd.DataFrame:
    """Univariable Cox of every gene (rows of ``matrix``) on ``outcome`` (``time``, ``event``,
    indexed by sample), expression per SD (Efron ties, the fast engine): ``log_hr``,
    ``se_log_hr``, ``p_wald`` and the engine's ``flag`` (a gene without variance is ``constant``)."""
    time, event = outcome["time"].to_numpy(), outcome["event"].to_numpy()
    samples = matrix.columns.get_indexer(outcome.index)
    values = matrix.to_numpy(dtype=np.float64)
    blocks = []
    for start in range(0, len(matrix), GENE_BLOCK):  # blocks of genes: z-scores of a few at a time
        # np.take keeps the genes' rows contiguous (pandas' take is 10x slower; indexing [:, samples]
        # gives a column-major block, whose rows the z-scores then read with a stride: 8x slower)
        z = gene_zscores(pd.DataFrame(np.take(values[start:start + GENE_BLOCK], samples, axis=1))).to_numpy()
        fit = cox_columns(time, event, np.nan_to_num(z, copy=False).T, threads=threads)
        blocks.append(pd.DataFrame({"log_hr": fit.beta, "se_log_hr": fit.se, "p_wald": fit.p_wald, "flag": fit.flag}))
    return pd.concat(blocks, ignore_index=True).set_axis(matrix.index)


def gene_cox_table(
    cohort: str, matrix: pd.DataFrame, coverage: pd.DataFrame, clinical: pd.DataFrame, *, threads: int = 1
) -> pd.DataFrame:
    """Univariable Cox of every measured signature gene (expression per SD, Efron ties, the
    fast engine, on ``threads`` threads), with Benjamini-Hochberg q-values within each
    signature and endpoint."""
    measured = coverage[coverage["present"].astype(bool)]
    frames = []
    for endpoint in endpoint_names(clinical):
        outcome = endpoint_data(clinical, endpoint)
        genes = measured["matched_as"].drop_duplicates()
        by_gene = per_gene_cox(matrix.loc[genes], outcome, threads=threads)
        frame = measured[["signature", "symbol", "matched_as", "direction"]].join(by_gene, on="matched_as")
        frame = frame.assign(cohort=cohort, endpoint=endpoint, n=len(outcome), events=int(outcome["event"].sum()))
        frame["hr"] = np.exp(frame["log_hr"])
        frame["hr_ci_low"], frame["hr_ci_high"] = wald_hr_interval(frame["log_hr"], frame["se_log_hr"])
        frame["q_bh"] = np.nan
        for _, rows in frame.groupby("signature", sort=False):
            tested = rows.index[rows["p_wald"].notna()]
            if len(tested):
                frame.loc[tested, "q_bh"] = benjamini_hochberg(frame.loc[tested, "p_wald"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[GENE_COLUMNS]
