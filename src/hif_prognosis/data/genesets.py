"""Gene sets: GMT, gene-list and weight files, the signature table, and per-cohort coverage.

A signature table is long format (SIGNATURE_COLUMNS): ``signature, gene, direction, required,
aliases, source, weight, weight_from, weighted_scale, citation`` with direction ``up`` or ``down`` (a signed
score counts ``down`` genes negatively), aliases the gene's previous/alias symbols
(``|``-separated; curated for the review's genes), source saying where the gene list came from,
and the gene's weight in the ``weighted`` score: a published model's coefficient (its sign is the
direction) read from a weight file (``weight_from``: ``weights_file``), +1 / -1 (up / down) for every other
signature (``direction``).
``weighted_scale`` says what the weights multiply: ``zscore`` (within-cohort gene z-scores) or
``log2`` (the log2 expression values, as a model published on that scale is applied). A
coverage table says, per cohort, which measured gene stands for each signature gene.
"""

from __future__ import annotations

import re

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from hif_prognosis.errors import InputError
from hif_prognosis.data.review import read_review_table, review_signature_genes

SIGNATURE_COLUMNS = [
    "signature", "gene", "direction", "required", "aliases", "source", "weight", "weight_from", "weighted_scale",
    "citation",
]
COVERAGE_COLUMNS = [
    "signature", "symbol", "direction", "required", "weight", "weight_from", "weighted_scale", "matched_as", "present",
]
WEIGHTED_SCALES = ("zscore", "log2")
WEIGHT_COLUMNS = ["gene", "weight"]  # required columns of a weight file; ``citation`` is optional


def read_gmt(path: str | Path) -> dict[str, list[str]]:
    """Read a GMT file: ``NAME<TAB>DESCRIPTION<TAB>gene...`` per line.

    Empty fields (trailing tabs) are ignored and duplicate genes within a set are kept once.
    Enrichr's text export is read too: its weighted libraries write ``GENE,weight``, and the
    weight is dropped (as gseapy does).
    """
    sets: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            fields = [f.strip() for f in line.rstrip("\r\n").split("\t")]
            if not any(fields):
                continue
            if len(fields) < 3:
                raise InputError(
                    f"{path}, line {line_number}: a GMT line needs a set name, a description "
                    "and at least one gene, separated by tabs."
                )
            name, genes = fields[0], [g.split(",")[0] for g in fields[2:] if g]
            if name in sets:
                raise InputError(f"{path}, line {line_number}: gene set {name!r} appears twice.")
            sets[name] = list(dict.fromkeys(genes))
    if not sets:
        raise InputError(f"{path}: no gene sets found; is this a GMT file?")
    return sets


GENE_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@/-]*$")  # HLA-DRB1, C1orf112, RP11-34P13.7


def read_gene_list(path: str | Path) -> list[str]:
    """One gene symbol per line; blank lines and ``#`` comments are skipped. A line that is
    not a symbol (spaces, quotes, braces: a table, JSON or HTML) is an error naming it."""
    genes: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            symbol = line.split("#", 1)[0].strip()
            if symbol and not GENE_SYMBOL.match(symbol):
                raise InputError(
                    f"{path}, line {line_number}: {symbol[:60]!r} is not a gene symbol; a gene list "
                    "has one symbol per line."
                )
            if symbol:
                genes.append(symbol)
    if not genes:
        raise InputError(f"{path}: the gene list is empty; write one gene symbol per line.")
    return list(dict.fromkeys(genes))


def read_weights_table(path: str | Path) -> pd.DataFrame:
    """A signature's gene weights: a tab-separated file with columns ``gene`` and ``weight`` (a
    published model's coefficients, e.g. a Cox model's log HRs) and optionally ``citation`` (the
    source of each weight); ``#`` lines are comments. Every weight must be a finite nonzero number
    (a zero-weight gene is not in the model) and every gene appear once; otherwise an error names
    the rows."""
    try:
        table = pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a tab-separated weight table ({error}); write columns gene, weight[, citation].") from None
    table = table.rename(columns=lambda c: str(c).strip())
    missing = [c for c in WEIGHT_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"{path}: a weight table needs the columns {WEIGHT_COLUMNS} (and optionally citation); "
            f"missing {missing}, found {list(table.columns)}."
        )
    if table.empty:
        raise InputError(f"{path}: the weight table has no rows; write one gene and its weight per row.")
    genes = table["gene"].str.strip()
    bad_symbols = genes[~genes.str.match(GENE_SYMBOL)]
    if len(bad_symbols):
        raise InputError(f"{path}, column gene: {bad_symbols.tolist()[:5]} are not gene symbols.")
    duplicated = genes[genes.duplicated()].unique().tolist()
    if duplicated:
        raise InputError(f"{path}, column gene: {duplicated[:5]} appear more than once; give each gene one weight.")
    weights = pd.to_numeric(table["weight"].str.strip(), errors="coerce")
    bad = ~np.isfinite(weights.to_numpy(dtype=float)) | (weights == 0).to_numpy()
    if bad.any():
        rows = ", ".join(f"{g} = {w!r}" for g, w in zip(genes[bad], table.loc[bad, "weight"], strict=True))
        raise InputError(
            f"{path}, column weight: {rows} not finite nonzero numbers; write each gene's "
            "coefficient as a number (a gene with weight 0 is not in the model: leave it out)."
        )
    citation = table["citation"].str.strip() if "citation" in table.columns else ""
    return pd.DataFrame({"gene": genes, "weight": weights.astype(float), "citation": citation})


def select_gene_set(sets: Mapping[str, list[str]], set_name: str, source: str) -> list[str]:
    try:
        return sets[set_name]
    except KeyError:
        close = [n for n in sets if set_name.split("_")[0] in n][:5]
        raise InputError(
            f"{source}: no gene set named {set_name!r}; the file holds {len(sets)} sets"
            + (f", e.g. {close}" if close else "")
            + ". Correct the signature's set name in the config."
        ) from None


def signature_table(
    name: str,
    up: Iterable[str],
    source: str,
    down: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
    optional: frozenset[str] = frozenset(),
    weighted_scale: str = "zscore",
) -> pd.DataFrame:
    """Rows of one unweighted signature (weights +1 up, -1 down); ``optional`` genes are scored
    when measured but do not count towards coverage (the review's non-coding molecules)."""
    aliases = aliases or {}
    rows = [(name, g, d, g not in optional, aliases.get(g, ""), source, sign, "direction", weighted_scale, "")
            for genes, d, sign in ((up, "up", 1.0), (down, "down", -1.0)) for g in genes]
    return pd.DataFrame(rows, columns=SIGNATURE_COLUMNS)


def weighted_signature_table(name: str, weights: pd.DataFrame, source: str, weighted_scale: str) -> pd.DataFrame:
    """Rows of a signature with published weights (read_weights_table): direction from the
    weight's sign."""
    return pd.DataFrame({
        "signature": name, "gene": weights["gene"], "direction": np.where(weights["weight"] > 0, "up", "down"),
        "required": True, "aliases": "", "source": source, "weight": weights["weight"],
        "weight_from": "weights_file", "weighted_scale": weighted_scale, "citation": weights["citation"],
    })[SIGNATURE_COLUMNS]


# HGNC's 2020 renames of the symbols spreadsheets turned into dates (Bruford et al. 2020):
# SEPT7 is SEPTIN7, MARCH5 MARCHF5, MARC1 MTARC1, DEC1 DELEC1. A matrix annotated before the
# rename and a gene set written after it (or the reverse) name one gene two ways.
SPREADSHEET_RENAMES = (
    (re.compile(r"^SEPT(\d+)$"), r"SEPTIN\1"), (re.compile(r"^SEPTIN(\d+)$"), r"SEPT\1"),
    (re.compile(r"^MARCH(\d+)$"), r"MARCHF\1"), (re.compile(r"^MARCHF(\d+)$"), r"MARCH\1"),
    (re.compile(r"^MARC([12])$"), r"MTARC\1"), (re.compile(r"^MTARC([12])$"), r"MARC\1"),
    (re.compile(r"^DEC1$"), "DELEC1"), (re.compile(r"^DELEC1$"), "DEC1"),
)


def renamed(symbol: str) -> list[str]:
    """The symbol's other name across HGNC's renames of date-prone symbols (SPREADSHEET_RENAMES)."""
    return [pattern.sub(replacement, symbol) for pattern, replacement in SPREADSHEET_RENAMES if pattern.match(symbol)]


def coverage_table(signatures: pd.DataFrame, genes: Iterable[str]) -> pd.DataFrame:
    """Which measured gene stands for each signature gene (COVERAGE_COLUMNS).

    The symbol itself wins; failing that, the first alias that the cohort measures (an old
    symbol on an old array is still the gene), then the symbol's name across HGNC's renames of
    date-prone symbols (SEPT7 and SEPTIN7). A measured gene serves one signature gene at most,
    and an alias that is another gene's symbol in the same signature is never used.
    """
    measured = set(genes)
    frames = []
    for _, signature in signatures.groupby("signature", sort=False):
        symbols = signature["gene"].tolist()
        matched = {g: g for g in symbols if g in measured}
        used = set(matched.values())
        for gene, aliases in zip(symbols, signature["aliases"].fillna(""), strict=True):
            if gene in matched:
                continue
            for alias in [*filter(None, str(aliases).split("|")), *renamed(gene)]:
                if alias in measured and alias not in used and alias not in symbols:
                    matched[gene] = alias
                    used.add(alias)
                    break
        frame = signature[["signature", "gene", "direction", "required", "weight", "weight_from", "weighted_scale"]].rename(
            columns={"gene": "symbol"}
        )
        frame["matched_as"] = [matched.get(g, "") for g in symbols]
        frame["present"] = frame["matched_as"] != ""
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[COVERAGE_COLUMNS]


def check_coverage(coverage: pd.DataFrame, min_coverage: float, cohort: str) -> None:
    """Stop if a signature measures fewer than ``min_coverage`` of its required genes."""
    required = coverage[coverage["required"].astype(bool)]
    fractions = required.groupby("signature", sort=False)["present"].mean()
    low = fractions[fractions < min_coverage]
    if len(low):
        details = "; ".join(
            f"{name} {fraction:.0%} (missing: "
            + ", ".join(required.loc[(required["signature"] == name) & ~required["present"], "symbol"])
            + ")"
            for name, fraction in low.items()
        )
        raise InputError(
            f"cohort {cohort}: signature coverage below scoring.min_coverage = {min_coverage:.0%}: "
            f"{details}. Check the platform's gene annotation, or lower scoring.min_coverage."
        )


def collect_signatures(
    specs: Mapping[str, Mapping[str, str]], local_copies: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Build the signature table from config entries (``gmt`` + optional ``set``,
    ``genes_file``, ``weights_file``, or ``review_table`` for the signatures derived from the
    curated review table; optional ``weighted_scale``, default zscore). ``local_copies`` maps a
    location (e.g. a URL) to the file holding it; ``source`` records the location as configured
    and the set name."""
    local_copies = local_copies or {}
    gmt_cache: dict[str, dict[str, list[str]]] = {}
    tables = []
    for name, spec in specs.items():
        down: list[str] = []
        aliases: dict[str, str] = {}
        optional: frozenset[str] = frozenset()
        scale = spec.get("weighted_scale", "zscore")
        if scale not in WEIGHTED_SCALES:
            raise InputError(f"signature {name}: weighted_scale {scale!r} is not one of {WEIGHTED_SCALES}.")
        if "weights_file" in spec:
            location = spec["weights_file"]
            weights = read_weights_table(local_copies.get(location, location))
            tables.append(weighted_signature_table(name, weights, location, scale))
            continue
        if "gmt" in spec:
            location, set_name = spec["gmt"], spec.get("set", name)
            path = local_copies.get(location, location)
            if path not in gmt_cache:
                gmt_cache[path] = read_gmt(path)
            genes = select_gene_set(gmt_cache[path], set_name, location)
            source = f"{location}#{set_name}"
        elif "review_table" in spec:
            location = spec["review_table"]
            review = read_review_table(local_copies.get(location, location))
            derived = review_signature_genes(review, name)
            genes, down, optional = derived.up, derived.down, derived.optional
            source = f"{location}#{name}"
            aliases = dict(zip(review["symbol"], review["aliases"], strict=True))
        else:
            location = spec["genes_file"]
            genes, source = read_gene_list(local_copies.get(location, location)), location
        tables.append(signature_table(
            name, genes, source, down=down, aliases=aliases, optional=optional, weighted_scale=scale
        ))
    return pd.concat(tables, ignore_index=True)
