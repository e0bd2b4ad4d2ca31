"""Checks of a schema-valid config that need the file system, run before any job starts."""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hif_prognosis.clinical import check_columns
from hif_prognosis.errors import InputError
from hif_prognosis.review import REVIEW_SIGNATURES
from hif_prognosis.sources import is_enrichr, is_url, remote_files
from hif_prognosis.tables import read_text


def _local_files(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(config field, path) of every local file the config names."""
    for name, cohort in config["cohorts"].items():
        if cohort["source"] == "local":
            yield f"cohorts.{name}.expression", cohort["expression"]
            yield f"cohorts.{name}.clinical", cohort["clinical"]
    for name, signature in config["signatures"].items():
        for key in ("gmt", "genes_file", "review_table"):
            if key in signature and not is_url(signature[key]):
                yield f"signatures.{name}.{key}", signature[key]
    for name, location in config["enrichment"]["libraries"].items():
        if not (is_url(location) or is_enrichr(location)):
            yield f"enrichment.libraries.{name}", location


# Snakemake's report embeds job params (config text among them) in a <script> block unescaped;
# these sequences are the only ones that could end that block and run as HTML.
SCRIPT_BREAKOUT = re.compile(r"</|<!--", re.IGNORECASE)


def _strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every string in the config, keys included."""
    if isinstance(node, Mapping):
        for name, value in node.items():
            child = f"{key}.{name}" if key else str(name)
            yield child, str(name)
            yield from _strings(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{key}[{index}]")
    elif isinstance(node, str):
        yield key, node


def check_config(config: Mapping[str, Any], configfile: str = "the config") -> None:
    """Raise InputError naming the field and the fix for the first problem found."""
    for key, text in _strings(config):
        if SCRIPT_BREAKOUT.search(text):
            raise InputError(
                f"{configfile}: {key} = {text!r} holds '</' or '<!--', which Snakemake's report, "
                "embedding the config in a script block without escaping it, would let run as "
                "HTML in the reader's browser; remove it."
            )
    missing = [(fld, p) for fld, p in _local_files(config) if not Path(p).is_file()]
    if missing:
        listing = "; ".join(f"{fld} = {p!r}" for fld, p in missing)
        raise InputError(
            f"{configfile}: file(s) not found: {listing} (relative paths are read from "
            f"{Path.cwd()}). Correct the path(s) or run snakemake from the intended directory."
        )
    remote_files(config)  # building the cached paths checks that each stays in resources/downloads/
    enrichment = config["enrichment"]
    if enrichment["min_size"] > enrichment["max_size"]:
        raise InputError(
            f"{configfile}: enrichment.min_size {enrichment['min_size']} is above enrichment.max_size "
            f"{enrichment['max_size']}, so no gene set could be tested; set min_size <= max_size."
        )
    for name, cohort in config["cohorts"].items():
        if cohort["source"] != "local":
            continue
        encoding_field = f"cohorts.{name}.encoding"
        try:
            codecs.lookup(cohort["encoding"])
        except LookupError:
            raise InputError(
                f"{configfile}: {encoding_field} {cohort['encoding']!r} is not a text encoding Python "
                "knows; use e.g. utf-8, latin-1 or cp1252."
            ) from None
        required = {"sample_id_column": cohort["sample_id_column"]}
        if "patient_id_column" in cohort:
            required["patient_id_column"] = cohort["patient_id_column"]
        for endpoint, spec in cohort["endpoints"].items():
            required[f"endpoints.{endpoint}.time"] = spec["time"]
            required[f"endpoints.{endpoint}.event"] = spec["event"]
        for covariate, spec in cohort["covariates"].items():
            required[f"covariates.{covariate}.column"] = spec["column"]
        text = read_text(cohort["clinical"], cohort["encoding"], encoding_field=encoding_field)
        table = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False, nrows=100)
        header = list(table.columns)
        where = f"{configfile}: cohorts.{name}.clinical ({cohort['clinical']})"
        if len(header) > 20 and not set(required.values()) & set(header):
            raise InputError(
                f"{where} has {len(header)} columns and none of the configured ones "
                f"({sorted(set(required.values()))}): it looks like a genes x samples matrix. Are "
                f"cohorts.{name}.expression and cohorts.{name}.clinical swapped?"
            )
        check_columns(header, required, where, table)
    for name, signature in config["signatures"].items():
        if "review_table" in signature and name not in REVIEW_SIGNATURES:
            raise InputError(
                f"{configfile}: signatures.{name} takes its genes from the review table, which "
                f"defines only {list(REVIEW_SIGNATURES)}; use one of these names."
            )
    primary = config["primary"]
    signature_fields = {
        "primary.signature": primary["signature"],
        "survival.proliferation_signature": config["survival"]["proliferation_signature"],
        "enrichment.ora_signature": config["enrichment"].get("ora_signature", primary["signature"]),
    }
    for field, name in signature_fields.items():
        if name not in config["signatures"]:
            raise InputError(
                f"{configfile}: {field} {name!r} is not one of the signatures defined under "
                f"signatures: {sorted(config['signatures'])}; add it there or name another."
            )
    if primary["method"] not in config["scoring"]["methods"]:
        raise InputError(
            f"{configfile}: primary.method {primary['method']!r} is not listed in "
            f"scoring.methods {config['scoring']['methods']}; add it there or pick one of them."
        )
    endpoint = config["enrichment"]["survival_endpoint"]
    lacking = [name for name, cohort in config["cohorts"].items() if endpoint not in cohort["endpoints"]]
    if lacking:
        raise InputError(
            f"{configfile}: enrichment.survival_endpoint {endpoint!r} is not an endpoint of "
            f"cohort(s) {lacking}; name an endpoint every cohort defines under endpoints:."
        )
