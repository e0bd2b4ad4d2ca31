"""Writing tables so that the same inputs give byte-identical files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# 12 significant digits: far below any reported precision, and stable across platforms'
# last-bit floating-point differences in summation order.
FLOAT_FORMAT = "%.12g"


def write_tsv(table: pd.DataFrame, path: str | Path, *, index: bool = False) -> None:
    """Tab-separated, fixed float format, "NA" for missing values (as R writes them).

    ``.gz`` paths are gzip-compressed with a zero timestamp, so reruns give identical bytes.
    """
    compression = {"method": "gzip", "mtime": 0} if str(path).endswith(".gz") else None
    table.to_csv(
        path,
        sep="\t",
        index=index,
        float_format=FLOAT_FORMAT,
        na_rep="NA",
        compression=compression,
    )


def read_tsv(path: str | Path) -> pd.DataFrame:
    """A table written by ``write_tsv``: only "NA" is missing (an empty text cell stays text)."""
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=["NA"])
