"""Benchmark: a 10,000-sample x 20,000-gene cohort end to end on the default config.

Writes a seeded synthetic local cohort (log2 expression of 20,000 MSigDB gene symbols, every
default signature's genes among them; a hypoxia factor on Hallmark hypoxia's genes and a
proliferation factor on G2M's drive the hazard; overall survival in months rounded to 0.1, so
times are tied; metastasis at diagnosis, age and sex), points the default config at it alone
(signatures and libraries from the loopback mirror of MSigDB; the refitted published models
trained on it) and runs ``snakemake --cores 2``.
Settings reduced from the default, and printed: the random-signature null's size
(``--null-sets``, default 1,000, the schema's minimum). Prints the whole run's wall time, its
exact CPU and the per-rule table of benchmarks/default_run.py (jobs, wall and exact CPU s, max
RSS). ``--set-threads rule=n`` is passed to Snakemake (e.g. random_signature_null=2).

Run: .venv/bin/python benchmarks/scale_run.py [--samples 10000] [--genes 20000] [--keep DIR] [--set-threads R=N ...]
The cohort is written once to --cohort (default /tmp/scale_cohort_<samples>x<genes>) and reused.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from default_run import print_run, rule_table, run_snakemake  # noqa: E402 - benchmarks/ is put on the path above
from support.public_mirror import gene_universe, mirrored_config, public_mirror  # noqa: E402

from hif_prognosis.data.genesets import read_gmt  # noqa: E402


def write_cohort(folder: Path, n_samples: int, n_genes: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    hallmark = read_gmt(SHARED_DATA / "msigdb" / "h.all.v7.0.symbols.gmt")
    hypoxia, g2m = hallmark["HALLMARK_HYPOXIA"], hallmark["HALLMARK_G2M_CHECKPOINT"]
    review = pd.read_csv(REPO / "resources" / "signatures" / "hif1a_review.tsv", sep="\t", comment="#")
    wanted = sorted(set(hypoxia) | set(g2m) | set(review.iloc[:, 0].astype(str)))
    universe = gene_universe(SHARED_DATA, genome=True)
    others = [gene for gene in universe if gene not in set(wanted)]
    genes = sorted(set(wanted[:n_genes]) | set(rng.choice(others, n_genes - min(len(wanted), n_genes), replace=False)))
    samples = [f"S{j:05d}" for j in range(n_samples)]
    hypoxia_factor, proliferation = rng.normal(size=n_samples), rng.normal(size=n_samples)
    means = rng.uniform(3, 12, size=len(genes))
    loadings = np.zeros((len(genes), 2))
    position = {gene: i for i, gene in enumerate(genes)}
    loadings[[position[g] for g in hypoxia if g in position], 0] = 0.8
    loadings[[position[g] for g in g2m if g in position], 1] = 0.8
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(folder / "expression.tsv.gz", "wt", compresslevel=1) as handle:
        handle.write("gene\t" + "\t".join(samples) + "\n")
        for start in range(0, len(genes), 1000):
            block = slice(start, start + 1000)
            values = (means[block, None] + loadings[block] @ np.vstack([hypoxia_factor, proliferation])
                      + rng.normal(size=(len(genes[block]), n_samples)))
            frame = pd.DataFrame(values, index=genes[block])
            handle.write(frame.to_csv(sep="\t", header=False, float_format="%.3f"))
    hazard = np.exp(0.4 * hypoxia_factor + 0.3 * proliferation)
    time_ = rng.exponential(60 / hazard)
    censor = rng.uniform(6, 120, size=n_samples)
    metastasis = rng.uniform(size=n_samples) < 0.2
    pd.DataFrame({
        "sample_id": samples,
        "os_months": np.round(np.minimum(time_, censor), 1).clip(min=0.1),
        "os_event": (time_ <= censor).astype(int),
        "metastasis": np.where(metastasis, "yes", "no"),
        "age_years": np.round(rng.uniform(5, 40, size=n_samples), 1),
        "sex": rng.choice(["female", "male"], size=n_samples),
    }).to_csv(folder / "clinical.tsv", sep="\t", index=False)


def cohort_config(folder: Path) -> dict:
    return {
        "source": "local", "expression": str(folder / "expression.tsv.gz"), "clinical": str(folder / "clinical.tsv"),
        "sample_id_column": "sample_id", "expression_scale": "log2", "duplicate_genes": "max_mean",
        "max_missing_fraction": 0.2,
        "endpoints": {"overall_survival": {"time": "os_months", "event": "os_event", "time_unit": "months"}},
        "covariates": {
            "metastasis_at_diagnosis": {"column": "metastasis", "values": {"yes": ["yes"], "no": ["no"]}},
            "age_years": {"column": "age_years", "unit": "years"},
            "sex": {"column": "sex", "values": {"female": ["female"], "male": ["male"]}},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--null-sets", type=int, default=1000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--cohort", type=Path)
    parser.add_argument("--keep", type=Path, help="run in this directory and keep it (default: a temporary one)")
    parser.add_argument("--set-threads", nargs="*", default=[], metavar="RULE=N")
    args = parser.parse_args()
    cohort = args.cohort or Path(f"/tmp/scale_cohort_{args.samples}x{args.genes}")
    if not (cohort / "clinical.tsv").exists():
        started = time.perf_counter()
        write_cohort(cohort, args.samples, args.genes)
        print(f"cohort written to {cohort} in {time.perf_counter() - started:.0f} s")
    with tempfile.TemporaryDirectory() as scratch, public_mirror(SHARED_DATA) as mirror:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        config = mirrored_config(mirror.url)
        config["cohorts"] = {"SYNTHETIC": cohort_config(cohort)}
        for comparator in config["comparators"].values():  # refitted models train on the one cohort there is
            if "training_cohort" in comparator:
                comparator["training_cohort"] = "SYNTHETIC"
        config["random_null"]["n_sets"] = args.null_sets
        spent = run_snakemake(directory, config, args.cores, args.set_threads)
        table = rule_table(directory)
    print(f"{args.samples:,} samples x {args.genes:,} genes; default config, random_null.n_sets = {args.null_sets:,}; "
          f"--cores {args.cores}{' --set-threads ' + ' '.join(args.set_threads) if args.set_threads else ''}")
    print_run(spent, table)


if __name__ == "__main__":
    main()
