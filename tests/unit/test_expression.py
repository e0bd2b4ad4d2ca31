import numpy as np
import pandas as pd
import pytest

from hif_prognosis.errors import InputError
from hif_prognosis.data.expression import collapse_duplicate_genes, handle_missing_values, looks_log2_transformed, read_expression_table, to_log2_scale


@pytest.fixture
def duplicated() -> pd.DataFrame:
    return pd.DataFrame(
        {"s1": [1.0, 5.0, 3.0, 2.0], "s2": [3.0, 1.0, 3.0, 2.0]},
        index=pd.Index(["TP53", "TP53", "MYC", "ACTB"], name="gene_symbol"),
    )


def test_max_mean_keeps_row_with_highest_mean(duplicated):
    collapsed = collapse_duplicate_genes(duplicated, "max_mean")
    assert list(collapsed.index) == ["ACTB", "MYC", "TP53"]
    # TP53 rows have means 2 and 3: the second wins.
    assert collapsed.loc["TP53"].tolist() == [5.0, 1.0]


def test_max_mean_tie_goes_to_first_row():
    matrix = pd.DataFrame({"s1": [1.0, 2.0], "s2": [2.0, 1.0]}, index=["A", "A"])
    assert collapse_duplicate_genes(matrix, "max_mean").loc["A"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize("rule, expected", [("mean", [3.0, 2.0]), ("median", [3.0, 2.0])])
def test_average_rules(duplicated, rule, expected):
    assert collapse_duplicate_genes(duplicated, rule).loc["TP53"].tolist() == expected


def test_unknown_rule_is_an_error(duplicated):
    with pytest.raises(InputError, match="max_mean"):
        collapse_duplicate_genes(duplicated, "sum")


def test_log_scale_detection():
    rng = np.random.default_rng(1)
    linear = pd.DataFrame(rng.lognormal(6, 2, size=(500, 10)))
    assert not looks_log2_transformed(linear)
    assert looks_log2_transformed(np.log2(linear + 1))
    log_ratios = pd.DataFrame(rng.normal(0, 1.5, size=(500, 10)))
    assert looks_log2_transformed(log_ratios)


def test_linear_values_get_log2_plus_one():
    linear = pd.DataFrame({"s1": [0.0, 1000.0, 3.0], "s2": [200.0, 7.0, 15.0]})
    logged, decision = to_log2_scale(linear, "auto")
    assert decision.transformed
    np.testing.assert_allclose(logged["s1"], [0.0, np.log2(1001.0), 2.0])
    logged_values = np.log2(linear + 1)
    kept, decision = to_log2_scale(logged_values, "log2")
    assert not decision.transformed and kept is logged_values


def test_values_too_large_for_log2_are_an_error_not_used_as_log2():
    """A log2 value of 1,068 would be 2^1068 units: declared log2, such data are an error."""
    values = pd.DataFrame({"s1": [5.0, 1068.0, 3.0], "s2": [8.0, 7.0, 15.0]}, index=["A", "B", "C"])
    with pytest.raises(InputError, match=r"declared as log2 reaches 1068 \(B in s1\).*expression_scale to linear"):
        to_log2_scale(values, "log2")


def test_negative_counts_are_called_corrupt_not_log_ratios():
    counts = pd.DataFrame({"s1": [5.0, 12000.0, -3.0], "s2": [800.0, 7.0, 15.0]}, index=["A", "B", "C"])
    with pytest.raises(InputError, match=r"1 negative value\(s\) \(e.g. C in s1: -3\).*reach 12000.*corrupt"):
        to_log2_scale(counts, "linear")


def test_linear_declared_with_negative_values_is_an_error():
    with pytest.raises(InputError, match="expression_scale to log2"):
        to_log2_scale(pd.DataFrame({"s1": [-1.0, 2.0]}), "linear")


def test_missing_values_dropped_or_filled():
    matrix = pd.DataFrame(
        {"s1": [1.0, np.nan, np.nan], "s2": [3.0, 4.0, np.nan], "s3": [np.nan, 6.0, 1.0]},
        index=["A", "B", "C"],
    )
    kept, n_dropped, n_filled = handle_missing_values(matrix, max_missing_fraction=0.5)
    assert n_dropped == 1 and list(kept.index) == ["A", "B"]
    assert n_filled == 2
    assert kept.loc["A", "s3"] == 2.0  # median of 1 and 3
    assert kept.loc["B", "s1"] == 5.0


def test_filled_values_are_pandas_gene_medians_to_the_bit():
    rng = np.random.default_rng(7)
    values = rng.normal(8, 2, size=(300, 40))
    values[rng.random(values.shape) < 0.05] = np.nan
    matrix = pd.DataFrame(values, index=pd.Index([f"G{i}" for i in range(300)], name="gene"),
                          columns=pd.Index([f"s{j}" for j in range(40)], name="sample"))
    kept, _, n_filled = handle_missing_values(matrix, max_missing_fraction=1.0)
    expected = matrix.T.fillna(matrix.median(axis=1)).T  # pandas: each gene's gaps take its median
    assert n_filled == int(matrix.isna().to_numpy().sum()) > 0
    pd.testing.assert_frame_equal(kept, expected, check_exact=True)
    assert matrix.isna().to_numpy().sum() == n_filled  # the input is left as it was


def test_read_expression_table_rejects_text_columns(tmp_path):
    path = tmp_path / "expr.tsv"
    path.write_text("gene\ts1\ts2\nTP53\t1.0\thigh\n")
    with pytest.raises(InputError, match=r"expr\.tsv.*s2"):
        read_expression_table(path)


def test_read_expression_table_drops_blank_symbols(tmp_path):
    path = tmp_path / "expr.tsv"
    path.write_text("gene\ts1\nTP53\t1.0\n\t2.0\n MYC \t3.0\n")
    table = read_expression_table(path)
    assert list(table.index) == ["TP53", "MYC"]


@pytest.mark.parametrize("threads", [1, 2])
def test_a_table_parsed_in_blocks_of_rows_equals_pandas_reading_it_whole(tmp_path, monkeypatch, threads):
    """Blocks of 3 rows on 1 and 2 threads: blank lines, a row without a symbol, R's quoted
    symbols and a quoted symbol holding a line break across a block's end change nothing."""
    from numba import config, get_num_threads, set_num_threads

    from hif_prognosis.data import expression

    monkeypatch.setattr(expression, "ROW_BLOCK", 3)
    rows = [f'"G{i}"\t{i}.25\t{-i}.5' for i in range(11)]
    rows[2] = '"A\nB"\t1\t2'  # a line break inside quotes, the block's last line
    rows[5] = "\t7\t8"  # no symbol: dropped
    rows[7] = "G7\tNA\t"  # missing values
    text = '"s1"\t"s2"\n' + "\n".join(rows[:6]) + "\n\n" + "\n".join(rows[6:]) + "\n"  # R's header, a blank line
    path = tmp_path / "expr.tsv"
    path.write_text(text)
    previous = get_num_threads()
    set_num_threads(min(threads, config.NUMBA_NUM_THREADS))
    try:
        table = read_expression_table(path)
    finally:
        set_num_threads(previous)
    whole = pd.read_csv(path, sep="\t", index_col=0)
    whole = whole[whole.index.notna()]
    assert list(table.index) == list(whole.index) and list(table.columns) == ["s1", "s2"]
    np.testing.assert_array_equal(table.to_numpy(), whole.to_numpy(dtype=float))
    assert "A\nB" in table.index and len(table) == 10


def test_the_jobs_matrix_file_keeps_values_and_labels_exactly_and_its_bytes_are_reproducible(tmp_path):
    """What the workflow's jobs read (numpy .npz): every float64 bit, gene symbols a TSV reader
    would take for missing values ("NA", "NULL") or numbers ("1"), non-ASCII labels and the index
    name come back unchanged; writing the same matrix twice gives the same bytes (fixed zip
    dates); the gene labels can be read alone; the published TSV holds the same matrix."""
    import time

    from hif_prognosis.tables import read_matrix, read_matrix_genes, write_matrix, write_tsv

    rng = np.random.default_rng(1)
    genes = pd.Index(["NA", "NULL", "1", "SEPT7", "Ç-GENE"], name="gene_symbol")
    matrix = pd.DataFrame(rng.normal(8, 2, size=(5, 3)) / 3, index=genes, columns=["GSM1", "GSM2", "s-3"])
    write_matrix(matrix, tmp_path / "a.npz")
    time.sleep(1.1)  # zip stores times to 2 s: a timestamp would differ between the two files
    write_matrix(matrix, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    back = read_matrix(tmp_path / "a.npz")
    pd.testing.assert_frame_equal(back, matrix)
    assert back.to_numpy().tobytes() == matrix.to_numpy().tobytes()
    pd.testing.assert_index_equal(read_matrix_genes(tmp_path / "a.npz"), genes)
    write_tsv(back, tmp_path / "expression.tsv.gz", index=True)
    published = pd.read_csv(tmp_path / "expression.tsv.gz", sep="\t", index_col=0, keep_default_na=False)
    assert list(published.index) == list(genes.astype(str)) and published.index.name == "gene_symbol"
    np.testing.assert_allclose(published.to_numpy(), matrix.to_numpy(), rtol=1e-11)


@pytest.fixture(params=["template", "compiled"])
def value_formatter(request, monkeypatch):
    """write_tsv's two formatters of a table's values: the % template, and the compiled one
    large tables take (float_text)."""
    from hif_prognosis import tables

    monkeypatch.setattr(tables, "COMPILED_FROM", 0 if request.param == "compiled" else 10**12)
    return request.param


def test_matrix_tsv_is_pandas_formatting_to_the_byte(tmp_path, value_formatter):
    """write_tsv formats a matrix a row at a time; the text is pandas' to_csv with the same
    float format and "NA": labels that need quoting (a tab, a quote) or hold a %, missing, infinite,
    negative-zero and tiny values included; the .gz holds the same text."""
    import gzip

    from hif_prognosis.tables import FLOAT_FORMAT, write_tsv

    values = np.random.default_rng(4).normal(5, 2, size=(2500, 6)) / 7
    values[3, 4], values[5, 5], values[6, 0], values[7, 1] = np.nan, -np.inf, -0.0, 1e-300
    matrix = pd.DataFrame(
        values,
        index=pd.Index(['G"1', "a\tb", "%d", *[f"G{i}" for i in range(2497)]], name="gene"),
        columns=["S 1", 'x"y', "GSM3", "Ç", "5", "NA"],
    )
    write_tsv(matrix, tmp_path / "m.tsv", index=True)
    write_tsv(matrix, tmp_path / "m.tsv.gz", index=True)
    expected = matrix.to_csv(sep="\t", float_format=FLOAT_FORMAT, na_rep="NA")
    assert (tmp_path / "m.tsv").read_text() == expected
    assert gzip.decompress((tmp_path / "m.tsv.gz").read_bytes()).decode() == expected


def test_labelled_long_tables_are_pandas_formatting_to_the_byte(tmp_path, value_formatter):
    """write_tsv formats a long table (text label columns, then float64 columns, as the null's
    log HRs) a row at a time too, with or without its index; labels that repeat, are empty or
    need quoting or hold a %, and NaN values, give pandas' to_csv text, and compressed, its .gz bytes. A
    table whose labels are not all text, or miss a value, is left to pandas, with the same result."""
    from hif_prognosis.tables import FLOAT_FORMAT, _label_columns, write_tsv

    n = 2300
    rng = np.random.default_rng(5)
    names = np.array(["HIF", "", 'q"uote', "a\tb", "line\nbreak", "Ç", "100%", "%s"], dtype=object)
    table = pd.DataFrame({
        "signature": names[rng.integers(0, len(names), n)],
        "endpoint": np.repeat(["overall_survival", ""], n // 2 + 1)[:n].astype(object),
        "log_hr": rng.normal(size=n), "log_hr_adj": rng.normal(size=n),
    })
    table.loc[[4, 9], "log_hr_adj"] = np.nan
    table.loc[11, "log_hr"] = -np.inf
    only_floats = table[["log_hr", "log_hr_adj"]]
    one_empty_label = table[["endpoint", "log_hr"]]
    missing_label = table.assign(signature=table["signature"].where(table.index != 7))
    number_label = table.assign(endpoint=np.arange(n, dtype=np.int64))
    cases = {
        "long": (table, False, ["signature", "endpoint"]),
        "long, index": (table, True, ["signature", "endpoint"]),
        "floats": (only_floats, False, []),
        "one empty label": (one_empty_label, False, ["endpoint"]),
        "missing label": (missing_label, False, None),
        "number label": (number_label, False, None),
    }
    for case, (frame, index, labels) in cases.items():
        assert _label_columns(frame, index) == labels, case
        write_tsv(frame, tmp_path / "t.tsv", index=index)
        expected = frame.to_csv(sep="\t", index=index, float_format=FLOAT_FORMAT, na_rep="NA")
        assert (tmp_path / "t.tsv").read_text() == expected, case
    write_tsv(table, tmp_path / "t.tsv.gz")
    (tmp_path / "pandas").mkdir()
    table.to_csv(tmp_path / "pandas" / "t.tsv.gz", sep="\t", index=False, float_format=FLOAT_FORMAT, na_rep="NA",
                 compression={"method": "gzip", "mtime": 0, "compresslevel": 1})
    assert (tmp_path / "t.tsv.gz").read_bytes() == (tmp_path / "pandas" / "t.tsv.gz").read_bytes()


def test_compiled_value_text_is_pythons():
    """float_text's "%.12g" equals Python's for values of every magnitude, rounding cases near a
    half, powers of ten, the ends of the double range and non-finite values; expression-like
    values are formatted compiled, not handed back to Python."""
    from hif_prognosis.float_text import WIDTH, _write_rows, rows_text

    rng = np.random.default_rng(8)
    magnitudes = 10.0 ** rng.integers(-16, 17, 60_000)
    values = np.concatenate([
        rng.normal(size=60_000) * magnitudes, *(np.round(rng.uniform(-16, 16, 10_000), places) for places in range(7)),
        10.0 ** np.arange(-15, 16), -(10.0 ** np.arange(-15, 16)) * (1 - 1e-16),
        [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.7976931348623157e308, 999999999999.5, 99999999999.95,
         123456789012.5, 0.5, 2.5, 1e-11, 9.999999999995e-12, 0.00012345678901249999, 1 / 3, 2 / 3, 0.1 + 0.2],
    ])
    text = bytes(rows_text(values[:, None], [b""] * len(values))).decode().split("\n")[:-1]
    assert text == ["NA" if np.isnan(v) else "%.12g" % v for v in values.tolist()]
    wide = bytes(rows_text(values[:30].reshape(3, 10), [b"a\t", b"", b"%s\t"])).decode()
    assert wide == "".join(prefix + "\t".join("%.12g" % v for v in row) + "\n"
                           for prefix, row in zip(["a\t", "", "%s\t"], values[:30].reshape(3, 10).tolist()))
    expression = np.round(rng.uniform(0, 16, (100, 100)), 3)
    out = np.empty(expression.size * (WIDTH + 1), dtype=np.uint8)
    ends = np.arange(1, 101, dtype=np.int64)
    assert _write_rows(expression, np.zeros(100, dtype=np.uint8), ends, out, 0, 0)[0] == expression.size
