"""The downloader against a loopback server, faults included."""

import gzip
import re
import socket
import time

import pytest

from hif_prognosis.data.download import DownloadError, DownloadSettings, fetch
from hif_prognosis.errors import InputError
from support.mirror import Mirror

FAST = DownloadSettings(timeout_seconds=0.5, connect_timeout_seconds=0.5, first_byte_timeout_seconds=0.5, retries=2,
                        backoff_seconds=0.01)
SERIES = gzip.compress(b"!Series_title\t\"Osteosarcoma\"\n" + b"!Sample_title\t\"a\"\n" * 5000, mtime=0)


@pytest.fixture
def mirror():
    with Mirror() as server:
        yield server


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir())


def test_download_then_cached(mirror, tmp_path):
    url = mirror.add("/geo/series/GSE1nnn/GSE1/matrix/GSE1_series_matrix.txt.gz", SERIES)
    target = tmp_path / "GSE1_series_matrix.txt.gz"
    fetch(url, target, settings=FAST, expected_start="!Series_")
    assert target.read_bytes() == SERIES
    fetch(url, target, settings=FAST, expected_start="!Series_")
    assert mirror.requests["/geo/series/GSE1nnn/GSE1/matrix/GSE1_series_matrix.txt.gz"] == 1


@pytest.mark.parametrize("faults", [("503",), ("503", "503"), ("drop",), ("truncated_gzip",), ("html",), ("hang",)])
def test_transient_faults_end_in_success(mirror, tmp_path, faults):
    url = mirror.add("/f.txt.gz", SERIES, *faults)
    target = tmp_path / "f.txt.gz"
    fetch(url, target, settings=FAST, expected_start="!Series_")
    assert target.read_bytes() == SERIES
    assert mirror.requests["/f.txt.gz"] == len(faults) + 1
    assert leftovers(tmp_path) == ["f.txt.gz"]


@pytest.mark.parametrize(
    "fault, message",
    [
        ("truncated_gzip", "truncated or corrupt gzip"),
        ("html", "HTML page"),
        ("drop", "broke off"),
        ("503", "HTTP 503"),
    ],
)
def test_persistent_faults_end_in_clear_error_and_no_file(mirror, tmp_path, fault, message):
    url = mirror.add("/f.txt.gz", SERIES, *[fault] * 10)
    with pytest.raises(DownloadError, match=message) as error:
        fetch(url, tmp_path / "f.txt.gz", settings=FAST, mirror_hint="downloads.mirrors.geo")
    assert "downloads.mirrors.geo" in str(error.value)
    assert leftovers(tmp_path) == []


def test_not_found_is_not_retried(mirror, tmp_path):
    url = mirror.add("/missing.txt.gz", SERIES, "404")
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch(url, tmp_path / "missing.txt.gz", settings=FAST)
    assert mirror.requests["/missing.txt.gz"] == 1
    assert leftovers(tmp_path) == []


def test_server_that_never_answers_is_asked_twice_within_seconds(mirror, tmp_path):
    """A server that accepts and never answers: two requests, each given the first-byte
    deadline (15 s by default, so half a minute at worst, not retries x the body's 60 s)."""
    url = mirror.add("/slow.txt.gz", SERIES, *["hang"] * 10)
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"no answer within 0.5 s \(downloads.first_byte_timeout_seconds\), twice"):
        fetch(url, tmp_path / "slow.txt.gz", settings=FAST)
    assert time.monotonic() - started < 5 and mirror.requests["/slow.txt.gz"] == 2
    assert leftovers(tmp_path) == []
    defaults = DownloadSettings()
    assert defaults.connect_timeout_seconds <= 5 and defaults.first_byte_timeout_seconds <= 15


def test_no_network_fails_within_seconds_and_names_the_mirror_setting(tmp_path):
    with socket.socket() as probe:  # a port on loopback that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"(?s)offline.*downloads\.mirrors\.geo") as error:
        fetch(
            f"http://127.0.0.1:{port}/x.gz",
            tmp_path / "x.gz",
            settings=DownloadSettings(retries=3, backoff_seconds=0.2),
            mirror_hint="downloads.mirrors.geo",
        )
    assert time.monotonic() - started < 10
    assert leftovers(tmp_path) == []
    # what to do first, in a few short lines; urllib3's long account last and cut short
    lines = str(error.value).splitlines()
    assert lines[0].startswith(f"cannot reach the server of http://127.0.0.1:{port}/x.gz (4 attempts): is this machine offline?")
    assert "make run-example" in lines[1] and str(tmp_path / "x.gz") in lines[2] and "downloads.mirrors.geo" in lines[3]
    assert lines[4].startswith("  (cause: ") and len(lines) == 5 and all(len(line) <= 260 for line in lines)


def test_unexpected_first_line_is_an_error(mirror, tmp_path):
    url = mirror.add("/sets.gmt", b"not a gene set file\n")
    with pytest.raises(DownloadError, match="unexpected content"):
        fetch(url, tmp_path / "sets.gmt", settings=FAST, expected_start="HALLMARK_")


GMT = b"HALLMARK_HYPOXIA\thttp://x\tPGK1\tPDK1\tCA9\nHALLMARK_G2M\thttp://x\tMKI67\tTOP2A\n"


def test_an_error_message_sent_with_status_200_is_never_cached(mirror, tmp_path):
    """A JSON error body instead of a GMT passes every transfer check; the GMT reader refuses
    it, so nothing is cached that a rerun would trust."""
    from hif_prognosis.data.download import content_check

    url = mirror.add("/h.gmt", GMT, "json", "json", "json")
    target = tmp_path / "h.gmt"
    with pytest.raises(DownloadError) as caught:
        fetch(url, target, settings=FAST, content_check=content_check("gmt"))
    message = str(caught.value)
    assert message.startswith(f"{url}: download failed after 3 attempt(s): not the expected content")
    assert "a GMT line needs a set name" in message and "it begins '{\"error\": \"rate limit" in message
    assert f"Nothing was cached at {target}" in message and leftovers(tmp_path) == []
    url = mirror.add("/h2.gmt", GMT, "json")  # once: the retry gets the real file
    fetch(url, tmp_path / "h2.gmt", settings=FAST, content_check=content_check("gmt"))
    assert (tmp_path / "h2.gmt").read_bytes() == GMT


def test_a_gene_list_url_answering_json_is_refused():
    from hif_prognosis.data.genesets import read_gene_list

    with pytest.raises(InputError, match=r"line 1: '\{\"error\": 1\}' is not a gene symbol"):
        read_gene_list(io_path('{"error": 1}\n'))


def io_path(text: str):
    import tempfile
    from pathlib import Path

    handle = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    handle.write(text)
    handle.close()
    return Path(handle.name)


def test_a_trickling_server_meets_the_overall_deadline(mirror, tmp_path):
    """One byte every 0.2 s never trips the 0.5 s read time-out; the 1 s deadline ends it."""
    url = mirror.add("/slow.txt.gz", SERIES, "trickle", "trickle", "trickle")
    target = tmp_path / "slow.txt.gz"
    settings = DownloadSettings(timeout_seconds=0.5, connect_timeout_seconds=0.5, retries=2,
                                backoff_seconds=0.01, deadline_seconds=1.0)
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"not complete after 1 s \(downloads.deadline_seconds; \d+ bytes received of \d+\)") as error:
        fetch(url, target, settings=settings, expected_start="!Series_")
    received = int(re.search(r"(\d+) bytes received", str(error.value)).group(1))
    assert received > 0  # the bytes that trickled in are counted, not reported as 0
    # without the deadline, three 3 s trickles and the backoff would take over 9 s
    assert time.monotonic() - started < 6
    assert leftovers(tmp_path) == []


def test_a_published_md5_that_does_not_match_is_not_cached(mirror, tmp_path):
    import hashlib

    url = mirror.add("/release.xlsx", b"PK\x03\x04 release bytes")
    with pytest.raises(DownloadError, match="md5 checksum .* differs from the published 00000000"):
        fetch(url, tmp_path / "release.xlsx", settings=FAST, md5="00000000")
    assert leftovers(tmp_path) == []
    fetch(url, tmp_path / "release.xlsx", settings=FAST, md5=hashlib.md5(b"PK\x03\x04 release bytes").hexdigest())
    assert (tmp_path / "release.xlsx").is_file()


def test_download_progress_reaches_the_console_and_failures_end_without_a_traceback(mirror, tmp_path, capfd):
    from hif_prognosis.runlog import logged_step

    url = mirror.add("/missing.gmt", GMT, "404", "404", "404", "404")
    with pytest.raises(SystemExit) as exit_info:
        with logged_step(tmp_path / "download.log", f"download {url}", echo=True):
            fetch(url, tmp_path / "missing.gmt", settings=FAST)
    assert exit_info.value.code == 1
    console = capfd.readouterr().err
    assert f"{url}: downloading (attempt 1 of 3)" in console
    assert f"download {url} failed: {url}: the server answered HTTP 404" in console
    assert "Traceback" not in console + (tmp_path / "download.log").read_text()
