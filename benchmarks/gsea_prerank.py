"""Benchmark: pre-ranked GSEA (hif_prognosis.enrichment.prerank, i.e. gseapy) per library.

Ranks the real GSE4335 genes by a seeded random metric and times one prerank call per MSigDB
library in ../shared/data/msigdb, as the workflow runs it (min_size 15, max_size 500). The
runtime request of the prerank_gsea rule is sized from these figures.
Run: .venv/bin/python benchmarks/gsea_prerank.py [--engine multilevel] [--permutations 10000] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hif_prognosis.enrichment.gsea import prerank
from hif_prognosis.data.genesets import read_gmt

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LIBRARIES = ["h.all.v7.0.symbols.gmt", "c2.cp.reactome.v7.0.symbols.gmt", "c5.bp.v6.2.symbols.gmt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["multilevel", "permutation"], default="multilevel")
    parser.add_argument("--permutations", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    genes = pd.read_csv(DATA / "local-cohorts" / "GSE4335" / "expression.tsv.gz", sep="\t", index_col=0, usecols=[0]).index
    genes = genes.astype(str).unique()
    ranking = pd.Series(np.random.default_rng(1).normal(size=len(genes)), index=genes).sort_values(ascending=False)
    print(f"{len(ranking)} genes, {args.engine} engine, {args.permutations} random sets, {args.threads} threads")
    print("library\tsets tested\tseconds")
    for name in LIBRARIES:
        library = read_gmt(DATA / "msigdb" / name)
        start = time.perf_counter()
        table = prerank(
            ranking, {name: library}, engine=args.engine, permutations=args.permutations, sample_size=101,
            min_size=15, max_size=500, seed=1, threads=args.threads,
        )
        print(f"{name}\t{len(table)}\t{time.perf_counter() - start:.1f}", flush=True)


if __name__ == "__main__":
    main()
