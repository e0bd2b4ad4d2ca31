"""Benchmark: pre-ranked GSEA (hif_prognosis.enrichment.prerank, i.e. gseapy) per library.

Ranks the real GSE4335 genes by a seeded random metric and times one prerank call per MSigDB
library in ../shared/data/msigdb, then one of all three, as the workflow runs them (min_size 15,
max_size 500): wall seconds and this process's CPU seconds (exact, by the kernel's count). With --gseapy, the same
call through ``gseapy.prerank`` (its table is the workflow's, tested) is timed beside it. The
runtime request of the prerank_gsea rule is sized from these figures.
Run: .venv/bin/python benchmarks/gsea_prerank.py [--engine multilevel] [--permutations 10000] [--threads 2] [--gseapy]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from hif_prognosis.enrichment.gsea import MULTILEVEL_P_FLOOR, prerank
from hif_prognosis.data.genesets import read_gmt

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
T = TypeVar("T")
LIBRARIES = ["h.all.v7.0.symbols.gmt", "c2.cp.reactome.v7.0.symbols.gmt", "c5.bp.v6.2.symbols.gmt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["multilevel", "permutation"], default="multilevel")
    parser.add_argument("--permutations", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gseapy", action="store_true", help="time gseapy.prerank beside it")
    args = parser.parse_args()
    genes = pd.read_csv(DATA / "local-cohorts" / "GSE4335" / "expression.tsv.gz", sep="\t", index_col=0, usecols=[0]).index
    genes = genes.astype(str).unique()
    ranking = pd.Series(np.random.default_rng(1).normal(size=len(genes)), index=genes).sort_values(ascending=False)
    print(f"{len(ranking)} genes, {args.engine} engine, {args.permutations} random sets, {args.threads} threads")
    print("library\tsets tested\twall s\tCPU s" + ("\tgseapy.prerank wall s\tCPU s" if args.gseapy else ""))
    libraries = {name: read_gmt(DATA / "msigdb" / name) for name in LIBRARIES}
    for name, chosen in [*((name, {name: library}) for name, library in libraries.items()), ("all three", libraries)]:
        table, wall, cpu = timed(lambda: prerank(
            ranking, chosen, engine=args.engine, permutations=args.permutations, sample_size=101,
            min_size=15, max_size=500, seed=1, threads=args.threads,
        ))
        line = f"{name}\t{len(table)}\t{wall:.1f}\t{cpu:.1f}"
        if args.gseapy:  # gseapy.prerank given the libraries' sets as one collection
            import gseapy  # only here: its package imports matplotlib and its Enrichr client

            union = {term: genes for library in chosen.values() for term, genes in library.items()}
            _, wall, cpu = timed(lambda: gseapy.prerank(
                rnk=ranking, gene_sets=union, outdir=None, permutation_num=args.permutations, min_size=15,
                max_size=500, seed=1, threads=args.threads, no_plot=True, verbose=False, method=args.engine,
                eps=MULTILEVEL_P_FLOOR,
            ))
            line += f"\t{wall:.1f}\t{cpu:.1f}"
        print(line, flush=True)


def timed(run: Callable[[], T]) -> tuple[T, float, float]:
    """run()'s result, wall seconds and this process's exact CPU seconds (user and system)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


if __name__ == "__main__":
    main()
