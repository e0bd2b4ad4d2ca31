"""The default config end to end against a loopback copy of GEO, the Xena GDC hub, the GDC API
and MSigDB: only the base URLs differ from a real run."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from urllib.parse import parse_qs

import pandas as pd
import pytest
import yaml

from conftest import SHARED, apply_overrides
from public_mirror import EXTRA_ALIQUOTS, GSE21257_TABLE, OLD_SYMBOLS_ON_GPL10295, TARGET_RELEASE, TARGET_SURVIVAL, mirrored_config, public_mirror
from test_workflow import snakemake

pytestmark = pytest.mark.workflow
DATA = SHARED / "data"


TEST_MODEL = Path(__file__).parent / "data" / "test_model_weights.tsv"
# The default config's 10 signatures and 6 methods, plus a model from a weight file scored by the
# weighted method (which then scores every signature).
N_SIGNATURES, N_METHODS = 11, 7


def write_mirrored_config(directory: Path, base: str, **overrides) -> None:
    """The default config pointed at the mirror, with a smaller null and fewer permutations, and
    a model from a weight file (log2 scale) scored by the weighted method."""
    config = mirrored_config(base)
    config["enrichment"]["permutations"] = 100
    config["random_null"]["n_sets"] = 1000
    config["signatures"]["TEST_MODEL"] = {"weights_file": str(TEST_MODEL), "weighted_scale": "log2"}
    config["scoring"]["methods"].append("weighted")
    apply_overrides(config, overrides)
    (directory / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


@pytest.fixture(scope="module")
def mirror_run(tmp_path_factory, shared_data):
    directory = tmp_path_factory.mktemp("public")
    with public_mirror(shared_data) as mirror:
        write_mirrored_config(directory, mirror.url)
        snakemake(directory, "--cores", "2")
        first_requests = dict(mirror.requests)
        rerun = snakemake(directory, "--cores", "2")
        yield directory, mirror, first_requests, rerun


def clinical(directory: Path, cohort: str) -> pd.DataFrame:
    return pd.read_csv(directory / "results" / cohort / "clinical.tsv", sep="\t", dtype={"sample_id": str})


def test_gse21257_clinical_matches_the_real_annotations(mirror_run):
    directory = mirror_run[0]
    table = clinical(directory, "GSE21257").set_index("sample_id")
    real = pd.read_csv(DATA / GSE21257_TABLE, sep="\t", dtype=str).set_index("rownames(geo.samp)")
    assert len(table) == 53 and set(table.index) == set(real.index)
    real = real.loc[table.index]
    assert table["os_event"].sum() == 23 == (real["STATUS"] == "Deceased").sum()
    assert (table["os_months"] == real["times"].astype(float)).all()
    metastasis = table["metastasis_at_diagnosis"].value_counts().to_dict()
    assert metastasis == {"no": 39, "yes": 14}
    assert (table["metastasis_at_diagnosis"] == "yes").equals(real["1:GROUP"] == "Metastases present at diagnosis")
    assert table["sex"].value_counts().to_dict() == {"male": 34, "female": 19}
    ages = real["1:AGE"].str.extract(r"(\d+)")[0].astype(float) / 12
    assert (table["age_years"] - ages).abs().max() < 1e-9
    huvos = real["1:HUVOS GRADE"]
    assert (table["histologic_response"] == "good").sum() == huvos.isin(["3", "4"]).sum()
    assert table["histologic_response"].isna().sum() == (~huvos.isin(["1", "2", "3", "4"])).sum()


def target_truth() -> pd.DataFrame:
    """Computed straight from the real files: the Discovery patients with a primary (01)
    sample in Xena's survival table, with Xena OS and the release's fields."""
    survival = pd.read_csv(DATA / TARGET_SURVIVAL, sep="\t", dtype=str)
    release = pd.read_csv(DATA / TARGET_RELEASE, sep="\t", dtype=str, encoding="latin-1", keep_default_na=False)
    primary = survival[survival["sample"].str.match(r"TARGET-40-\w+-01")]
    primary = primary[primary["_PATIENT"].isin(release["TARGET USI"])].sort_values("sample")
    primary = primary.drop_duplicates("_PATIENT")
    return primary.merge(release, left_on="_PATIENT", right_on="TARGET USI")


def test_target_clinical_matches_the_real_files(mirror_run):
    directory = mirror_run[0]
    table = clinical(directory, "TARGET-OS").set_index("patient_id")
    truth = target_truth().set_index("_PATIENT")
    assert len(table) == len(truth) == 86
    assert set(table.index) == set(truth.index)
    truth = truth.loc[table.index]
    assert table["os_event"].sum() == truth["OS"].astype(int).sum()
    assert ((table["os_months"] - truth["OS.time"].astype(float) * 12 / 365.25).abs() < 1e-9).all()
    metastatic = truth["Disease at diagnosis"].str.lower().str.startswith("metastatic")
    assert (table["metastasis_at_diagnosis"] == "yes").sum() == metastatic.sum()
    efs_events = truth["First Event"].isin(["Relapse", "Progression", "Death", "Second Malignant Neoplasm"])
    assert table["efs_event"].sum() == efs_events.sum()
    # "None" and blank First Event count as censored; without an EFS time the patient is out.
    has_efs_time = truth["Event Free Survival Time in Days"] != ""
    assert table["efs_months"].notna().sum() == has_efs_time.sum()
    censored = truth["First Event"].isin(["Censored", "None", ""])
    assert (table["efs_event"] == 0).sum() == censored.sum()
    assert table["sex"].value_counts().to_dict() == {
        k.lower(): v for k, v in truth["Gender"].value_counts().to_dict().items()
    }


def test_target_keeps_one_primary_sample_per_patient(mirror_run):
    directory = mirror_run[0]
    samples = clinical(directory, "TARGET-OS")["sample_id"]
    assert samples.str.match(r"^TARGET-40-\w+-01[A-Z]").all()
    assert samples.str[:16].is_unique
    matrix_columns = pd.read_csv(directory / "results" / "TARGET-OS" / "expression.tsv.gz", sep="\t", nrows=0).columns[1:]
    assert list(matrix_columns) == list(samples)
    log = (directory / "logs" / "TARGET-OS" / "harmonise_cohort.log").read_text()
    assert f"left out {len(EXTRA_ALIQUOTS)} other samples" in log
    assert "TARGET-40-0A4HLD-01A" in set(samples) and "TARGET-40-0A4HLD-01B" not in set(samples)


def test_disagreements_between_xena_and_release_are_logged(mirror_run):
    log = (mirror_run[0] / "logs" / "TARGET-OS" / "harmonise_cohort.log").read_text()
    assert "disagree for 8 patient field(s)" in log
    for patient, field in [("TARGET-40-0A4I65", "OS days"), ("TARGET-40-PAUXPZ", "OS event")]:
        assert re.search(rf"{patient}\s+{field}", log), (patient, field)


def test_gdc_api_was_asked_for_the_projects_clinical_supplements(mirror_run):
    mirror = mirror_run[1]
    (query,) = mirror.queries["/gdc/files"]
    filters = json.dumps(json.loads(parse_qs(query)["filters"][0]))
    assert '"TARGET-OS"' in filters and '"Clinical Supplement"' in filters
    assert mirror.requests["/gdc/data/older-release"] == 0


def test_every_stage_ran_for_both_cohorts(mirror_run):
    directory = mirror_run[0]
    for cohort, endpoints in [("GSE21257", {"os"}), ("TARGET-OS", {"os", "efs"})]:
        cox = pd.read_csv(directory / "results" / cohort / "survival" / "cox.tsv", sep="\t")
        assert len(cox) == N_SIGNATURES * N_METHODS * len(endpoints)
        assert set(cox["endpoint"]) == endpoints
        assert cox["hr"].notna().all()
        coverage = pd.read_csv(directory / "results" / cohort / "signature_coverage.tsv", sep="\t")
        assert coverage.groupby("signature")["present"].mean().min() > 0.9
        signatures = pd.read_csv(directory / "results" / "signatures" / "signatures.tsv", sep="\t")
        signed = signatures[signatures["signature"] == "HIF1A_REVIEW_SIGNED"]
        assert {"CDH1", "CASP3"} <= set(signed.loc[signed["direction"] == "down", "gene"])
    probes_log = (directory / "logs" / "GSE21257" / "harmonise_cohort.log").read_text()
    assert "probes carry a gene symbol (column 'Symbol')" in probes_log


def test_old_array_symbols_resolve_through_aliases(mirror_run):
    directory = mirror_run[0]
    coverage = pd.read_csv(directory / "results" / "GSE21257" / "signature_coverage.tsv", sep="\t", keep_default_na=False)
    review = coverage[coverage["signature"] == "HIF1A_REVIEW_ALL"].set_index("symbol")
    for current, old in OLD_SYMBOLS_ON_GPL10295.items():
        assert review.loc[current, "matched_as"] == old
    # RNA-seq annotates the current symbols.
    target = pd.read_csv(directory / "results" / "TARGET-OS" / "signature_coverage.tsv", sep="\t", keep_default_na=False)
    target = target[target["signature"] == "HIF1A_REVIEW_ALL"].set_index("symbol")
    assert all(target.loc[current, "matched_as"] == current for current in OLD_SYMBOLS_ON_GPL10295)
    # Each measured gene stands for one signature gene at most.
    for _, rows in coverage[coverage["present"]].groupby("signature"):
        assert rows["matched_as"].is_unique


def test_meta_analysis_pools_both_cohorts(mirror_run):
    """Both cohorts are pooled once checked for shared patients: the pooled patients are the
    cohorts' own, each once, and the meta-analysis says how many."""
    directory = mirror_run[0]
    pairs = pd.read_csv(directory / "results" / "meta" / "cohort_overlap_pairs.tsv", sep="\t")
    assert pairs[["cohort_a", "cohort_b", "flagged_pairs"]].values.tolist() == [["GSE21257", "TARGET-OS", 0]]
    assert pairs["max_unflagged_profile_r"].iloc[0] < 0.5
    pooled = pd.read_csv(directory / "results" / "meta" / "pooled_patients.tsv", sep="\t")
    meta = pd.read_csv(directory / "results" / "meta" / "meta_analysis.tsv", sep="\t")
    pooled_os = pooled[pooled["endpoint"] == "os"]
    assert pooled_os["patient_id"].is_unique
    assert (meta.loc[(meta["endpoint"] == "os") & (meta["k"] == 2), "patients"] == len(pooled_os)).all()
    assert len(meta) == N_SIGNATURES * N_METHODS * 2  # signatures x methods x endpoints (os, efs)
    os_rows = meta[meta["endpoint"] == "os"]
    assert (os_rows["k"] == 2).all() and (os_rows["cohorts"] == "GSE21257;TARGET-OS").all()
    assert (meta.loc[meta["endpoint"] == "efs", "k"] == 1).all()
    assert os_rows["i2"].between(0, 1).all() and (os_rows["tau2"] >= 0).all()
    assert (directory / "results" / "meta" / "forest.png").stat().st_size > 10_000


def test_rerun_downloads_nothing(mirror_run):
    _, mirror, first_requests, rerun = mirror_run
    assert "Nothing to be done" in rerun.stdout + rerun.stderr
    assert dict(mirror.requests) == first_requests
    assert all(count == 1 for count in first_requests.values())


def test_absent_geo_key_lists_the_keys_the_series_carries(tmp_path, shared_data):
    with public_mirror(shared_data) as mirror:
        write_mirrored_config(
            tmp_path, mirror.url,
            cohorts__GSE21257__endpoints__os__time="overall survival (months)",
        )
        result = snakemake(tmp_path, "--cores", "1", "results/GSE21257/clinical.tsv", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "endpoints.os.time: 'overall survival (months)'" in output
    assert "'status' (e.g. 'Deceased after 27 months'" in output
    assert "'group' (e.g." in output
    assert not (tmp_path / "results" / "GSE21257").exists()


def test_offline_run_fails_fast_and_names_the_mirror_setting(tmp_path, shared_data):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    write_mirrored_config(tmp_path, closed)
    result = snakemake(tmp_path, "--cores", "1", "results/GSE21257/clinical.tsv", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Is this machine offline?" in output and "downloads.mirrors.geo" in output
    downloads = tmp_path / "resources" / "downloads"
    assert not downloads.exists() or not any(p.is_file() for p in downloads.rglob("*"))


def test_controls_across_both_cohorts(mirror_run):
    directory = mirror_run[0]
    models = pd.read_csv(directory / "results" / "GSE21257" / "survival" / "models.tsv", sep="\t")
    hif = models[(models["signature"] == "HIF1A_REVIEW_TARGETS") & (models["method"] == "zscore")].set_index("model")
    # 23 deaths: metastasis alone (2 coefficients) is allowed, with age and sex (4) it is refused
    assert hif.loc["metastasis", "status"] == "fitted" and hif.loc["metastasis", "events_per_variable"] == 11.5
    assert hif.loc["clinical", "status"] == "refused: 5.8 events per variable < 10 (survival.min_events_per_variable)"
    log = (directory / "logs" / "GSE21257" / "adjusted_cox.log").read_text()
    assert "models refused for too few events per variable" in log
    target = pd.read_csv(directory / "results" / "TARGET-OS" / "survival" / "time_dependent_auc.tsv", sep="\t")
    assert set(target["endpoint"]) == {"os", "efs"} and set(target["years"]) == {1, 3, 5}
    locked = pd.read_csv(directory / "results" / "meta" / "locked_models.tsv", sep="\t")
    assert len(locked) == N_SIGNATURES * 5 * 2 + 2  # signatures x weightings x ordered pairs, os only; TEST_MODEL's published
    multivariable = locked[locked["weights"] == "multivariable_cox"].set_index(["signature", "training_cohort"])
    # GSE21257 has 23 deaths for the review signature's dozens of genes: refused
    assert multivariable.loc[("HIF1A_REVIEW_TARGETS", "GSE21257"), "status"].startswith("refused: ")
    auc = pd.read_csv(directory / "results" / "meta" / "locked_models_auc.tsv", sep="\t")
    assert set(auc["years"]) == {1, 3, 5} and len(auc) == 3 * (locked["status"] == "estimated").sum()
    assert set(zip(locked["training_cohort"], locked["test_cohort"])) == {("GSE21257", "TARGET-OS"), ("TARGET-OS", "GSE21257")}
    judgement = pd.read_csv(directory / "results" / "summary" / "judgement.tsv", sep="\t")
    assert set(judgement["endpoint"]) == {"os"}
    answer = judgement.loc[judgement["question"] == "answer", "value"].iloc[0]
    assert answer.split(" ")[0] in {"yes", "no", "not"}
    assert (judgement["question"] == "5 carries over").sum() == 4


def test_default_run_ends_in_the_summary_page_and_enrichment_across_cohorts(mirror_run):
    directory = mirror_run[0]
    headline = pd.read_csv(directory / "results" / "summary" / "headline.tsv", sep="\t")
    primary = headline[headline["signature"] == "HIF1A_REVIEW_TARGETS"]
    assert list(zip(primary["cohort"], primary["endpoint"])) == [("GSE21257", "os"), ("TARGET-OS", "efs"), ("TARGET-OS", "os")]
    assert len(headline) == N_SIGNATURES * 3  # signatures x (GSE21257 os, TARGET-OS os and efs)
    page = (directory / "results" / "summary" / "index.html").read_text()
    assert "random-effects pool (2 cohorts: " in page and "this pipeline: random-effects pool of 2 cohorts (n=" in page
    nes = pd.read_csv(directory / "results" / "enrichment" / "nes_across_cohorts.tsv", sep="\t")
    assert set(nes["library"]) == {"HALLMARK", "REACTOME", "GO_BP"}
    assert {"nes_GSE21257", "nes_TARGET-OS"} <= set(nes.columns) and nes["n_cohorts"].between(1, 2).all()
    ora = pd.read_csv(directory / "results" / "GSE21257" / "enrichment" / "ora.tsv", sep="\t")
    assert ora.loc[ora["term"] == "HALLMARK_HYPOXIA", "overlap"].iloc[0] > 0  # review targets include hypoxia genes


def test_a_published_model_from_a_weight_file_runs_end_to_end(mirror_run):
    """TEST_MODEL's weighted score is sum(weight x log2) of the harmonised matrix; the null, the
    meta-analysis and the locked validation (its own weights, both directions) include it; the
    summary sets it beside the HIF-1alpha signature with its citation."""
    from hif_prognosis.tables import read_matrix

    directory = mirror_run[0]
    weights = pd.read_csv(TEST_MODEL, sep="\t", comment="#").set_index("gene")["weight"]
    for cohort in ("GSE21257", "TARGET-OS"):
        matrix = read_matrix(directory / "results" / cohort / "expression.npz")
        scores = pd.read_csv(directory / "results" / cohort / "scores.tsv", sep="\t", dtype={"sample_id": str})
        model = scores[(scores["signature"] == "TEST_MODEL") & (scores["method"] == "weighted")].set_index("sample_id")["score"]
        expected = (matrix.loc[weights.index].T @ weights).loc[model.index]
        pd.testing.assert_series_equal(model, expected, check_names=False, rtol=1e-12)
        null = pd.read_csv(directory / "results" / cohort / "survival" / "null.tsv", sep="\t")
        assert ((null["signature"] == "TEST_MODEL") & (null["method"] == "weighted")).any()
    meta = pd.read_csv(directory / "results" / "meta" / "meta_analysis.tsv", sep="\t")
    assert ((meta["signature"] == "TEST_MODEL") & (meta["method"] == "weighted") & (meta["k"] == 2)).any()
    locked = pd.read_csv(directory / "results" / "meta" / "locked_models.tsv", sep="\t")
    published = locked[locked["weights"] == "published"]
    assert set(published["signature"]) == {"TEST_MODEL"} and (published["genes"] == 4).all()
    assert set(published["status"]) == {"estimated"}
    comparison = pd.read_csv(directory / "results" / "summary" / "published_models.tsv", sep="\t")
    assert set(comparison["signature"]) == {"HIF1A_REVIEW_TARGETS", "TEST_MODEL"}
    assert (comparison.loc[comparison["signature"] == "TEST_MODEL", "citation"] == "test fixture, not a published model").all()
    page = (directory / "results" / "summary" / "index.html").read_text()
    assert "Published risk models beside the HIF-1α signature" in page and "locked, published weights" in page
    # its locked splits are drawn beside the primary signature's, and shown on the page
    drawn = sorted(p.name for p in (directory / "results" / "meta" / "locked_km").glob("*.png"))
    assert drawn == sorted(f"{a}_to_{b}.{s}.os.png" for a, b in (("GSE21257", "TARGET-OS"), ("TARGET-OS", "GSE21257"))
                           for s in ("HIF1A_REVIEW_TARGETS.cox", "TEST_MODEL.published"))
    assert "TARGET-OS, OS: TEST_MODEL locked with published weights from GSE21257" in page


def test_two_cohort_page_in_a_browser_has_no_dead_end_and_names_each_cohort(mirror_run):
    """The page of a two-cohort run, rendered headless: every internal link lands, no p prints
    as zero, the questions come in order, and each cohort is named with its disease."""
    from browser import Browser, find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine: apt-get install chromium (make system-deps)")
    with Browser(chromium) as browser:
        browser.open((mirror_run[0] / "results" / "summary" / "index.html").as_uri())
        assert browser.failures() == []
        reader = browser.reader_checks()
    assert reader["dead_links"] == [] and reader["zero_p"] == []
    assert reader["questions"] == sorted(reader["questions"]) and set(reader["questions"]) == {1, 2, 3, 4, 5, 6}
    assert "GSE21257 (osteosarcoma; Illumina human-6 v2.0" in reader["text"]
    assert "TARGET-OS (osteosarcoma; RNA-seq" in reader["text"] and "Not osteosarcoma" not in reader["text"]
    assert "forest plot" in reader["text"] and "locked models" in reader["text"]
