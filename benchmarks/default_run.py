"""Benchmark: the default config end to end, as a new user runs it (`snakemake --cores 2`).

Serves the loopback public mirror (tests/public_mirror.py) with genome-sized matrices (21,903
MSigDB genes; TARGET-OS at the real file's 60,660 rows), points the default config at it and
changes nothing else: default null size, permutations, libraries and methods. Prints the wall
time of the whole run and a table per rule from Snakemake's benchmark files (jobs, summed wall
and CPU seconds, largest max RSS), slowest first. Downloads are the mirror's, so they cost
little here; on the real servers they add the network time.

Run: .venv/bin/python benchmarks/default_run.py [--cores 2] [--keep DIR] [--set key=value ...]
(--set overrides a config value, e.g. --set random_null__n_sets=1000, and is printed.)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "tests"))

from conftest import apply_overrides  # noqa: E402 - tests/ is put on the path above
from public_mirror import mirrored_config, public_mirror  # noqa: E402


def rule_table(directory: Path) -> pd.DataFrame:
    """Per rule: jobs, summed wall and CPU seconds, largest max RSS (MB), from the benchmark
    files logs/benchmarks/<group>/<rule>[.<wildcard>].tsv."""
    rows = []
    for path in sorted((directory / "logs" / "benchmarks").rglob("*.tsv")):
        record = pd.read_csv(path, sep="\t").iloc[-1]
        rows.append(
            {
                "rule": path.name.split(".")[0],
                "wall_s": float(record["s"]),
                "cpu_s": float(record["cpu_time"]),
                "max_rss_mb": float(record["max_rss"]),
            }
        )
    jobs = pd.DataFrame(rows)
    table = jobs.groupby("rule").agg(
        jobs=("wall_s", "size"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", "sum"), max_rss_mb=("max_rss_mb", "max")
    )
    table = table.sort_values("cpu_s", ascending=False).round(1)
    table.loc["total"] = [table["jobs"].sum(), table["wall_s"].sum(), table["cpu_s"].sum(), table["max_rss_mb"].max()]
    return table


def run_snakemake(directory: Path, config: dict, cores: int) -> float:
    """``snakemake --cores`` on ``config`` (written to ``directory``/config.yaml) in ``directory``;
    its wall time in seconds. A failed run stops the benchmark with Snakemake's output."""
    (directory / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(directory),
        "--configfile", str(directory / "config.yaml"), "--cores", str(cores),
    ]
    started = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"snakemake failed after {wall:.0f} s:\n{run.stdout[-5000:]}\n{run.stderr[-5000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="run in this directory and keep it (default: a temporary one)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    args = parser.parse_args()
    if not SHARED_DATA.is_dir():
        sys.exit(f"real data not found at {SHARED_DATA} (clone the project's shared/ beside the repo)")
    overrides = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.set)}
    with tempfile.TemporaryDirectory() as scratch, public_mirror(SHARED_DATA, genome=True) as mirror:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        config = apply_overrides(mirrored_config(mirror.url), overrides)
        wall = run_snakemake(directory, config, args.cores)
        table = rule_table(directory)
    print(f"default config{' with ' + str(overrides) if overrides else ''}, --cores {args.cores}")
    print(f"whole run: {wall:.0f} s wall ({wall / 60:.1f} min)")
    print(table.to_markdown())


if __name__ == "__main__":
    main()
