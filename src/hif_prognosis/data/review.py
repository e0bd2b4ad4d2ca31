"""Signatures derived from the HIF-1alpha gene table curated from the review
(resources/signatures/hif1a_review.tsv; curation rules in its README)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from hif_prognosis.errors import InputError

REVIEW_COLUMNS = [
    "symbol", "name_in_review", "aliases", "molecule", "relation",
    "metastatic_step", "review_section", "citation", "note",
]
MOLECULES = {"protein_coding", "lncRNA", "miRNA", "circRNA"}
RELATIONS = {"target_up", "target_down", "upstream_regulator", "partner", "pathway_member"}
# The variants of the review's target-gene signature (the specification curve compares them),
# and HIF1A's own mRNA beside them.
TARGET_VARIANTS = ("HIF1A_REVIEW_TARGETS", "HIF1A_REVIEW_SIGNED", "HIF1A_REVIEW_ALL")
REVIEW_SIGNATURES = (*TARGET_VARIANTS, "HIF1A_GENE")


def read_review_table(path: str | Path) -> pd.DataFrame:
    """The curated table, checked: known molecules and relations, unique symbols."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if list(table.columns) != REVIEW_COLUMNS:
        raise InputError(f"{path}: expected columns {REVIEW_COLUMNS}, found {list(table.columns)}")
    for column, allowed in (("molecule", MOLECULES), ("relation", RELATIONS)):
        bad = sorted(set(table[column]) - allowed)
        if bad:
            raise InputError(f"{path}: column {column!r} holds {bad}; allowed: {sorted(allowed)}")
    named = table[table["symbol"] != ""]
    duplicated = sorted(named.loc[named["symbol"].duplicated(), "symbol"])
    if duplicated:
        raise InputError(f"{path}: symbols listed twice: {duplicated}; merge the rows")
    return table


@dataclass(frozen=True)
class ReviewSignature:
    """Genes of a review-derived signature. ``optional`` lists the non-coding members, which are
    scored where a platform measures them and do not count towards coverage."""

    up: list[str]
    down: list[str]
    optional: frozenset[str]


def review_signature_genes(table: pd.DataFrame, name: str) -> ReviewSignature:
    """One of REVIEW_SIGNATURES: protein-coding rows with a symbol, plus the non-coding rows of
    the same relation as optional members."""
    named = table[table["symbol"] != ""]
    noncoding = frozenset(named.loc[named["molecule"] != "protein_coding", "symbol"])
    coding_first = pd.concat([named[named["molecule"] == "protein_coding"], named[named["molecule"] != "protein_coding"]])
    up = coding_first.loc[coding_first["relation"] == "target_up", "symbol"].tolist()
    down = coding_first.loc[coding_first["relation"] == "target_down", "symbol"].tolist()
    if name == "HIF1A_REVIEW_TARGETS":
        return ReviewSignature(up, [], noncoding & set(up))
    if name == "HIF1A_REVIEW_SIGNED":
        return ReviewSignature(up, down, noncoding & set(up + down))
    if name == "HIF1A_REVIEW_ALL":
        return ReviewSignature(coding_first["symbol"].tolist(), [], noncoding)
    if name == "HIF1A_GENE":
        return ReviewSignature(["HIF1A"], [], frozenset())
    raise InputError(
        f"signature {name!r} names the review table but is not one of {list(REVIEW_SIGNATURES)}; "
        "rename it in the config."
    )
