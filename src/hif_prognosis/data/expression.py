"""Expression matrices: reading, collapsing duplicate genes, putting values on a log2 scale, and
per-gene z-scores.

Matrices are pandas DataFrames with genes as the index (HGNC symbols) and samples as columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numba import get_num_threads, njit, prange

from hif_prognosis.compiled import in_blocks  # and the kernels' thread count follows the job's
from hif_prognosis.errors import InputError
from hif_prognosis.tables import read_text_bytes

DuplicateRule = Literal["max_mean", "mean", "median"]
ScaleDeclaration = Literal["auto", "log2", "linear"]

DUPLICATE_RULES: tuple[DuplicateRule, ...] = ("max_mean", "mean", "median")
ROW_BLOCK = 250  # rows of an expression file parsed at a time (at 10,000 samples 250 parse in 13% less CPU than 1,000)
GENE_BLOCK = 4096  # genes a per-gene statistic handles at a time (memory at 10,000 samples)
# log2 expression above this is over a billion linear units: not log2 data (RNA-seq TPM tops
# out near 2^20, array intensities near 2^16).
MAX_LOG2_VALUE = 30
DUPLICATE_RULE_WORDS: dict[DuplicateRule, str] = {
    "max_mean": "kept the row with the highest mean",
    "mean": "averaged them per sample",
    "median": "took their median per sample",
}


_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
# What spreadsheets make of symbols such as MARCH1, SEPT2, DEC1 (Zeeberg et al. 2004; Ziemann et
# al. 2016): '1-Mar', 'Mar-01', '01-Mar-2006', '2006-03-01', '3/1/2006'.
SPREADSHEET_DATE = re.compile(
    rf"^(\d{{1,2}}-{_MONTH}(-\d{{2,4}})?|{_MONTH}-\d{{1,4}}|\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})$",
    re.IGNORECASE,
)
DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+(e-?\d+)?\s*$", re.IGNORECASE)


def read_expression_table(
    path: str | Path, *, encoding: str = "utf-8", encoding_field: str = "the cohort's encoding"
) -> pd.DataFrame:
    """Read a genes x samples table whose first column holds gene symbols.

    Blank symbols are dropped; values must be numeric (missing values allowed). Sample IDs must
    be unique and every sample must hold at least one value: a duplicated or empty column is
    an error, never a silently dropped or imputed patient.
    """
    raw, codec = read_text_bytes(path, encoding, encoding_field=encoding_field)
    header = _expression_header(raw, codec, path)
    symbols, values = _named_rows(raw, codec, header, path)
    del raw
    table = pd.DataFrame(values, index=pd.Index(symbols, name="gene_symbol"), columns=pd.Index(header[1:], dtype=str))
    _check_values(table, path)
    return table


def _expression_header(raw: bytes, codec: str, path: str | Path) -> list[str]:
    """The table's header: a name for the symbol column, then unique sample IDs."""
    first_break = raw.find(b"\n")
    second_break = raw.find(b"\n", first_break + 1) if first_break >= 0 else -1
    lines = (raw if second_break < 0 else raw[:second_break]).split(b"\n")  # the first two, not a copy of the rest
    # csv unquotes the cells as pandas does the rows': R's write.table quotes the sample IDs
    header = next(csv.reader([lines[0].decode(codec).rstrip("\r")], delimiter="\t"))
    first_row = next(csv.reader([lines[1].decode(codec, errors="replace").rstrip("\r")], delimiter="\t")) if len(lines) > 1 else []
    if len(first_row) == len(header) + 1:  # R's write.table: no header cell above the row names
        header = ["gene_symbol", *header]
    samples = pd.Series([name.strip() for name in header[1:]])
    duplicated = samples[samples.duplicated()].unique()
    if len(duplicated):
        raise InputError(
            f"{path}: sample ID(s) {list(duplicated[:5])} head more than one column; give each "
            "sample one column (or remove the duplicate)."
        )
    if len(header) < 2:
        raise InputError(
            f"{path}: expected a tab-separated genes x samples table (first column gene symbol, "
            "one column per sample) but found no sample columns. Check the file's delimiter."
        )
    return header


def _named_rows(raw: bytes, codec: str, header: list[str], path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The stripped symbols and values of the rows with a symbol, parsed in blocks of rows on the
    job's threads (pandas' parser releases the GIL) into one preallocated array: parsing the whole
    file at once holds its tokens and a per-column copy besides the result (7 GB at 20,000 x 10,000)."""
    blocks = _row_blocks(raw, ROW_BLOCK)
    first_row = np.cumsum([0] + [lines for _, _, lines in blocks])
    values = np.empty((first_row[-1], len(header) - 1))
    symbols: list[np.ndarray] = [np.array([], dtype=str)] * len(blocks)

    def parse(number: int) -> None:
        start, end, _ = blocks[number]
        block = pd.read_csv(io.BytesIO(raw[start:end]), sep="\t", index_col=0, encoding=codec, header=None,
                            names=header, low_memory=False)
        _refuse_non_numeric(block, path)
        stripped = block.index.to_series().astype("string").str.strip()
        named = (stripped.notna() & (stripped != "")).to_numpy()
        values[first_row[number]:first_row[number] + named.sum()] = block.to_numpy(dtype=float)[named]
        symbols[number] = stripped[named].to_numpy(dtype=str)

    in_blocks(parse, len(blocks), 1, get_num_threads())
    # a block's rows fall short of its lines by its blank lines and rows without a symbol: move up
    filled = 0
    for number, named_symbols in enumerate(symbols):
        values[filled:filled + len(named_symbols)] = values[first_row[number]:first_row[number] + len(named_symbols)]
        filled += len(named_symbols)
    return np.concatenate([np.array([], dtype=str), *symbols]), values[:filled]


def _row_blocks(raw: bytes, rows: int) -> list[tuple[int, int, int]]:
    """(start, end, lines) of blocks of about ``rows`` lines after the header line, each ending at
    a line break outside quotes (an even number of quote characters before it: R's write.table
    quotes the symbols, and a quoted field may hold a line break)."""
    blocks, start, quotes = [], raw.find(b"\n") + 1 or len(raw), 0
    while start < len(raw):
        end, lines = start, 0
        while end < len(raw) and (lines < rows or quotes % 2):
            line_end = raw.find(b"\n", end)
            line_end = len(raw) if line_end < 0 else line_end + 1
            quotes += raw.count(b'"', end, line_end)
            end, lines = line_end, lines + 1
        blocks.append((start, end, lines))
        start = end
    return blocks


def _refuse_non_numeric(block: pd.DataFrame, path: str | Path) -> None:
    # From the dtypes at once: a column's Series per block cost 14 of 88 s at 10,000 samples.
    non_numeric = [c for c, dtype in block.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
    if not non_numeric:
        return
    bad = {c: block[c][pd.to_numeric(block[c], errors="coerce").isna() & block[c].notna()] for c in non_numeric}
    examples = [f"{c}: {v!r}" for c in non_numeric[:3] for v in bad[c].head(1)]
    commas = [v for c in non_numeric for v in bad[c].astype(str) if DECIMAL_COMMA.match(v)]
    if commas:
        raise InputError(
            f"{path}: sample column(s) {non_numeric[:5]} write numbers with commas "
            f"({'; '.join(examples)}); the table must use '.' as the decimal separator and no thousands separators. "
            "Re-export it with '.' (e.g. R write.table(dec = '.'), or a spreadsheet in an English locale)."
        )
    raise InputError(
        f"{path}: sample column(s) {non_numeric[:5]} hold non-numeric values ({'; '.join(examples)}); "
        "every column after the first must be expression values. Is this the clinical table? "
        "Check that the cohort's expression and clinical paths are not swapped."
    )


def _check_values(table: pd.DataFrame, path: str | Path) -> None:
    """Refuse infinite values, gene symbols a spreadsheet turned into dates, and empty samples."""
    infinite = np.isinf(table.to_numpy())
    if infinite.any():
        gene, sample = _where(table, infinite)
        raise InputError(
            f"{path}: {int(infinite.sum())} value(s) are infinite (e.g. {gene} in {sample}: "
            f"{table.to_numpy()[infinite][0]:g}), what a log of 0 or a division by 0 writes (R's Inf, -Inf). "
            "Recompute them in the program that wrote the file (e.g. log2(x + 1), not log2(x)), or write "
            "them as NA if they are missing."
        )
    dates = [symbol for symbol in table.index if SPREADSHEET_DATE.match(symbol)]
    if dates:
        raise InputError(
            f"{path}: {len(dates)} gene symbol(s) in the first column are dates a spreadsheet made of "
            f"gene names ({', '.join(dates[:8])}): '1-Mar' was MARCH1 or MARC1, '2-Sep' SEPT2, '1-Dec' DEC1, "
            "and which is no longer knowable from the file. Re-export the matrix from its source with "
            "the gene column as text (or use the platform's probe IDs); never open it in a spreadsheet."
        )
    empty = list(table.columns[np.isnan(table.to_numpy()).all(axis=0)])
    if empty:
        raise InputError(
            f"{path}: sample column(s) {empty[:5]} hold no expression value at all; remove them "
            "from the file (a sample without data cannot be scored, and would otherwise be "
            "imputed to the gene medians and analysed as a patient)."
        )


def collapse_duplicate_genes(matrix: pd.DataFrame, rule: DuplicateRule) -> pd.DataFrame:
    """Give every gene symbol one row.

    - ``max_mean``: keep the row with the highest mean over samples (WGCNA collapseRows
      "MaxMean"); ties go to the first row in file order.
    - ``mean`` / ``median``: the per-sample mean / median of the rows.
    The result is sorted by gene symbol so downstream tables do not depend on input row order.
    """
    if rule not in DUPLICATE_RULES:
        raise InputError(f"unknown duplicate-gene rule {rule!r}; use one of {DUPLICATE_RULES}")
    if rule == "max_mean":
        # The kept rows are chosen on the index alone, then taken once, in symbol order: the
        # matrix is copied once (at 10,000 samples each copy is gigabytes).
        row_means = matrix.mean(axis=1, skipna=True).to_numpy()
        order = np.lexsort((np.arange(len(matrix)), -row_means))
        kept = order[~matrix.index[order].duplicated(keep="first")]
        kept = kept[np.argsort(matrix.index[kept].to_numpy(dtype=str), kind="stable")]
        collapsed = matrix.iloc[kept]
    else:
        collapsed = matrix.groupby(level=0, sort=False).agg(rule).sort_index()
    collapsed.index.name = "gene_symbol"
    return collapsed


def looks_log2_transformed(matrix: pd.DataFrame) -> bool:
    """Decide whether values are already on a log scale, by GEO2R's rule.

    GEO2R treats data as linear when the 99th percentile exceeds 100, or when the range
    exceeds 50 with a positive lower quartile.
    """
    values = matrix.to_numpy(dtype=float).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise InputError("expression matrix holds no finite values")
    q0, q25, q99, q100 = np.quantile(values, [0.0, 0.25, 0.99, 1.0])
    linear = bool(q99 > 100 or (q100 - q0 > 50 and q25 > 0))
    return not linear


@dataclass(frozen=True)
class ScaleDecision:
    declared: ScaleDeclaration
    transformed: bool

    def describe(self) -> str:
        how = "declared" if self.declared != "auto" else "detected (GEO2R rule)"
        if self.transformed:
            return f"linear scale {how}: applied log2(x + 1)"
        return f"log2 scale {how}: values used as given"


def to_log2_scale(
    matrix: pd.DataFrame, declared: ScaleDeclaration
) -> tuple[pd.DataFrame, ScaleDecision]:
    """Return the matrix on a log2 scale and the decision taken.

    Linear data get log2(x + 1); negative linear values are impossible and raise an error.
    """
    if declared not in ("auto", "log2", "linear"):
        raise InputError(f"unknown expression scale {declared!r}; use auto, log2 or linear")
    is_log = looks_log2_transformed(matrix) if declared == "auto" else declared == "log2"
    decision = ScaleDecision(declared=declared, transformed=not is_log)
    how = "declared" if declared != "auto" else "detected"
    values = matrix.to_numpy(dtype=float)
    if is_log:
        highest = float(np.nanmax(values))
        if highest > MAX_LOG2_VALUE:
            gene, sample = _where(matrix, values == highest)
            raise InputError(
                f"expression {how} as log2 reaches {highest:g} ({gene} in {sample}): a log2 value above "
                f"{MAX_LOG2_VALUE} would be over 2^{MAX_LOG2_VALUE} linear units, so these values "
                "are not log2. Set the cohort's expression_scale to linear if they are intensities "
                "or counts; otherwise the file is not expression data."
            )
        return matrix, decision
    negative = values < 0
    if negative.any():
        gene, sample = _where(matrix, negative)
        if np.nanmax(values) <= MAX_LOG2_VALUE:
            fix = "set the cohort's expression_scale to log2 if the values are log2 or log ratios"
        else:
            fix = (
                f"they reach {np.nanmax(values):g}, so they are not log values either: the file is "
                "corrupt or not expression data"
            )
        raise InputError(
            f"expression {how} as linear holds {int(negative.sum())} negative value(s) (e.g. "
            f"{gene} in {sample}: {values[negative][0]:g}), which linear expression cannot have; {fix}."
        )
    return matrix.add(1.0).apply(np.log2), decision


def _where(matrix: pd.DataFrame, mask: np.ndarray) -> tuple[str, str]:
    """(gene, sample) of the first True cell of ``mask``."""
    row, column = np.argwhere(mask)[0]
    return str(matrix.index[row]), str(matrix.columns[column])


def handle_missing_values(
    matrix: pd.DataFrame, max_missing_fraction: float
) -> tuple[pd.DataFrame, int, int]:
    """Drop genes missing in more than ``max_missing_fraction`` of samples; fill the rest.

    Remaining gaps take the gene's median over samples, because scoring methods need a
    complete matrix. Returns the matrix, the number of genes dropped and of values filled.
    """
    missing_fraction = matrix.isna().mean(axis=1)
    too_sparse = missing_fraction > max_missing_fraction
    kept = matrix.loc[~too_sparse] if too_sparse.any() else matrix
    values = kept.to_numpy(dtype=float)
    gaps = np.nonzero(np.isnan(values))
    if len(gaps[0]):
        # pandas' fillna of the transposed frame fills gene by gene: 8 s for GSE21257's 21,913
        # genes, where these few array operations take milliseconds
        values = values.copy()
        values[gaps] = kept.median(axis=1).to_numpy()[gaps[0]]
        kept = pd.DataFrame(values, index=kept.index, columns=kept.columns)
    return kept, int(too_sparse.sum()), len(gaps[0])


def gene_zscores(matrix: pd.DataFrame) -> pd.DataFrame:
    """Z-score each gene across samples with the sample SD (ddof=1).

    Genes whose values are all equal carry no ranking information and come back as NaN;
    missing values are skipped (row_zscores). Formed in one new array (at 10,000 samples each matrix-sized copy is gigabytes).
    """
    values = matrix.to_numpy(dtype=float)
    z = np.empty_like(values)
    row_zscores(values, z)
    return pd.DataFrame(z, index=matrix.index, columns=matrix.columns)


@njit(cache=True, parallel=True)
def row_zscores(values: np.ndarray, out: np.ndarray) -> None:
    """Each row of ``values`` z-scored into ``out`` (same shape): minus the row's mean, over its
    sample SD (ddof=1), both over its non-missing values; NaN stays NaN. A row whose values are
    all equal, or that has fewer than two values, has no z-scores: all NaN (its SD formed in
    floating point would be rounding noise, not zero)."""
    for i in prange(values.shape[0]):
        _zscore_row(values[i], out[i])


@njit(cache=True)
def mean_gene_zscores(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's mean z-score over the genes that vary (row_zscores all finite), and which
    genes vary, without the matrix of z-scores (at 10,000 samples, gigabytes): each gene's row
    z-scored in turn and added in gene order. numpy's ``mean(axis=0, where=)`` of that matrix
    adds the rows in the same order where the matrix is row-major (equal to the bit), and
    pairwise where it is column-major, as a DataFrame's z-scores are (equal to about 1e-16)."""
    n_genes, n_samples = values.shape
    row, total = np.empty(n_samples), np.zeros(n_samples)
    varies = np.zeros(n_genes, dtype=np.bool_)
    for i in range(n_genes):
        _zscore_row(values[i], row)
        varies[i] = np.isfinite(row).all()
        if varies[i]:
            for j in range(n_samples):
                total[j] += row[j]
    count = varies.sum()
    return (total / count if count else np.full(n_samples, np.nan)), varies


@njit(cache=True, inline="always")
def _zscore_row(values: np.ndarray, out: np.ndarray) -> None:
    """One row of row_zscores."""
    count, total, low, high = 0, 0.0, np.inf, -np.inf
    for j in range(len(values)):
        v = values[j]
        if not np.isnan(v):
            count += 1
            total += v
            low, high = min(low, v), max(high, v)
    if count < 2 or low == high:
        out[:] = np.nan
        return
    mean, squares = total / count, 0.0
    for j in range(len(values)):
        v = values[j]
        if not np.isnan(v):
            squares += (v - mean) ** 2
    sd = np.sqrt(squares / (count - 1))
    for j in range(len(values)):
        out[j] = (values[j] - mean) / sd
