"""Benchmark: each scoring method (hif_prognosis.scoring.methods, vectorised over gene sets) on
random gene sets as the null scores them, and Harrell's C of the scored sets by sorting.

Seeded synthetic log2 matrix (default 12,000 genes x 300 samples); per method, the time to
score ``--sets`` random sets of ``--size`` up genes (best of ``--repeats``, the matrix's
one-off preparation, e.g. ranks, excluded). Run: .venv/bin/python benchmarks/null_scorers.py
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from hif_prognosis.scoring.registry import default_settings, method_parameters, scoring_methods
from hif_prognosis.scoring.matrix import SetScorer
from hif_prognosis.scoring.signatures import score_sets
from hif_prognosis.survival.stats import harrell_c_columns
from timing import best_of



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=12_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--sets", type=int, default=10_000)
    parser.add_argument("--size", type=int, nargs="+", default=[24, 200])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    matrix = pd.DataFrame(rng.normal(8, 2, size=(args.genes, args.samples)))
    scorer = SetScorer(matrix, args.threads)
    time_ = np.ceil(rng.exponential(40, args.samples))
    event = (rng.uniform(size=args.samples) < 0.5).astype(float)
    rows = []
    for size in args.size:
        up = np.stack([rng.choice(args.genes, size, replace=False) for _ in range(args.sets)])
        down = np.empty((args.sets, 0), dtype=int)
        for method, definition in scoring_methods().items():
            settings = method_parameters(method, default_settings(method), seed=1)

            def params(sets: int) -> dict:  # a weighted score's weights: +1 up, -1 down, on z-scores
                if not definition.signature_parameters:
                    return settings
                return settings | {"up_weights": np.ones((sets, size)), "down_weights": np.ones((sets, 0)), "scale": "zscore"}

            score_sets(scorer, method, up[:10], down[:10], params(10))  # one-off preparation (ranks)
            seconds = best_of(args.repeats, lambda: score_sets(scorer, method, up, down, params(args.sets)))
            rows.append({"set_size": size, "step": f"score: {method}", "seconds": round(seconds, 2)})
        scores = score_sets(scorer, "zscore", up, down, {}).T
        seconds = best_of(args.repeats, lambda: harrell_c_columns(time_, event, scores))
        rows.append({"set_size": size, "step": "Harrell's C of every set", "seconds": round(seconds, 2)})
    print(f"{args.sets:,} random sets x {args.samples} samples x {args.genes:,} genes, {args.threads} threads")
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
