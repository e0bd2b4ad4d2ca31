"""The HIF-1alpha table curated from the review, and the signatures derived from it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from support.locations import REPO, SHARED
from hif_prognosis.errors import InputError
from hif_prognosis.data.review import REVIEW_SIGNATURES, read_review_table, review_signature_genes

TABLE = REPO / "resources" / "signatures" / "hif1a_review.tsv"
REVIEW = SHARED / "seeds" / "003_e5df44241d5c83b3.txt"

# Molecules the review links to HIF-1alpha, spelled as the review writes them -> HGNC symbol.
NAMED_IN_REVIEW = {
    "VEGF": "VEGFA", "CXCR4": "CXCR4", "CCL4": "CCL4", "PHF2": "PHF2", "NUSAP1": "NUSAP1",
    "GRM4": "GRM4", "Chromobox 4": "CBX4", "FOXD2-AS1": "FOXD2-AS1", "FOXD1-AS1": "FOXD1-AS1",
    "p21": "CDKN1A", "miR-33b": "MIR33B", "ANGPTL4": "ANGPTL4", "ANGPTL2": "ANGPTL2",
    "miR-20b": "MIR20B", "DEC2": "BHLHE41", "BNIP3": "BNIP3", "LC3B": "MAP1LC3B",
    "NEAT1": "NEAT1", "miR-186": "MIR186", "SENP1": "SENP1", "Snail": "SNAI1", "MMP-9": "MMP9",
    "MMP2": "MMP2", "ICAM-1": "ICAM1", "FoxO1": "FOXO1", "Mn SOD": "SOD2", "catalase": "CAT",
    "Sesn3": "SESN3", "caspase-3": "CASP3", "Hsa-circ-0000566": "hsa_circ_0000566",
    "miR-543": "MIR543", "PRMT9": "PRMT9", "GIT1": "GIT1", "WISP-1": "CCN4", "FAK": "PTK2",
    "CCL5": "CCL5", "CCR5": "CCR5", "MALAT1": "MALAT1", "TUG1": "TUG1", "miR-143-5p": "MIR143",
    "miR-18b-5p": "MIR18B", "miR-199a": "MIR199A1", "miR-216b": "MIR216B", "JMJD2C": "KDM4C",
    "Visfatin": "NAMPT", "E-cadherin": "CDH1", "N-cadherin": "CDH2", "Vimentin": "VIM",
    "GLUT-1": "SLC2A1", "Hexokinase 2": "HK2", "AUF1": "HNRNPD", "MCP1": "CCL2", "IL-6": "IL6",
    "Keratin 17": "KRT17", "PD-L1": "CD274", "VHL": "VHL", "miR-338-3p": "MIR338",
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return read_review_table(TABLE)


def names_of(row: pd.Series) -> set[str]:
    names = {row["symbol"], *row["aliases"].split("|")}
    for name in row["name_in_review"].split(";"):
        name = name.strip()
        names.add(name)
        names.update(re.findall(r"\(([^)]+)\)", name))  # "foo (FOO)" also answers to FOO
    return {n.strip().lower() for n in names if n.strip()}


def test_every_molecule_named_in_the_review_resolves(table):
    assert len(NAMED_IN_REVIEW) >= 40
    for name, symbol in NAMED_IN_REVIEW.items():
        rows = table[table["symbol"] == symbol]
        assert len(rows) == 1, symbol
        assert name.lower() in names_of(rows.iloc[0]), f"{name!r} does not resolve to {symbol}"


def test_compiled_names_are_the_reviews_own_words():
    if not REVIEW.is_file():
        pytest.skip(f"review text not found at {REVIEW}")
    text = REVIEW.read_text(encoding="utf-8").lower()
    missing = [name for name in NAMED_IN_REVIEW if name.lower() not in text]
    assert not missing


def test_aliases_never_give_one_name_to_two_genes(table):
    owner: dict[str, str] = {}
    for _, row in table[table["symbol"] != ""].iterrows():
        for name in [row["symbol"], *filter(None, row["aliases"].split("|"))]:
            assert owner.setdefault(name.upper(), row["symbol"]) == row["symbol"], name


def test_ambiguities_are_recorded_not_hidden(table):
    by_symbol = table.set_index("symbol", drop=False)
    assert "Table 1" in by_symbol.loc["FOXD1-AS1", "note"] and "text" in by_symbol.loc["FOXD2-AS1", "note"]
    unresolved = table[table["symbol"] == ""]
    assert {"Angie", "Lmur6"} <= set(unresolved["name_in_review"])
    assert "twice" in by_symbol.loc["MIR186", "note"]
    assert set(table["molecule"]) == {"protein_coding", "lncRNA", "miRNA", "circRNA"}


def test_derived_signatures(table):
    targets = review_signature_genes(table, "HIF1A_REVIEW_TARGETS")
    assert targets.down == [] and {"VEGFA", "SLC2A1", "BNIP3", "HK2", "ANGPTL4"} <= set(targets.up)
    assert "CDH1" not in targets.up and "" not in targets.up
    # Non-coding targets join as optional members, scored only where measured.
    assert {"MALAT1", "UCA1", "MIR18B"} <= targets.optional <= set(targets.up)
    assert not {"VEGFA", "HK2"} & targets.optional
    signed = review_signature_genes(table, "HIF1A_REVIEW_SIGNED")
    assert signed.up == targets.up and {"CDH1", "CASP3", "CDKN1A"} <= set(signed.down)
    every = review_signature_genes(table, "HIF1A_REVIEW_ALL")
    named = table[table["symbol"] != ""]
    assert set(every.up) == set(named["symbol"])
    assert every.optional == set(named.loc[named["molecule"] != "protein_coding", "symbol"])
    gene = review_signature_genes(table, "HIF1A_GENE")
    assert (gene.up, gene.down, gene.optional) == (["HIF1A"], [], frozenset())
    with pytest.raises(InputError, match="HIF1A_REVIEW_TARGETS"):
        review_signature_genes(table, "MY_NAME")
    assert len(REVIEW_SIGNATURES) == 4


def test_noncoding_members_do_not_count_towards_coverage(table):
    from hif_prognosis.data.genesets import check_coverage, coverage_table, signature_table

    targets = review_signature_genes(table, "HIF1A_REVIEW_TARGETS")
    signature = signature_table("T", targets.up, "x", optional=targets.optional)
    coding = [g for g in targets.up if g not in targets.optional]
    coverage = coverage_table(signature, coding)  # an array without non-coding probes
    assert coverage.loc[~coverage["required"], "present"].sum() == 0
    check_coverage(coverage, 1.0, "array")


def test_bad_table_is_rejected(tmp_path, table):
    broken = table.copy()
    broken.loc[0, "relation"] = "activates"
    broken.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    with pytest.raises(InputError, match="'relation' holds \\['activates'\\]"):
        read_review_table(tmp_path / "t.tsv")
