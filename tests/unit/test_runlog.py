"""A job's step log: its exact CPU line, and the process's end without teardown."""

from __future__ import annotations

import subprocess
import sys

from hif_prognosis.runlog import CPU_USED

STEP = """
import sys
from hif_prognosis.runlog import end_process, logged_step
with logged_step(sys.argv[1], "a step") as log:
    log.info("working")
    with open(sys.argv[2], "w") as table:
        table.write("written")
print("on stdout", end="")
end_process()
print("never printed")
"""


def test_a_finished_step_logs_its_cpu_and_ends_its_process_with_everything_written(tmp_path):
    log, table = tmp_path / "step.log", tmp_path / "table.tsv"
    run = subprocess.run([sys.executable, "-c", STEP, str(log), str(table)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "on stdout"  # flushed before the process ended, and nothing after it ran
    assert table.read_text() == "written"
    started, working, *_, done = [line.split(" INFO ")[1] for line in log.read_text().splitlines()]
    assert working == "working"
    at_start = logged_cpu(started, "a step: started; ")
    assert 0 < at_start <= logged_cpu(done, "a step: done; ")


def logged_cpu(message: str, prefix: str) -> float:
    """The CPU seconds a log message gives after ``prefix``, in CPU_USED's words."""
    prefix += CPU_USED.split("{")[0]
    assert message.startswith(prefix), message
    return float(message.removeprefix(prefix).split(" s ")[0])


def test_a_failed_step_never_reaches_the_end_and_exits_with_the_error(tmp_path):
    failing = STEP.replace('log.info("working")', 'raise RuntimeError("broken")')
    run = subprocess.run([sys.executable, "-c", failing, str(tmp_path / "step.log"), str(tmp_path / "t")],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "RuntimeError: broken" in run.stderr and run.stdout == ""
    assert "a step: failed" in (tmp_path / "step.log").read_text()
