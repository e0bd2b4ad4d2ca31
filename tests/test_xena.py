import json

import pandas as pd
import pytest

from hif_prognosis import xena
from hif_prognosis.errors import InputError

RELEASE = "TARGET-OS/TARGET_OS_ClinicalData_Discovery_20210520.txt"


def test_primary_sample_rule():
    chosen = xena.primary_samples(
        ["TARGET-40-PAB-01B", "TARGET-40-PAB-01A", "TARGET-40-PAB-06A", "TARGET-40-PAC-02A", "TARGET-40-PAD-01A-01R"],
        "01",
    )
    assert chosen == {"TARGET-40-PAB": "TARGET-40-PAB-01A", "TARGET-40-PAD": "TARGET-40-PAD-01A-01R"}


def test_ensembl_mapping_with_and_without_versions():
    matrix = pd.DataFrame({"s": [1.0, 2.0, 3.0]}, index=["ENSG1.5", "ENSG2.1", "ENSG3.1"])
    probemap = pd.Series(["TP53", "MYC"], index=["ENSG1.5", "ENSG2.9"])
    mapped = xena.ensembl_to_symbols(matrix, probemap, "x")
    assert list(mapped.index) == ["TP53", "MYC"]


def test_real_release_text_export(shared_data):
    release = xena.read_clinical_release(shared_data / RELEASE)
    assert release.shape == (89, 30)
    assert release["TARGET USI"].is_unique
    # Latin-1 fallback keeps the one non-UTF-8 cell readable; cells are trimmed.
    assert release["Therapy"].iloc[0].startswith("MTX/Adria/Ifos/") and not release["Therapy"].iloc[0].endswith(" ")
    assert set(release["Disease at diagnosis"]) == {
        "Non-metastatic (confirmed)", "Non-metastatic (Confirmed)", "Metastatic", "Metastatic (confirmed)",
    }


def test_release_as_xlsx_equals_text(shared_data, tmp_path):
    text = xena.read_clinical_release(shared_data / RELEASE)
    text.to_excel(tmp_path / "release.xlsx", index=False, engine="openpyxl")
    pd.testing.assert_frame_equal(xena.read_clinical_release(tmp_path / "release.xlsx"), text)


def test_disagreements_on_the_real_files(shared_data):
    release = xena.read_clinical_release(shared_data / RELEASE)
    survival = xena.read_survival(shared_data / "TARGET-OS" / "TARGET-OS.survival.tsv")
    samples = [s for s, p in zip(survival["sample"], survival["_PATIENT"]) if p in set(release["TARGET USI"])]
    raw = xena.xena_raw_clinical(samples, survival, release, sample_type="01", release_patient_column="TARGET USI")
    assert len(raw) == 86
    disagreements = xena.survival_disagreements(raw)
    # SOURCE.md: OS.time equals the release for 80 of 86; 2 release "Dead" are OS = 0 in Xena.
    assert (disagreements["field"] == "OS days").sum() == 6
    events = disagreements[disagreements["field"] == "OS event"]
    assert set(events["patient"]) == {"TARGET-40-PAMJXS", "TARGET-40-PAUXPZ"}
    assert set(events["xena"]) == {"0"} and set(events["release"]) == {"1"}


def test_pick_newest_matching_release():
    hits = {"data": {"hits": [
        {"file_id": "a", "file_name": "TARGET_OS_ClinicalData_Discovery_20170525.xlsx"},
        {"file_id": "b", "file_name": "TARGET_OS_ClinicalData_Discovery_20210520.xlsx", "md5sum": "0f3c"},
        {"file_id": "c", "file_name": "TARGET_OS_ClinicalData_Validation_20220101.xlsx"},
    ]}}
    assert xena.pick_clinical_release(json.dumps(hits), "TARGET_OS_ClinicalData_Discovery_*.xlsx", "x") == (
        "b", "TARGET_OS_ClinicalData_Discovery_20210520.xlsx", "0f3c",
    )
    with pytest.raises(InputError, match="file_pattern"):
        xena.pick_clinical_release(json.dumps(hits), "*.txt", "x")
