"""workflow/lib/snakemake_scheduler.py: Snakemake's scheduler wakes its loop once per request
window, not once per chain of timers, and still runs every job under a binding rate limit."""

import subprocess
import sys
import threading
import time

from snakemake.scheduling.job_scheduler import JobScheduler

from snakemake_scheduler import coalesce_reevaluations, METHOD
from support.locations import REPO


class _Scheduler:
    """What the re-evaluation touches of Snakemake's scheduler: the semaphore its loop waits on."""

    def __init__(self) -> None:
        self._open_jobs = threading.Semaphore(0)


def _coalesced_class() -> type:
    subclass = type("CoalescedScheduler", (JobScheduler,), {})  # the installed Snakemake's own class untouched
    assert coalesce_reevaluations(subclass), "the installed Snakemake's scheduler is no longer the known one: see the module"
    return subclass


def _wakes(scheduler: _Scheduler, within: float) -> int:
    count = 0
    deadline = time.monotonic() + within
    while scheduler._open_jobs.acquire(timeout=max(deadline - time.monotonic(), 0)):
        count += 1
    return count


def test_the_installed_snakemake_scheduler_is_coalesced_once():
    subclass = _coalesced_class()
    assert not coalesce_reevaluations(subclass)  # already replaced
    assert getattr(JobScheduler, METHOD) is not getattr(subclass, METHOD)


def test_many_requests_wake_the_loop_once_and_later_requests_again():
    reevaluate = getattr(_coalesced_class(), METHOD)
    scheduler = _Scheduler()
    threads = threading.active_count()
    for _ in range(50):
        reevaluate(scheduler, 0.05)
    assert threading.active_count() <= threads + 1
    assert _wakes(scheduler, 1.0) == 1
    reevaluate(scheduler, 0.05)  # after the wake, a request starts a new timer
    assert _wakes(scheduler, 1.0) == 1


def test_an_earlier_request_is_not_held_back_by_a_later_pending_one():
    reevaluate = getattr(_coalesced_class(), METHOD)
    scheduler = _Scheduler()
    reevaluate(scheduler, 30.0)
    started = time.monotonic()
    reevaluate(scheduler, 0.05)
    assert scheduler._open_jobs.acquire(timeout=5)
    assert time.monotonic() - started < 5


def test_an_unknown_method_is_left_alone():
    class Changed:
        def _schedule_reevalutation(self, delay):
            pass

    original = Changed._schedule_reevalutation
    assert not coalesce_reevaluations(Changed)
    assert Changed._schedule_reevalutation is original
    assert not coalesce_reevaluations(type("Without", (), {}))


def test_a_binding_rate_limit_still_runs_every_job(tmp_path):
    """One job a second: each job waits for the limiter's wake, which must keep coming."""
    (tmp_path / "Snakefile").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(REPO / 'workflow' / 'lib')!r})\n"
        "import snakemake_scheduler\n"
        "assert snakemake_scheduler.coalesce_snakemake_reevaluations()\n"
        "rule all:\n    input: expand('out/{i}.txt', i=range(5))\n"
        "rule one:\n    output: 'out/{i}.txt'\n    shell: 'echo {wildcards.i} > {output}'\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--workflow-profile", "none",
         "--max-jobs-per-timespan", "1/1s"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{i}.txt" for i in range(5)]
    assert "Job rate limit reached" in result.stderr
