"""The six questions: yes only if every criterion holds, no if any fails, else not established."""

import numpy as np
import pandas as pd

from hif_prognosis.survival.judgement import JUDGEMENT_COLUMNS, judge

KEY = {"signature": "HIF", "method": "zscore", "endpoint": "os"}


def tables(log_hr: float, p_null: float, p_null_adj: float, adjusted_low: float, ph_violated: bool,
           offset_r: float = 0.1, p_null_offset: float = 0.001):
    hr = np.exp(log_hr)
    cox = pd.DataFrame([KEY | {"hr": hr, "hr_ci_low": hr * 0.8, "hr_ci_high": hr * 1.25, "log_hr": log_hr, "p_wald": 0.01,
                               "events": 40}])
    null = pd.DataFrame([KEY | {
        "log_hr": log_hr, "percentile_log_hr": 99.0, "p_empirical_abs_log_hr": p_null, "n_random_sets": 1000,
        "log_hr_adj_proliferation": log_hr, "percentile_log_hr_adj_proliferation": 97.0,
        "p_empirical_abs_log_hr_adj_proliferation": p_null_adj,
        "r_sample_mean_z": offset_r, "offset_warning": offset_r >= 0.5, "log_hr_adj_sample_mean_z": log_hr,
        "percentile_log_hr_adj_sample_mean_z": 90.0, "p_empirical_abs_log_hr_adj_sample_mean_z": p_null_offset,
    }])
    model = {"hr": 1.5, "hr_ci_low": adjusted_low, "hr_ci_high": 2.0}
    models = pd.DataFrame([
        KEY | {"model": "univariable", "status": "fitted", "ph_p_score": 0.01 if ph_violated else 0.5, "ph_violated": ph_violated} | model,
        KEY | {"model": "proliferation", "status": "fitted", "ph_p_score": 0.5, "ph_violated": False} | model,
        KEY | {"model": "metastasis", "status": "fitted", "ph_p_score": 0.5, "ph_violated": False} | model,
        KEY | {"model": "clinical", "status": "refused: 5.0 events per variable < 10", "ph_p_score": np.nan, "ph_violated": np.nan} | model,
    ])
    return cox, null, models


def two_cohorts(**kwargs):
    a, b = tables(**kwargs), tables(**kwargs)
    meta = pd.DataFrame([KEY | {"pooled_hr": 1.5, "pooled_hr_ci_low": 1.2, "pooled_hr_ci_high": 1.9, "i2": 0.0, "events": 80}])
    locked = pd.DataFrame([
        KEY | {"weights": w, "training_cohort": train, "test_cohort": test, "status": "estimated", "hr": 1.4, "hr_ci_low": 1.1,
               "hr_ci_high": 1.8, "p_one_sided_hr_above_1": 0.01}
        for w in ("cox", "pc1") for train, test in (("A", "B"), ("B", "A"))
    ])
    return dict(cox={"A": a[0], "B": b[0]}, null={"A": a[1], "B": b[1]}, models={"A": a[2], "B": b[2]},
                meta=meta, locked=locked)


def answer(table: pd.DataFrame) -> str:
    return table.loc[table["question"] == "answer", "value"].iloc[0]


GOOD = dict(log_hr=0.4, p_null=0.001, p_null_adj=0.01, adjusted_low=1.1, ph_violated=False)


def test_every_criterion_met_answers_yes():
    table = judge(signature="HIF", method="zscore", **two_cohorts(**GOOD))
    assert list(table.columns) == JUDGEMENT_COLUMNS
    assert answer(table).startswith("yes")
    criteria = table[table["question"] != "answer"]
    assert criteria["met"].all() and len(criteria) == 1 + 2 * 6 + 4  # meta, 6 per cohort, 4 locked
    # the questions in order, each cohort's rows in cohort order within a question
    numbers = [int(q.split(" ")[0]) for q in criteria["question"]]
    assert numbers == sorted(numbers) and set(numbers) == {1, 2, 3, 4, 5, 6}
    assert list(criteria.loc[criteria["question"] == "2 beyond random sets", "cohort"]) == ["A", "B"]
    assert answer(table).startswith("yes") and "(mean z-score)" in table["criterion"].iloc[-1]


def test_a_signal_no_better_than_random_sets_answers_no():
    table = judge(signature="HIF", method="zscore", **two_cohorts(**GOOD | {"p_null": 0.3}))
    assert answer(table) == "no (not met: 2 beyond random sets)"


def test_a_refused_multivariable_locked_model_leaves_the_answer_to_the_judged_weights():
    """The locked-score table also holds the multivariable model, refused in small cohorts; the
    "carries over" criterion reads only the weights every signature gets (JUDGED_WEIGHTINGS)."""
    from hif_prognosis.survival.locked import WEIGHTINGS
    from hif_prognosis.survival.judgement import JUDGED_WEIGHTINGS

    assert set(JUDGED_WEIGHTINGS) < set(WEIGHTINGS)
    inputs = two_cohorts(**GOOD)
    refused = KEY | {"weights": "multivariable_cox", "training_cohort": "A", "test_cohort": "B",
                     "status": "refused: 2.3 training events per gene < 10 (the minimum events per variable set in the config)"}
    inputs["locked"] = pd.concat([inputs["locked"], pd.DataFrame([refused])], ignore_index=True)
    table = judge(signature="HIF", method="zscore", **inputs)
    assert answer(table).startswith("yes") and (table["question"] == "5 carries over").sum() == 4


def test_proliferation_and_ph_failures_are_named():
    table = judge(signature="HIF", method="zscore", **two_cohorts(**GOOD | {"adjusted_low": 0.9, "ph_violated": True}))
    assert answer(table).startswith("no (not met: 3 beyond proliferation, 4 beyond clinical risk, 6 proportional hazards")


def test_one_cohort_cannot_establish_the_answer():
    cox, null, models = tables(**GOOD)
    table = judge(signature="HIF", method="zscore", cox={"A": cox}, null={"A": null}, models={"A": models}, meta=None, locked=None)
    assert answer(table) == "not established (not assessable: 5 carries over)"
    # without a meta-analysis the single cohort's interval must exclude 1
    signal = table[table["question"] == "1 signal"].iloc[0]
    assert signal["criterion"].endswith("95% CI excludes 1") and bool(signal["met"])


def test_a_score_that_follows_the_sample_wide_mean_is_judged_adjusted_for_it():
    """The unadjusted null is narrow (p 0.001); adjusted for the sample-wide mean z-score the
    signature no longer stands out (p 0.4): question 2 is not met, and says why."""
    table = judge(signature="HIF", method="zscore", **two_cohorts(**GOOD | {"offset_r": 0.87, "p_null_offset": 0.4}))
    assert answer(table) == "no (not met: 2 beyond random sets)"
    q2 = table[table["question"] == "2 beyond random sets"].iloc[0]
    assert q2["value"].startswith("adjusted for the sample-wide mean z-score (the score follows it, r 0.87)")
    assert "% of random sets with a smaller log HR" in q2["value"] and "at least as far from HR 1" in q2["value"]


def test_missing_estimates_are_not_assessable_not_failed():
    inputs = two_cohorts(**GOOD)
    inputs["locked"].loc[0, ["status", "hr", "p_one_sided_hr_above_1"]] = ["not estimable: no gene of HIF varies in both cohorts", np.nan, np.nan]
    inputs["cox"]["B"].loc[0, ["hr", "hr_ci_low", "log_hr"]] = np.nan
    table = judge(signature="HIF", method="zscore", **inputs)
    assert answer(table) == "not established (not assessable: 1 signal, 5 carries over)"
    locked_row = table[(table["question"] == "5 carries over")].iloc[0]
    assert locked_row["value"] == "not estimable: no gene of HIF varies in both cohorts" and pd.isna(locked_row["met"])


def test_the_null_criteria_state_both_quantities_the_figure_shows():
    """Questions 2 and 3 state the percentile (distance from the null's centre) and the
    empirical p (distance from HR 1 on either side), each with what it measures, and a p at the
    null's resolution as "< 1/n"."""
    table = judge(signature="HIF", method="zscore", **two_cohorts(**GOOD | {"p_null_adj": 1 / 1001}))
    beyond = table[table["question"] == "3 beyond proliferation"]["value"].iloc[0]
    assert beyond.startswith("percentile 97.0 (% of adjusted random sets with a smaller log HR), empirical p < 1/1000")
    second = table[table["question"] == "2 beyond random sets"]["value"].iloc[0]
    assert "percentile 99.0" in second and "empirical p 0.001" in second


def test_each_endpoint_kind_is_answered_over_the_cohorts_recording_it():
    """Cohort A records overall and event-free survival, B overall survival, C recurrence-free
    survival: overall survival is answered over A and B (pooled), event-free survival in A alone,
    recurrence-free in C alone, and the configured joined group over A (event-free) and C."""
    def cohort(*endpoints):
        parts = [tables(**GOOD) for _ in endpoints]
        return [pd.concat([part[i].assign(endpoint=e) for part, e in zip(parts, endpoints, strict=True)], ignore_index=True)
                for i in range(3)]

    a, b, c = cohort("overall_survival", "event_free_survival"), cohort("overall_survival"), cohort("recurrence_free_survival")
    pooled = {"signature": "HIF", "method": "zscore", "pooled_hr": 1.5, "pooled_hr_ci_low": 1.2, "pooled_hr_ci_high": 1.9, "i2": 0.0,
              "events": 80}
    meta = pd.DataFrame([pooled | {"endpoint": e} for e in ("overall_survival", "event_free_or_recurrence_free_survival")])
    table = judge(signature="HIF", method="zscore", cox={"A": a[0], "B": b[0], "C": c[0]}, null={"A": a[1], "B": b[1], "C": c[1]},
                  models={"A": a[2], "B": b[2], "C": c[2]}, meta=meta, locked=None,
                  joined=[["event_free_survival", "recurrence_free_survival"]])
    answers = table[table["question"] == "answer"].set_index("endpoint")
    assert list(answers.index) == ["overall_survival", "event_free_survival", "recurrence_free_survival",
                                   "event_free_or_recurrence_free_survival"]
    assert answers.loc["overall_survival", "criterion"] == "does HIF (mean z-score) predict overall survival?"
    joined = answers.loc["event_free_or_recurrence_free_survival", "criterion"]
    assert joined == "does HIF (mean z-score) predict event-free or recurrence-free survival?"
    signal = table[table["question"] == "1 signal"]
    assert list(signal.loc[signal["endpoint"] == "overall_survival", "cohort"]) == ["all", "A", "B"]  # pooled, then each
    assert list(signal.loc[signal["endpoint"] == "event_free_survival", "cohort"]) == ["A"]  # one cohort: its own CI
    assert list(signal.loc[signal["endpoint"] == "event_free_or_recurrence_free_survival", "cohort"]) == ["all", "A", "C"]
    carried = table[(table["question"] == "5 carries over") & (table["endpoint"] == "recurrence_free_survival")]
    assert carried["value"].tolist() == ["needs two or more cohorts recording this endpoint"]


def test_adding_to_the_fields_models_is_question_seven():
    """Met where the pooled change in C is above 0; not assessable, with the reason, where no
    cohort could estimate it; absent where no comparator is configured."""
    pooled = pd.DataFrame([
        {"comparator": "CINSARC", "endpoint": "os", "k": 2, "hif_adds": False, "status": "pooled",
         "pooled_delta_harrell_c": 0.01, "pooled_delta_harrell_c_ci_low": -0.02, "pooled_delta_harrell_c_ci_high": 0.04,
         "pooled_hif_hr_adj_comparator": 1.1, "pooled_hif_hr_adj_comparator_ci_low": 0.9, "pooled_hif_hr_adj_comparator_ci_high": 1.3},
        {"comparator": "OTHER", "endpoint": "os", "k": 0, "hif_adds": pd.NA, "status": "no cohort estimable (A: refused)"},
    ])
    table = judge(signature="HIF", method="zscore", **two_cohorts(**GOOD), head_to_head=pooled)
    seventh = table[table["question"] == "7 adds to the field's models"]
    assert list(seventh["met"]) == [False, None]
    assert seventh["value"].iloc[0].startswith("change in C +0.010 [-0.020, +0.040] over 2 cohorts; HR adjusted for CINSARC 1.10")
    assert seventh["value"].iloc[1] == "no cohort estimable (A: refused)"
    assert answer(table) == "no (not met: 7 adds to the field's models; not assessable: 7 adds to the field's models)"
    assert "7 adds to the field's models" not in set(judge(signature="HIF", method="zscore", **two_cohorts(**GOOD))["question"])


def test_a_no_says_what_it_rules_out_where_the_events_could_have_told_and_not_enough_events_where_not():
    """No pooled signal: with 80 events (Schoenfeld: HR 1.37 per SD detectable at 80% power) the
    answer is "no" and names the upper limit ruled out; with 20 events (HR 1.87) it is "not
    enough events to tell". A pooled signal failing elsewhere stays a plain "no"."""
    from hif_prognosis.survival.judgement import Reading

    inputs = two_cohorts(**GOOD)
    inputs["meta"] = inputs["meta"].assign(pooled_hr=1.02, pooled_hr_ci_low=0.8, pooled_hr_ci_high=1.3)
    table = judge(signature="HIF", method="zscore", **inputs)
    assert answer(table).startswith("no (no evidence of a higher risk, and HRs per SD above 1.30 ruled out at 95%; "
                                    "80 events detect HR 1.37 per SD at 80% power (Schoenfeld); not met: 1 signal")
    table = judge(signature="HIF", method="zscore", **inputs, reading=Reading(power=0.8, max_detectable_hr=1.3))
    assert answer(table).startswith("not enough events to tell (80 events detect HR 1.37 per SD "
                                    "at 80% power (Schoenfeld), above the bound 1.3 set in the config")
    assert not table.loc[table["question"] == "answer", "met"].iloc[0]
    failing_elsewhere = judge(signature="HIF", method="zscore", **two_cohorts(**GOOD | {"p_null": 0.3}))
    assert answer(failing_elsewhere) == "no (not met: 2 beyond random sets)"
