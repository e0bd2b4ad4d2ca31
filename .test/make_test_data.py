"""Writes the small synthetic cohort of the workflow's test case (.test/data/), seeded.

    python .test/make_test_data.py

60 patients x 1,200 genes on a log2 scale: the review's protein-coding genes (so the HIF1A_REVIEW_*
signatures are measured) and synthetic genes G0001..; a hypoxia factor drives the review's
HIF-1alpha targets and TEST_HYPOXIA, a proliferation factor drives TEST_PROLIFERATION, and both
raise the hazard. Follow-up is in whole months, so event times tie. The gene sets are synthetic
too (no MSigDB copy). Needs numpy and pandas only; the same seed writes the same bytes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REVIEW = HERE.parent / "resources" / "signatures" / "hif1a_review.tsv"
N_SAMPLES, N_GENES, SEED = 60, 1200, 20261122


def main() -> None:
    rng = np.random.default_rng(SEED)
    review = pd.read_csv(REVIEW, sep="\t")
    coding = review.loc[review["molecule"] == "protein_coding", "symbol"].dropna().drop_duplicates().tolist()
    targets = review.loc[(review["molecule"] == "protein_coding") & (review["relation"] == "target"), "symbol"].tolist()
    synthetic = [f"G{i:04d}" for i in range(1, N_GENES - len(coding) + 1)]
    genes = coding + synthetic
    samples = [f"TEST{j:03d}" for j in range(1, N_SAMPLES + 1)]

    hypoxia, proliferation = rng.normal(size=N_SAMPLES), rng.normal(size=N_SAMPLES)
    values = rng.normal(rng.uniform(4, 12, size=(len(genes), 1)), 0.8, size=(len(genes), N_SAMPLES))
    hypoxia_genes = targets + synthetic[:20]
    proliferation_genes = synthetic[20:60]
    rows = {g: i for i, g in enumerate(genes)}
    for gene in hypoxia_genes:
        values[rows[gene]] += 0.9 * hypoxia
    for gene in proliferation_genes:
        values[rows[gene]] += 0.9 * proliferation
    expression = pd.DataFrame(np.round(values, 3), index=pd.Index(genes, name="gene_symbol"), columns=samples)

    hazard = np.exp(0.5 * hypoxia + 0.4 * proliferation)
    time = np.ceil(rng.exponential(40 / hazard))
    censor = np.ceil(rng.uniform(12, 120, N_SAMPLES))
    clinical = pd.DataFrame({
        "sample_id": samples,
        "os_months": np.minimum(time, censor).astype(int),
        "os_status": np.where(time <= censor, "Dead", "Alive"),
        "age_years": rng.integers(8, 40, N_SAMPLES),
        "metastasis": np.where(rng.uniform(size=N_SAMPLES) < 0.25, "yes", "no"),
        "sex": np.where(rng.uniform(size=N_SAMPLES) < 0.55, "male", "female"),
    })

    sets = {
        "TEST_HYPOXIA": hypoxia_genes,
        "TEST_PROLIFERATION": proliferation_genes,
        **{f"TEST_RANDOM_{k:02d}": sorted(rng.choice(genes, rng.integers(15, 60), replace=False)) for k in range(1, 19)},
    }
    gmt = "".join(f"{name}\tsynthetic\t" + "\t".join(members) + "\n" for name, members in sets.items())

    data = HERE / "data"
    data.mkdir(exist_ok=True)
    with gzip.GzipFile(data / "expression.tsv.gz", "wb", mtime=0) as handle:
        handle.write(expression.to_csv(sep="\t").encode())
    clinical.to_csv(data / "clinical.tsv", sep="\t", index=False)
    (data / "gene_sets.gmt").write_text(gmt)


if __name__ == "__main__":
    main()
