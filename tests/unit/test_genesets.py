import pytest

from hif_prognosis.errors import InputError
from hif_prognosis.data.genesets import check_coverage, collect_signatures, coverage_table, read_gene_list, read_gmt, signature_table


def test_read_gmt_ignores_trailing_tabs_and_duplicates(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text("SET_A\thttp://x\tTP53\tMYC\tTP53\t\nSET_B\tdesc\tVEGFA\n")
    assert read_gmt(path) == {"SET_A": ["TP53", "MYC"], "SET_B": ["VEGFA"]}


def test_read_gmt_names_the_bad_line(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text("SET_A\tdesc\tTP53\nSET_B\n")
    with pytest.raises(InputError, match=r"sets\.gmt, line 2"):
        read_gmt(path)


def test_real_hallmark_hypoxia(shared_data):
    sets = read_gmt(shared_data / "msigdb" / "h.all.v7.0.symbols.gmt")
    assert len(sets) == 50 and len(sets["HALLMARK_HYPOXIA"]) == 200
    assert {"PGK1", "PDK1", "VEGFA", "ALDOA"} <= set(sets["HALLMARK_HYPOXIA"])


def test_collect_signatures_from_gmt_and_gene_list(tmp_path):
    gmt = tmp_path / "sets.gmt"
    gmt.write_text("SET_A\tdesc\tTP53\tMYC\n")
    genes = tmp_path / "genes.txt"
    genes.write_text("# my list\nVEGFA\n\nCA9  # carbonic anhydrase\n")
    with pytest.raises(InputError, match=r"no gene set named 'A'.*set name"):
        collect_signatures({"A": {"gmt": str(gmt)}})
    table = collect_signatures({"MINE": {"gmt": str(gmt), "set": "SET_A"}, "L": {"genes_file": str(genes)}})
    assert table["signature"].tolist() == ["MINE", "MINE", "L", "L"]
    assert table["gene"].tolist() == ["TP53", "MYC", "VEGFA", "CA9"]
    assert table["source"].iloc[0].endswith("sets.gmt#SET_A")
    assert set(table["direction"]) == {"up"}


def test_empty_gene_list_is_an_error(tmp_path):
    path = tmp_path / "genes.txt"
    path.write_text("# nothing\n")
    with pytest.raises(InputError, match="empty"):
        read_gene_list(path)


def test_coverage_matches_symbols_then_aliases_one_gene_each():
    signatures = signature_table(
        "S", ["CCN4", "BHLHE41", "TP53", "NOPE", "MYC"], "x",
        aliases={"CCN4": "WISP1", "BHLHE41": "DEC2|SHARP1", "NOPE": "WISP1|TP53", "MYC": "MYCN"},
    )
    coverage = coverage_table(signatures, ["WISP1", "SHARP1", "TP53", "MYC", "MYCN"]).set_index("symbol")
    assert coverage["matched_as"].to_dict() == {
        "CCN4": "WISP1", "BHLHE41": "SHARP1", "TP53": "TP53", "NOPE": "", "MYC": "MYC",
    }
    assert coverage["present"].tolist() == [True, True, True, False, True]


def test_symbols_renamed_because_spreadsheets_made_dates_of_them_match_either_way():
    """A 2024 gene set (SEPTIN7, MARCHF5) on a 2010 array (SEPT7, MARCH5), and the reverse, keep
    their genes instead of silently dropping them; a gene of the set itself is never taken twice."""
    new_names = signature_table("S", ["SEPTIN7", "MARCHF5", "MTARC1", "DELEC1", "SEPTIN9"], "x")
    coverage = coverage_table(new_names, ["SEPT7", "MARCH5", "MARC1", "DEC1", "SEPTIN9", "SEPT9"]).set_index("symbol")
    assert coverage["matched_as"].to_dict() == {"SEPTIN7": "SEPT7", "MARCHF5": "MARCH5", "MTARC1": "MARC1", "DELEC1": "DEC1",
                                                "SEPTIN9": "SEPTIN9"}
    old_names = signature_table("S", ["SEPT2", "MARCH8", "MARCH10"], "x")
    coverage = coverage_table(old_names, ["SEPTIN2", "MARCHF8"]).set_index("symbol")
    assert coverage["matched_as"].to_dict() == {"SEPT2": "SEPTIN2", "MARCH8": "MARCHF8", "MARCH10": ""}


def test_coverage_below_threshold_names_the_missing_genes():
    coverage = coverage_table(signature_table("S", ["A", "B", "C", "D"], "x"), ["A", "B"])
    check_coverage(coverage, 0.5, "X")
    with pytest.raises(InputError, match=r"cohort X.*S 50% \(missing: C, D\)"):
        check_coverage(coverage, 0.7, "X")


def test_read_gmt_reads_enrichr_text_export_with_weights(tmp_path):
    # Enrichr's geneSetLibrary?mode=text: empty description, some libraries weight genes
    path = tmp_path / "Enrichr_library.txt"
    path.write_text("HIF-1 signaling\t\tVEGFA,1.0\tPGK1,0.5\t\nGlycolysis\t\tPGK1\tENO1\n")
    assert read_gmt(path) == {"HIF-1 signaling": ["VEGFA", "PGK1"], "Glycolysis": ["PGK1", "ENO1"]}
