import json

import pandas as pd
import pytest

from hif_prognosis.data import xena
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


def test_fetch_clinical_release_finds_the_newest_file_and_checks_its_md5(tmp_path):
    """Through the GDC API files endpoint (loopback mirror): the newest matching release is
    fetched and its published md5 checked; a configured URL is fetched as given."""
    import hashlib

    from hif_prognosis.data.download import DownloadError, DownloadSettings
    from support.mirror import Mirror

    body = b"TARGET USI\tVital Status\nTARGET-40-PAKZZK\tAlive\n"
    fast = {"settings": DownloadSettings(timeout_seconds=1, connect_timeout_seconds=1, retries=1, backoff_seconds=0.01)}
    with Mirror() as mirror:
        hits = {"data": {"hits": [
            {"file_id": "old", "file_name": "TARGET_OS_ClinicalData_Discovery_20170525.txt"},
            {"file_id": "new", "file_name": "TARGET_OS_ClinicalData_Discovery_20210520.txt", "md5sum": hashlib.md5(body).hexdigest()},
        ]}}
        mirror.add("/gdc/files", json.dumps(hits).encode())
        mirror.add("/gdc/data/new", body)
        release, listing = tmp_path / "release", tmp_path / "listing.json"
        spec = {"file_pattern": "TARGET_OS_ClinicalData_Discovery_*.txt"}
        name, url, md5 = xena.fetch_clinical_release(spec, "TARGET-OS", f"{mirror.url}/gdc", release, listing, **fast)
        assert (name, url) == ("TARGET_OS_ClinicalData_Discovery_20210520.txt", f"{mirror.url}/gdc/data/new")
        assert release.read_bytes() == body and md5 == hashlib.md5(body).hexdigest()
        mirror.add("/gdc/data/new", body + b"changed\n")  # no longer the published file
        with pytest.raises(DownloadError, match="md5 checksum"):
            xena.fetch_clinical_release(spec, "TARGET-OS", f"{mirror.url}/gdc", tmp_path / "again", listing, **fast)
        assert not (tmp_path / "again").exists()
        configured = {"url": mirror.add("/somewhere/release.txt", body)}
        assert xena.fetch_clinical_release(configured, "TARGET-OS", "unused", tmp_path / "r2", listing, **fast)[:2] == (
            "release.txt", configured["url"],
        )
        assert json.loads(listing.read_text()) == {"configured_url": configured["url"]}
