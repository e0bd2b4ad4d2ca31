"""Logging for workflow steps: everything, including a failure's traceback, goes to the job log."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def logged_step(log_path: str | Path, step: str) -> Iterator[logging.Logger]:
    """Send the step's log records and warnings to ``log_path``; log and re-raise any error."""
    logger = logging.getLogger("hif_prognosis")
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(handler)
    logger.info("%s: started", step)
    try:
        yield logger
    except Exception:
        logger.exception("%s: failed", step)
        # Snakemake shows stderr; keep the cause visible there as well as in the log.
        print(f"{step} failed; see {log_path}", file=sys.stderr)
        raise
    else:
        logger.info("%s: done", step)
    finally:
        logger.removeHandler(handler)
        logging.getLogger("py.warnings").removeHandler(handler)
        handler.close()
