"""Benchmark: scoring signatures as the workflow does, beside the methods' reference libraries.

GSE4335 (../shared/data/local-cohorts, harmonised as config/examples/gse4335.yaml does) and the
50 MSigDB Hallmark sets; per method, the CPU and wall time of
``hif_prognosis.scoring.signatures.score_signatures`` for all 50 sets (the score_signatures job's work). For
comparison, the same 50 sets through R GSVA 1.46 (``method="ssgsea"``, the reference the ssGSEA
scorer is tested equal to; Rscript's own time, start-up and reading excluded) and gseapy's
``ssgsea`` (a related variant). Run: .venv/bin/python benchmarks/signature_scorers.py
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from hif_prognosis.data.cohorts import harmonise_local_cohort
from hif_prognosis.data.genesets import coverage_table, read_gmt, signature_table
from hif_prognosis.scoring.registry import METHOD_NAMES, default_settings, method_parameters
from hif_prognosis.scoring.signatures import score_signatures

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"

GSVA = """
suppressMessages(library(GSVA))
data <- read.delim("{matrix}", check.names = FALSE)
x <- as.matrix(data[, -1]); rownames(x) <- data[[1]]
lines <- strsplit(readLines("{gmt}"), "\\t")
sets <- lapply(lines, function(l) l[-(1:2)]); names(sets) <- sapply(lines, `[`, 1)
started <- proc.time()
invisible(capture.output(s <- gsva(x, sets, method = "ssgsea", tau = 0.25, ssgsea.norm = FALSE, verbose = FALSE)))
used <- proc.time() - started
cat(sprintf("%.2f\\t%.2f\\n", used[["user.self"]] + used[["sys.self"]], used[["elapsed"]]))
"""


def timed(run) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    config = yaml.safe_load((REPO / "config" / "examples" / "gse4335.yaml").read_text())
    folder = DATA / "local-cohorts" / "GSE4335"
    matrix, _ = harmonise_local_cohort(folder / "expression.tsv.gz", folder / "clinical.tsv",
                                       config["cohorts"]["GSE4335"], name="GSE4335")
    gmt = DATA / "msigdb" / "h.all.v7.0.symbols.gmt"
    hallmark = read_gmt(gmt)
    coverage = pd.concat([coverage_table(signature_table(name, genes, "h"), matrix.index)
                          for name, genes in hallmark.items()], ignore_index=True)
    rows = []
    for method in METHOD_NAMES:
        params = method_parameters(method, {**default_settings(method), **(config["scoring"].get(method) or {})}, config["seed"])
        cpu, wall = timed(lambda: score_signatures(matrix, coverage, method, params))
        rows.append({"scorer": f"workflow: {method}", "CPU s": round(cpu, 2), "wall s": round(wall, 2)})
    import gseapy

    cpu, wall = timed(lambda: gseapy.ssgsea(data=matrix, gene_sets=hallmark, sample_norm_method="rank", weight=0.25,
                                           outdir=None, no_plot=True, threads=1, min_size=1))
    rows.append({"scorer": "gseapy ssgsea (1 thread)", "CPU s": round(cpu, 2), "wall s": round(wall, 2)})
    with tempfile.TemporaryDirectory() as folder_:
        path = Path(folder_) / "matrix.tsv"
        matrix.rename_axis("gene").reset_index().to_csv(path, sep="\t", index=False)
        result = subprocess.run(["Rscript", "-e", GSVA.format(matrix=path, gmt=gmt)], capture_output=True, text=True)
        if result.returncode == 0:
            cpu_r, wall_r = (float(v) for v in result.stdout.split())
            rows.append({"scorer": "R GSVA 1.46 ssgsea", "CPU s": cpu_r, "wall s": wall_r})
        else:
            print(f"R GSVA not run: {result.stderr.strip()[-300:]}")
    print(f"GSE4335: {matrix.shape[0]:,} genes x {matrix.shape[1]} samples; 50 Hallmark sets")
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
