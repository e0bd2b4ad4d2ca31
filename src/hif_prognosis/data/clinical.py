"""Clinical tables: survival endpoints in months, covariates, and sample matching.

The harmonised clinical table has one row per sample: ``sample_id``, ``patient_id``, per
endpoint ``<endpoint>_months`` (float) and ``<endpoint>_event`` (1 = event, 0 = censored,
missing = unknown), and the configured covariates (see COVARIATES).

Raw values are matched to configured values with case-insensitive glob patterns (``*`` matches
any text), so ``Non-metastatic (confirmed)`` and ``Non-metastatic (Confirmed)`` are one value and
``Metastases at * months after diagnosis`` covers every month count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import fnmatch
import io
import logging
import re

import numpy as np
import pandas as pd

from hif_prognosis.errors import InputError
from hif_prognosis.tables import read_text

log = logging.getLogger(__name__)

TimeUnit = Literal["days", "weeks", "months", "years"]

# Calendar-average month (365.25 / 12 days), the convention of R's survival tutorials.
MONTHS_PER_UNIT: dict[str, float] = {
    "days": 12.0 / 365.25,
    "weeks": 7.0 * 12.0 / 365.25,
    "months": 1.0,
    "years": 12.0,
}
# No cohort follows patients for longer than this: a longer time is in a smaller unit than the
# one configured (days written down as months), which would move every time-dependent AUC,
# cut-off and Kaplan-Meier axis while leaving the hazard ratio as it was.
MAX_FOLLOW_UP_MONTHS = 12.0 * 60


def _patterns(values: object) -> tuple[str, ...]:
    assert values is None or isinstance(values, Sequence)
    return tuple(str(v) for v in values or ())


def matches(value: str, patterns: Sequence[str]) -> bool:
    """Case-insensitive glob match of a trimmed raw value against any pattern."""
    text = value.strip().lower()
    return any(fnmatch.fnmatchcase(text, p.strip().lower()) for p in patterns)


def matching(values: pd.Series, patterns: Sequence[str]) -> pd.Series:
    """Boolean Series: which values match any pattern (see :func:`matches`)."""
    return pd.Series([matches(v, patterns) for v in values], index=values.index, dtype=bool)


# Survival endpoints by what they measure: the keys a cohort's endpoints: may have in the config
# (config/schemas/config.schema.yaml lists the same keys) and the words a reader sees. A key says
# what the endpoint is, so pooling across cohorts joins like with like.
ENDPOINT_KINDS = {
    "overall_survival": "overall survival",
    "event_free_survival": "event-free survival",
    "recurrence_free_survival": "recurrence-free survival",
    "metastasis_free_survival": "metastasis-free survival",
    "progression_free_survival": "progression-free survival",
    "disease_free_survival": "disease-free survival",
    "disease_specific_survival": "disease-specific survival",
}
JOIN_WORD = "_or_"


def joined_endpoint(kinds: Sequence[str]) -> str:
    """The name of a pool that joins several endpoint kinds (meta_analysis.joined_endpoints):
    ``event_free_or_recurrence_free_survival`` for event-free and recurrence-free survival."""
    return JOIN_WORD.join(kind.removesuffix("_survival") for kind in kinds) + "_survival"


def joined_member(kinds: Sequence[str], recorded: Sequence[str]) -> str | None:
    """The endpoint a cohort recording ``recorded`` enters a joined pool of ``kinds`` with: the
    first of the kinds it records (None: it records none). The meta-analysis, its pooled
    patients and the judgement all read a joined pool through this one rule."""
    return next((kind for kind in kinds if kind in recorded), None)


@dataclass(frozen=True)
class Endpoint:
    """Where one survival endpoint lives in a raw clinical table."""

    name: str
    time_column: str
    event_column: str
    time_unit: TimeUnit
    # Patterns of raw values meaning "event"; empty means the column is coded 0/1.
    event_values: tuple[str, ...] = field(default=())
    # Patterns meaning "censored" ("" = an empty cell).
    censored_values: tuple[str, ...] = field(default=())
    # A value matching neither list: an error naming it (default), or counted as censored.
    unmatched_values: Literal["error", "censored"] = "error"
    # Regular expression whose first group is the time, for times inside text
    # (GEO: "status: Deceased after 27 months"); None = the cell is the number.
    time_pattern: str | None = None

    @classmethod
    def from_config(cls, name: str, spec: Mapping[str, object]) -> Endpoint:
        pattern = spec.get("time_pattern")
        return cls(
            name=name,
            time_column=str(spec["time"]),
            event_column=str(spec["event"]),
            time_unit=spec["time_unit"],  # type: ignore[arg-type]
            event_values=_patterns(spec.get("event_values")),
            censored_values=_patterns(spec.get("censored_values")),
            unmatched_values=spec.get("unmatched_values", "error"),  # type: ignore[arg-type]
            time_pattern=None if pattern is None else str(pattern),
        )


# Harmonised covariates: name -> allowed category labels (None = numeric).
COVARIATES: dict[str, tuple[str, ...] | None] = {
    "metastasis_at_diagnosis": ("yes", "no"),
    # distant metastasis at diagnosis or during follow-up: the label CINSARC's centroids are
    # built on (hif_prognosis.scoring.cinsarc); never a model covariate, since it lies after baseline
    "distant_metastasis": ("yes", "no"),
    "age_years": None,
    "sex": ("female", "male"),
    "histologic_response": ("good", "poor"),
}


@dataclass(frozen=True)
class Covariate:
    """Where one harmonised covariate lives in a raw table and how its values map."""

    name: str
    column: str
    # label -> raw-value patterns, for categorical covariates
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # unit of a numeric raw value (age_years converts to years)
    unit: TimeUnit = "years"
    # patterns of raw values that say nothing about the label (">80% necrosis" for a 90% cut):
    # left missing, and counted in the harmonise log
    unknown_values: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, name: str, spec: Mapping[str, object]) -> Covariate:
        values = spec.get("values") or {}
        assert isinstance(values, Mapping)
        return cls(
            name=name,
            column=str(spec["column"]),
            values={str(label): _patterns(p) for label, p in values.items()},
            unit=spec.get("unit", "years"),  # type: ignore[arg-type]
            unknown_values=_patterns(spec.get("unknown_values")),
        )


def read_clinical_table(
    path: str | Path, *, encoding: str = "utf-8", encoding_field: str = "the cohort's encoding"
) -> pd.DataFrame:
    """Read a tab-separated clinical table as text, so codes like ``01`` stay as written (bytes
    that are not ``encoding`` are an error, never replaced)."""
    text = read_text(path, encoding, encoding_field=encoding_field)
    return pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)


def describe_columns(table: pd.DataFrame, n_examples: int = 2) -> str:
    """Each column with example values, so a user can fix a mapping in one step."""
    parts = []
    for column in table.columns:
        values = [v for v in table[column].astype(str).str.strip().unique() if v][:n_examples]
        parts.append(f"{column!r} (e.g. {', '.join(repr(v) for v in values)})")
    return "; ".join(parts)


def check_columns(
    columns: Sequence[str],
    required: Mapping[str, str],
    source: str,
    table: pd.DataFrame | None = None,
) -> None:
    """Raise if a configured column is absent. ``required`` maps config field -> column name.

    With ``table`` the message lists every column with example values."""
    missing = {fld: col for fld, col in required.items() if col not in columns}
    if missing:
        listing = "; ".join(f"{fld}: {col!r}" for fld, col in missing.items())
        available = describe_columns(table) if table is not None else repr(list(columns))
        raise InputError(
            f"{source}: column(s) not found ({listing}). Available: {available}. "
            "Correct the cohort's entries in the config."
        )


MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none", "n/a", "unknown", "not reported", "."})


def _is_missing(values: pd.Series) -> pd.Series:
    return values.str.strip().str.lower().isin(MISSING_TOKENS)


def parse_event(values: pd.Series, endpoint: Endpoint, source: str) -> pd.Series:
    """Code an event column as 1/0 with missing as NA."""
    text = values.astype("string").fillna("").str.strip()
    missing = _is_missing(text)
    where = f"{source}: event column {endpoint.event_column!r} of endpoint {endpoint.name!r}"
    if endpoint.event_values:
        event = matching(text, endpoint.event_values)
        censored = matching(text, endpoint.censored_values) | ((text == "") & ("" in endpoint.censored_values))
        unmatched = ~event & ~censored & ~missing
        if unmatched.any() and endpoint.unmatched_values == "error":
            counts = text[unmatched].value_counts()
            listing = ", ".join(f"{value!r} ({n})" for value, n in counts.head(10).items())
            raise InputError(
                f"{where} holds values matching neither event_values {list(endpoint.event_values)} "
                f"nor censored_values {list(endpoint.censored_values)}: {listing}"
                + (f" and {len(counts) - 10} more" if len(counts) > 10 else "")
                + ". Add each to event_values or censored_values under the endpoint in the config "
                "(a 'Died' beside 'Dead' is an event too), or set unmatched_values: censored to "
                "count every other value as censored."
            )
        missing = missing & ~censored
        coded = event.astype("Int64")
    else:
        numeric = pd.to_numeric(text.where(~missing), errors="coerce")
        bad = ~missing & ~numeric.isin([0, 1])
        if bad.any():
            examples = sorted(set(text[bad]))[:5]
            raise InputError(
                f"{where} holds values other than 0/1, e.g. {examples}; list the values that "
                "mean an event under the endpoint's event_values in the config."
            )
        coded = numeric.astype("Int64")
    return coded.mask(missing)


_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")
_UNIT_WORDS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
}


def parse_number(values: pd.Series, unit: TimeUnit, where: str) -> pd.Series:
    """Numbers, optionally followed by a unit word (``174 months``) that must agree with
    ``unit``. Missing tokens give NaN; anything else is an error naming the values."""
    text = values.astype("string").fillna("").str.strip()
    missing = _is_missing(text)
    parts = text.where(~missing, "").str.extract(_NUMBER_WITH_UNIT)
    number = pd.to_numeric(parts[0], errors="coerce")
    bad = ~missing & number.isna()
    if bad.any():
        raise InputError(
            f"{where} holds values that are not numbers, e.g. {sorted(set(text[bad]))[:5]}."
        )
    words = parts[1].fillna("").str.lower()
    conflicting = (words != "") & (words.map(lambda w: _UNIT_WORDS.get(w, w)) != unit)
    if conflicting.any():
        raise InputError(
            f"{where} gives values in another unit than the configured {unit!r}, e.g. "
            f"{sorted(set(text[conflicting]))[:3]}; correct the unit in the config."
        )
    return number.where(~missing)


def parse_time_months(values: pd.Series, endpoint: Endpoint, source: str) -> pd.Series:
    """Convert a time column to months; negative or non-numeric entries are errors."""
    where = f"{source}: time column {endpoint.time_column!r} of endpoint {endpoint.name!r}"
    if endpoint.time_pattern is not None:
        text = values.astype("string").fillna("").str.strip()
        pattern = re.compile(endpoint.time_pattern, re.IGNORECASE)
        if pattern.groups < 1:
            raise InputError(f"{where}: time_pattern {endpoint.time_pattern!r} needs a (group)")
        found = text.str.extract(pattern, expand=True)[0]
        unmatched = found.isna() & ~_is_missing(text)
        if unmatched.any():
            raise InputError(
                f"{where}: time_pattern {endpoint.time_pattern!r} finds no time in "
                f"{sorted(set(text[unmatched]))[:5]}; adjust the pattern in the config."
            )
        values = found
    numeric = parse_number(values, endpoint.time_unit, where)
    if (numeric < 0).any():
        raise InputError(f"{where} holds negative times; survival times must be >= 0.")
    months = numeric * MONTHS_PER_UNIT[endpoint.time_unit]
    implausible = months > MAX_FOLLOW_UP_MONTHS
    if implausible.any():
        longest = numeric[implausible].sort_values(ascending=False)
        smaller = [u for u, m in MONTHS_PER_UNIT.items() if m < MONTHS_PER_UNIT[endpoint.time_unit]]
        fits = [u for u in smaller if numeric.max() * MONTHS_PER_UNIT[u] <= MAX_FOLLOW_UP_MONTHS]
        raise InputError(
            f"{where}: {int(implausible.sum())} time(s) exceed {MAX_FOLLOW_UP_MONTHS / 12:.0f} years of follow-up "
            f"if read as {endpoint.time_unit} (longest: {', '.join(f'{v:g}' for v in longest.iloc[:5])}). "
            + (f"The column is probably in {fits[-1]}: set time_unit: {fits[-1]} for this endpoint."
               if fits else "Check the column and its time_unit in the config.")
        )
    return months


def parse_covariate(values: pd.Series, covariate: Covariate, source: str) -> pd.Series:
    """Harmonise one covariate: a category label, or a number (age in years)."""
    where = f"{source}: column {covariate.column!r} of covariate {covariate.name!r}"
    if COVARIATES[covariate.name] is None:
        return parse_number(values, covariate.unit, where) * (
            MONTHS_PER_UNIT[covariate.unit] / MONTHS_PER_UNIT["years"]
        )
    text = values.astype("string").fillna("").str.strip()
    labels = pd.Series(pd.NA, index=values.index, dtype="string")
    for label, patterns in covariate.values.items():
        hit = matching(text, patterns) & labels.isna()
        labels[hit] = label
    unknown = labels.isna() & matching(text, covariate.unknown_values)
    unmatched = labels.isna() & ~unknown & ~_is_missing(text)
    if unmatched.any():
        raise InputError(
            f"{where} holds values no configured pattern matches: "
            f"{sorted(set(text[unmatched]))[:8]}; add them under the covariate's values (or, "
            "where a value cannot be given a label, under its unknown_values)."
        )
    if unknown.any():
        log.info("%s: %d values left unknown (unknown_values): %s", where, int(unknown.sum()),
                 text[unknown].value_counts().to_dict())
    return labels


def harmonise_clinical(
    raw: pd.DataFrame,
    sample_id_column: str,
    endpoints: Sequence[Endpoint],
    source: str,
    covariates: Sequence[Covariate] = (),
    patient_id_column: str | None = None,
) -> pd.DataFrame:
    """Build the harmonised clinical table from a raw one."""
    required = {"sample_id_column": sample_id_column}
    if patient_id_column:
        required["patient_id_column"] = patient_id_column
    for ep in endpoints:
        required[f"endpoints.{ep.name}.time"] = ep.time_column
        required[f"endpoints.{ep.name}.event"] = ep.event_column
    for cov in covariates:
        required[f"covariates.{cov.name}.column"] = cov.column
    check_columns(list(raw.columns), required, source, raw)
    ids = raw[sample_id_column].astype(str).str.strip()
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        raise InputError(
            f"{source}: sample IDs in column {sample_id_column!r} are not unique, e.g. "
            f"{list(duplicated[:5])}; give one row per sample."
        )
    patients = raw[patient_id_column].astype(str).str.strip() if patient_id_column else ids
    table = pd.DataFrame({"sample_id": ids.to_numpy(), "patient_id": patients.to_numpy()})
    for ep in endpoints:
        table[f"{ep.name}_months"] = parse_time_months(raw[ep.time_column], ep, source).to_numpy()
        table[f"{ep.name}_event"] = parse_event(raw[ep.event_column], ep, source).to_numpy()
    for cov in covariates:
        table[cov.name] = parse_covariate(raw[cov.column], cov, source).to_numpy()
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
    clinical_ids, expression_ids = set(clinical["sample_id"]), set(matrix.columns)
    kept = [s for s in matrix.columns if s in clinical_ids]
    match = SampleMatch(
        kept=kept,
        expression_only=[s for s in matrix.columns if s not in clinical_ids],
        clinical_only=[s for s in clinical["sample_id"] if s not in expression_ids],
    )
    if not kept:
        raise InputError(
            "no sample ID is shared by the expression columns and the clinical sample_id column "
            f"(expression e.g. {list(matrix.columns[:3])}, clinical e.g. "
            f"{list(clinical['sample_id'][:3])}); check sample_id_column in the config."
        )
    clinical_kept = clinical.set_index("sample_id").loc[kept].reset_index()
    # kept is in the matrix's order, so all kept is the matrix itself (a copy: 4.6 s at 10,000 samples)
    return matrix if len(kept) == matrix.shape[1] else matrix[kept], clinical_kept, match


@dataclass(frozen=True)
class EndpointLimits:
    """The least an endpoint needs for survival statistics to mean anything (config survival:)."""

    min_samples: int = 20
    min_events: int = 10


def check_endpoints(
    clinical: pd.DataFrame, endpoints: Sequence[Endpoint], limits: EndpointLimits, source: str
) -> None:
    """Raise for an endpoint whose matched samples cannot support a survival analysis: too few
    samples with a time and an event status, too few events, or no spread in the times."""
    for endpoint in endpoints:
        data = endpoint_data(clinical, endpoint.name)
        where = (
            f"{source}: endpoint {endpoint.name!r} (time column {endpoint.time_column!r}, event "
            f"column {endpoint.event_column!r})"
        )
        events = int(data["event"].sum())
        if len(data) < limits.min_samples:
            raise InputError(
                f"{where} has {len(data)} samples with a known time and event status after "
                f"matching to the expression data, fewer than survival.min_samples = "
                f"{limits.min_samples}. Check the sample IDs and the missing-value codes, or "
                "lower survival.min_samples if so small a cohort is intended."
            )
        if events < limits.min_events:
            coded = clinical[f"{endpoint.name}_event"].value_counts(dropna=False).to_dict()
            raise InputError(
                f"{where} has {events} events among {len(data)} samples (event coding after "
                f"harmonisation: {coded}), fewer than survival.min_events = {limits.min_events}. "
                "Check event_values (which raw values mean an event), or lower "
                "survival.min_events if so few events are intended."
            )
        if data["time"].nunique() < 2:
            raise InputError(
                f"{where}: every sample has the same follow-up time "
                f"({data['time'].iloc[0]:g} months), so no survival model can be fitted. Is the "
                "time column the right one, and are its values read in the right unit?"
            )


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


# How each harmonised covariate (COVARIATES, survival.models.PROLIFERATION) is named in sentences.
COVARIATE_LABELS = {
    "metastasis_at_diagnosis": "metastasis at diagnosis",
    "distant_metastasis": "distant metastasis",
    "age_years": "age",
    "sex": "sex",
    "histologic_response": "histologic response",
    "proliferation_score": "proliferation score",
}


def covariate_label(name: str) -> str:
    """The words a reader sees for a covariate (its name, underscores as spaces, where unlisted)."""
    return COVARIATE_LABELS.get(name, name.replace("_", " "))


def endpoint_label(endpoint: str) -> str:
    """The words a reader sees for an endpoint: "overall survival" for overall_survival, "event-free
    or recurrence-free survival" for a joined pool (joined_endpoint); any other name with
    its underscores as spaces."""
    if endpoint in ENDPOINT_KINDS:
        return ENDPOINT_KINDS[endpoint]
    parts = endpoint.removesuffix("_survival").split(JOIN_WORD)
    if len(parts) > 1 and all(f"{part}_survival" in ENDPOINT_KINDS for part in parts):
        return " or ".join(ENDPOINT_KINDS[f"{part}_survival"].removesuffix(" survival") for part in parts) + " survival"
    return endpoint.replace("_", " ")
