"""Benchmark: the vectorised Cox engine against a lifelines loop and an R coxph loop.

10,000 covariate columns x 300 samples (seeded synthetic data, Efron ties). The engine fits all
columns; lifelines and R fit a subset in a loop, timed in the same run, and are scaled to
10,000 fits (their cost per fit is constant). Run: .venv/bin/python benchmarks/cox_engine.py
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

from hif_prognosis.survival.fastcox import cox_columns
from timing import best_of


def synthetic(n_samples: int, n_columns: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, n_columns))
    time_ = np.ceil(rng.exponential(24 * np.exp(-0.3 * x[:, 0])))  # whole months: ties
    censor = rng.uniform(6, 120, size=n_samples)
    event = (time_ <= censor).astype(float)
    return np.minimum(time_, np.ceil(censor)), event, x


def lifelines_per_fit(time_, event, x, n_fits: int) -> float:
    model = CoxPHFitter()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in range(n_fits):
            model.fit(pd.DataFrame({"t": time_, "e": event, "x": x[:, j]}), "t", "e")
    return (time.perf_counter() - started) / n_fits


def r_per_fit(time_, event, x, n_fits: int) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.tsv"
        pd.DataFrame(np.column_stack([time_, event, x[:, :n_fits]])).to_csv(path, sep="\t", index=False)
        code = f"""suppressMessages(library(survival)); d <- as.matrix(read.delim("{path}"))
        t <- system.time(for (j in 3:ncol(d)) coxph(Surv(d[, 1], d[, 2]) ~ d[, j], ties = "efron"))
        cat(t[["elapsed"]])"""
        result = subprocess.run([rscript, "--vanilla", "-e", code], capture_output=True, text=True)
        if result.returncode != 0:
            return None
        return float(result.stdout.strip()) / n_fits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--columns", type=int, default=10_000)
    parser.add_argument("--lifelines-fits", type=int, default=200)
    parser.add_argument("--r-fits", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2, help="threads of the engine (2 cores)")
    args = parser.parse_args()

    time_, event, x = synthetic(args.samples, args.columns, args.seed)
    x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    fit = cox_columns(time_, event, x, threads=args.threads)  # warm-up
    engine = best_of(3, lambda: cox_columns(time_, event, x, threads=args.threads))
    single = best_of(3, lambda: cox_columns(time_, event, x, threads=1))
    lifelines_fit = lifelines_per_fit(time_, event, x, args.lifelines_fits)
    r_fit = r_per_fit(time_, event, x, args.r_fits)
    scale = args.columns
    print(f"data: {args.samples} samples, {int(event.sum())} events, {args.columns} columns; "
          f"{(fit.flag == 'ok').sum()} columns fitted, median {np.median(fit.iterations):.0f} iterations")
    print(f"{'method':<32}{'time for ' + str(scale) + ' fits':>22}{'ratio':>10}")
    print(f"{f'vectorised engine, {args.threads} threads':<32}{engine:>20.3f} s{1.0:>10.0f}")
    print(f"{'vectorised engine, 1 thread':<32}{single:>20.3f} s{single / engine:>10.1f}")
    print(f"{f'lifelines loop ({args.lifelines_fits} fits, scaled)':<32}{lifelines_fit * scale:>20.1f} s"
          f"{lifelines_fit * scale / engine:>10.0f}")
    if r_fit is None:
        print("R coxph loop: Rscript with survival not available")
    else:
        print(f"{f'R coxph loop ({args.r_fits} fits, scaled)':<32}{r_fit * scale:>20.1f} s{r_fit * scale / engine:>10.0f}")


if __name__ == "__main__":
    main()
