"""The real follow-up of two osteosarcoma cohorts in ../shared, with their ties and covariates:
GSE21257 from its GEO sample annotations (whole months) and TARGET-OS from its clinical release
(days). Used by the tests and by benchmarks/r_agreement.py; no expression matrix of either is
available offline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def gse21257_follow_up(shared_data: Path) -> pd.DataFrame:
    """53 patients, 23 deaths: ``time`` (months), ``event``, ``age`` (years), ``metastasis``
    (at diagnosis, 1/0), ``male`` (1/0)."""
    raw = pd.read_csv(shared_data / "GSE21257" / "GSE21257_OS_SanmleInfo_GPL10295.txt", sep="\t")
    return pd.DataFrame({
        "time": raw["times"].astype(float),
        "event": (raw["STATUS"] == "Deceased").astype(float),
        "age": raw["1:AGE"].str.extract(r"(\d+)")[0].astype(float) / 12,
        "metastasis": (raw["1:GROUP"] == "Metastases present at diagnosis").astype(float),
        "male": (raw["1:GENDER"] == "M").astype(float),
    })


def target_os_follow_up(shared_data: Path) -> pd.DataFrame:
    """The 87 patients with a follow-up time, in the columns of ``gse21257_follow_up``."""
    raw = pd.read_csv(
        shared_data / "TARGET-OS" / "TARGET_OS_ClinicalData_Discovery_20210520.txt", sep="\t", encoding="latin-1"
    ).dropna(subset=["Overall Survival Time in Days", "Vital Status"])
    return pd.DataFrame({
        "time": raw["Overall Survival Time in Days"].astype(float) / (365.25 / 12),
        "event": (raw["Vital Status"] == "Dead").astype(float),
        "age": raw["Age at Diagnosis in Days"].astype(float) / 365.25,
        "metastasis": raw["Disease at diagnosis"].str.lower().str.startswith("metastatic").astype(float),
        "male": (raw["Gender"] == "Male").astype(float),
    }).reset_index(drop=True)
