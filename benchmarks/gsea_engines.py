"""Benchmark: the workflow's pre-ranked GSEA engines side by side on a real ranking.

GSE4335 (../shared/data/local-cohorts, harmonised as config/examples/gse4335.yaml does) with
every gene ranked by its own Cox Wald z for overall survival, as the workflow's survival
ranking; one MSigDB library (default GO BP, c5.bp v6.2). Each run is
``hif_prognosis.enrichment.prerank`` (gseapy's compiled engines) with ``engine="permutation"``
(gene-set permutations) or ``engine="multilevel"`` (fgsea's multilevel algorithm; the
workflow's default), NES normalised by the stated number of random gene sets.

The reference is the permutation engine at ``--reference-permutations`` (default 10,000: its NES
are 10x less noisy than at 1,000, so a difference from it is mostly the other run's own error);
it takes about 20 minutes and is cached in ``--reference-cache``. The permutation engine at 1,000
permutations and two seeds shows how much NES move from Monte Carlo noise alone. Reported per
run: time, and against the reference over the sets both test, the max and 99th percentile of
the absolute NES difference and the agreement of FDR < 0.05 calls.
Run: .venv/bin/python benchmarks/gsea_engines.py [--threads 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.data.cohorts import harmonise_local_cohort
from hif_prognosis.enrichment.gsea import prerank
from hif_prognosis.enrichment.ranking_statistics import survival_cox_ranking
from hif_prognosis.data.genesets import read_gmt

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def survival_ranking() -> pd.Series:
    config = yaml.safe_load((REPO / "config" / "examples" / "gse4335.yaml").read_text())
    cohort = config["cohorts"]["GSE4335"]
    folder = DATA / "local-cohorts" / "GSE4335"
    matrix, clinical = harmonise_local_cohort(folder / "expression.tsv.gz", folder / "clinical.tsv", cohort, name="GSE4335")
    ranking = survival_cox_ranking(matrix, endpoint_data(clinical, "os"), threads=1)
    return ranking.set_index("gene")["wald_z"]


def run(engine: str, permutations: int, seed: int, ranking: pd.Series, sets: dict, threads: int) -> tuple[pd.DataFrame, float]:
    started = time.perf_counter()
    table = prerank(ranking, {"library": sets}, engine=engine, permutations=permutations, sample_size=101,
                    min_size=15, max_size=500, seed=seed, threads=threads)
    return table.set_index("term")[["nes", "nom_p", "fdr_q"]], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", default="c5.bp.v6.2.symbols.gmt")
    parser.add_argument("--reference-permutations", type=int, default=10_000)
    parser.add_argument("--reference-cache", type=Path, default=Path("/tmp/gsea_engines_reference.tsv"))
    parser.add_argument("--multilevel-permutations", type=int, nargs="*", default=[1000, 10_000])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reference-only", action="store_true", help="compute and cache the reference, then stop")
    args = parser.parse_args()
    ranking = survival_ranking()
    sets = read_gmt(DATA / "msigdb" / args.library)
    if args.reference_cache.exists():
        reference = pd.read_csv(args.reference_cache, sep="\t", index_col="term")
        reference_seconds = float("nan")
    else:
        reference, reference_seconds = run("permutation", args.reference_permutations, 1, ranking, sets, args.threads)
        reference.to_csv(args.reference_cache, sep="\t")
    print(f"reference: permutation engine, {args.reference_permutations:,} permutations, seed 1: "
          f"{reference_seconds:.0f} s (nan = read from {args.reference_cache})")
    if args.reference_only:
        return
    runs = [("permutation", 1000, 1), ("permutation", 1000, 2)]
    runs += [("multilevel", n, 1) for n in args.multilevel_permutations]
    rows = []
    for engine, permutations, seed in runs:
        table, seconds = run(engine, permutations, seed, ranking, sets, args.threads)
        both = reference.index.intersection(table.index)
        difference = (table.loc[both, "nes"] - reference.loc[both, "nes"]).abs()
        calls = (table.loc[both, "fdr_q"] < 0.05) == (reference.loc[both, "fdr_q"] < 0.05)
        rows.append({
            "engine": f"{engine}, {permutations:,} random sets, seed {seed}", "sets tested": len(table),
            "seconds": round(seconds, 1),
            "max abs NES diff": round(float(difference.max()), 3),
            "99th pct abs NES diff": round(float(np.nanpercentile(difference, 99)), 3),
            "FDR < 0.05 calls agreeing": f"{calls.mean():.1%}",
            "sets with FDR < 0.05": int((table["fdr_q"] < 0.05).sum()),
            "smallest nominal p": f"{table['nom_p'][table['nom_p'] > 0].min():.2g}",
        })
    print(f"GSE4335, {len(ranking):,} genes ranked by Cox z (OS); {args.library}; {args.threads} threads; "
          f"reference: {len(reference)} sets, {int((reference['fdr_q'] < 0.05).sum())} with FDR < 0.05")
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
