"""Reading users' text tables safely, writing tables so that the same inputs give
byte-identical files, and the expression matrices the workflow's jobs pass each other."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hif_prognosis.errors import InputError

# 12 significant digits: far below any reported precision, and stable across platforms'
# last-bit floating-point differences in summation order.
FLOAT_FORMAT = "%.12g"


def write_tsv(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> None:
    """Tab-separated, fixed float format, "NA" for missing values (as R writes them).

    ``.gz`` paths are gzip-compressed with a zero timestamp, so reruns give identical bytes, at
    gzip's fastest level: level 9 took 5x as long on an expression matrix for a 7% smaller file.
    A table of float64 values labelled by text (an expression matrix; a null's long table) is
    formatted a block of rows at a time by one ``%`` operation, 5x faster than pandas'
    value-by-value formatting and equal to it (tested).
    """
    compression = {"method": "gzip", "mtime": 0, "compresslevel": 1} if str(path).endswith(".gz") else None
    labels = _label_columns(table, index)
    if labels is not None:
        _write_labelled_floats(table, labels, index, path, compression is not None)
        return
    table.to_csv(
        path,
        sep="\t",
        index=index,
        float_format=FLOAT_FORMAT,
        na_rep="NA",
        compression=compression,
    )


def _label_columns(table: pd.DataFrame, index: bool) -> list[Any] | None:
    """The leading columns that label a table's float64 values: every column after them is
    float64 (one at least) and each of them is text throughout, none missing. None where the
    table is not such, or its index, when written, has levels or missing labels."""
    floats = (table.dtypes == np.float64).to_numpy()
    n_labels = len(floats) - int(np.argmin(floats[::-1])) if not floats.all() else 0
    if n_labels == len(floats) or (index and (table.index.nlevels > 1 or table.index.hasnans)):
        return None
    labels = list(table.columns[:n_labels])
    if any(pd.api.types.infer_dtype(table[label], skipna=False) != "string" for label in labels):
        return None
    return labels


ROW_BLOCK = 1000  # rows formatted at a time
COMPILED_FROM = 3_000_000  # values from which the compiled formatter (160 ns a value less) pays for loading numba (0.5 s)


def _write_labelled_floats(
    table: pd.DataFrame, labels: list[Any], index: bool, path: str | Path, compressed: bool
) -> None:
    """``write_tsv(table, path, index=index)``'s bytes for a table of ``labels`` then float64
    columns (labels quoted as pandas quotes them, through the csv module, once per distinct row
    of labels), without pandas' cost per value: each block of rows is formatted by one ``%``
    operation, over a template of the rows' labels (their % doubled) and value formats ("NA"
    written in place of a missing value, as pandas' na_rep); a large table's values by the
    compiled formatter (``float_text``, equal to the ``%`` operation to the byte)."""
    buffer = io.StringIO()
    quoted = csv.writer(buffer, delimiter="\t", lineterminator="\n")

    def quote(cells: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        quoted.writerow(cells)
        return buffer.getvalue()[:-1]

    complete = "\t".join([FLOAT_FORMAT] * (table.shape[1] - len(labels))) + "\n"

    def with_gaps(missing: np.ndarray) -> str:
        return "\t".join("NA" if gap else FLOAT_FORMAT for gap in missing) + "\n"

    def template(block: np.ndarray, row_prefixes: list[Any]) -> bytes:
        missing = np.isnan(block)
        rows = [prefix + (with_gaps(missing[row]) if gaps else complete)
                for row, (prefix, gaps) in enumerate(zip(row_prefixes, missing.any(axis=1).tolist(), strict=True))]
        return ("".join(rows) % tuple(block[~missing].tolist())).encode()

    values = table.iloc[:, len(labels):].to_numpy()
    # A row's labels and the tab after them (an empty last cell: never quoted), once per distinct
    # row of labels, in the form its formatter takes: % doubled for the template, bytes compiled.
    text: Callable[[np.ndarray, list[Any]], bytes | memoryview]
    prefix_form: Callable[[str], str | bytes]
    if values.size >= COMPILED_FROM:
        from hif_prognosis.float_text import rows_text

        text, prefix_form = rows_text, str.encode
    else:
        text, prefix_form = template, lambda prefix: prefix.replace("%", "%%")
    prefixes: dict[tuple[Any, ...], str | bytes] = {}
    label_values = ([table.index] if index else []) + [table[label].to_numpy() for label in labels]
    opener = gzip.GzipFile(path, "wb", compresslevel=1, mtime=0) if compressed else open(path, "wb")
    with opener as handle:
        header = [table.index.name or "", *table.columns] if index else list(table.columns)
        handle.write((quote(header) + "\n").encode())
        for start in range(0, len(table), ROW_BLOCK):
            block = values[start:start + ROW_BLOCK]
            cells = zip(*(column[start:start + ROW_BLOCK] for column in label_values), strict=True) if label_values \
                else [()] * len(block)
            row_prefixes: list[Any] = []  # str or bytes, as the formatter takes them
            for row_cells in cells:
                if row_cells not in prefixes:
                    prefixes[row_cells] = prefix_form(quote([*row_cells, ""]) if row_cells else "")
                row_prefixes.append(prefixes[row_cells])
            handle.write(text(block, row_prefixes))
        handle.flush()  # as pandas does before closing: its .gz bytes, not only its text


# Fixed member timestamps: the same matrix gives the same bytes (zip's earliest date).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def write_matrix(matrix: pd.DataFrame, path: str | Path) -> None:
    """A genes x samples matrix as numpy's ``.npz`` (what ``np.load`` reads, no pickle): the
    float64 values exactly, the gene and sample labels and the index name. The workflow's jobs
    read this, not the published TSV: at 20,000 genes x 10,000 samples the TSV takes minutes to
    write and a minute to parse in every job, the ``.npz`` seconds. Same matrix, same bytes.
    Values keep the frame's memory layout (numpy records it): no matrix-sized copy either way."""
    arrays = {
        "values": matrix.to_numpy(dtype=np.float64),
        "genes": matrix.index.to_numpy(dtype=str),
        "samples": matrix.columns.to_numpy(dtype=str),
        "index_name": np.array(matrix.index.name or ""),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_DATE)
            with archive.open(member, "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, array, allow_pickle=False)


def read_matrix(path: str | Path) -> pd.DataFrame:
    """A matrix written by ``write_matrix``."""
    with np.load(path, allow_pickle=False) as archive:
        return pd.DataFrame(archive["values"], index=_genes(archive), columns=pd.Index(archive["samples"]))


def read_matrix_genes(path: str | Path) -> pd.Index:
    """The gene labels of a matrix written by ``write_matrix``, without reading its values."""
    with np.load(path, allow_pickle=False) as archive:
        return _genes(archive)


def _genes(archive: Any) -> pd.Index:
    return pd.Index(archive["genes"], name=str(archive["index_name"]) or None)


def read_tsv(path: str | Path) -> pd.DataFrame:
    """A table written by ``write_tsv``: only "NA" is missing (an empty text cell stays text)."""
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])


def read_text(path: str | Path, encoding: str = "utf-8", *, encoding_field: str = "the cohort's encoding") -> str:
    """A user's text file as one string, gzip-decompressed where it is gzip, with a byte-order
    mark removed. A truncated or corrupt gzip file, binary data, or bytes that are not
    ``encoding`` are errors naming the file, where, and the fix (``encoding_field`` names the
    config setting that sets the encoding)."""
    raw, codec = read_text_bytes(path, encoding, encoding_field=encoding_field)
    return raw.decode(codec)


def read_text_bytes(
    path: str | Path, encoding: str = "utf-8", *, encoding_field: str = "the cohort's encoding"
) -> tuple[bytes, str]:
    """A user's text file as bytes checked as ``read_text`` checks them, and the codec that
    decodes them (a byte-order mark included): for parsers that read bytes, since a 10,000-sample
    matrix as one Python string, or as a StringIO (4 bytes a character), takes gigabytes."""
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:
            raise InputError(
                f"{path}: truncated or corrupt gzip data ({error}); copy or download the file again."
            ) from None
    if b"\x00" in raw[:65536]:
        raise InputError(
            f"{path}: binary data, not a tab-separated text table; is the path in the config the "
            "right file?"
        )
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else codecs.lookup(encoding).name
    decoder = codecs.getincrementaldecoder(codec)()
    step = 1 << 24  # checked in pieces: nothing the size of the file is decoded at once
    try:
        for start in range(0, len(raw), step):
            decoder.decode(raw[start:start + step], final=start + step >= len(raw))
    except UnicodeDecodeError:
        try:  # the whole file once more, for the exact place of the first bad byte
            raw.decode(codec)
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            context = raw[max(0, error.start - 20): error.end + 20]
            raise InputError(
                f"{path}: line {line} holds bytes that are not {encoding} text ({context!r}); set "
                f"{encoding_field} to the file's encoding (e.g. latin-1) in the config, or save the "
                "file as UTF-8."
            ) from None
        raise
    return raw, codec
