"""The README's questions, answered mechanically for the primary signature and method.

Each criterion is met (True), not met (False) or not assessable (NA with the reason, e.g. a
model refused for too few events, a statistic with no finite estimate, or a locked-model validation
with one cohort): a missing number is never read as "not met". The answer for an endpoint is ``yes``
if every criterion is met, ``no`` if any is not met, and ``not established`` otherwise. Where the
signal is not there (question 1's pooled interval, or the one cohort's, does not lie above 1), the
answer says what that rules out (hif_prognosis.survival.power): "no evidence, and HRs per SD above X ruled
out" where the events could have detected ``robustness.max_detectable_hr``, else the answer is
``not enough events to tell``. Only the pre-specified primary is tested; the specification curve
(hif_prognosis.survival.specifications) shows the other choices without entering the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hif_prognosis.data.clinical import joined_endpoint, joined_member
from hif_prognosis.data.clinical import endpoint_label
from hif_prognosis.wording import format_hr, format_p
from hif_prognosis.scoring.registry import method_label
from hif_prognosis.scoring.offset import ADJUSTED_LABEL, deciding_suffix
from hif_prognosis.survival.power import detectable_hr, informative
from hif_prognosis.distributions import ALPHA

# The questions, in order, each in one sentence: what the criterion rows of that number test.
QUESTIONS = {
    "1 signal": "Is the signal there? A higher score goes with shorter survival: HR per SD above 1, "
                "pooled across cohorts and in the same direction in each. Only the pre-specified primary is "
                "tested (no multiplicity correction); the specification curve shows every other choice.",
    "2 beyond random sets": "Is it more than any gene set would give? The signature's log HR is beyond random "
                            "gene sets of the same size and expression (two-sided empirical p < 0.05).",
    "3 beyond proliferation": "Is it more than proliferation? It stays prognostic with the proliferation "
                              "score in the model, and beyond random sets adjusted the same way.",
    "4 beyond clinical risk": "Is it more than the known clinical risk? It stays prognostic beside "
                              "metastasis at diagnosis.",
    "5 carries over": "Does it carry over unchanged? Weights and direction learned in one cohort, applied "
                      "unchanged in another, give HR above 1 there (one-sided p < 0.05).",
    "6 proportional hazards": "Is the hazard ratio a fair summary? The proportional-hazards test "
                              "(R cox.zph) does not reject.",
    "7 adds to the field's models": "Does it add to what the field already uses? Adding the score to each "
                                    "comparator (CINSARC, published osteosarcoma models) raises Harrell's C, "
                                    "pooled across cohorts, with the 95% interval above 0.",
}
# The locked-score weightings the "carries over" criterion reads (locked.WEIGHTINGS holds them):
# the ones every signature gets. The multivariable model is reported beside them, as papers lock
# models so, but it is refused for most signatures in cohorts of 50-90 patients, which would
# leave the criterion open for a reason that is not the signature's.
JUDGED_WEIGHTINGS = ("cox", "pc1")
JUDGEMENT_COLUMNS = ["endpoint", "question", "criterion", "cohort", "value", "met"]


def _select(table: pd.DataFrame, signature: str, method: str, endpoint: str) -> pd.DataFrame:
    return table[(table["signature"] == signature) & (table["method"] == method) & (table["endpoint"] == endpoint)]


def _row(endpoint: str, question: str, criterion: str, cohort: str, value: str, met: bool | None) -> dict[str, object]:
    return {"endpoint": endpoint, "question": question, "criterion": criterion, "cohort": cohort,
            "value": value, "met": met}


def _finite(*values: object) -> bool:
    return all(isinstance(v, (int, float, np.floating)) and np.isfinite(v) for v in values)


def _beyond_random_sets(n: pd.Series) -> tuple[str, bool | None]:
    """Question 2 for one null row: the log HR's percentile among the random sets (how far from
    the null's centre) and the two-sided empirical p (how many random sets lie at least as far
    from HR 1). Where the score follows the sample-wide mean z-score (``offset_warning``), the
    comparison adjusted for it decides, since the unadjusted null is then narrow."""
    suffix = deciding_suffix(bool(n["offset_warning"]))
    log_hr, percentile, p_value = (
        n[f"log_hr{suffix}"], n[f"percentile_log_hr{suffix}"], n[f"p_empirical_abs_log_hr{suffix}"]
    )
    value = (
        f"{ADJUSTED_LABEL + ' (the score follows it, r ' + format(n['r_sample_mean_z'], '.2f') + '): ' if suffix else ''}"
        f"percentile {percentile:.1f} (% of random sets with a smaller log HR), "
        f"empirical p {format_p(p_value, int(n['n_random_sets']))} (share of random sets at least as far from HR 1)"
    )
    if not _finite(log_hr, p_value):
        return "no finite log HR for the signature or the random sets", None
    return value, bool(log_hr > 0 and p_value < ALPHA)


def _hr(row: pd.Series, prefix: str = "") -> str:
    return "HR " + format_hr(row[prefix + "hr"], row[prefix + "hr_ci_low"], row[prefix + "hr_ci_high"])


def judged_endpoints(
    cox: Mapping[str, pd.DataFrame], joined: Sequence[Sequence[str]] = ()
) -> dict[str, dict[str, str]]:
    """Each endpoint the judgement answers -> {cohort: the cohort's endpoint it reads}: every
    endpoint kind over the cohorts recording it, then each joined group of kinds over the cohorts
    recording one of them (the kind each enters with: clinical.joined_member)."""
    recorded = {cohort: list(pd.unique(table["endpoint"])) for cohort, table in cox.items()}
    judged: dict[str, dict[str, str]] = {}
    for cohort, endpoints in recorded.items():
        for endpoint in endpoints:
            judged.setdefault(endpoint, {})[cohort] = endpoint
    for kinds in joined:
        members = {cohort: joined_member(kinds, endpoints) for cohort, endpoints in recorded.items()}
        judged[joined_endpoint(kinds)] = {cohort: kind for cohort, kind in members.items() if kind}
    return {endpoint: cohorts for endpoint, cohorts in judged.items() if cohorts}


def _signal(endpoint: str, cohorts: Mapping[str, str], cox: Mapping[str, pd.DataFrame],
            pooled: pd.Series | None, signature: str, method: str) -> list[dict[str, object]]:
    """Question 1: pooled HR above 1 and each cohort's direction where two or more cohorts
    record the endpoint; the one cohort's interval above 1 otherwise."""
    rows = []
    if pooled is not None:
        rows.append(_row(endpoint, "1 signal", "pooled HR per SD > 1, 95% CI excludes 1", "all",
                         f"pooled {_hr(pooled, 'pooled_')}, I2 {pooled['i2']:.2f}", bool(pooled["pooled_hr_ci_low"] > 1)))
    for cohort, own in cohorts.items():
        row = _select(cox[cohort], signature, method, own).iloc[0]
        estimated = _finite(row["log_hr"], row["hr_ci_low"])
        met = (bool(row["log_hr"] > 0) if pooled is not None else bool(row["hr_ci_low"] > 1)) if estimated else None
        rows.append(_row(endpoint, "1 signal",
                         "HR per SD > 1" + (" (direction)" if pooled is not None else ", 95% CI excludes 1"),
                         cohort, f"{_hr(row)}, p {format_p(row['p_wald'])}" if estimated else "no finite Cox estimate", met))
    return rows


def _controls(endpoint: str, cohort: str, own: str, null: pd.DataFrame, models: pd.DataFrame,
              signature: str, method: str) -> list[dict[str, object]]:
    """Questions 2, 3, 4 and 6 in one cohort, read from its null and adjusted-model tables."""
    n = _select(null, signature, method, own).iloc[0]
    rows = [_row(endpoint, "2 beyond random sets", "log HR > 0 and empirical p < 0.05", cohort, *_beyond_random_sets(n))]
    adjusted = np.isfinite(n["log_hr_adj_proliferation"])
    rows.append(_row(
        endpoint, "3 beyond proliferation", "beyond random sets, both adjusted for proliferation", cohort,
        (f"percentile {n['percentile_log_hr_adj_proliferation']:.1f} (% of adjusted random sets with a smaller log HR), "
         f"empirical p {format_p(n['p_empirical_abs_log_hr_adj_proliferation'], int(n['n_random_sets']))} "
         "(share at least as far from HR 1)") if adjusted else "the signature is the proliferation score",
        bool(n["log_hr_adj_proliferation"] > 0 and n["p_empirical_abs_log_hr_adj_proliferation"] < ALPHA) if adjusted else None,
    ))
    fitted = _select(models, signature, method, own).set_index("model")
    for model, question in (("proliferation", "3 beyond proliferation"), ("metastasis", "4 beyond clinical risk")):
        if model not in fitted.index:
            continue
        m = fitted.loc[[model]].iloc[0]
        ok = m["status"] == "fitted"
        rows.append(_row(endpoint, question, f"model {model}: adjusted HR 95% CI excludes 1", cohort,
                         _hr(m) if ok else str(m["status"]), bool(m["hr_ci_low"] > 1) if ok else None))
    u = fitted.loc["univariable"]
    rows.append(_row(endpoint, "6 proportional hazards", "PH score test (R cox.zph) p >= 0.05", cohort,
                     f"p {format_p(float(u['ph_p_score']))}", bool(not u["ph_violated"]) if u["status"] == "fitted" else None))
    return rows


def _carries_over(endpoint: str, locked: pd.DataFrame | None, signature: str) -> list[dict[str, object]]:
    """Question 5 from the locked-model validation of this endpoint (recorded by both cohorts)."""
    carried = (
        locked[(locked["signature"] == signature) & (locked["endpoint"] == endpoint) & locked["weights"].isin(JUDGED_WEIGHTINGS)]
        if locked is not None else pd.DataFrame()
    )
    if not len(carried):
        return [_row(endpoint, "5 carries over", "locked model: HR > 1 in the test cohort, one-sided p < 0.05",
                     "all", "needs two or more cohorts recording this endpoint", None)]
    rows = []
    for _, f in carried.iterrows():
        estimated = f["status"] == "estimated"
        rows.append(_row(endpoint, "5 carries over",
                         f"{f['weights']} weights from {f['training_cohort']}: HR > 1, one-sided p < 0.05",
                         str(f["test_cohort"]),
                         f"{_hr(f)}, p {format_p(f['p_one_sided_hr_above_1'])}" if estimated else str(f["status"]),
                         bool(f["p_one_sided_hr_above_1"] < ALPHA) if estimated else None))
    return rows


def _adds_to_comparators(endpoint: str, head_to_head: pd.DataFrame | None) -> list[dict[str, object]]:
    """Question 7 from the pooled head-to-head table (head_to_head.pool_head_to_head), one row
    per configured comparator; none where no comparator is configured."""
    if head_to_head is None or head_to_head.empty:
        return []
    rows = []
    for comparator, group in head_to_head.groupby("comparator", sort=False):
        criterion = f"{comparator}: pooled change in Harrell's C from adding the score, 95% CI above 0"
        pooled = group[group["endpoint"] == endpoint]
        if pooled.empty or pd.isna(pooled["hif_adds"].iloc[0]):
            reason = pooled["status"].iloc[0] if len(pooled) else "no cohort records this endpoint for the comparator"
            rows.append(_row(endpoint, "7 adds to the field's models", criterion, "all", str(reason), None))
            continue
        p = pooled.iloc[0]
        value = (f"change in C {p['pooled_delta_harrell_c']:+.3f} [{p['pooled_delta_harrell_c_ci_low']:+.3f}, "
                 f"{p['pooled_delta_harrell_c_ci_high']:+.3f}] over {int(p['k'])} cohort{'s' if p['k'] != 1 else ''}; HR adjusted "
                 f"for {comparator} {format_hr(p['pooled_hif_hr_adj_comparator'], p['pooled_hif_hr_adj_comparator_ci_low'], p['pooled_hif_hr_adj_comparator_ci_high'])}")
        rows.append(_row(endpoint, "7 adds to the field's models", criterion, "all", value, bool(p["hif_adds"])))
    return rows


@dataclass(frozen=True)
class Reading:
    """How a "no" is read (config robustness): the power at which the detectable HR per SD is
    computed, and the largest detectable HR for which the events count as informative."""

    power: float = 0.8
    max_detectable_hr: float = 1.5


def _signal_estimate(pooled: pd.Series | None, cohorts: Mapping[str, str], cox: Mapping[str, pd.DataFrame],
                     signature: str, method: str) -> tuple[float, float, float]:
    """Events and the 95% limits of the HR behind question 1: the pool's, or the one cohort's."""
    if pooled is not None:
        return float(pooled["events"]), float(pooled["pooled_hr_ci_low"]), float(pooled["pooled_hr_ci_high"])
    cohort, own = next(iter(cohorts.items()))
    row = _select(cox[cohort], signature, method, own).iloc[0]
    return float(row["events"]), float(row["hr_ci_low"]), float(row["hr_ci_high"])


def _what_no_rules_out(estimate: tuple[float, float, float], reading: Reading) -> tuple[str, bool]:
    """Where the signal is not there: "no evidence, and HRs above X ruled out" where the events
    could have detected the bound, else "not enough events to tell"; and whether informative."""
    events, _, upper = estimate
    detectable = detectable_hr(events, reading.power)
    power = f"{int(events)} events detect HR {detectable:.2f} per SD at {reading.power:.0%} power (Schoenfeld)"
    if not informative(events, reading.power, reading.max_detectable_hr):
        return f"{power}, above the bound {reading.max_detectable_hr:g} set in the config (the largest hazard ratio a \"no\" may leave undetected)", False
    ruled_out = f"HRs per SD above {upper:.2f} ruled out at 95%" if np.isfinite(upper) else "no finite upper limit"
    return f"no evidence of a higher risk, and {ruled_out}; {power}", True


def _answer(endpoint: str, criteria: list[dict[str, object]], signature: str, method: str,
            estimate: tuple[float, float, float], reading: Reading) -> dict[str, object]:
    met = [c["met"] for c in criteria]
    answer = "no" if any(m is False for m in met) else "yes" if all(m is True for m in met) else "not established"
    failed = sorted({str(c["question"]) for c in criteria if c["met"] is False})
    open_ = sorted({str(c["question"]) for c in criteria if c["met"] is None})
    detail = "; ".join(part for part in (
        f"not met: {', '.join(failed)}" if failed else "", f"not assessable: {', '.join(open_)}" if open_ else "",
    ) if part) or "every criterion met"
    if not estimate[1] > 1:  # no signal: the pooled (or one cohort's) interval holds 1 or lies below
        reason, informative = _what_no_rules_out(estimate, reading)
        answer = answer if informative else "not enough events to tell"
        detail = f"{reason}; {detail}"
    return _row(endpoint, "answer", f"does {signature} ({method_label(method)}) predict {endpoint_label(endpoint)}?",
                "all", f"{answer} ({detail})", answer == "yes")


def judge(
    *,
    signature: str,
    method: str,
    cox: Mapping[str, pd.DataFrame],
    null: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    meta: pd.DataFrame | None,
    locked: pd.DataFrame | None,
    joined: Sequence[Sequence[str]] = (),
    head_to_head: pd.DataFrame | None = None,
    reading: Reading = Reading(),
) -> pd.DataFrame:
    """Criteria rows (JUDGEMENT_COLUMNS) and one ``answer`` row per endpoint kind any cohort
    records, over the cohorts recording it, and per ``joined`` group of kinds
    (meta_analysis.joined_endpoints). ``cox``, ``null`` and ``models`` map cohort -> its table;
    ``meta`` and ``locked`` are None with one cohort; ``head_to_head`` is the pooled comparator
    table (question 7)."""
    rows: list[dict[str, object]] = []
    for endpoint, cohorts in judged_endpoints(cox, joined).items():
        pooled = _select(meta, signature, method, endpoint).iloc[0] if meta is not None and len(cohorts) > 1 else None
        criteria = _signal(endpoint, cohorts, cox, pooled, signature, method)
        for cohort, own in cohorts.items():
            criteria += _controls(endpoint, cohort, own, null[cohort], models[cohort], signature, method)
        criteria += _carries_over(endpoint, locked, signature)
        criteria += _adds_to_comparators(endpoint, head_to_head)
        criteria.sort(key=lambda c: int(str(c["question"]).split(" ", 1)[0]))  # stable: cohorts keep their order
        estimate = _signal_estimate(pooled, cohorts, cox, signature, method)
        rows += criteria + [_answer(endpoint, criteria, signature, method, estimate, reading)]
    return pd.DataFrame(rows, columns=JUDGEMENT_COLUMNS)
