"""A GEO series: its series matrix (one per platform where it spans several) and each
platform's table, from GEO's public layout (https://www.ncbi.nlm.nih.gov/geo/info/download.html);
survival and covariates from the samples' characteristics."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import CohortSource, ConfigError, Downloads, RemoteFile, cached_under

MIRROR_HINT = "downloads.mirrors.geo"


def accession_stub(accession: str) -> str:
    """GEO's folder of an accession: its number with the last three digits as ``nnn``."""
    prefix = accession.rstrip("0123456789")
    number = accession[len(prefix):]
    if not prefix or not number:
        raise ConfigError(f"{accession!r} is not a GEO accession such as GSE21257 or GPL10295")
    return f"{prefix}{number[:-3]}nnn"


def series_matrix_name(accession: str, platform: str, several_platforms: bool) -> str:
    """File name of a series matrix: one per platform when the series spans several."""
    stem = f"{accession}-{platform}" if several_platforms else accession
    return f"{stem}_series_matrix.txt.gz"


def series_matrix_url(base: str, accession: str, file_name: str) -> str:
    return f"{base.rstrip('/')}/series/{accession_stub(accession)}/{accession}/matrix/{file_name}"


def platform_url(base: str, platform: str, kind: str) -> str:
    """``soft``: the platform's family SOFT file; ``annot``: GEO's annotation file."""
    name = f"{platform}_family.soft.gz" if kind == "soft" else f"{platform}.annot.gz"
    folder = "soft" if kind == "soft" else "annot"
    return f"{base.rstrip('/')}/platforms/{accession_stub(platform)}/{platform}/{folder}/{name}"


def geo_downloads(cohort: Mapping[str, Any], mirrors: Mapping[str, str]) -> Downloads:
    """``matrices`` and ``platforms`` (cached path -> file), both in the order of ``platforms``."""
    base = mirrors["geo"]
    matrices, platforms = {}, {}
    for platform in cohort["platforms"]:
        name = series_matrix_name(cohort["accession"], platform, cohort["several_platforms"])
        url = series_matrix_url(base, cohort["accession"], name)
        matrices[cached_under(base, url, "geo")] = RemoteFile(url, "!Series_", MIRROR_HINT)
        url = platform_url(base, platform, cohort["platform_table"])
        platforms[cached_under(base, url, "geo")] = RemoteFile(url, "^", MIRROR_HINT)
    return {"matrices": matrices, "platforms": platforms}


def characteristic_key(key: str) -> str:
    """A characteristic key as the config's keys are matched to it: case and white space ignored,
    since GEO's two renderings (series matrix, family SOFT) and its submitters write one key with
    different case and spacing (``Huvos grade``, ``huvos  grade``). The one rule, before any job
    and where the data are read (hif_prognosis.data.geo)."""
    return "".join(key.split()).casefold()


def series_matrix_keys(path: str) -> dict[str, list[str]]:
    """The characteristic keys of a series matrix's samples (``!Sample_characteristics_ch1``
    cells ``key: value``), each with up to three example values, read from its header only."""
    keys: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        for line in handle:
            if line.startswith("!series_matrix_table_begin"):
                break
            if line.startswith("!Sample_characteristics_ch1"):
                for cell in next(csv.reader([line.rstrip("\r\n")], delimiter="\t"))[1:]:
                    key, sep, value = cell.partition(":")
                    examples = keys.setdefault(key.strip(), []) if sep else []
                    if sep and value.strip() not in examples and len(examples) < 3:
                        examples.append(value.strip())
    return keys


def check_cached_geo_keys(name: str, cohort: Mapping[str, Any], mirrors: Mapping[str, str], configfile: str) -> None:
    """Before any job: where a GEO cohort's series matrix is already downloaded, every
    characteristic key its endpoints and covariates name must be there (case and spacing
    ignored); otherwise a ConfigError names the cohort and lists the keys the series carries,
    with examples. A matrix not yet downloaded is checked in the same way by the job reading it."""
    configured = [
        (f"endpoints.{kind}.{field}", spec[field]) for kind, spec in cohort["endpoints"].items() for field in ("time", "event")
    ] + [(f"covariates.{covariate}.column", spec["column"]) for covariate, spec in cohort.get("covariates", {}).items()]
    for path in geo_downloads(cohort, mirrors)["matrices"]:
        if not Path(path).is_file():
            continue
        keys = series_matrix_keys(path)
        carried = {characteristic_key(key) for key in keys}
        missing = [f"{field}: {key!r}" for field, key in configured if characteristic_key(key) not in carried]
        if missing:
            listing = "; ".join(f"{key!r} (e.g. {', '.join(map(repr, examples))})" for key, examples in keys.items())
            raise ConfigError(
                f"{configfile}: cohort {name}: {path} has no characteristic key for "
                f"{', '.join(missing)}. The series carries: {listing or 'no characteristics at all'}. "
                f"Name one of these under cohorts.{name} in the config (case and spacing do not matter)."
            )


def harmonise(inputs: Mapping[str, Any], cohort: Mapping[str, Any], limits: Any, name: str) -> tuple[Any, Any]:
    from hif_prognosis.data.cohorts import harmonise_geo_cohort

    platforms = dict(zip(cohort["platforms"], inputs["platforms"], strict=True))
    return harmonise_geo_cohort(list(inputs["matrices"]), platforms, cohort, limits)


SOURCE = CohortSource(
    label="a GEO series",
    schema={
        "required": ["accession", "platforms"],
        "properties": {
            "accession": {"type": "string", "pattern": "^GSE[0-9]+$"},
            "platforms": {
                "description": "GPL accessions of the series' samples to use",
                "type": "array", "minItems": 1, "uniqueItems": True,
                "items": {"type": "string", "pattern": "^GPL[0-9]+$"},
            },
            "several_platforms": {
                "description": (
                    "true when the series spans several platforms: GEO then names its matrices "
                    "<GSE>-<GPL>_series_matrix.txt.gz, one per platform"
                ),
                "type": "boolean", "default": False,
            },
            "platform_table": {
                "description": "soft: the platform's family SOFT file; annot: GEO's annotation file",
                "enum": ["soft", "annot"], "default": "soft",
            },
            "platform_symbol_column": {
                "description": "column of the platform table holding gene symbols (auto: first of Symbol, Gene Symbol, Gene symbol, ...)",
                "type": "string", "default": "auto",
            },
        },
    },
    harmonise=harmonise,
    downloads=geo_downloads,
    check=check_cached_geo_keys,
)
