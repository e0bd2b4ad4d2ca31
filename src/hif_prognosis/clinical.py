"""Clinical tables: survival endpoints in months, event indicators, and sample matching.

The harmonised clinical table has one row per sample: ``sample_id`` and, per endpoint
``<endpoint>_months`` (float) and ``<endpoint>_event`` (1 = event, 0 = censored, empty = unknown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from hif_prognosis.errors import InputError

TimeUnit = Literal["days", "weeks", "months", "years"]

# Calendar-average month (365.25 / 12 days), the convention of R's survival tutorials.
MONTHS_PER_UNIT: dict[str, float] = {
    "days": 12.0 / 365.25,
    "weeks": 7.0 * 12.0 / 365.25,
    "months": 1.0,
    "years": 12.0,
}


@dataclass(frozen=True)
class Endpoint:
    """Where one survival endpoint lives in a raw clinical table."""

    name: str
    time_column: str
    event_column: str
    time_unit: TimeUnit
    # Raw values that mean "event happened"; empty means the column is coded 0/1.
    event_values: tuple[str, ...] = field(default=())

    @classmethod
    def from_config(cls, name: str, spec: Mapping[str, object]) -> Endpoint:
        values = spec.get("event_values") or ()
        assert isinstance(values, Sequence)
        return cls(
            name=name,
            time_column=str(spec["time"]),
            event_column=str(spec["event"]),
            time_unit=spec["time_unit"],  # type: ignore[arg-type]
            event_values=tuple(str(v) for v in values),
        )


def read_clinical_table(path: str | Path) -> pd.DataFrame:
    """Read a tab-separated clinical table as text, so codes like ``01`` stay as written."""
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding_errors="replace")


def check_columns(columns: Sequence[str], required: Mapping[str, str], source: str) -> None:
    """Raise if a configured column is absent. ``required`` maps config field -> column name."""
    missing = {fld: col for fld, col in required.items() if col not in columns}
    if missing:
        listing = "; ".join(f"{fld}: {col!r}" for fld, col in missing.items())
        raise InputError(
            f"{source}: column(s) not found ({listing}). The file has columns {list(columns)}; "
            "correct the cohort's entries in the config."
        )


MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none", "n/a", "unknown", "not reported", "."})


def _is_missing(values: pd.Series) -> pd.Series:
    return values.str.strip().str.lower().isin(MISSING_TOKENS)


def parse_event(values: pd.Series, endpoint: Endpoint, source: str) -> pd.Series:
    """Code an event column as 1/0 with missing as NA."""
    text = values.astype("string").str.strip()
    missing = _is_missing(text.fillna(""))
    if endpoint.event_values:
        coded = text.isin(endpoint.event_values).astype("Int64")
    else:
        numeric = pd.to_numeric(text.where(~missing), errors="coerce")
        bad = ~missing & ~numeric.isin([0, 1])
        if bad.any():
            examples = sorted(set(text[bad]))[:5]
            raise InputError(
                f"{source}: event column {endpoint.event_column!r} of endpoint {endpoint.name!r} "
                f"holds values other than 0/1, e.g. {examples}; list the values that mean an "
                "event under the endpoint's event_values in the config."
            )
        coded = numeric.astype("Int64")
    return coded.mask(missing)


def parse_time_months(values: pd.Series, endpoint: Endpoint, source: str) -> pd.Series:
    """Convert a time column to months; negative or non-numeric entries are errors."""
    text = values.astype("string").str.strip()
    missing = _is_missing(text.fillna(""))
    numeric = pd.to_numeric(text.where(~missing), errors="coerce")
    bad = ~missing & numeric.isna()
    if bad.any():
        examples = sorted(set(text[bad]))[:5]
        raise InputError(
            f"{source}: time column {endpoint.time_column!r} of endpoint {endpoint.name!r} "
            f"holds non-numeric values, e.g. {examples}; it must hold numbers in "
            f"{endpoint.time_unit}."
        )
    if (numeric < 0).any():
        raise InputError(
            f"{source}: time column {endpoint.time_column!r} of endpoint {endpoint.name!r} "
            "holds negative times; survival times must be >= 0."
        )
    return numeric * MONTHS_PER_UNIT[endpoint.time_unit]


def harmonise_clinical(
    raw: pd.DataFrame, sample_id_column: str, endpoints: Sequence[Endpoint], source: str
) -> pd.DataFrame:
    """Build the harmonised clinical table from a raw one."""
    required = {"sample_id_column": sample_id_column}
    for ep in endpoints:
        required[f"endpoints.{ep.name}.time"] = ep.time_column
        required[f"endpoints.{ep.name}.event"] = ep.event_column
    check_columns(list(raw.columns), required, source)
    ids = raw[sample_id_column].astype(str).str.strip()
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        raise InputError(
            f"{source}: sample IDs in column {sample_id_column!r} are not unique, e.g. "
            f"{list(duplicated[:5])}; give one row per sample."
        )
    table = pd.DataFrame({"sample_id": ids.to_numpy()})
    for ep in endpoints:
        table[f"{ep.name}_months"] = parse_time_months(raw[ep.time_column], ep, source).to_numpy()
        table[f"{ep.name}_event"] = parse_event(raw[ep.event_column], ep, source).to_numpy()
    return table


@dataclass(frozen=True)
class SampleMatch:
    kept: list[str]
    expression_only: list[str]
    clinical_only: list[str]

    def describe(self) -> str:
        return (
            f"{len(self.kept)} samples have both expression and clinical data; dropped "
            f"{len(self.expression_only)} with expression but no clinical row "
            f"{self.expression_only[:10]}, and {len(self.clinical_only)} with a clinical row but "
            f"no expression {self.clinical_only[:10]}"
        )


def match_samples(
    matrix: pd.DataFrame, clinical: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, SampleMatch]:
    """Keep samples present in both tables, in the expression matrix's column order."""
    clinical_ids = set(clinical["sample_id"])
    kept = [s for s in matrix.columns if s in clinical_ids]
    match = SampleMatch(
        kept=kept,
        expression_only=[s for s in matrix.columns if s not in clinical_ids],
        clinical_only=[s for s in clinical["sample_id"] if s not in set(matrix.columns)],
    )
    if not kept:
        raise InputError(
            "no sample ID is shared by the expression columns and the clinical sample_id column "
            f"(expression e.g. {list(matrix.columns[:3])}, clinical e.g. "
            f"{list(clinical['sample_id'][:3])}); check sample_id_column in the config."
        )
    clinical_kept = clinical.set_index("sample_id").loc[kept].reset_index()
    return matrix[kept], clinical_kept, match


def endpoint_names(clinical: pd.DataFrame) -> list[str]:
    """Endpoints present in a harmonised clinical table, in column order."""
    return [c.removesuffix("_months") for c in clinical.columns if c.endswith("_months")]


def endpoint_data(clinical: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """Samples with known time and event for one endpoint: columns ``time`` and ``event``."""
    data = pd.DataFrame(
        {
            "time": clinical[f"{endpoint}_months"].astype(float).to_numpy(),
            "event": clinical[f"{endpoint}_event"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        },
        index=pd.Index(clinical["sample_id"], name="sample_id"),
    )
    return data.dropna()
