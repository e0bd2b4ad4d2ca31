"""TARGET/GDC cohorts from the UCSC Xena GDC hub, with the TARGET clinical release table.

Xena GDC hub files (https://gdc-hub.s3.us-east-1.amazonaws.com/download/<name>):
- ``<project>.star_tpm.tsv.gz``: ``Ensembl_ID`` (versioned) x sample barcodes, log2(TPM + 1);
- ``gencode.v36.annotation.gtf.gene.probemap``: ``id, gene, chrom, chromStart, chromEnd, strand``;
- ``<project>.survival.tsv.gz``: ``sample, OS, _PATIENT, OS.time`` (OS.time in days).
The TARGET clinical release (``TARGET_OS_ClinicalData_Discovery_*.xlsx``) is a GDC Clinical
Supplement file, found through the GDC API files endpoint.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from hif_prognosis.data.download import fetch
from hif_prognosis.errors import InputError

log = logging.getLogger(__name__)

SURVIVAL_COLUMNS = ["sample", "OS", "_PATIENT", "OS.time"]
# TARGET barcode: TARGET-<project>-<patient>-<sample type><vial>[-<portion>...]
BARCODE = re.compile(r"^(TARGET-\d+-[A-Z0-9]+)-(\d{2})([A-Z]?)")


def read_xena_matrix(path: str | Path) -> pd.DataFrame:
    """A Xena genomic matrix: first column identifiers, one column per sample."""
    matrix = pd.read_csv(path, sep="\t", index_col=0)
    matrix.index = matrix.index.astype(str)
    return matrix.astype(float)


def read_probemap(path: str | Path) -> pd.Series:
    probemap = pd.read_csv(path, sep="\t", dtype=str)
    if not {"id", "gene"} <= set(probemap.columns):
        raise InputError(f"{path}: expected a Xena probemap with columns id and gene")
    return probemap.drop_duplicates("id").set_index("id")["gene"]


def ensembl_to_symbols(
    matrix: pd.DataFrame, probemap: pd.Series, source: str, probemap_source: str = "the probe map"
) -> pd.DataFrame:
    """Relabel Ensembl rows with gene symbols; IDs are matched with their version, or without
    it when the versions differ. Unmapped rows are dropped (and counted in the log)."""
    symbols = probemap.reindex(matrix.index)
    unversioned = probemap.copy()
    unversioned.index = unversioned.index.str.split(".").str[0]
    unversioned = unversioned[~unversioned.index.duplicated()]
    fallback = unversioned.reindex(matrix.index.str.split(".").str[0])
    symbols = symbols.fillna(pd.Series(fallback.to_numpy(), index=matrix.index))
    mapped = symbols.notna() & (symbols.str.strip() != "")
    log.info("%s: %d of %d Ensembl IDs map to a gene symbol", source, int(mapped.sum()), len(matrix))
    if not mapped.any():
        raise InputError(f"{source}: no Ensembl ID maps to a symbol through {probemap_source}")
    result = matrix[mapped.to_numpy()]
    result.index = pd.Index(symbols[mapped].str.strip().to_numpy(dtype=str), name="gene_symbol")
    return result


def primary_samples(barcodes: list[str], sample_type: str) -> dict[str, str]:
    """Patient -> the one sample of ``sample_type`` (01 = primary tumour) kept for it.

    Rule: among a patient's samples of that type, the first in sorted barcode order, i.e. the
    lowest vial letter (01A before 01B) and then the lowest portion/analyte code.
    """
    chosen: dict[str, str] = {}
    for barcode in sorted(barcodes):
        match = BARCODE.match(barcode)
        if match and match.group(2) == sample_type:
            chosen.setdefault(match.group(1), barcode)
    return chosen


def read_survival(path: str | Path) -> pd.DataFrame:
    table = pd.read_csv(path, sep="\t", dtype=str)
    missing = [c for c in SURVIVAL_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"{path}: Xena survival table lacks columns {missing}")
    return table[SURVIVAL_COLUMNS]


def read_clinical_release(path: str | Path) -> pd.DataFrame:
    """The TARGET clinical release: the GDC .xlsx, or its tab-separated text export.

    Text exports come with Windows line ends and non-UTF-8 bytes: they are read as UTF-8 when
    valid, else as Latin-1 (which maps every byte), and cells are trimmed.
    """
    path = Path(path)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":  # xlsx is a zip archive
        # keep_default_na=False: cells such as "None" stay text, as in the text export.
        table = pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
    else:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            log.info("%s: not valid UTF-8; read as Latin-1", path)
            text = raw.decode("latin-1")
        rows = [line.split("\t") for line in text.replace("\r\n", "\n").split("\n") if line]
        width = len(rows[0])
        table = pd.DataFrame([r + [""] * (width - len(r)) for r in rows[1:]], columns=rows[0])
    table.columns = pd.Index([str(c).strip() for c in table.columns])
    return table.fillna("").astype(str).apply(lambda column: column.str.strip())


def gdc_clinical_query(api_base: str, project: str) -> str:
    """GDC files-endpoint URL listing a project's open clinical supplement files."""
    filters = {
        "op": "and",
        "content": [
            {"op": "in", "content": {"field": "cases.project.project_id", "value": [project]}},
            {"op": "in", "content": {"field": "data_category", "value": ["Clinical"]}},
            {"op": "in", "content": {"field": "data_type", "value": ["Clinical Supplement"]}},
            {"op": "in", "content": {"field": "access", "value": ["open"]}},
        ],
    }
    query = urlencode(
        {"filters": json.dumps(filters), "fields": "file_id,file_name,md5sum", "format": "JSON", "size": "1000"}
    )
    return f"{api_base.rstrip('/')}/files?{query}"


def pick_clinical_release(hits_json: str, pattern: str, source: str) -> tuple[str, str, str | None]:
    """(file_id, file_name, md5sum or None) of the newest file whose name matches ``pattern``
    (by name order, which for TARGET's ``*_YYYYMMDD.xlsx`` names is date order)."""
    hits = json.loads(hits_json).get("data", {}).get("hits", [])
    matching = sorted(
        (h["file_name"], h["file_id"], h.get("md5sum")) for h in hits
        if fnmatch.fnmatchcase(h.get("file_name", ""), pattern)
    )
    if not matching:
        names = sorted(h.get("file_name", "") for h in hits)[:10]
        raise InputError(
            f"{source}: the GDC lists no clinical file matching {pattern!r} (found {names}); "
            "set the cohort's clinical_release.file_pattern, or clinical_release.url."
        )
    name, file_id, md5 = matching[-1]
    return file_id, name, md5


def fetch_clinical_release(
    release: Mapping[str, Any],
    project: str,
    api_base: str,
    release_path: str | Path,
    listing_path: str | Path,
    **download: Any,
) -> tuple[str, str, str | None]:
    """Download a GDC project's clinical release: from the URL the config gives
    (``clinical_release.url``), else the newest open Clinical Supplement whose name matches
    ``clinical_release.file_pattern``, found through the GDC API files endpoint (listing kept
    at ``listing_path``) and checked against its published md5. Returns (name, URL, md5)."""
    if "url" in release:
        url, name, md5 = release["url"], release["url"].rsplit("/", 1)[-1], None
        Path(listing_path).write_text(json.dumps({"configured_url": url}) + "\n")
    else:
        fetch(gdc_clinical_query(api_base, project), listing_path, expected_start="{", **download)
        file_id, name, md5 = pick_clinical_release(Path(listing_path).read_text(), release["file_pattern"], str(listing_path))
        url = f"{api_base.rstrip('/')}/data/{file_id}"
    fetch(url, release_path, md5=md5, **download)
    return name, url, md5


def xena_raw_clinical(
    expression_samples: list[str],
    survival: pd.DataFrame,
    release: pd.DataFrame,
    *,
    sample_type: str,
    release_patient_column: str,
) -> pd.DataFrame:
    """One row per kept primary sample: ``sample``, ``_PATIENT``, Xena ``OS``/``OS.time``, and
    the patient's clinical-release columns (empty where the release lacks the patient)."""
    chosen = primary_samples(expression_samples, sample_type)
    dropped = sorted(set(expression_samples) - set(chosen.values()))
    log.info(
        "kept %d samples of type %s (one per patient, first barcode in sorted order); "
        "left out %d other samples: %s",
        len(chosen), sample_type, len(dropped), dropped[:20],
    )
    if release_patient_column not in release.columns:
        raise InputError(
            f"clinical release has no column {release_patient_column!r}; it has "
            f"{list(release.columns)[:12]}..."
        )
    by_patient = survival.drop_duplicates("_PATIENT").set_index("_PATIENT")[["OS", "OS.time"]]
    per_sample = survival.set_index("sample")[["OS", "OS.time"]]
    rows = []
    for patient, sample in chosen.items():
        survival_row = per_sample.loc[sample] if sample in per_sample.index else by_patient.reindex([patient]).iloc[0]
        rows.append({"sample": sample, "_PATIENT": patient, "OS": survival_row["OS"], "OS.time": survival_row["OS.time"]})
    raw = pd.DataFrame(rows, columns=["sample", "_PATIENT", "OS", "OS.time"]).fillna("")
    release = release.drop_duplicates(release_patient_column)
    merged = raw.merge(release, how="left", left_on="_PATIENT", right_on=release_patient_column)
    unmatched = merged[release_patient_column].isna().sum()
    log.info(
        "%d of %d kept patients are in the clinical release; %d are not (their release fields "
        "are missing)", len(merged) - unmatched, len(merged), unmatched,
    )
    return merged.fillna("")


# Clinical-release columns that restate Xena's survival fields.
RELEASE_OS_DAYS = "Overall Survival Time in Days"
RELEASE_VITAL_STATUS = "Vital Status"


def survival_disagreements(raw: pd.DataFrame) -> pd.DataFrame:
    """Patients whose Xena survival (``OS.time``, ``OS``) differs from the clinical release
    (overall survival days, vital status Dead = 1 / Alive = 0). Missing on either side is not a
    disagreement. Columns: ``patient, field, xena, release``."""
    rows = []
    vital = {"dead": "1", "alive": "0"}
    for _, row in raw.iterrows():
        pairs = []
        if RELEASE_OS_DAYS in raw.columns:
            pairs.append(("OS days", str(row["OS.time"]), str(row[RELEASE_OS_DAYS])))
        if RELEASE_VITAL_STATUS in raw.columns:
            release_status = str(row[RELEASE_VITAL_STATUS]).strip()
            pairs.append(("OS event", str(row["OS"]), vital.get(release_status.lower(), release_status)))
        for field, xena_value, release_value in pairs:
            xena_value, release_value = xena_value.strip(), release_value.strip()
            if not xena_value or not release_value:
                continue
            try:
                same = float(xena_value) == float(release_value)
            except ValueError:
                same = xena_value.lower() == release_value.lower()
            if not same:
                rows.append({"patient": row["_PATIENT"], "field": field, "xena": xena_value, "release": release_value})
    return pd.DataFrame(rows, columns=["patient", "field", "xena", "release"])
