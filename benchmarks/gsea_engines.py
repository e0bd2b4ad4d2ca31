"""Benchmark: gseapy's pre-ranked GSEA engines side by side on a real ranking.

GSE4335 (../shared/data/local-cohorts, harmonised as config/examples/gse4335.yaml does) with
every gene ranked by its own Cox Wald z for overall survival, as the workflow's survival
ranking; one MSigDB library (default GO BP, c5.bp v6.2). Engines: gseapy ``prerank`` with
``method="permutation"`` (gene-set permutations) and ``method="multilevel"`` (fgsea's adaptive
multilevel splitting, Korotkevich et al.; the workflow's default), each NES normalised by
``--permutations`` random sets (multilevel also at ``--multilevel-permutations``). Reports time
per run and, against the permutation engine at seed 1 over the sets both test, NES agreement
(max and 99th percentile of the absolute difference) and agreement of FDR < 0.05 calls. The
permutation engine at another seed shows the reference's own Monte Carlo noise.
Run: .venv/bin/python benchmarks/gsea_engines.py [--permutations 1000] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from hif_prognosis.clinical import endpoint_data
from hif_prognosis.cohorts import harmonise_local_cohort
from hif_prognosis.enrichment import survival_cox_ranking
from hif_prognosis.genesets import read_gmt

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def survival_ranking() -> pd.Series:
    config = yaml.safe_load((REPO / "config" / "examples" / "gse4335.yaml").read_text())
    cohort = config["cohorts"]["GSE4335"]
    folder = DATA / "local-cohorts" / "GSE4335"
    matrix, clinical = harmonise_local_cohort(folder / "expression.tsv.gz", folder / "clinical.tsv", cohort, name="GSE4335")
    ranking = survival_cox_ranking(matrix, endpoint_data(clinical, "os"), threads=1)
    return ranking.set_index("gene")["wald_z"].sort_values(ascending=False)


def run(
    engine: str, permutations: int, seed: int, ranking: pd.Series, sets: dict, threads: int
) -> tuple[pd.DataFrame, float]:
    import gseapy

    started = time.perf_counter()
    result = gseapy.prerank(
        rnk=ranking, gene_sets=sets, outdir=None, permutation_num=permutations, min_size=15, max_size=500,
        seed=seed, threads=threads, no_plot=True, verbose=False, method=engine,
    )
    seconds = time.perf_counter() - started
    table = result.res2d.set_index("Term")[["NES", "NOM p-val", "FDR q-val"]].astype(float)
    return table, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default="c5.bp.v6.2.symbols.gmt")
    parser.add_argument("--permutations", type=int, default=1000)
    parser.add_argument("--multilevel-permutations", type=int, nargs="*", default=[10_000])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    ranking = survival_ranking()
    sets = read_gmt(DATA / "msigdb" / args.library)
    runs = [("permutation", args.permutations, 1), ("permutation", args.permutations, 2), ("multilevel", args.permutations, 1)]
    runs += [("multilevel", n, 1) for n in args.multilevel_permutations]
    results = {
        f"{engine}, {n:,} random sets, seed {seed}": run(engine, n, seed, ranking, sets, args.threads)
        for engine, n, seed in runs
    }
    reference, _ = next(iter(results.values()))
    rows = []
    for engine, (table, seconds) in results.items():
        both = reference.index.intersection(table.index)
        difference = (table.loc[both, "NES"] - reference.loc[both, "NES"]).abs()
        calls = (table.loc[both, "FDR q-val"] < 0.05) == (reference.loc[both, "FDR q-val"] < 0.05)
        rows.append({
            "engine": engine, "sets tested": len(table), "seconds": round(seconds, 1),
            "max abs NES diff": round(float(difference.max()), 3),
            "99th pct abs NES diff": round(float(np.nanpercentile(difference, 99)), 3),
            "FDR < 0.05 calls agreeing": f"{calls.mean():.1%}",
            "sets with FDR < 0.05": int((table["FDR q-val"] < 0.05).sum()),
            "smallest nominal p": f"{table['NOM p-val'][table['NOM p-val'] > 0].min():.2g}",
        })
    print(f"GSE4335, {len(ranking):,} genes ranked by Cox z (OS); {args.library}; "
          f"{args.permutations} permutations; {args.threads} threads")
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
