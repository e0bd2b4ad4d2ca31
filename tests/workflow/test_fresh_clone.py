"""A newcomer's first run: the repository cloned into an empty directory with no ../shared beside
it, the README's example command (`make run-example`) run there, and the page it writes read in
headless Chromium as a reader meets it.

The clone uses this test environment's .venv (`make -o` keeps make from rebuilding it) with the
clone's own src/ first on the path, so the clone's code, workflow and shipped data are what run.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from support.browser import Browser, find_chromium
from support.locations import REPO

from hif_prognosis.wording import format_p

pytestmark = pytest.mark.workflow
VENV = REPO / ".venv"
RUN = "gse4335"  # results/<config file name>/


@pytest.fixture(scope="module")
def example_run(tmp_path_factory) -> Path:
    if not (VENV / ".installed").is_file() or shutil.which("git") is None:
        pytest.skip("needs git and the environment `make env` builds (.venv)")
    empty = tmp_path_factory.mktemp("newcomer")
    clone = empty / "hif-prognosis"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    assert not (empty / "shared").exists()
    environment = os.environ | {"PYTHONPATH": str(clone / "src")}
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
    result = subprocess.run(
        ["make", "-o", f"{VENV}/.installed", "run-example", f"VENV={VENV}", "CORES=2"],
        cwd=clone, env=environment, capture_output=True, text=True,
    )
    wall, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"make run-example from an empty clone: {wall:.0f} s wall, {cpu:.0f} CPU s")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    page = clone / "results" / RUN / "summary" / "index.html"
    assert f"The answer, in a browser: {page}" in result.stdout + result.stderr  # said at the end
    assert "never awaited" not in result.stderr
    return clone


def test_the_example_writes_only_its_own_folders(example_run):
    assert sorted(p.name for p in (example_run / "results").iterdir()) == [RUN]
    assert sorted(p.name for p in (example_run / "logs").iterdir()) == [RUN]
    assert (example_run / "results" / RUN / "GSE4335" / "survival" / "cox.tsv").is_file()
    assert not (example_run / "resources" / "downloads").exists()  # nothing downloaded


def test_the_page_records_what_ran_on_what(example_run):
    """Provenance: each shipped input's checksum equals the one resources/example/SOURCE.md
    publishes; the page names its date and the clone's git commit; numba is in the versions."""
    summary = example_run / "results" / RUN / "summary"
    checksums = pd.read_csv(summary / "input_checksums.tsv", sep="\t").set_index("file")["sha256"]
    published = dict(re.findall(r"^\| (\S+) \| [\d,]+ \| ([0-9a-f]{64}) \|$",
                                (example_run / "resources" / "example" / "SOURCE.md").read_text(), flags=re.MULTILINE))
    shipped = {f"workflow:resources/example/{name}": sha for name, sha in published.items() if not name.endswith(".txt")}
    assert len(shipped) == 4 and {f: checksums[f] for f in shipped} == shipped
    commit = subprocess.run(["git", "-C", str(example_run), "rev-parse", "--short=12", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    page = (summary / "index.html").read_text()
    assert re.search(rf"Page written \d{{4}}-\d\d-\d\d \d\d:\d\d UTC by the workflow at git commit \S*{commit[:7]}", page)
    assert "<td>numba</td>" in page


def test_the_first_screen_answers_and_cannot_be_misread(example_run, tmp_path):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine: apt-get install chromium (make system-deps)")
    results = example_run / "results" / RUN
    width, height = 1280, 900
    with Browser(chromium, width=width, height=height) as browser:
        browser.open((results / "summary" / "index.html").as_uri())
        assert browser.failures() == []
        images = browser.evaluate(
            "[...document.images].map(i => [i.complete && i.naturalWidth > 0, i.getBoundingClientRect().width])"
        )
        headline = browser.evaluate(
            "(() => { const t = document.getElementById('headline'); const r = t.getBoundingClientRect();"
            " return {top: r.top, bottom: r.bottom, rows: [...t.tBodies[0].rows].map(r => r.innerText)}; })()"
        )
        answer = browser.evaluate("document.getElementById('answer-overall_survival').innerText")
        reader = browser.reader_checks()
        identifiers = browser.identifiers_in_prose()
        screenshot = tmp_path / "summary_first_screen.png"
        browser.screenshot(screenshot)
    # the specification curve; primary signature: KM, gene forest, null; per ranking an enrichment and a dot plot
    assert len(images) == 8 and all(loaded and shown > 100 for loaded, shown in images)
    assert reader["dead_links"] == [] and reader["zero_p"] == []
    assert reader["questions"] == sorted(reader["questions"]) and set(reader["questions"]) == {1, 2, 3, 4, 5, 6}
    assert reader["text"].startswith("Does HIF-1α activity predict survival in breast cancer?")
    assert "GSE4335 (breast cancer" in reader["text"] and "GSE4335 is breast cancer" in reader["text"]
    assert "The forest plot of the random-effects meta-analysis and the locked-model validation need two" in reader["text"]
    navigation = next(line for line in reader["text"].splitlines() if line.startswith("the questions"))
    assert "forest plot" not in navigation and "across cohorts" in navigation  # one cohort: no forest to go to
    # 38 events detect only HR 1.58 per SD at 80% power: a missing signal is not evidence of none
    assert answer.startswith("Overall survival: not enough events to tell (38 events detect HR 1.58 per SD")
    assert 0 < headline["top"] and headline["bottom"] < height  # the answer and its table are in view
    (row,) = headline["rows"]
    assert row.startswith("GSE4335\nbreast cancer\toverall survival\t115 (38)\t1.20 [0.86–1.68]")
    # the random-set null shown is the one question 2 decides by: adjusted where the score follows
    # the sample-wide offset (it does on these two-colour log ratios)
    null = pd.read_csv(results / "GSE4335" / "survival" / "null.tsv", sep="\t")
    primary = null[(null["signature"] == "HALLMARK_HYPOXIA") & (null["method"] == "zscore")].iloc[0]
    assert bool(primary["offset_warning"])
    deciding = (f"{primary['percentile_log_hr_adj_sample_mean_z']:.1f} "
                f"({format_p(primary['p_empirical_abs_log_hr_adj_sample_mean_z'], int(primary['n_random_sets']))})")
    unadjusted = f"{primary['percentile_log_hr']:.1f} ({format_p(primary['p_empirical_abs_log_hr'], int(primary['n_random_sets']))})"
    assert f"{deciding}\nadjusted for the sample-wide mean z-score" in row and unadjusted not in row
    assert "both adjusted for the sample-wide mean z-score, the comparison that decides" in reader["text"]  # the figure's caption
    # no printed interval seems to contradict its verdict
    verdicts = re.findall(r"HR [\d.]+ \[([\d.]+)–([\d.]+)\] \((higher|lower) risk\)", reader["text"])
    assert verdicts, "the robustness sentence names the specifications that change the verdict"
    for low, high, verdict in verdicts:
        assert float(low) > 1 if verdict == "higher" else float(high) < 1, (low, high, verdict)
    assert re.findall(r"\[1\.0+–|–1\.0+\]", reader["text"]) == []  # a bound is never printed as 1
    # words, not identifiers, outside file names, code and the config
    assert identifiers == set()
    shot = plt.imread(screenshot)
    assert shot.shape[:2] == (height, width) and shot[:, :, :3].std() > 0.05  # not a blank page
