"""Benchmark: the default config end to end, as a new user runs it (`snakemake --cores 2`).

Serves the loopback public mirror (tests/support/public_mirror.py) with genome-sized matrices (21,903
MSigDB genes; TARGET-OS at the real file's 60,660 rows), points the default config at it and
changes nothing else: default null size, permutations, libraries and methods. Prints the wall
time of the whole run, its exact CPU time, and a table per rule (jobs, summed wall and CPU
seconds, the largest job's resident set), slowest first.

CPU is counted exactly, twice:
- the whole run: getrusage(RUSAGE_CHILDREN) across it, the kernel's count for Snakemake and every
  process it ran (each process's user and system time, added to its parent's when the parent
  waits for it), interpreter start-up and shutdown included;
- per rule (``cpu_s``): each job's own getrusage(RUSAGE_SELF) at the end of its step, which the
  job writes to its log (hif_prognosis.runlog): start-up, imports and work, but not interpreter
  shutdown. The difference between the two is Snakemake itself, the jobs' shutdown and any job
  that runs no Python step. ``startup_cpu_s`` is the part spent before the step started (the
  same count, logged when it starts): the interpreter, Snakemake's script preamble, imports;
- each job's largest resident set (``max_rss_mb``): the kernel's high-water mark of the job's
  own address space (VmHWM) at the end of its step, which the job logs beside its CPU (MiB;
  the whole run's figure is the largest job's); Snakemake's sampled figure is shown beside it
  (``max_rss_mb_sampled``), and can miss a peak between its samples;
- Snakemake's own process (``snakemake_cpu``): its user and system time from /proc/<pid>/stat,
  read once it has exited and before it is reaped (the kernel's count, in clock ticks), apart
  from the jobs it ran. The rest of the whole-run figure is the downloads' steps (which have no
  benchmark file) and the jobs' exits.
Snakemake's benchmark files give each job's wall time; their ``cpu_time`` and ``max_rss`` are sampled
(every 0.5 s for 15 s, then every 30 s), loses everything after the last sample and is shown
only beside the exact figure (``cpu_s_sampled``). Downloads are the mirror's, so they cost
little here; on the real servers they add the network time.

Run: .venv/bin/python benchmarks/default_run.py [--cores 2] [--keep DIR] [--set key=value ...]
(--set overrides a config value, e.g. --set random_null__n_sets=1000, and is printed.)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO / "tests"))

from support.workflow_runs import apply_overrides  # noqa: E402 - tests/ is put on the path above
from support.public_mirror import mirrored_config, public_mirror  # noqa: E402

from hif_prognosis.runlog import CPU_USED, PEAK_MEMORY  # noqa: E402


def logged_cpu(log: Path, when: str) -> float:
    """The job's exact CPU seconds when its step ``started`` or was ``done``, as the step logged
    them (NaN if it logged none)."""
    return last_logged(log, rf": {when}; " + re.escape(CPU_USED.split("{")[0]) + r"([0-9.]+) s")


def logged_peak_memory(log: Path) -> float:
    """The job's largest resident set (MiB) when its step was done, as the step logged it (NaN
    if it logged none)."""
    return last_logged(log, re.escape(PEAK_MEMORY.split("{")[0]) + r"([0-9.]+) MiB")


def last_logged(log: Path, pattern: str) -> float:
    """The number ``pattern``'s group captures in the log's last match (NaN if none)."""
    found = re.findall(pattern, log.read_text(encoding="utf-8", errors="replace"))
    return float(found[-1]) if found else float("nan")


def rule_table(directory: Path) -> pd.DataFrame:
    """Per rule: jobs, summed wall seconds, exact CPU seconds (all, and before the step started)
    and sampled CPU seconds, the largest job's resident set (MiB, exact; and Snakemake's
    sampled max RSS, MB),
    from the benchmark files logs/<run>/benchmarks/<group>/<job>.tsv and the job logs
    logs/<run>/<group>/<job>.log beside them."""
    logs = directory / "logs" / "config"
    rows = []
    for path in sorted((logs / "benchmarks").rglob("*.tsv")):
        record = pd.read_csv(path, sep="\t").iloc[-1]
        log = logs / path.relative_to(logs / "benchmarks").with_suffix(".log")
        rows.append(
            {
                "rule": path.name.split(".")[0],
                "wall_s": float(record["s"]),
                "cpu_s": logged_cpu(log, "done") if log.exists() else float("nan"),
                "startup_cpu_s": logged_cpu(log, "started") if log.exists() else float("nan"),
                "cpu_s_sampled": float(record["cpu_time"]),
                "max_rss_mb": logged_peak_memory(log) if log.exists() else float("nan"),
                "max_rss_mb_sampled": float(record["max_rss"]),
            }
        )
    jobs = pd.DataFrame(rows)
    table = jobs.groupby("rule").agg(
        jobs=("wall_s", "size"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", lambda v: v.sum(min_count=1)),
        startup_cpu_s=("startup_cpu_s", lambda v: v.sum(min_count=1)), cpu_s_sampled=("cpu_s_sampled", "sum"),
        max_rss_mb=("max_rss_mb", "max"), max_rss_mb_sampled=("max_rss_mb_sampled", "max"),
    )
    table = table.sort_values("cpu_s", ascending=False).round(1)
    table.loc["total"] = [
        table["jobs"].sum(), table["wall_s"].sum(), table["cpu_s"].sum(), table["startup_cpu_s"].sum(),
        table["cpu_s_sampled"].sum(), table["max_rss_mb"].max(), table["max_rss_mb_sampled"].max(),
    ]
    return table


@dataclass(frozen=True)
class RunTime:
    wall: float
    user: float  # CPU seconds of Snakemake and every process it ran, exact (see the module's docstring)
    system: float
    snakemake_cpu: float  # Snakemake's own process alone, user and system


def own_cpu_at_exit(process: subprocess.Popen) -> float:
    """Wait for ``process`` to exit without reaping it, then read its own user and system time
    (fields 14 and 15 of /proc/<pid>/stat, clock ticks; its children's are fields 16 and 17)."""
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_snakemake(directory: Path, config: dict, cores: int, set_threads: Sequence[str] = ()) -> RunTime:
    """``snakemake --cores`` on ``config`` (written to ``directory``/config.yaml) in ``directory``,
    with ``--set-threads`` for any ``rule=n`` given; its wall and exact CPU time. A failed run
    stops the benchmark with Snakemake's output."""
    (directory / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(directory),
        "--configfile", str(directory / "config.yaml"), "--cores", str(cores),
        *(["--set-threads", *set_threads] if set_threads else []),
    ]
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT) as run:
        snakemake_cpu = own_cpu_at_exit(run)
        run.wait()
        wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
        if run.returncode != 0:
            out.seek(0)
            sys.exit(f"snakemake failed after {wall:.0f} s:\n{out.read()[-10000:]}")
    return RunTime(wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, snakemake_cpu)


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
        spent = run_snakemake(directory, config, args.cores)
        table = rule_table(directory)
    print(f"default config{' with ' + str(overrides) if overrides else ''}, --cores {args.cores}")
    print_run(spent, table)


def print_run(spent: RunTime, table: pd.DataFrame) -> None:
    """The whole run's wall and exact CPU time, then the per-rule table (rule_table)."""
    print(f"whole run: {spent.wall:.0f} s wall ({spent.wall / 60:.1f} min); "
          f"{spent.user + spent.system:.0f} CPU s exact ({spent.user:.0f} user, {spent.system:.0f} system; "
          "Snakemake and every job, by getrusage)")
    rest = spent.user + spent.system - float(table.loc["total", "cpu_s"])
    print(f"per rule: cpu_s exact, each job's getrusage at the end of its step (the rest, {rest:.0f} CPU s, "
          f"is Snakemake's own process, {spent.snakemake_cpu:.1f} CPU s by /proc/<pid>/stat at its exit, the "
          "downloads' steps and the jobs' exits), of which startup_cpu_s before the step started; max_rss_mb "
          "exact, the largest job's resident set in MiB by the kernel's high-water mark; wall, max_rss_mb_sampled and "
          "cpu_s_sampled from Snakemake's benchmark files:")
    print(table.to_markdown())


if __name__ == "__main__":
    main()
