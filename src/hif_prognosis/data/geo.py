"""GEO series: series-matrix and platform-table parsing, probe mapping.

Formats (https://www.ncbi.nlm.nih.gov/geo/info/download.html):
- series matrix: ``!Series_*`` and ``!Sample_*`` header lines (tab-separated, quoted cells),
  repeated ``!Sample_characteristics_ch1`` rows of ``key: value`` cells, then the data table
  between ``!series_matrix_table_begin`` and ``!series_matrix_table_end`` (``ID_REF`` + one
  column per GSM; ``null`` or empty = missing).
- platform SOFT (``GPLxxx_family.soft.gz``) or annotation (``GPLxxx.annot.gz``): the table
  between ``!platform_table_begin`` and ``!platform_table_end``.
"""

from __future__ import annotations

import csv
import gzip
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hif_prognosis.data.sources.geo import characteristic_key
from hif_prognosis.errors import InputError

log = logging.getLogger(__name__)

# Columns that hold gene symbols in GEO platform tables, most specific first.
SYMBOL_COLUMNS = ("Symbol", "Gene Symbol", "Gene symbol", "GENE_SYMBOL", "gene_symbol", "ILMN_Gene")
MISSING_VALUES = ("null", "NULL", "", "NA", "NaN", "nan")


def _lines(path: str | Path) -> Iterator[str]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:  # type: ignore[operator]
        for line in handle:
            yield line.rstrip("\r\n")


def _cells(line: str) -> list[str]:
    return next(csv.reader([line], delimiter="\t", quotechar='"'))


@dataclass(frozen=True)
class SeriesMatrix:
    """One parsed series-matrix file."""

    accession: str
    platform: str
    samples: pd.DataFrame  # one row per GSM: geo_accession, title, source, characteristics
    values: pd.DataFrame  # probes (index ID_REF) x GSM


def _characteristics(rows: Sequence[list[str]], n_samples: int) -> dict[str, list[str]]:
    """``key: value`` cells of the repeated characteristics rows, one column per key."""
    columns: dict[str, list[str]] = {}
    for row_number, row in enumerate(rows, start=1):
        for sample, cell in enumerate(row):
            if not cell.strip():
                continue
            key, sep, value = cell.partition(":")
            key = key.strip() if sep else f"characteristics_ch1_{row_number}"
            value = value.strip() if sep else cell.strip()
            column = columns.setdefault(key, [""] * n_samples)
            column[sample] = f"{column[sample]}; {value}" if column[sample] else value
    return columns


def read_series_matrix(path: str | Path) -> SeriesMatrix:
    """Parse a series-matrix file (gzip or plain)."""
    header: dict[str, list[str]] = {}
    characteristics: list[list[str]] = []
    table_lines: list[str] = []
    in_table = ended = False
    for line in _lines(path):
        if line.startswith("!series_matrix_table_begin"):
            in_table = True
        elif line.startswith("!series_matrix_table_end"):
            ended = True
            break
        elif in_table:
            table_lines.append(line)
        elif line.startswith("!"):
            cells = _cells(line)
            key, per_sample = cells[0].lstrip("!"), cells[1:]
            if key == "Sample_characteristics_ch1":
                characteristics.append(per_sample)
            else:
                header.setdefault(key, per_sample)
    if not (in_table and ended):
        raise InputError(
            f"{path}: not a complete GEO series matrix (no !series_matrix_table_begin/_end); "
            "the download may be truncated: delete the file and rerun."
        )
    gsm = header.get("Sample_geo_accession", [])
    if not gsm:
        raise InputError(f"{path}: no !Sample_geo_accession line; is this a series matrix?")
    n = len(gsm)
    samples = pd.DataFrame(
        {
            "geo_accession": gsm,
            "title": header.get("Sample_title", [""] * n),
            "source_name_ch1": header.get("Sample_source_name_ch1", [""] * n),
        }
        | _characteristics(characteristics, n)
    )
    platform_ids = set(header.get("Sample_platform_id", []))
    platform = platform_ids.pop() if len(platform_ids) == 1 else ""
    rows = [_cells(line) for line in table_lines if line]
    columns, data = rows[0], rows[1:]
    values = pd.DataFrame([r[1:] for r in data], index=[r[0] for r in data], columns=columns[1:])
    values = values.replace(list(MISSING_VALUES), np.nan).apply(pd.to_numeric, errors="coerce")
    values.index.name = "ID_REF"
    missing_samples = sorted(set(gsm) - set(values.columns))
    if missing_samples:
        raise InputError(f"{path}: samples {missing_samples[:5]} have no column in the data table")
    accession = (header.get("Series_geo_accession") or [""])[0]
    return SeriesMatrix(accession=accession, platform=platform, samples=samples, values=values[gsm])


def with_configured_keys(samples: pd.DataFrame, configured: Sequence[str], source: str) -> pd.DataFrame:
    """``samples`` with each characteristic column that a configured key names (by
    :func:`characteristic_key`) renamed to the key as configured. Two columns answering to one
    configured key are an error naming both; a key no column answers to is left for the
    column check, which lists every key the series carries."""
    renames: dict[str, str] = {}
    for wanted in dict.fromkeys(configured):
        found = [c for c in samples.columns if characteristic_key(c) == characteristic_key(wanted)]
        if len(found) > 1:
            raise InputError(
                f"{source}: the configured key {wanted!r} matches several characteristic keys "
                f"{found}, which differ only in case or spacing; the series holds two fields, and "
                "which one is meant cannot be told. Merge them in a local copy of the cohort."
            )
        if found and found[0] != wanted:
            renames[found[0]] = wanted
    if renames:
        log.info("%s: characteristic keys matched ignoring case and spacing: %s", source, renames)
    return samples.rename(columns=renames)


def read_platform_table(path: str | Path) -> pd.DataFrame:
    """The platform table of a GPL family SOFT or annotation file, as text."""
    lines: list[str] = []
    in_table = False
    for line in _lines(path):
        if line.startswith("!platform_table_begin"):
            in_table = True
        elif line.startswith("!platform_table_end"):
            break
        elif in_table:
            lines.append(line)
    if not lines:
        raise InputError(f"{path}: no platform table (!platform_table_begin) found")
    rows = [line.split("\t") for line in lines]
    width = len(rows[0])
    table = pd.DataFrame([r + [""] * (width - len(r)) for r in rows[1:]], columns=rows[0])
    return table.astype(str)


def symbol_column(platform: pd.DataFrame, configured: str, source: str) -> str:
    """The configured symbol column, or the first known one present for ``auto``."""
    if configured != "auto":
        if configured not in platform.columns:
            raise InputError(
                f"{source}: platform table has no column {configured!r}; it has "
                f"{list(platform.columns)}. Set the cohort's platform_symbol_column."
            )
        return configured
    for candidate in SYMBOL_COLUMNS:
        if candidate in platform.columns:
            return candidate
    raise InputError(
        f"{source}: no gene-symbol column found among {list(platform.columns)}; "
        "set the cohort's platform_symbol_column to the right one."
    )


def probes_to_genes(
    values: pd.DataFrame, platform: pd.DataFrame, symbols: str, source: str
) -> pd.DataFrame:
    """Relabel probe rows with gene symbols.

    Probes without a symbol are dropped; a probe annotated to several genes (``A /// B``)
    gives one row per gene. Rows keep their probe order; duplicates are collapsed later.
    """
    if "ID" not in platform.columns:
        raise InputError(f"{source}: platform table has no ID column")
    annotation = platform.set_index("ID")[symbols].str.strip()
    annotation = annotation[~annotation.index.duplicated()]
    mapped = annotation.reindex(values.index.astype(str)).fillna("")
    genes = mapped.str.split("///").map(lambda parts: [p.strip() for p in parts if p.strip() not in ("", "---")])
    exploded = genes.explode().dropna()
    n_probes, n_with_symbol = len(values), int((genes.str.len() > 0).sum())
    log.info(
        "%s: %d of %d probes carry a gene symbol (column %r); %d probe-gene rows after "
        "splitting multi-gene annotations",
        source, n_with_symbol, n_probes, symbols, len(exploded),
    )
    if exploded.empty:
        raise InputError(
            f"{source}: no probe of the series matrix matches a platform ID with a symbol; "
            "is the platform right?"
        )
    matrix = values.loc[exploded.index]
    matrix.index = pd.Index(exploded.to_numpy(dtype=str), name="gene_symbol")
    return matrix
