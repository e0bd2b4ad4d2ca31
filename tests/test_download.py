"""The downloader against a loopback server, faults included."""

import gzip
import socket
import time

import pytest

from hif_prognosis.download import DownloadError, DownloadSettings, fetch
from mirror import Mirror

FAST = DownloadSettings(timeout_seconds=0.5, connect_timeout_seconds=0.5, retries=2, backoff_seconds=0.01)
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


def test_server_that_never_answers(mirror, tmp_path):
    url = mirror.add("/slow.txt.gz", SERIES, *["hang"] * 10)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="no answer within 0.5 s, 3 times"):
        fetch(url, tmp_path / "slow.txt.gz", settings=FAST)
    assert time.monotonic() - started < 10
    assert leftovers(tmp_path) == []


def test_no_network_fails_within_seconds_and_names_the_mirror_setting(tmp_path):
    with socket.socket() as probe:  # a port on loopback that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"offline.*downloads\.mirrors\.geo"):
        fetch(
            f"http://127.0.0.1:{port}/x.gz",
            tmp_path / "x.gz",
            settings=DownloadSettings(retries=3, backoff_seconds=0.2),
            mirror_hint="downloads.mirrors.geo",
        )
    assert time.monotonic() - started < 10
    assert leftovers(tmp_path) == []


def test_unexpected_first_line_is_an_error(mirror, tmp_path):
    url = mirror.add("/sets.gmt", b"not a gene set file\n")
    with pytest.raises(DownloadError, match="unexpected content"):
        fetch(url, tmp_path / "sets.gmt", settings=FAST, expected_start="HALLMARK_")
