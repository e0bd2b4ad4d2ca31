"""What a cohort source declares (:class:`CohortSource`), and the parse-time vocabulary the
sources and the workflow share: a file to download, where downloads are cached, the error a
config that cannot run raises. Standard library only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

DOWNLOAD_DIR = "resources/downloads"


class ConfigError(ValueError):
    """A config the workflow cannot run; the message names the field and the fix."""


@dataclass(frozen=True)
class RemoteFile:
    url: str
    expected_start: str | None = None  # what the first (decompressed) line must begin with
    mirror_hint: str = ""  # config setting that points this source at a mirror
    kind: str | None = None  # hif_prognosis.data.download.CONTENT_KINDS: the reader it must satisfy

    def as_params(self) -> dict[str, str | None]:
        """Plain values for a job's params (a job cannot unpickle this module's classes)."""
        return asdict(self)


def cached_under(base: str, url: str, source: str) -> str:
    """Where a file of a public source is cached: its path below the source's base URL, under
    resources/downloads/<source>/, so that a mirror with the same layout reuses the cache."""
    return f"{DOWNLOAD_DIR}/{source}/{url[len(base.rstrip('/')) + 1:]}"


Cohort = Mapping[str, Any]
Downloads = dict[str, dict[str, RemoteFile]]  # role -> cached path -> file


def _no_downloads(cohort: Cohort, mirrors: Mapping[str, str]) -> Downloads:
    return {}


def _nothing(cohort: Cohort) -> dict[str, str]:
    return {}


def _no_check(name: str, cohort: Cohort, mirrors: Mapping[str, str], configfile: str) -> None:
    return None


@dataclass(frozen=True)
class CohortSource:
    """A source of cohorts. Parse time: the JSON-schema ``properties`` and ``required`` keys its
    cohorts' config blocks take (written into the config schema by ``make derived``), the
    public files it downloads by role (``downloads``), the files a rule of its own makes
    (``made``, by role), the files the config names (``configured``: role -> location), the
    checks it can make before any job (``check``), and its harmonise job's memory (MB: a base
    and a multiple of the input's MB), minutes and threads. Run time: ``harmonise(inputs, cohort,
    limits, name)``, the log2 gene-symbol matrix and clinical table from the job's inputs by
    role, importing the analysis stack when called."""

    label: str  # "a GEO series": what readers and error messages call it
    schema: Mapping[str, Any]
    harmonise: Callable[..., tuple[Any, Any]]
    downloads: Callable[[Cohort, Mapping[str, str]], Downloads] = _no_downloads
    made: Callable[[Cohort], dict[str, str]] = _nothing
    configured: Callable[[Cohort], dict[str, str]] = _nothing
    check: Callable[[str, Cohort, Mapping[str, str], str], None] = _no_check
    memory_mb: tuple[float, float] = (4000, 20)
    runtime_minutes: float = 30
    threads: int = 1  # its harmonise job's, where reading the expression table can use more
