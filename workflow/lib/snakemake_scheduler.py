"""A workaround for Snakemake's job scheduler, applied by the workflow while it is parsed.

Snakemake 9's scheduler (snakemake/scheduling/job_scheduler.py, to 9.27.1 at least) ends every
pass of its loop by starting a timer that wakes the loop again a second later, for its job-rate
limit (``--max-jobs-per-timespan``, "100/1s" unless set). Each wake runs a pass, and each pass
starts a timer: every job that finishes, since it wakes the loop too, leaves one more chain of
timers behind, and by the end of the default run about 150 chains woke it 150 times a second:
17,800 passes, and Snakemake's own process took 38.8 CPU s, against 10.5 with the wakes
coalesced (benchmarks/default_run.py; docs/performance.md). One pending wake is enough, since a
pass looks at every job whichever wake started it: :func:`coalesce_reevaluations` keeps only
the earliest.

Standard library only, like the workflow's other parse-time code (Snakemake's scheduler is
looked up when the workflow applies it). The method is replaced only where it is still the known
one (its source, compared below): a Snakemake that changed it is left alone, and
tests/workflow/test_snakemake_scheduler.py, which expects the installed one to be replaced,
fails.
"""

from __future__ import annotations

import inspect
import textwrap
import threading
import time
from typing import Any

# The method as Snakemake 9.27.1 has it (its name misspelt there).
METHOD = "_schedule_reevalutation"
KNOWN_SOURCE = """\
def _schedule_reevalutation(self, delay: int) -> None:
    threading.Timer(
        delay,
        lambda: self._open_jobs.release(),
    ).start()
"""


def coalesce_snakemake_reevaluations() -> bool:
    """coalesce_reevaluations on the running Snakemake's scheduler, if it has the module."""
    try:
        from snakemake.scheduling.job_scheduler import JobScheduler
    except ImportError:
        return False
    return coalesce_reevaluations(JobScheduler)


def coalesce_reevaluations(scheduler: type) -> bool:
    """Give ``scheduler`` (Snakemake's ``JobScheduler``) a re-evaluation that starts a timer
    only when none would wake the loop as early: the loop is still woken within ``delay`` of
    every request, once. Returns whether the method was replaced (False where it is not the
    known one, or was replaced already)."""
    method = getattr(scheduler, METHOD, None)
    if method is None or getattr(method, "coalesced", False):
        return False
    try:
        source = textwrap.dedent(inspect.getsource(method))
    except (OSError, TypeError):
        return False
    if source != KNOWN_SOURCE:
        return False
    setattr(scheduler, METHOD, _coalesced_reevaluation)
    return True


_LOCK = threading.Lock()
_PENDING = "_coalesced_wake_at"  # the scheduler's earliest pending wake (time.monotonic), if any


def _coalesced_reevaluation(self: Any, delay: float) -> None:
    """Wake the scheduler's loop (release ``_open_jobs`` once) ``delay`` seconds from now,
    unless a wake already pending comes no later."""
    wake_at = time.monotonic() + delay
    with _LOCK:
        pending = getattr(self, _PENDING, None)
        if pending is not None and pending <= wake_at:
            return
        setattr(self, _PENDING, wake_at)

    def wake() -> None:  # a later timer this one overtook still wakes the loop once more: harmless
        with _LOCK:
            if getattr(self, _PENDING, None) == wake_at:
                setattr(self, _PENDING, None)
        self._open_jobs.release()

    threading.Timer(delay, wake).start()


_coalesced_reevaluation.coalesced = True  # type: ignore[attr-defined]
