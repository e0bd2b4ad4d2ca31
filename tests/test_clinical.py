import numpy as np
import pandas as pd
import pytest

from hif_prognosis.clinical import (
    Endpoint,
    endpoint_data,
    harmonise_clinical,
    match_samples,
    read_clinical_table,
)
from hif_prognosis.errors import InputError


def endpoint(**overrides) -> Endpoint:
    spec = {"time": "t", "event": "e", "time_unit": "days"} | overrides
    return Endpoint.from_config("os", spec)


def test_days_convert_to_months_and_text_events_code_to_one():
    raw = pd.DataFrame({"id": ["a", "b", "c"], "t": ["365.25", "30", ""], "e": ["Dead", "Alive", "Dead"]})
    table = harmonise_clinical(raw, "id", [endpoint(event_values=["Dead"])], "clin.tsv")
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
