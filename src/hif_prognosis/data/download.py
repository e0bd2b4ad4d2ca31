"""Downloading public files robustly: retries, checks, and no half-written files.

One function, :func:`fetch`, serves every source (GEO, the Xena hubs, the GDC API, MSigDB).
Transfer is requests with urllib3's ``Retry`` (connection errors, read time-outs, 429/5xx with
exponential backoff); a body that breaks off mid-transfer or fails its check is fetched again by
an outer loop. Data go to ``<name>.part`` and are renamed only once whole and checked: not an
HTML page, whole gzip, the expected first line, the content a reader of its kind accepts (a GMT
must parse as a GMT, so an error message sent with status 200 is never cached), and the md5
checksum where the source publishes one. One deadline bounds the whole download, retries
included, so a server that trickles bytes cannot hold a run forever.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from hif_prognosis.errors import PipelineError

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK_BYTES = 1 << 20

# Kind of a downloaded gene-set file (the workflow's RemoteFile.kind) -> (module, reader) that
# must accept it before it is cached.
CONTENT_KINDS = {
    "gmt": ("hif_prognosis.data.genesets", "read_gmt"),
    "gene_list": ("hif_prognosis.data.genesets", "read_gene_list"),
    "review_table": ("hif_prognosis.data.review", "read_review_table"),
    "weights_table": ("hif_prognosis.data.genesets", "read_weights_table"),
}


def content_check(kind: str | None) -> Callable[[Path], object] | None:
    """The reader a downloaded file of ``kind`` must satisfy (imported only when needed)."""
    if kind is None:
        return None
    module, name = CONTENT_KINDS[kind]
    reader: Callable[[Path], object] = getattr(importlib.import_module(module), name)
    return reader


@dataclass(frozen=True)
class DownloadSettings:
    """Transfer limits; ``retries`` counts further attempts after the first."""

    timeout_seconds: float = 60.0  # between two reads of the body
    connect_timeout_seconds: float = 5.0
    first_byte_timeout_seconds: float = 15.0  # from the request to the answer's first byte
    retries: int = 3
    backoff_seconds: float = 1.0
    deadline_seconds: float = 3600.0  # the whole download, retries included


class DownloadError(PipelineError, RuntimeError):
    """A file could not be downloaded; the message says what to change."""


class CorruptDownload(Exception):
    """The bytes arrived but are not the expected data (retried, then reported)."""


class InterruptedTransfer(Exception):
    """The connection broke or stalled while the body was streaming (retried, then reported)."""


def _session(settings: DownloadSettings) -> requests.Session:
    retry = Retry(
        total=settings.retries,
        connect=settings.retries,
        read=1,  # a server that accepts and never answers is asked twice, not retries + 1 times
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


def check_download(
    path: Path,
    *,
    gzipped: bool,
    expected_start: str | None,
    content_check: Callable[[Path], object] | None = None,
    md5: str | None = None,
) -> None:
    """Raise CorruptDownload unless the file is whole data of the expected kind:
    ``content_check`` reads it as its kind (raising ``PipelineError`` if it is not), ``md5`` is
    the published checksum."""
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
    if md5 is not None:
        digest = hashlib.md5(path.read_bytes()).hexdigest()
        if digest != md5.lower():
            raise CorruptDownload(f"md5 checksum {digest} differs from the published {md5}")
    if content_check is not None:
        try:
            content_check(path)
        except PipelineError as error:
            first = first_line(path)[:80]
            raise CorruptDownload(f"not the expected content ({error}); it begins {first!r}") from None


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket a streaming response reads from (http.client's file over it), if any."""
    reader = getattr(getattr(response.raw, "_fp", None), "fp", None)
    return getattr(getattr(reader, "raw", None), "_sock", None)


class DeadlinePassed(Exception):
    """The download's overall deadline passed while the body was streaming."""


def _stream(response: requests.Response, partial: Path, url: str, seconds_left: float) -> None:
    """Write the body to ``partial``. A watchdog closes the connection when ``seconds_left``
    run out: a server that trickles a byte now and then never lets a read time out."""
    total = int(response.headers.get("Content-Length") or 0)
    announced = f" of {total}" if total else ""
    written, next_report, started = 0, 0.1, time.monotonic()
    expired = threading.Event()

    def expire() -> None:
        # Shutting the socket down wakes a read blocked in another thread; close() alone does not.
        expired.set()
        sock = _socket_of(response)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        response.close()

    watchdog = threading.Timer(max(seconds_left, 0.0), expire)
    watchdog.start()
    try:
        with partial.open("wb") as out:
            # read1 returns what has arrived (up to CHUNK_BYTES), so a slow body is counted as it
            # comes; iter_content would wait for whole chunks and report 0 bytes of a trickle.
            while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
                out.write(chunk)
                written += len(chunk)
                if total and written / total >= next_report:
                    log.info("%s: %3.0f%% of %.1f MB", url, 100 * written / total, total / 1e6)
                    next_report += 0.1
    except Exception as error:
        if expired.is_set():
            raise DeadlinePassed(f"{written} bytes received{announced}") from None
        if isinstance(error, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, ProtocolError,
                              ReadTimeoutError)):
            # A dropped or stalled body (urllib3 does not retry it).
            raise InterruptedTransfer(f"transfer broke off after {written} bytes{announced} ({error})") from error
        raise
    finally:
        watchdog.cancel()
    if expired.is_set():
        raise DeadlinePassed(f"{written} bytes received{announced}")
    if total and written != total:
        raise InterruptedTransfer(f"received {written} bytes where the server announced {total}")
    log.info("%s: received %d bytes (%.1f MB) in %.1f s", url, written, written / 1e6, time.monotonic() - started)


def fetch(
    url: str,
    destination: str | Path,
    *,
    settings: DownloadSettings = DownloadSettings(),
    expected_start: str | None = None,
    content_check: Callable[[Path], object] | None = None,
    md5: str | None = None,
    mirror_hint: str = "",
    session_factory: Callable[[DownloadSettings], requests.Session] = _session,
) -> Path:
    """Download ``url`` to ``destination`` unless it is already there; return the path.

    ``expected_start`` is what the first (decompressed) line must begin with, ``content_check``
    reads the file as its kind, ``md5`` is the source's published checksum (see
    ``check_download``). ``mirror_hint`` names the config setting that points this source at a
    mirror, for the error message.
    """
    destination = Path(destination)
    if destination.is_file():
        log.info("%s: cached at %s", url, destination)
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    where = f" or point {mirror_hint} in the config at a mirror" if mirror_hint else ""
    attempts = settings.retries + 1
    deadline = time.monotonic() + settings.deadline_seconds
    with session_factory(settings) as session:
        attempt = 1
        while True:
            log.info("%s: downloading (attempt %d of %d)", url, attempt, attempts)
            response = _answer(session, url, destination, settings, mirror_hint, attempts, where)
            try:
                _receive(response, partial, url, deadline, where)
                check_download(
                    partial, gzipped=destination.name.endswith(".gz"), expected_start=expected_start,
                    content_check=content_check, md5=md5,
                )
                os.replace(partial, destination)
                return destination
            except DeadlinePassed as error:
                raise DownloadError(
                    f"{url}: not complete after {settings.deadline_seconds:g} s "
                    f"(downloads.deadline_seconds; {error}): the server is stalled or too slow. Try "
                    f"again later, raise the deadline{where}."
                ) from None
            except (InterruptedTransfer, CorruptDownload) as error:
                log.warning("%s: attempt %d of %d failed: %s", url, attempt, attempts, error)
                wait = settings.backoff_seconds * 2 ** (attempt - 1)
                if attempt == attempts or time.monotonic() + wait > deadline:
                    raise DownloadError(
                        f"{url}: download failed after {attempt} attempt(s): {error}. Nothing was "
                        f"cached at {destination}{where}."
                    ) from error
                log.info("%s: trying again in %.0f s", url, wait)
                time.sleep(wait)
                attempt += 1
            finally:
                partial.unlink(missing_ok=True)


def _answer(
    session: requests.Session, url: str, destination: Path, settings: DownloadSettings, mirror_hint: str,
    attempts: int, where: str,
) -> requests.Response:
    """The server's answer to a GET of ``url``, its body still to read; a DownloadError saying
    why where none came (urllib3 has already retried connecting and waiting for the headers)."""
    try:
        response = session.get(
            url, stream=True, timeout=(settings.connect_timeout_seconds, settings.first_byte_timeout_seconds),
        )
    except (requests.ConnectionError, requests.Timeout) as error:
        if _timed_out_waiting(error):
            raise DownloadError(
                f"{url}: the server accepted the connection but sent no answer within "
                f"{settings.first_byte_timeout_seconds:g} s (downloads.first_byte_timeout_seconds), "
                f"twice. Try again later{where}."
            ) from error
        raise DownloadError(offline_message(url, destination, mirror_hint, attempts, error)) from error
    sock = _socket_of(response)
    if sock is not None:  # the body may pause longer than the answer took to start
        sock.settimeout(settings.timeout_seconds)
    return response


def _receive(response: requests.Response, partial: Path, url: str, deadline: float, where: str) -> None:
    """The answer's body into ``partial``, refused unless the server answered 200."""
    with response:
        if response.status_code != 200:
            raise DownloadError(
                f"{url}: the server answered HTTP {response.status_code} "
                f"{response.reason}"
                + (" after retries" if response.status_code in RETRY_STATUSES else "")
                + f". Check the URL and accession{where}."
            )
        _stream(response, partial, url, deadline - time.monotonic())


def offline_message(url: str, destination: Path, mirror_hint: str, attempts: int, error: Exception) -> str:
    """What to do when the server cannot be reached, first, then the technical cause, short."""
    detail = str(error)
    detail = detail if len(detail) <= 200 else detail[:200] + "..."
    return "\n".join([
        f"cannot reach the server of {url} ({attempts} attempts): is this machine offline?",
        "  - run the example that needs no network: make run-example (README, 'Quick start');",
        f"  - or download the file on a machine with network access and put it at {destination};",
        *([f"  - or point {mirror_hint} in the config at a mirror you can reach."] if mirror_hint else []),
        f"  (cause: {detail})",
    ])


def settings_from_config(downloads: Mapping[str, object]) -> DownloadSettings:
    """The ``downloads:`` section of the config (mirrors are not transfer settings)."""
    names = {f.name for f in fields(DownloadSettings)}
    return DownloadSettings(**{k: v for k, v in downloads.items() if k in names})  # type: ignore[arg-type]
