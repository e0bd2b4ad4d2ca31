"""Logging for workflow steps: everything, including a failure's traceback, goes to the job log.

A step logs the exact CPU time its process has used when it starts (getrusage: user and system
seconds; the interpreter's start-up, Snakemake's script preamble and the job's imports) and, when
it ends well, when it ends (everything but interpreter shutdown), with the process's largest
resident set (the kernel's high-water mark, exact where Snakemake's benchmark files sample it);
``benchmarks/default_run.py`` reads them back per rule.

A failure the user can act on from its message alone (``errors.PipelineError``: bad input, a
failed download) ends the job with that message in the log and on the console and exit status 1,
without a traceback (Snakemake's show-failed-logs prints the log too); any other error is logged
with its traceback and re-raised as it is.
"""

from __future__ import annotations

import logging
import os
import resource
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from hif_prognosis.errors import PipelineError


CPU_USED = "CPU {total:.3f} s (user {user:.3f}, system {system:.3f}; this process, by getrusage)"
PEAK_MEMORY = "largest resident set {mib:.1f} MiB (this process, the kernel's high-water mark)"


def cpu_used() -> str:
    """The log's words for this process's exact CPU time so far (CPU_USED)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return CPU_USED.format(total=used.ru_utime + used.ru_stime, user=used.ru_utime, system=used.ru_stime)


def peak_memory() -> str:
    """The log's words for this process's largest resident set so far (PEAK_MEMORY): Linux's
    VmHWM, the peak of this program's own address space. getrusage's ru_maxrss is not: it
    carries over the high-water mark of the process that started it (a job started by
    vfork-and-exec reports at least Snakemake's own 140 MiB); it stands in where there is no
    /proc (macOS counts it in bytes, Linux in KiB)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        kib = float(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    except (OSError, StopIteration):
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kib = maxrss / 1024 if sys.platform == "darwin" else maxrss
    return PEAK_MEMORY.format(mib=kib / 1024)


@contextmanager
def logged_step(log_path: str | Path, step: str, *, echo: bool = False) -> Iterator[logging.Logger]:
    """Send the step's log records and warnings to ``log_path`` (and, with ``echo``, to the
    console too, for steps a user waits on, such as downloads); log and re-raise any error."""
    logger = logging.getLogger("hif_prognosis")
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    console = logging.StreamHandler(sys.stderr) if echo else None
    if console is not None:
        console.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(console)
    logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(handler)
    logger.info("%s: started; %s", step, cpu_used())
    try:
        yield logger
    except PipelineError as error:
        if console is not None:  # the console gets the message once, below
            logger.removeHandler(console)
        logger.error("%s: failed: %s", step, error)
        print(f"{step} failed: {error}\n(details: {log_path})", file=sys.stderr)
        raise SystemExit(1) from None
    except Exception:
        logger.exception("%s: failed", step)
        # Snakemake shows stderr; keep the cause visible there as well as in the log.
        print(f"{step} failed; see {log_path}", file=sys.stderr)
        raise
    else:
        logger.info("%s: done; %s; %s", step, cpu_used(), peak_memory())
    finally:
        if console is not None:
            logger.removeHandler(console)
        logger.removeHandler(handler)
        logging.getLogger("py.warnings").removeHandler(handler)
        handler.close()


def end_process() -> NoReturn:
    """End a job's process once its script's ``main`` has returned: logs and standard streams
    flushed, then exit status 0 without the interpreter's teardown, which frees every object
    and module one by one (0.2-0.5 CPU s a job, a tenth of the default run's CPU) for a
    process about to end. By then every output file is written and closed (the tables and
    figures are written through context managers); a failure never gets here, it raises."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
