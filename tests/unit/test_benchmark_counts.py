"""The default-run benchmark's exact counts: Snakemake's own CPU, apart from the jobs it ran, and
each job's largest resident set."""

from __future__ import annotations

import resource
import subprocess
import sys

from support.locations import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from default_run import logged_peak_memory, own_cpu_at_exit  # noqa: E402 - benchmarks/ is put on the path above

# Spins until this process has used the given CPU seconds (by getrusage), then exits.
BURN = """
import resource, sys
def used():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
while used() < float(sys.argv[1]):
    pass
"""
# Runs a child that burns 0.9 CPU s and waits for it, then burns 0.3 s itself.
PARENT = f"""
import subprocess, sys
subprocess.run([sys.executable, "-c", {BURN!r}, "0.9"], check=True)
exec({BURN!r}.replace("sys.argv[1]", "0.3"))
"""


def test_own_cpu_at_exit_counts_the_process_and_not_the_children_it_waited_for():
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with subprocess.Popen([sys.executable, "-c", PARENT]) as parent:
        own = own_cpu_at_exit(parent)
        assert parent.wait() == 0  # left for the caller to reap
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    everything = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    # /proc counts in clock ticks, getrusage (which the burning process watched) more finely
    assert 0.25 <= own < 0.6  # what it burned, and not its child's 0.9
    assert everything >= own + 0.85


# A step that touches 300 MiB (every page written), then ends.
TOUCHING_STEP = """
import sys
from hif_prognosis.runlog import logged_step
with logged_step(sys.argv[1], "a step"):
    block = b"x" * (300 << 20)
"""


def test_a_step_logs_its_largest_resident_set_and_the_benchmark_reads_it(tmp_path):
    """Its own: not the high-water mark of the larger process that started it (held here by a
    400 MiB block while the step runs)."""
    log = tmp_path / "step.log"
    parent_block = b"y" * (400 << 20)
    subprocess.run([sys.executable, "-c", TOUCHING_STEP, str(log)], check=True)
    assert len(parent_block) and 300 <= logged_peak_memory(log) < 400  # the block and the interpreter
