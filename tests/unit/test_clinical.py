import numpy as np
import pandas as pd
import pytest

from hif_prognosis.data.clinical import Endpoint, endpoint_data, harmonise_clinical, match_samples, read_clinical_table
from hif_prognosis.errors import InputError


def endpoint(**overrides) -> Endpoint:
    spec = {"time": "t", "event": "e", "time_unit": "days"} | overrides
    return Endpoint.from_config("os", spec)


def test_days_convert_to_months_and_text_events_code_to_one():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "t": ["365.25", "30", ""], "e": ["Dead", "Alive", "Dead"]})
    table = harmonise_clinical(raw, "id", [endpoint(event_values=["Dead"], censored_values=["Alive"])], "clin.tsv")
    assert table["os_months"].tolist()[:2] == pytest.approx([12.0, 30 * 12 / 365.25])
    assert np.isnan(table["os_months"].iloc[2])
    assert table["os_event"].tolist() == [1, 0, 1]


@pytest.mark.parametrize("unit, months", [("weeks", 12 * 7 / 365.25), ("months", 1.0), ("years", 12.0)])
def test_time_units(unit, months):
    raw = pd.DataFrame({"id": ["a"], "t": ["1"], "e": ["0"]})
    table = harmonise_clinical(raw, "id", [endpoint(time_unit=unit)], "clin.tsv")
    assert table["os_months"].iloc[0] == pytest.approx(months)


def test_event_values_outside_zero_one_need_event_values():
    raw = pd.DataFrame({"id": ["a", "b"], "t": ["1", "2"], "e": ["Dead", "Alive"]})
    with pytest.raises(InputError, match=r"clin\.tsv.*'e'.*event_values"):
        harmonise_clinical(raw, "id", [endpoint()], "clin.tsv")


def test_missing_event_stays_missing():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "t": ["1", "2", "3"], "e": ["1", "NA", ""]})
    table = harmonise_clinical(raw, "id", [endpoint()], "clin.tsv")
    assert table["os_event"].isna().tolist() == [False, True, True]


def test_negative_or_text_times_are_errors():
    raw = pd.DataFrame({"id": ["a"], "t": ["-3"], "e": ["1"]})
    with pytest.raises(InputError, match="negative"):
        harmonise_clinical(raw, "id", [endpoint()], "clin.tsv")
    raw["t"] = ["about 3"]
    with pytest.raises(InputError, match="about 3"):
        harmonise_clinical(raw, "id", [endpoint()], "clin.tsv")


def test_missing_column_named_with_its_config_field():
    raw = pd.DataFrame({"id": ["a"], "t": ["1"], "e": ["1"]})
    with pytest.raises(InputError, match=r"endpoints\.os\.time: 'os_days'"):
        harmonise_clinical(raw, "id", [endpoint(time="os_days")], "clin.tsv")


def test_duplicate_sample_ids_are_errors():
    raw = pd.DataFrame({"id": ["a", "a"], "t": ["1", "2"], "e": ["1", "0"]})
    with pytest.raises(InputError, match="not unique"):
        harmonise_clinical(raw, "id", [endpoint()], "clin.tsv")


def test_match_samples_keeps_intersection_in_expression_order():
    matrix = pd.DataFrame(np.ones((2, 3)), columns=["s3", "s1", "s9"])
    clinical = pd.DataFrame({"sample_id": ["s1", "s2", "s3"], "os_months": [1.0, 2.0, 3.0]})
    kept_matrix, kept_clinical, match = match_samples(matrix, clinical)
    assert list(kept_matrix.columns) == ["s3", "s1"]
    assert kept_clinical["sample_id"].tolist() == ["s3", "s1"]
    assert match.expression_only == ["s9"] and match.clinical_only == ["s2"]
    assert "dropped 1 with expression but no clinical row" in match.describe()


def test_match_samples_with_nothing_shared_is_an_error():
    matrix = pd.DataFrame(np.ones((1, 1)), columns=["x"])
    with pytest.raises(InputError, match="sample_id_column"):
        match_samples(matrix, pd.DataFrame({"sample_id": ["y"]}))


def test_endpoint_data_drops_unknown(tmp_path):
    clinical = pd.DataFrame(
        {"sample_id": ["a", "b", "c"], "os_months": [1.0, np.nan, 3.0], "os_event": [1, 0, np.nan]}
    )
    data = endpoint_data(clinical, "os")
    assert data.index.tolist() == ["a"]


def test_real_gse4335_clinical(shared_data):
    raw = read_clinical_table(shared_data / "local-cohorts" / "GSE4335" / "clinical.tsv")
    ep = Endpoint.from_config("os", {"time": "os_months", "event": "os_event", "time_unit": "months"})
    table = harmonise_clinical(raw, "sample_id", [ep], "clinical.tsv")
    assert len(table) == 115 and table["os_event"].sum() == 38
    assert table["os_months"].between(3, 120).all()


def test_censored_values_make_unexpected_codes_errors():
    raw = pd.DataFrame({"id": list("abcd"), "t": ["1", "2", "3", "4"], "e": ["Relapse", "Censored", "", "Lost"]})
    ep = endpoint(event_values=["Relapse", "Death"], censored_values=["Censored", ""])
    with pytest.raises(InputError, match=r"neither event_values \['Relapse', 'Death'\] nor censored_values \['Censored', ''\]: 'Lost' \(1\)"):
        harmonise_clinical(raw, "id", [ep], "clin.tsv")
    raw["e"] = ["relapse", "CENSORED", "", "NA"]
    table = harmonise_clinical(raw, "id", [ep], "clin.tsv")
    assert table["os_event"].tolist()[:3] == [1, 0, 0] and pd.isna(table["os_event"].iloc[3])


def test_time_inside_text_with_a_pattern():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "s": ["Deceased after 27 months", "Alive at 3.5 months", ""]})
    ep = Endpoint.from_config(
        "os", {"time": "s", "event": "s", "time_unit": "months", "time_pattern": r"(\d+(?:\.\d+)?) months",
               "event_values": ["Deceased*"], "censored_values": ["Alive*"]},
    )
    table = harmonise_clinical(raw, "id", [ep], "clin.tsv")
    assert table["os_months"].tolist()[:2] == [27.0, 3.5] and np.isnan(table["os_months"].iloc[2])
    assert table["os_event"].tolist()[:2] == [1, 0]
    raw.loc[0, "s"] = "Deceased"
    with pytest.raises(InputError, match="finds no time in \\['Deceased'\\]"):
        harmonise_clinical(raw, "id", [ep], "clin.tsv")


def test_numbers_with_unit_words_must_agree_with_the_unit():
    raw = pd.DataFrame({"id": ["a", "b"], "t": ["174 months", "12"], "e": ["1", "0"]})
    table = harmonise_clinical(raw, "id", [endpoint(time_unit="months")], "clin.tsv")
    assert table["os_months"].tolist() == [174.0, 12.0]
    with pytest.raises(InputError, match="another unit"):
        harmonise_clinical(raw, "id", [endpoint(time_unit="days")], "clin.tsv")


def test_covariates_map_patterns_and_convert_age():
    from hif_prognosis.data.clinical import Covariate

    raw = pd.DataFrame({
        "id": ["a", "b", "c", "d"], "t": ["1"] * 4, "e": ["0"] * 4,
        "dx": ["Metastatic (confirmed)", "Non-metastatic (Confirmed)", "non-metastatic (confirmed)", ""],
        "age": ["3652.5", "7305", "", "365.25"],
    })
    covariates = [
        Covariate.from_config("metastasis_at_diagnosis", {"column": "dx", "values": {"yes": ["Metastatic*"], "no": ["Non-metastatic*"]}}),
        Covariate.from_config("age_years", {"column": "age", "unit": "days"}),
    ]
    table = harmonise_clinical(raw, "id", [endpoint()], "clin.tsv", covariates=covariates)
    assert table["metastasis_at_diagnosis"].tolist()[:3] == ["yes", "no", "no"]
    assert pd.isna(table["metastasis_at_diagnosis"].iloc[3])
    assert table["age_years"].tolist()[:2] == pytest.approx([10.0, 20.0])
    raw.loc[3, "dx"] = "Unclear"
    with pytest.raises(InputError, match=r"metastasis_at_diagnosis.*\['Unclear'\]"):
        harmonise_clinical(raw, "id", [endpoint()], "clin.tsv", covariates=covariates)


def test_missing_column_error_lists_columns_with_examples():
    raw = pd.DataFrame({"id": ["a"], "status": ["Deceased after 27 months"], "e": ["1"]})
    with pytest.raises(InputError, match=r"'status' \(e\.g\. 'Deceased after 27 months'\)"):
        harmonise_clinical(raw, "id", [endpoint(time="follow-up")], "GEO characteristics")


def test_unmatched_event_labels_are_an_error_with_counts_not_censored():
    """A 'Died' beside 'Dead' would silently lose those deaths if counted as censored."""
    raw = pd.DataFrame({"id": list("abcdef"), "t": list("123456"), "e": ["Dead", "Died", "Died", "Alive", "alive", "Dead"]})
    with pytest.raises(InputError) as caught:
        harmonise_clinical(raw, "id", [endpoint(event_values=["Dead"])], "clin.tsv")
    message = str(caught.value)
    assert message.startswith("clin.tsv: event column 'e' of endpoint 'os' holds values matching neither")
    assert "'Died' (2), 'Alive' (1), 'alive' (1)" in message and "unmatched_values: censored" in message
    fixed = harmonise_clinical(raw, "id", [endpoint(event_values=["Dead", "Died"], censored_values=["Alive"])], "clin.tsv")
    assert fixed["os_event"].tolist() == [1, 1, 1, 0, 0, 1]
    lenient = harmonise_clinical(raw, "id", [endpoint(event_values=["Dead"], unmatched_values="censored")], "clin.tsv")
    assert lenient["os_event"].tolist() == [1, 0, 0, 0, 0, 1]


@pytest.mark.parametrize("times, events, limits, message", [
    (list(range(1, 31)), [0] * 30, {}, "has 0 events among 30 samples"),
    (list(range(1, 31)), [1] * 4 + [0] * 26, {}, "has 4 events among 30 samples"),
    (list(range(1, 31)), [1] * 4 + [0] * 26, {"min_events": 4}, None),
    ([12.0] * 30, [1, 0] * 15, {}, "every sample has the same follow-up time (12 months)"),
    ([0.0] * 30, [1, 0] * 15, {}, "every sample has the same follow-up time (0 months)"),
    (list(range(1, 11)), [1, 0] * 5, {}, "has 10 samples with a known time and event status"),
    (list(range(1, 11)), [1, 0] * 5, {"min_samples": 10, "min_events": 5}, None),
])
def test_degenerate_endpoints_stop_the_harmonise_step(times, events, limits, message):
    from hif_prognosis.data.clinical import EndpointLimits, check_endpoints

    ids = [f"s{i}" for i in range(len(times))]
    raw = pd.DataFrame({"id": ids, "t": [str(t) for t in times], "e": [str(e) for e in events]})
    ep = endpoint(time_unit="months")
    clinical = harmonise_clinical(raw, "id", [ep], "clin.tsv")
    if message is None:
        check_endpoints(clinical, [ep], EndpointLimits(**limits), "clin.tsv")
        return
    with pytest.raises(InputError) as caught:
        check_endpoints(clinical, [ep], EndpointLimits(**limits), "clin.tsv")
    assert str(caught.value).startswith("clin.tsv: endpoint 'os' (time column 't', event column 'e')")
    assert message in str(caught.value)
