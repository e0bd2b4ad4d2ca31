"""Bad input never becomes a wrong answer: each case runs the workflow on a copy of the .test
cohort with one thing wrong, and asserts the exact outcome.

For every case: the run either stops with a message naming the file or config key, the
offending values and the fix, printed on the console without a traceback, or it gives the
correct result; nothing is written outside results/, resources/downloads/, logs/ and
.snakemake/ (checked over the whole temporary directory, so a path that escapes upwards is
caught); and a failed run leaves no output file that a rerun would trust.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from support.workflow_runs import apply_overrides
from support.mirror import Mirror
from support.locations import REPO

TEST_CASE = REPO / ".test"
ALLOWED = ("results", "resources/downloads", "logs", ".snakemake")
CLINICAL_TARGET = "results/config/TEST/clinical.tsv"
SIGNATURES_TARGET = "results/config/signatures/signatures.tsv"


@dataclass
class Work:
    """A copy of the test case in ``directory``, its config loaded for editing."""

    directory: Path
    config: dict = field(default_factory=dict)
    appended: str = ""  # YAML text added after the config as written (what a dict cannot hold)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def clinical(self) -> pd.DataFrame:
        return pd.read_csv(self.data / "clinical.tsv", sep="\t", dtype=str, keep_default_na=False)

    def write_clinical(self, table: pd.DataFrame, **kwargs) -> None:
        table.to_csv(self.data / "clinical.tsv", sep="\t", index=False, **kwargs)

    def expression(self) -> pd.DataFrame:
        return pd.read_csv(self.data / "expression.tsv.gz", sep="\t", index_col=0)

    def write_expression(self, table: pd.DataFrame, scale: str | None = None) -> None:
        with gzip.open(self.data / "expression.tsv.gz", "wt") as handle:
            handle.write(table.to_csv(sep="\t"))
        if scale:
            self.cohort["expression_scale"] = scale

    @property
    def cohort(self) -> dict:
        return self.config["cohorts"]["TEST"]

    def save(self) -> None:
        text = yaml.safe_dump(self.config, allow_unicode=True) + self.appended
        (self.directory / "config" / "config.yaml").write_text(text)


def prepare(root: Path) -> Work:
    directory = root / "project"
    (directory / "config").mkdir(parents=True)
    (directory / "data").mkdir()
    for name in ("expression.tsv.gz", "clinical.tsv", "gene_sets.gmt"):
        (directory / "data" / name).write_bytes((TEST_CASE / "data" / name).read_bytes())
    config = yaml.safe_load((TEST_CASE / "config" / "config.yaml").read_text())
    return Work(directory, config)


def run(work: Work, *targets: str) -> subprocess.CompletedProcess:
    work.save()
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
               "--directory", str(work.directory), "--cores", "1", *targets]
    return subprocess.run(command, capture_output=True, text=True)


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


def written_outside(root: Path, before: set[Path], directory: Path) -> list[str]:
    allowed = [directory.relative_to(root) / a for a in ALLOWED]
    return sorted(str(p) for p in files_under(root) - before if not any(p.is_relative_to(a) for a in allowed))


@dataclass(frozen=True)
class Case:
    name: str
    change: Callable[[Work], None]
    expected: tuple[str, ...]  # text the console must show; empty: the run must succeed
    target: str = CLINICAL_TARGET
    upstream: tuple[str, ...] = ()  # complete outputs of earlier steps that may exist


def _set(path: str, value: object) -> Callable[[Work], None]:
    """Set one nested config value, ``section__key`` as ``apply_overrides`` takes it."""
    return lambda work: apply_overrides(work.config, {path: value})


def _clinical(edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Work], None]:
    return lambda work: work.write_clinical(edit(work.clinical()))


def _expression(edit: Callable[[pd.DataFrame], pd.DataFrame], scale: str | None = None) -> Callable[[Work], None]:
    return lambda work: work.write_expression(edit(work.expression()), scale)


def _died_beside_dead(table: pd.DataFrame) -> pd.DataFrame:
    dead = table.index[table["os_status"] == "Dead"]
    table.loc[dead[:5], "os_status"] = "Died"
    table.loc[table.index[table["os_status"] == "Alive"][:2], "os_status"] = "alive, lost to follow-up"
    return table


def _swap_paths(work: Work) -> None:
    work.cohort["expression"], work.cohort["clinical"] = "data/clinical.tsv", "data/expression.tsv.gz"


def _binary_clinical(work: Work) -> None:
    (work.data / "clinical.tsv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def _latin1_expression(work: Work, *, declare: bool) -> None:
    expression = work.expression().rename(columns={"TEST001": "TÉST001"})
    with gzip.open(work.data / "expression.tsv.gz", "wb") as handle:
        handle.write(expression.to_csv(sep="\t").encode("latin-1"))
    clinical = work.clinical()
    clinical.loc[clinical["sample_id"] == "TEST001", "sample_id"] = "TÉST001"
    (work.data / "clinical.tsv").write_bytes(clinical.to_csv(sep="\t", index=False).encode("latin-1"))
    if declare:
        work.cohort["encoding"] = "latin-1"


def _r_write_table(work: Work) -> None:
    """What R's write.table(x, sep = "\\t", quote = FALSE) writes: one header cell fewer."""
    path = work.data / "expression.tsv.gz"
    header, rest = gzip.decompress(path.read_bytes()).split(b"\n", 1)
    path.write_bytes(gzip.compress(header.split(b"\t", 1)[1] + b"\n" + rest))


def _bom(work: Work) -> None:
    path = work.data / "clinical.tsv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _crlf(work: Work) -> None:
    path = work.data / "clinical.tsv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


def _truncate_gzip(work: Work) -> None:
    path = work.data / "expression.tsv.gz"
    path.write_bytes(path.read_bytes()[:40_000])


def _counts_with_a_negative(table: pd.DataFrame) -> pd.DataFrame:
    counts = np.round(2.0 ** table).astype(float)
    counts.iloc[3, 2] = -7
    return counts


def _text_cell(table: pd.DataFrame) -> pd.DataFrame:
    table = table.astype(object)
    table.iloc[5, 3] = "n/a?"
    return table


def _minus_infinity(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    table.iloc[0, 0] = -np.inf  # pandas writes -inf; R writes -Inf, which pandas reads as the same
    return table


def _empty_sample(table: pd.DataFrame) -> pd.DataFrame:
    table["TEST007"] = np.nan
    return table


def _zero_one_with_a_two(work: Work) -> None:
    clinical = work.clinical()
    clinical["os_event"] = np.where(clinical["os_status"] == "Dead", "1", "0")
    clinical.loc[4, "os_event"] = "2"
    work.write_clinical(clinical)
    work.cohort["endpoints"]["overall_survival"] = {"time": "os_months", "event": "os_event", "time_unit": "months"}


def _unit_conflict(work: Work) -> None:
    clinical = work.clinical()
    clinical["os_text"] = clinical["os_months"] + " months"
    work.write_clinical(clinical)
    work.cohort["endpoints"]["overall_survival"].update(time="os_text", time_unit="days")


def _gene_list(text: str) -> Callable[[Work], None]:
    def change(work: Work) -> None:
        (work.data / "genes.txt").write_text(text)
        work.config["signatures"]["LISTED"] = {"genes_file": "data/genes.txt"}
    return change


def _gmt_without_tabs(work: Work) -> None:
    path = work.data / "gene_sets.gmt"
    path.write_text(path.read_text().replace("\t", " "))


CASES = [
    # config: stopped at parse time, before any job
    Case("unknown key", _set("scoring__method", ["zscore"]),
         ("Invalid configuration in", "config/config.yaml: scoring: Additional properties are not allowed ('method' was unexpected)")),
    Case("value outside its enum", _set("cohorts__TEST__expression_scale", "log3"),
         ("cohorts.TEST.expression_scale: 'log3' is not one of ['auto', 'log2', 'linear']",)),
    Case("missing clinical file", _set("cohorts__TEST__clinical", "data/missing.tsv"),
         ("file(s) not found: cohorts.TEST.clinical = 'data/missing.tsv'",)),
    Case("undefined primary signature", _set("primary__signature", "NOPE"),
         ("primary.signature 'NOPE' is not one of the signatures defined under signatures",)),
    Case("min_size above max_size", _set("enrichment__min_size", 600),
         ("enrichment.min_size 600 is above enrichment.max_size 500, so no gene set could be tested",)),
    Case("unknown encoding", _set("cohorts__TEST__encoding", "utf-9"),
         ("cohorts.TEST.encoding 'utf-9' is not a text encoding Python knows",)),
    Case("key given twice", lambda w: setattr(w, "appended", "seed: 7\n"),
         ("config/config.yaml, line", "key 'seed' is given twice (first on line", "Keep one of them")),
    Case("YTE template", lambda w: setattr(w, "appended", "__use_yte__: true\n"),
         ("__use_yte__ makes this config a YTE template", "This workflow takes plain YAML only")),
    Case("cohort name of 300 characters", lambda w: w.config["cohorts"].update({"C" * 300: w.config["cohorts"].pop("TEST")}),
         ("is too long",)),
    Case("script in a config string", _set("signatures__TEST_HYPOXIA__description", "</script><script>alert(1)</script>"),
         ("signatures.TEST_HYPOXIA.description = '</script><script>alert(1)</script>' holds '</' or '<!--'",)),
    # paths: nothing built from config text may leave resources/downloads/
    Case("Enrichr name climbing out", _set("enrichment__libraries__EVIL", "enrichr:../../../evil"),
         ("enrichment.libraries.EVIL: enrichment library 'enrichr:../../../evil': an Enrichr library name has letters",)),
    Case("URL path climbing out", _set("signatures__TEST_HYPOXIA__gmt", "https://example.org/a/../../../../../../tmp/evil.gmt"),
         ("signatures.TEST_HYPOXIA.gmt: 'resources/downloads/url/example.org/a/../../../../../../tmp/evil.gmt' leaves resources/downloads/",)),
    Case("cohort name climbing out", lambda w: w.config["cohorts"].update({"../evil": w.config["cohorts"]["TEST"]}),
         ("cohorts: '../evil' does not match",)),
    # clinical data: stopped in the harmonise step (the first job that reads it), naming file,
    # column, values and fix
    Case("absent clinical column", _set("cohorts__TEST__endpoints__overall_survival__time", "os_days"),
         ("data/clinical.tsv: column(s) not found (endpoints.overall_survival.time: 'os_days')", "'os_months' (e.g. '43', '55')")),
    Case("swapped expression and clinical paths", _swap_paths,
         ("data/clinical.tsv: sample column(s)", "hold non-numeric values",
          "Check that the cohort's expression and clinical paths are not swapped")),
    Case("binary clinical file", _binary_clinical,
         ("data/clinical.tsv: binary data, not a tab-separated text table",)),
    Case("review signature under another name", _set("signatures__MY_REVIEW", {"review_table": "workflow:resources/signatures/hif1a_review.tsv"}),
         ("signature 'MY_REVIEW' names the review table but is not one of ['HIF1A_REVIEW_TARGETS'", "rename it in the config"),
         "results/config/signatures/signatures.tsv"),
    Case("Died beside Dead", _clinical(_died_beside_dead),
         ("data/clinical.tsv: event column 'os_status' of endpoint 'overall_survival' holds values matching neither event_values ['Dead'] nor censored_values ['Alive']",
          "'Died' (5), 'alive, lost to follow-up' (2)", "or set unmatched_values: censored")),
    Case("no events", _clinical(lambda t: t.assign(os_status="Alive")),
         ("endpoint 'overall_survival' (time column 'os_months', event column 'os_status') has 0 events among 60 samples",
          "survival.min_events = 10")),
    Case("too few events", _clinical(lambda t: t.assign(os_status=["Dead"] * 6 + ["Alive"] * 54)),
         ("has 6 events among 60 samples",)),
    Case("all follow-up times zero", _clinical(lambda t: t.assign(os_months="0")),
         ("every sample has the same follow-up time (0 months)",)),
    Case("all follow-up times equal", _clinical(lambda t: t.assign(os_months="24")),
         ("every sample has the same follow-up time (24 months)",)),
    Case("too few samples", _clinical(lambda t: t.head(15)),
         ("has 15 samples with a known time and event status after matching", "survival.min_samples = 20")),
    Case("duplicate clinical sample IDs", _clinical(lambda t: pd.concat([t, t.head(1)])),
         ("sample IDs in column 'sample_id' are not unique, e.g. ['TEST001']",)),
    Case("days written as months", _clinical(lambda t: t.assign(os_months=(t["os_months"].astype(float) * 30.44).round().astype(int).astype(str))),
         ("data/clinical.tsv: time column 'os_months' of endpoint 'overall_survival'", "exceed 60 years of follow-up if read as months",
          "The column is probably in days: set time_unit: days for this endpoint.")),
    Case("negative time", _clinical(lambda t: t.assign(os_months=["-3"] + list(t["os_months"][1:]))),
         ("time column 'os_months' of endpoint 'overall_survival' holds negative times",)),
    Case("text in a time column", _clinical(lambda t: t.assign(os_months=["twelve"] + list(t["os_months"][1:]))),
         ("holds values that are not numbers, e.g. ['twelve']",)),
    Case("time unit contradicting the config", _unit_conflict,
         ("gives values in another unit than the configured 'days', e.g.",)),
    Case("0/1 event column holding a 2", _zero_one_with_a_two,
         ("event column 'os_event' of endpoint 'overall_survival' holds values other than 0/1, e.g. ['2']",)),
    Case("unmatched covariate value", _clinical(lambda t: t.assign(metastasis=["maybe"] + list(t["metastasis"][1:]))),
         ("column 'metastasis' of covariate 'metastasis_at_diagnosis' holds values no configured pattern matches: ['maybe']",)),
    Case("no sample shared with the expression", _clinical(lambda t: t.assign(sample_id="X" + t["sample_id"])),
         ("no sample ID is shared by the expression columns and the clinical sample_id column",)),
    # expression data
    Case("empty sample column", _expression(_empty_sample),
         ("sample column(s) ['TEST007'] hold no expression value at all",)),
    Case("duplicate sample column", _expression(lambda t: t.rename(columns={"TEST002": "TEST001"})),
         ("sample ID(s) ['TEST001'] head more than one column",)),
    Case("Latin-1 sample IDs read as UTF-8", lambda w: _latin1_expression(w, declare=False),
         ("holds bytes that are not utf-8 text", "set cohorts.TEST.encoding to the file's encoding (e.g. latin-1)")),
    Case("truncated gzip", _truncate_gzip,
         ("data/expression.tsv.gz: truncated or corrupt gzip data", "copy or download the file again")),
    Case("values too large for log2", _expression(lambda t: t * 100, scale="log2"),
         ("expression declared as log2 reaches", "Set the cohort's expression_scale to linear")),
    Case("negative counts", _expression(_counts_with_a_negative, scale="linear"),
         ("expression declared as linear holds 1 negative value(s)", "the file is corrupt or not expression data")),
    Case("text in an expression cell", _expression(_text_cell),
         ("hold non-numeric values", "Check that the cohort's expression and clinical paths are not swapped")),
    Case("genes turned into dates by a spreadsheet", _expression(lambda t: t.rename(index=dict(zip(t.index[:3], ["1-Mar", "2-Sep", "2006-12-01"])))),
         ("data/expression.tsv.gz: 3 gene symbol(s) in the first column are dates a spreadsheet made of gene names (1-Mar, 2-Sep, 2006-12-01)",
          "Re-export the matrix from its source with the gene column as text")),
    Case("decimal commas", lambda w: (w.data / "expression.tsv.gz").write_bytes(gzip.compress(
        gzip.decompress((w.data / "expression.tsv.gz").read_bytes()).replace(b".", b","))),
         ("write numbers with commas", "the table must use '.' as the decimal separator")),
    Case("infinite value from log2(0)", _expression(_minus_infinity),
         ("value(s) are infinite (e.g.", "-inf", "Recompute them in the program that wrote the file")),
    # gene sets
    Case("GMT without tabs", _gmt_without_tabs,
         ("data/gene_sets.gmt, line 1: a GMT line needs a set name, a description and at least one gene",), SIGNATURES_TARGET),
    Case("set name absent from the GMT", _set("signatures__TEST_HYPOXIA__set", "TEST_HYPOXIA_V2"),
         ("TEST_HYPOXIA_V2",), SIGNATURES_TARGET),
    Case("gene list holding JSON", _gene_list('{"error": "not found"}\n'),
         ("data/genes.txt, line 1: '{\"error\": \"not found\"}' is not a gene symbol",), SIGNATURES_TARGET),
    Case("signature the cohort does not measure", _gene_list("NOTAGENE1\nNOTAGENE2\nNOTAGENE3\nTP53X\n"),
         ("LISTED", "NOTAGENE1"), "results/config/TEST/signature_coverage.tsv",
         (CLINICAL_TARGET, "results/config/TEST/expression.npz", "results/config/TEST/expression.tsv.gz", SIGNATURES_TARGET)),
]

CORRECT = [
    Case("Latin-1 files with their encoding declared", lambda w: _latin1_expression(w, declare=True), ()),
    Case("UTF-8 byte-order mark", _bom, ()),
    Case("CRLF line ends", _crlf, ()),
    Case("R write.table export (no header cell above the row names)", _r_write_table, ()),
    Case("unmatched labels counted as censored when asked", lambda w: (
        _clinical(_died_beside_dead)(w), w.cohort["endpoints"]["overall_survival"].update(unmatched_values="censored")), ()),
]


@pytest.fixture(scope="module")
def clean_work(tmp_path_factory) -> Work:
    work = prepare(tmp_path_factory.mktemp("clean"))
    result = run(work, CLINICAL_TARGET)
    assert result.returncode == 0, result.stderr
    return work


@pytest.fixture(scope="module")
def clean_clinical(clean_work) -> pd.DataFrame:
    return pd.read_csv(clean_work.directory / CLINICAL_TARGET, sep="\t")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_stops_with_the_file_field_and_fix(case, tmp_path):
    work = prepare(tmp_path)
    case.change(work)
    work.save()
    before = files_under(tmp_path)
    result = run(work, case.target)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for text in case.expected:
        assert text in output, f"{text!r} not in:\n{output[-3000:]}"
    assert "Traceback" not in output
    assert "\x1f\x8b" not in output and "\x00" not in output  # no binary dumped to the terminal
    assert written_outside(tmp_path, before, work.directory) == []
    results = work.directory / "results"
    left = {str(p.relative_to(work.directory)) for p in results.rglob("*") if p.is_file()} if results.exists() else set()
    assert left <= set(case.upstream), f"outputs of the failed step left: {sorted(left - set(case.upstream))}"


@pytest.mark.parametrize("case", CORRECT, ids=lambda c: c.name)
def test_awkward_but_valid_input_gives_the_correct_result(case, tmp_path, clean_clinical, clean_work):
    work = prepare(tmp_path)
    case.change(work)
    work.save()
    before = files_under(tmp_path)
    result = run(work, CLINICAL_TARGET)
    assert result.returncode == 0, result.stdout + result.stderr
    assert written_outside(tmp_path, before, work.directory) == []
    clinical = pd.read_csv(work.directory / CLINICAL_TARGET, sep="\t")
    if case.name.startswith("Latin-1"):
        assert clinical.loc[0, "sample_id"] == "TÉST001"
        clinical.loc[0, ["sample_id", "patient_id"]] = "TEST001"
    if case.name.startswith("unmatched"):
        raw = work.clinical()
        assert clinical["overall_survival_event"].sum() == (raw["os_status"] == "Dead").sum()  # 'Died' counted censored, as asked
        return
    pd.testing.assert_frame_equal(clinical, clean_clinical)
    from hif_prognosis.tables import read_matrix

    matrix = Path("results") / "config" / "TEST" / "expression.npz"
    ours = read_matrix(work.directory / matrix).rename(columns={"TÉST001": "TEST001"})
    pd.testing.assert_frame_equal(ours, read_matrix(clean_work.directory / matrix))


def test_a_gene_set_url_answering_an_error_message_caches_nothing(tmp_path):
    """A JSON error body sent with status 200 for a GMT: the download job fails with the URL
    and the reason, and resources/downloads/ holds no file a rerun would trust."""
    work = prepare(tmp_path)
    gmt = (work.data / "gene_sets.gmt").read_bytes()
    with Mirror() as mirror:
        url = mirror.add("/sets/gene_sets.gmt", gmt, "json", "json", "json", "json")
        work.config["signatures"]["TEST_HYPOXIA"]["gmt"] = url
        work.config["downloads"] = {"backoff_seconds": 0.01, "retries": 2}
        work.save()
        before = files_under(tmp_path)
        result = run(work, SIGNATURES_TARGET)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{url}: download failed after 3 attempt(s): not the expected content" in output
    assert "it begins '{\"error\": \"rate limit exceeded" in output and "Traceback" not in output
    downloads = work.directory / "resources" / "downloads"
    assert not downloads.exists() or not any(p.is_file() for p in downloads.rglob("*"))
    assert written_outside(tmp_path, before, work.directory) == []


def test_after_a_failure_the_fixed_rerun_equals_a_clean_run(tmp_path, clean_clinical):
    work = prepare(tmp_path)
    _clinical(_died_beside_dead)(work)
    assert run(work, CLINICAL_TARGET).returncode != 0
    (work.data / "clinical.tsv").write_bytes((TEST_CASE / "data" / "clinical.tsv").read_bytes())
    assert run(work, CLINICAL_TARGET).returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(work.directory / CLINICAL_TARGET, sep="\t"), clean_clinical)


def test_a_run_killed_mid_download_leaves_nothing_a_rerun_would_trust(tmp_path):
    """SIGKILL while a gene set trickles in: no cached file exists (only the .part being
    written), and after Snakemake's --unlock the rerun downloads the whole file and finishes."""
    import os
    import signal
    import time

    work = prepare(tmp_path)
    gmt = (work.data / "gene_sets.gmt").read_bytes()
    with Mirror() as mirror:
        url = mirror.add("/sets/gene_sets.gmt", gmt, "trickle")
        work.config["signatures"]["TEST_HYPOXIA"]["gmt"] = url
        work.save()
        cached = work.directory / "resources" / "downloads" / "url" / url.split("//")[1].replace(":", "_")
        command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
                   "--directory", str(work.directory), "--cores", "1", SIGNATURES_TARGET]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        part = cached.with_name(cached.name + ".part")
        deadline = time.monotonic() + 60
        while not part.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        assert part.exists() and not cached.exists()
        assert not (work.directory / SIGNATURES_TARGET).exists()
        subprocess.run([*command[:-1], "--unlock"], capture_output=True, check=True)
        result = run(work, SIGNATURES_TARGET)
    assert result.returncode == 0, result.stderr
    assert cached.read_bytes() == gmt and not part.exists()
    signatures = pd.read_csv(work.directory / SIGNATURES_TARGET, sep="\t")
    assert f"{url}#TEST_HYPOXIA" in set(signatures["source"])
