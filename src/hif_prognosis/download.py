"""Downloading public files robustly: retries, checks, and no half-written files.

One function, :func:`fetch`, serves every source (GEO, the Xena hubs, the GDC API, MSigDB).
Transfer is requests with urllib3's ``Retry`` (connection errors, read time-outs, 429/5xx with
exponential backoff); a body that breaks off mid-transfer or fails its check is fetched again by
an outer loop. Data go to ``<name>.part`` and are renamed only once whole and checked.
"""

from __future__ import annotations

import gzip
import logging
import os
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class DownloadSettings:
    """Transfer limits; ``retries`` counts further attempts after the first."""

    timeout_seconds: float = 60.0
    connect_timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 1.0


class DownloadError(RuntimeError):
    """A file could not be downloaded; the message says what to change."""


class CorruptDownload(Exception):
    """The bytes arrived but are not the expected data (retried, then reported)."""


class InterruptedTransfer(Exception):
    """The connection broke or stalled while the body was streaming (retried, then reported)."""


def _session(settings: DownloadSettings) -> requests.Session:
    retry = Retry(
        total=settings.retries,
        connect=settings.retries,
        read=settings.retries,
        status=settings.retries,
        other=0,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=settings.backoff_seconds,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _timed_out_waiting(error: requests.RequestException) -> bool:
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(error, requests.ReadTimeout) or isinstance(reason, ReadTimeoutError)


def first_line(path: Path) -> str:
    """The first text line of a file, transparently decompressing gzip."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:  # type: ignore[operator]
        return handle.readline().rstrip("\r\n")


def check_download(path: Path, *, gzipped: bool, expected_start: str | None) -> None:
    """Raise CorruptDownload unless the file is whole data of the expected kind."""
    with path.open("rb") as handle:
        head = handle.read(512)
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise CorruptDownload("the server sent an HTML page, not data (an error or login page?)")
    if gzipped:
        if head[:2] != b"\x1f\x8b":
            raise CorruptDownload("expected gzip data but the file is not gzip-compressed")
        try:
            with gzip.open(path, "rb") as stream:
                while stream.read(CHUNK_BYTES):
                    pass
        except (EOFError, OSError, zlib.error) as error:
            raise CorruptDownload(f"truncated or corrupt gzip data ({error})") from error
    if expected_start is not None:
        line = first_line(path)
        if not line.startswith(expected_start):
            raise CorruptDownload(
                f"unexpected content: the first line starts {line[:60]!r}, "
                f"expected {expected_start!r}"
            )


def _stream(response: requests.Response, partial: Path, url: str) -> None:
    total = int(response.headers.get("Content-Length") or 0)
    written, next_report, started = 0, 0.1, time.monotonic()
    try:
        with partial.open("wb") as out:
            for chunk in response.iter_content(CHUNK_BYTES):
                out.write(chunk)
                written += len(chunk)
                if total and written / total >= next_report:
                    log.info("%s: %3.0f%% of %.1f MB", url, 100 * written / total, total / 1e6)
                    next_report += 0.1
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
        # requests reports a dropped or stalled body as one of these (urllib3 does not retry it).
        raise InterruptedTransfer(f"transfer broke off after {written} bytes ({error})") from error
    log.info("%s: %.1f MB in %.1f s", url, written / 1e6, time.monotonic() - started)


def fetch(
    url: str,
    destination: str | Path,
    *,
    settings: DownloadSettings = DownloadSettings(),
    expected_start: str | None = None,
    mirror_hint: str = "",
    session_factory: Callable[[DownloadSettings], requests.Session] = _session,
) -> Path:
    """Download ``url`` to ``destination`` unless it is already there; return the path.

    ``expected_start`` is what the first (decompressed) line must begin with. ``mirror_hint``
    names the config setting that points this source at a mirror, for the error message.
    """
    destination = Path(destination)
    if destination.is_file():
        log.info("%s: cached at %s", url, destination)
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    gzipped = destination.name.endswith(".gz")
    where = f" or point {mirror_hint} in the config at a mirror" if mirror_hint else ""
    attempts = settings.retries + 1
    with session_factory(settings) as session:
        attempt = 1
        while True:
            log.info("%s: downloading (attempt %d of %d)", url, attempt, attempts)
            try:
                response = session.get(
                    url,
                    stream=True,
                    timeout=(settings.connect_timeout_seconds, settings.timeout_seconds),
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                # urllib3 has already retried connecting and waiting for the headers.
                if _timed_out_waiting(error):
                    raise DownloadError(
                        f"{url}: the server accepted the connection but sent no answer within "
                        f"{settings.timeout_seconds:g} s, {attempts} times. Try again later{where}."
                    ) from error
                raise DownloadError(
                    f"{url}: cannot reach the server after {attempts} attempts ({error}). "
                    f"Is this machine offline? Download on a machine with network access{where}."
                ) from error
            try:
                with response:
                    if response.status_code != 200:
                        raise DownloadError(
                            f"{url}: the server answered HTTP {response.status_code} "
                            f"{response.reason}"
                            + (" after retries" if response.status_code in RETRY_STATUSES else "")
                            + f". Check the URL and accession{where}."
                        )
                    _stream(response, partial, url)
                check_download(partial, gzipped=gzipped, expected_start=expected_start)
                os.replace(partial, destination)
                return destination
            except (InterruptedTransfer, CorruptDownload) as error:
                log.warning("%s: attempt %d of %d failed: %s", url, attempt, attempts, error)
                if attempt == attempts:
                    raise DownloadError(
                        f"{url}: download failed after {attempts} attempts: {error}{where}."
                    ) from error
                time.sleep(settings.backoff_seconds * 2 ** (attempt - 1))
                attempt += 1
            finally:
                partial.unlink(missing_ok=True)


def settings_from_config(downloads: Mapping[str, object]) -> DownloadSettings:
    """The ``downloads:`` section of the config (mirrors are not transfer settings)."""
    names = {f.name for f in fields(DownloadSettings)}
    return DownloadSettings(**{k: v for k, v in downloads.items() if k in names})  # type: ignore[arg-type]
