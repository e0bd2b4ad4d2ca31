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

from support.locations import SHARED

from support.workflow_runs import apply_overrides
from hif_prognosis.tables import read_matrix
from support.public_mirror import (
    EXTRA_ALIQUOTS, GSE16091_SURVIVAL, GSE21257_TABLE, GSE39055_RECORDS, OLD_SYMBOLS_ON_GPL10295, TARGET_RELEASE,
    TARGET_SURVIVAL, mirrored_config, public_mirror,
)
from support.workflow_runs import snakemake
from support.locations import TEST_DATA

pytestmark = pytest.mark.workflow
DATA = SHARED / "data"


TEST_MODEL = TEST_DATA / "test_model_weights.tsv"
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
    return pd.read_csv(directory / "results" / "config" / cohort / "clinical.tsv", sep="\t", dtype={"sample_id": str})


def test_gse21257_clinical_matches_the_real_annotations(mirror_run):
    directory = mirror_run[0]
    table = clinical(directory, "GSE21257").set_index("sample_id")
    real = pd.read_csv(DATA / GSE21257_TABLE, sep="\t", dtype=str).set_index("rownames(geo.samp)")
    assert len(table) == 53 and set(table.index) == set(real.index)
    real = real.loc[table.index]
    assert table["overall_survival_event"].sum() == 23 == (real["STATUS"] == "Deceased").sum()
    assert (table["overall_survival_months"] == real["times"].astype(float)).all()
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
    table = clinical(directory, "TARGET").set_index("patient_id")
    truth = target_truth().set_index("_PATIENT")
    assert len(table) == len(truth) == 86
    assert set(table.index) == set(truth.index)
    truth = truth.loc[table.index]
    assert table["overall_survival_event"].sum() == truth["OS"].astype(int).sum()
    assert ((table["overall_survival_months"] - truth["OS.time"].astype(float) * 12 / 365.25).abs() < 1e-9).all()
    metastatic = truth["Disease at diagnosis"].str.lower().str.startswith("metastatic")
    assert (table["metastasis_at_diagnosis"] == "yes").sum() == metastatic.sum()
    efs_events = truth["First Event"].isin(["Relapse", "Progression", "Death", "Second Malignant Neoplasm"])
    assert table["event_free_survival_event"].sum() == efs_events.sum()
    # "None" and blank First Event count as censored; without an EFS time the patient is out.
    has_efs_time = truth["Event Free Survival Time in Days"] != ""
    assert table["event_free_survival_months"].notna().sum() == has_efs_time.sum()
    censored = truth["First Event"].isin(["Censored", "None", ""])
    assert (table["event_free_survival_event"] == 0).sum() == censored.sum()
    assert table["sex"].value_counts().to_dict() == {
        k.lower(): v for k, v in truth["Gender"].value_counts().to_dict().items()
    }


def test_target_keeps_one_primary_sample_per_patient(mirror_run):
    directory = mirror_run[0]
    samples = clinical(directory, "TARGET")["sample_id"]
    assert samples.str.match(r"^TARGET-40-\w+-01[A-Z]").all()
    assert samples.str[:16].is_unique
    matrix_columns = pd.read_csv(directory / "results" / "config" / "TARGET" / "expression.tsv.gz", sep="\t", nrows=0).columns[1:]
    assert list(matrix_columns) == list(samples)
    log = (directory / "logs" / "config" / "TARGET" / "harmonise_cohort.log").read_text()
    assert f"left out {len(EXTRA_ALIQUOTS)} other samples" in log
    assert "TARGET-40-0A4HLD-01A" in set(samples) and "TARGET-40-0A4HLD-01B" not in set(samples)


def test_disagreements_between_xena_and_release_are_logged(mirror_run):
    log = (mirror_run[0] / "logs" / "config" / "TARGET" / "harmonise_cohort.log").read_text()
    assert "disagree for 8 patient field(s)" in log
    for patient, field in [("TARGET-40-0A4I65", "OS days"), ("TARGET-40-PAUXPZ", "OS event")]:
        assert re.search(rf"{patient}\s+{field}", log), (patient, field)


def test_gdc_api_was_asked_for_the_projects_clinical_supplements(mirror_run):
    mirror = mirror_run[1]
    (query,) = mirror.queries["/gdc/files"]
    filters = json.dumps(json.loads(parse_qs(query)["filters"][0]))
    assert '"TARGET-OS"' in filters and '"Clinical Supplement"' in filters
    assert mirror.requests["/gdc/data/older-release"] == 0


def gse39055_truth() -> pd.DataFrame:
    """GSE39055's real sample records, one column per characteristic key."""
    records = pd.read_csv(DATA / GSE39055_RECORDS, sep="\t", dtype=str, keep_default_na=False).set_index("geo_accession")
    cells = records[[c for c in records.columns if c.startswith("characteristics_ch1_")]]
    return pd.DataFrame({cells.iloc[0, i].split(": ", 1)[0]: cells.iloc[:, i].str.split(": ", n=1).str[1]
                         for i in range(cells.shape[1])})


def test_gse39055_clinical_matches_the_real_records(mirror_run):
    """Recurrence-free survival from 'recurrence: Y/N' and the months key; the sample followed for
    0.0 months is kept (censored at 0) and named in the log; histologic response good at 90%
    necrosis or more, '>80%' left unknown; age in years and sex as recorded."""
    directory = mirror_run[0]
    table = clinical(directory, "GSE39055").set_index("sample_id")
    truth = gse39055_truth().loc[table.index]
    assert len(table) == 37 and list(table.columns[1:3]) == ["recurrence_free_survival_months", "recurrence_free_survival_event"]
    assert (table["recurrence_free_survival_event"] == (truth["recurrence"] == "Y")).all() and table["recurrence_free_survival_event"].sum() == 18
    months = truth["time until first recurrence or latest follow-up (months)"].astype(float)
    assert (table["recurrence_free_survival_months"] == months).all()
    assert table.loc["GSM954821", "recurrence_free_survival_months"] == 0 and table.loc["GSM954821", "recurrence_free_survival_event"] == 0
    log = (directory / "logs" / "config" / "GSE39055" / "harmonise_cohort.log").read_text()
    assert "1 samples have follow-up time 0 (kept; censored at 0 they add no information): GSM954821 (event 0)" in log
    necrosis = truth["percent necrosis"]
    lowest = necrosis.str.extract(r"^(>?)(\d+)")  # ">95%" is at least 95, "60-70%" at least 60 and at most 70
    highest = necrosis.str.extract(r"(\d+)% necrosis$")[0].astype(float)
    good = lowest[1].astype(float).where(lowest[0] == "", lowest[1].astype(float) + 1) >= 90
    poor = ~necrosis.str.startswith(">") & (highest < 90)  # ">80%" may be 95%
    assert (table["histologic_response"] == "good").eq(good).all() and (table["histologic_response"] == "poor").eq(poor).all()
    assert list(table.index[table["histologic_response"].isna()]) == list(necrosis.index[necrosis == ">80% necrosis"])
    assert (table["age_years"] == truth["age"].str.removesuffix(" years").astype(float)).all()
    assert (table["sex"] == truth["gender"]).all()
    coverage = pd.read_csv(directory / "results" / "config" / "GSE39055" / "signature_coverage.tsv", sep="\t")
    missing = coverage[~coverage["present"]].groupby("signature")["symbol"].apply(set)
    assert {"CDK1"} <= missing["HALLMARK_G2M_CHECKPOINT"] and {"PKM", "CXCL8", "BHLHE40"} <= missing["HARRIS_HYPOXIA"]


def test_gse16091_clinical_matches_its_real_overall_survival(mirror_run):
    """Days of follow-up and D/A read from the characteristics, as months; its linear (MAS5)
    values recognised and log2-transformed."""
    directory = mirror_run[0]
    table = clinical(directory, "GSE16091").set_index("sample_id")
    truth = pd.read_csv(DATA / GSE16091_SURVIVAL, sep="\t", dtype={"geo_accession": str}).set_index("geo_accession").loc[table.index]
    assert len(table) == 34 and table["overall_survival_event"].sum() == 15
    assert (table["overall_survival_event"] == truth["os_event"]).all()
    assert ((table["overall_survival_months"] - truth["os_days"] * 12 / 365.25).abs() < 1e-9).all()
    log = (directory / "logs" / "config" / "GSE16091" / "harmonise_cohort.log").read_text()
    assert "linear scale detected (GEO2R rule): applied log2(x + 1)" in log and "(column 'Gene symbol')" in log


COHORT_ENDPOINTS = {
    "GSE21257": {"overall_survival"}, "TARGET": {"overall_survival", "event_free_survival"},
    "GSE39055": {"recurrence_free_survival"}, "GSE16091": {"overall_survival"},
}
JOINED = "event_free_or_recurrence_free_survival"


def test_every_stage_ran_for_every_cohort(mirror_run):
    directory = mirror_run[0]
    for cohort, endpoints in COHORT_ENDPOINTS.items():
        cox = pd.read_csv(directory / "results" / "config" / cohort / "survival" / "cox.tsv", sep="\t")
        assert len(cox) == N_SIGNATURES * N_METHODS * len(endpoints)
        assert set(cox["endpoint"]) == endpoints
        assert cox["hr"].notna().all()
        coverage = pd.read_csv(directory / "results" / "config" / cohort / "signature_coverage.tsv", sep="\t")
        # GPL14951's real annotation (2010) names genes by symbols since renamed (CDC2, IL8, PKM2):
        # MSigDB's current symbols miss them there, within scoring.min_coverage
        assert coverage.groupby("signature")["present"].mean().min() > (0.8 if cohort == "GSE39055" else 0.9)
        signatures = pd.read_csv(directory / "results" / "config" / "signatures" / "signatures.tsv", sep="\t")
        signed = signatures[signatures["signature"] == "HIF1A_REVIEW_SIGNED"]
        assert {"CDH1", "CASP3"} <= set(signed.loc[signed["direction"] == "down", "gene"])
        ranked_by = (directory / "logs" / "config" / cohort / "rank_genes_by_survival.log").read_text()
        first = next(e for e in ("overall_survival", "event_free_survival", "recurrence_free_survival") if e in endpoints)
        assert first in ranked_by, cohort
    probes_log = (directory / "logs" / "config" / "GSE21257" / "harmonise_cohort.log").read_text()
    assert "probes carry a gene symbol (column 'Symbol')" in probes_log


def test_old_array_symbols_resolve_through_aliases(mirror_run):
    directory = mirror_run[0]
    coverage = pd.read_csv(directory / "results" / "config" / "GSE21257" / "signature_coverage.tsv", sep="\t", keep_default_na=False)
    review = coverage[coverage["signature"] == "HIF1A_REVIEW_ALL"].set_index("symbol")
    for current, old in OLD_SYMBOLS_ON_GPL10295.items():
        assert review.loc[current, "matched_as"] == old
    # RNA-seq annotates the current symbols.
    target = pd.read_csv(directory / "results" / "config" / "TARGET" / "signature_coverage.tsv", sep="\t", keep_default_na=False)
    target = target[target["signature"] == "HIF1A_REVIEW_ALL"].set_index("symbol")
    assert all(target.loc[current, "matched_as"] == current for current in OLD_SYMBOLS_ON_GPL10295)
    # Each measured gene stands for one signature gene at most.
    for _, rows in coverage[coverage["present"]].groupby("signature"):
        assert rows["matched_as"].is_unique


def test_meta_analysis_pools_within_each_endpoint_kind(mirror_run):
    """Every pair of the four cohorts is checked for shared patients; overall survival pools the
    three cohorts recording it, event-free and recurrence-free survival stand alone, and the
    configured joined pool takes TARGET's event-free and GSE39055's recurrence-free survival, saying
    so; the pooled patients are the cohorts' own, each once per pool."""
    directory = mirror_run[0]
    pairs = pd.read_csv(directory / "results" / "config" / "meta" / "cohort_overlap_pairs.tsv", sep="\t")
    assert len(pairs) == 6 and (pairs["flagged_pairs"] == 0).all() and (pairs["max_unflagged_profile_r"] < 0.5).all()
    pooled = pd.read_csv(directory / "results" / "config" / "meta" / "pooled_patients.tsv", sep="\t")
    meta = pd.read_csv(directory / "results" / "config" / "meta" / "meta_analysis.tsv", sep="\t")
    assert len(meta) == N_SIGNATURES * N_METHODS * 4  # overall, event-free, recurrence-free, and the joined pool
    for endpoint, cohorts in [("overall_survival", "GSE21257;TARGET;GSE16091"), ("event_free_survival", "TARGET"),
                              ("recurrence_free_survival", "GSE39055"), (JOINED, "TARGET;GSE39055")]:
        rows, patients = meta[meta["endpoint"] == endpoint], pooled[pooled["endpoint"] == endpoint]
        assert (rows["cohorts"] == cohorts).all() and (rows["k"] == cohorts.count(";") + 1).all(), endpoint
        assert patients["patient_id"].is_unique and (rows["patients"] == len(patients)).all(), endpoint
    joined = meta[meta["endpoint"] == JOINED]
    assert (joined["endpoints_pooled"] == "event_free_survival;recurrence_free_survival").all()
    assert (joined["patients"] == 86 + 37).all() and (joined["events"] == 42 + 18).all()
    overall = meta[meta["endpoint"] == "overall_survival"]
    assert overall["i2"].between(0, 1).all() and (overall["tau2"] >= 0).all()
    assert (directory / "results" / "config" / "meta" / "forest.png").stat().st_size > 10_000


def test_rerun_downloads_nothing(mirror_run):
    _, mirror, first_requests, rerun = mirror_run
    assert "Nothing to be done" in rerun.stdout + rerun.stderr
    assert dict(mirror.requests) == first_requests
    assert all(count == 1 for count in first_requests.values())


def test_absent_geo_key_lists_the_keys_the_series_carries(tmp_path, shared_data):
    """Downloaded in the run, the series is checked where it is read; downloaded already, the
    next run stops before any job."""
    with public_mirror(shared_data) as mirror:
        write_mirrored_config(
            tmp_path, mirror.url,
            cohorts__GSE16091__endpoints__overall_survival__time="overall survival (days)",
        )
        result = snakemake(tmp_path, "--cores", "1", "results/config/GSE16091/clinical.tsv", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "endpoints.overall_survival.time: 'overall survival (days)'" in output
    assert "'days-followup' (e.g. '2065'" in output and "'alive-or-dead' (e.g. 'D'" in output
    assert not (tmp_path / "results" / "config" / "GSE16091").exists()
    again = snakemake(tmp_path, "--dry-run", "results/config/GSE16091/clinical.tsv", check=False)
    assert again.returncode != 0 and "Building DAG of jobs" not in again.stdout + again.stderr
    output = again.stdout + again.stderr
    assert "cohort GSE16091" in output and "no characteristic key for endpoints.overall_survival.time: 'overall survival (days)'" in output
    assert "'alive-or-dead' (e.g. 'D', 'A')" in output


def test_offline_run_fails_fast_and_names_the_mirror_setting(tmp_path, shared_data):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    write_mirrored_config(tmp_path, closed)
    result = snakemake(tmp_path, "--cores", "1", "results/config/GSE21257/clinical.tsv", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "is this machine offline?" in output and "downloads.mirrors.geo" in output and "make run-example" in output
    downloads = tmp_path / "resources" / "downloads"
    assert not downloads.exists() or not any(p.is_file() for p in downloads.rglob("*"))


def test_controls_across_cohorts(mirror_run):
    directory = mirror_run[0]
    models = pd.read_csv(directory / "results" / "config" / "GSE21257" / "survival" / "models.tsv", sep="\t")
    hif = models[(models["signature"] == "HIF1A_REVIEW_TARGETS") & (models["method"] == "zscore")].set_index("model")
    # 23 deaths: metastasis alone (2 coefficients) is allowed, with age and sex (4) it is refused
    assert hif.loc["metastasis", "status"] == "fitted" and hif.loc["metastasis", "events_per_variable"] == 11.5
    assert hif.loc["clinical", "status"] == "refused: 5.8 events per variable < 10 (the minimum events per variable set in the config)"
    log = (directory / "logs" / "config" / "GSE21257" / "adjusted_cox.log").read_text()
    assert "models refused for too few events per variable" in log
    target = pd.read_csv(directory / "results" / "config" / "TARGET" / "survival" / "time_dependent_auc.tsv", sep="\t")
    assert set(target["endpoint"]) == {"overall_survival", "event_free_survival"} and set(target["years"]) == {1, 3, 5}
    locked = pd.read_csv(directory / "results" / "config" / "meta" / "locked_models.tsv", sep="\t")
    overall = ["GSE21257", "TARGET", "GSE16091"]  # the cohorts sharing an endpoint
    ordered_pairs = {(a, b) for a in overall for b in overall if a != b}
    assert len(locked) == (N_SIGNATURES * 5 + 1) * len(ordered_pairs)  # signatures x weightings; TEST_MODEL's published
    assert set(locked["endpoint"]) == {"overall_survival"}
    multivariable = locked[locked["weights"] == "multivariable_cox"].set_index(["signature", "training_cohort", "test_cohort"])
    # GSE21257 has 23 deaths for the review signature's dozens of genes: refused
    assert multivariable.loc[("HIF1A_REVIEW_TARGETS", "GSE21257", "TARGET"), "status"].startswith("refused: ")
    auc = pd.read_csv(directory / "results" / "config" / "meta" / "locked_models_auc.tsv", sep="\t")
    assert set(auc["years"]) == {1, 3, 5} and len(auc) == 3 * (locked["status"] == "estimated").sum()
    assert set(zip(locked["training_cohort"], locked["test_cohort"])) == ordered_pairs
    judgement = pd.read_csv(directory / "results" / "config" / "summary" / "judgement.tsv", sep="\t")
    answers = judgement[judgement["question"] == "answer"].set_index("endpoint")
    assert list(answers.index) == ["overall_survival", "event_free_survival", "recurrence_free_survival", JOINED]
    assert answers["value"].str.split(" ").str[0].isin(["yes", "no", "not"]).all()
    assert answers.loc[JOINED, "criterion"].endswith("predict event-free or recurrence-free survival?")
    carried = judgement[judgement["question"] == "5 carries over"].groupby("endpoint").size()
    assert carried.to_dict() == {"overall_survival": 2 * len(ordered_pairs), "event_free_survival": 1,
                                 "recurrence_free_survival": 1, JOINED: 1}
    signal = judgement[(judgement["question"] == "1 signal") & (judgement["endpoint"] == JOINED)]
    assert list(signal["cohort"]) == ["all", "TARGET", "GSE39055"]


def test_default_run_ends_in_the_summary_page_and_enrichment_across_cohorts(mirror_run):
    directory = mirror_run[0]
    headline = pd.read_csv(directory / "results" / "config" / "summary" / "headline.tsv", sep="\t")
    primary = headline[headline["signature"] == "HIF1A_REVIEW_TARGETS"]
    assert sorted(zip(primary["cohort"], primary["endpoint"])) == sorted(
        (cohort, endpoint) for cohort, endpoints in COHORT_ENDPOINTS.items() for endpoint in endpoints)
    assert len(headline) == N_SIGNATURES * 5
    page = (directory / "results" / "config" / "summary" / "index.html").read_text()
    assert "random-effects pool (3 cohorts: " in page and "this pipeline: random-effects pool of 3 cohorts (n=" in page
    assert "joins TARGET (event-free survival), GSE39055 (recurrence-free survival)" in page
    nes = pd.read_csv(directory / "results" / "config" / "enrichment" / "nes_across_cohorts.tsv", sep="\t")
    assert set(nes["library"]) == {"HALLMARK", "REACTOME", "GO_BP"}
    assert {f"nes_{cohort}" for cohort in COHORT_ENDPOINTS} <= set(nes.columns) and nes["n_cohorts"].between(1, 4).all()
    ora = pd.read_csv(directory / "results" / "config" / "GSE21257" / "enrichment" / "ora.tsv", sep="\t")
    assert ora.loc[ora["term"] == "HALLMARK_HYPOXIA", "overlap"].iloc[0] > 0  # review targets include hypoxia genes


def test_a_published_model_from_a_weight_file_runs_end_to_end(mirror_run):
    """TEST_MODEL's weighted score is sum(weight x log2) of the harmonised matrix; the null, the
    meta-analysis and the locked validation (its own weights, both directions) include it; the
    summary sets it beside the HIF-1alpha signature with its citation."""
    from hif_prognosis.tables import read_matrix

    directory = mirror_run[0]
    weights = pd.read_csv(TEST_MODEL, sep="\t", comment="#").set_index("gene")["weight"]
    for cohort in COHORT_ENDPOINTS:
        matrix = read_matrix(directory / "results" / "config" / cohort / "expression.npz")
        scores = pd.read_csv(directory / "results" / "config" / cohort / "scores.tsv", sep="\t", dtype={"sample_id": str})
        model = scores[(scores["signature"] == "TEST_MODEL") & (scores["method"] == "weighted")].set_index("sample_id")["score"]
        expected = (matrix.loc[weights.index].T @ weights).loc[model.index]
        pd.testing.assert_series_equal(model, expected, check_names=False, rtol=1e-12)
        null = pd.read_csv(directory / "results" / "config" / cohort / "survival" / "null.tsv", sep="\t")
        assert ((null["signature"] == "TEST_MODEL") & (null["method"] == "weighted")).any()
    meta = pd.read_csv(directory / "results" / "config" / "meta" / "meta_analysis.tsv", sep="\t")
    assert ((meta["signature"] == "TEST_MODEL") & (meta["method"] == "weighted") & (meta["k"] == 3)).any()
    locked = pd.read_csv(directory / "results" / "config" / "meta" / "locked_models.tsv", sep="\t")
    published = locked[locked["weights"] == "published"]
    assert set(published["signature"]) == {"TEST_MODEL"} and (published["genes"] == 4).all()
    assert set(published["status"]) == {"estimated"}
    comparison = pd.read_csv(directory / "results" / "config" / "summary" / "published_models.tsv", sep="\t")
    assert set(comparison["signature"]) == {"HIF1A_REVIEW_TARGETS", "TEST_MODEL"}
    assert (comparison.loc[comparison["signature"] == "TEST_MODEL", "citation"] == "test fixture, not a published model").all()
    page = (directory / "results" / "config" / "summary" / "index.html").read_text()
    assert "Published risk models with their coefficients, beside the HIF-1α signature" in page
    assert "locked, published weights" in page
    # its locked splits are drawn beside the primary signature's, and shown on the page
    drawn = sorted(p.name for p in (directory / "results" / "config" / "meta" / "locked_km").glob("*.png"))
    overall = ["GSE21257", "TARGET", "GSE16091"]
    assert drawn == sorted(f"{a}_to_{b}.{s}.overall_survival.png" for a in overall for b in overall if a != b
                           for s in ("HIF1A_REVIEW_TARGETS.cox", "TEST_MODEL.published"))
    assert "TARGET, overall survival: TEST_MODEL locked with published weights from GSE21257" in page


def test_four_cohort_page_in_a_browser_names_each_cohort_and_endpoint_in_words(mirror_run):
    """The page of the four-cohort run, rendered headless: every internal link lands, no p prints
    as zero, the questions come in order, each cohort is named with its disease, the first screen
    says which endpoints exist with their cohorts, patients and events, and "OS" stands for
    nothing anywhere a reader sees."""
    from support.browser import Browser, find_chromium

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine: apt-get install chromium (make system-deps)")
    with Browser(chromium) as browser:
        browser.open((mirror_run[0] / "results" / "config" / "summary" / "index.html").as_uri())
        assert browser.failures() == []
        reader = browser.reader_checks()
        identifiers = browser.identifiers_in_prose()
        endpoints = browser.evaluate("document.getElementById('endpoints').innerText")
        in_view = browser.evaluate("document.getElementById('endpoints').getBoundingClientRect().bottom < window.innerHeight")
    assert reader["dead_links"] == [] and reader["zero_p"] == []
    assert identifiers == set()  # words, not identifiers, outside file names, code and the config
    # the criteria table answers one endpoint after another, each with its questions in order
    runs: list[list[int]] = [[]]
    for number in reader["questions"]:
        if runs[-1] and number < runs[-1][-1]:
            runs.append([])
        runs[-1].append(number)
    assert len(runs) == 4 and all(set(run) == {1, 2, 3, 4, 5, 6, 7} for run in runs)
    text = reader["text"]
    assert "GSE21257 (osteosarcoma; Illumina human-6 v2.0" in text and "GSE39055 (osteosarcoma; Illumina WG-DASL" in text
    assert "TARGET (osteosarcoma; RNA-seq" in text and "GSE16091 (osteosarcoma; Affymetrix HG-U133A" in text
    assert "Not osteosarcoma" not in text and "forest plot" in text and "locked models" in text
    assert in_view and "overall survival in 3 cohorts (173 patients, 66 events)" in endpoints
    assert "recurrence-free survival in 1 cohort (37 patients, 18 events)" in endpoints
    assert "event-free or recurrence-free survival in 2 cohorts (123 patients, 60 events" in endpoints
    for answer in ("Overall survival: ", "Event-free survival: ", "Recurrence-free survival: ", "Event-free or recurrence-free survival: "):
        assert answer in text
    assert re.findall(r"\bOS\b|\bEFS\b|\bRFS\b", text) == []


def head_to_head_rows(directory: Path, cohort: str, comparator: str) -> pd.DataFrame:
    table = pd.read_csv(directory / "results" / "config" / cohort / "survival" / "head_to_head.tsv", sep="\t")
    return table[table["comparator"] == comparator].reset_index(drop=True)


def test_cinsarc_head_to_head_where_the_labels_are_and_refused_with_the_reason_elsewhere(mirror_run):
    """GSE21257's distant-metastasis labels (at diagnosis or later, from its real 'group') carry
    CINSARC's leave-one-out class; the other cohorts have none and say so; the pooled table, the
    judgement's question 7 and the page read the same rows."""
    directory = mirror_run[0]
    real = pd.read_csv(DATA / GSE21257_TABLE, sep="\t", dtype=str).set_index("rownames(geo.samp)")
    metastatic = real["1:GROUP"].str.startswith("Metastases")
    table = clinical(directory, "GSE21257").set_index("sample_id")
    assert (table["distant_metastasis"] == "yes").equals(metastatic.loc[table.index])
    rows = {cohort: head_to_head_rows(directory, cohort, "CINSARC") for cohort in COHORT_ENDPOINTS}
    gse21257 = rows["GSE21257"].iloc[0]
    assert gse21257["status"] == "estimated" and gse21257["genes_listed"] == 66
    assert gse21257["class_c1"] + gse21257["class_c2"] == 53 and gse21257["n"] == 53
    assert gse21257["delta_harrell_c_ci_low"] <= gse21257["delta_harrell_c"] <= gse21257["delta_harrell_c_ci_high"]
    for cohort in ("TARGET", "GSE39055", "GSE16091"):
        assert rows[cohort]["comparator_status"].str.startswith("refused: the cohort records no distant-metastasis labels").all()
        assert set(rows[cohort]["endpoint"]) == COHORT_ENDPOINTS[cohort]
    scores = pd.read_csv(directory / "results" / "config" / "GSE21257" / "survival" / "comparator_scores.tsv", sep="\t")
    scores = scores[scores["comparator"] == "CINSARC"]
    assert ((scores["score"] >= 0) == (scores["class"] == "C2")).all() and len(scores) == 53
    pooled = pd.read_csv(directory / "results" / "config" / "summary" / "head_to_head.tsv", sep="\t")
    pooled = pooled[pooled["comparator"] == "CINSARC"].set_index("endpoint")
    assert pooled.loc["overall_survival", "k"] == 1 and pooled.loc["overall_survival", "status"] == "one cohort"
    assert pooled.loc["overall_survival", "pooled_delta_harrell_c_ci_low"] == gse21257["delta_harrell_c_ci_low"]
    assert pooled.loc["event_free_survival", "k"] == 0 and pd.isna(pooled.loc["event_free_survival", "hif_adds"])
    judgement = pd.read_csv(directory / "results" / "config" / "summary" / "judgement.tsv", sep="\t")
    seventh = judgement[(judgement["question"] == "7 adds to the field's models") & (judgement["endpoint"] == "overall_survival")
                        & judgement["criterion"].str.startswith("CINSARC:")]
    assert len(seventh) == 1 and seventh["value"].iloc[0].startswith("change in C ")
    assert bool(seventh["met"].iloc[0]) == bool(pooled.loc["overall_survival", "hif_adds"])
    page = (directory / "results" / "config" / "summary" / "index.html").read_text()
    assert 'id="head-to-head"' in page and "Chibon et al. 2010, Nat Med 16:781, doi:10.1038/nm.2174" in page
    # the classes' curves where CINSARC classified, a figure saying why elsewhere; both on the page
    drawn = {(cohort, endpoint): (directory / "results" / "config" / cohort / "survival" / "km_comparators" / f"CINSARC.{endpoint}.png")
             for cohort, endpoints in COHORT_ENDPOINTS.items() for endpoint in endpoints}
    assert all(path.stat().st_size > 5_000 for path in drawn.values())
    assert drawn[("GSE21257", "overall_survival")].stat().st_size > 3 * drawn[("GSE16091", "overall_survival")].stat().st_size
    assert "The comparators&#39; classes" in page and "GSE21257, overall survival: CINSARC C2 (high risk) against C1." in page


REFITTED = ("Fu2021_hypoxia", "Zhang2022_hypoxia_immune", "Liu2025_autophagy")


def test_published_genes_without_coefficients_are_refitted_in_target_and_read_head_to_head_elsewhere(mirror_run):
    """Each gene list without coefficients: its weights learned once in TARGET's overall
    survival (ridge Cox), TARGET refused as a test cohort, every other cohort scored with those
    weights unchanged and read head to head; pooled over the three, and named on the page as
    published genes with weights refitted."""
    directory = mirror_run[0]
    for name in REFITTED:
        weights = pd.read_csv(directory / "results" / "config" / "comparators" / f"{name}.weights.tsv", sep="\t")
        assert (weights["status"] == "refitted").all() and weights["measured_in_training"].all()
        assert (weights["training_cohort"] == "TARGET").all() and (weights["weighting"] == "ridge_cox").all()
        assert weights["n"].iloc[0] == 86 and weights["weight_log_hr_per_sd"].notna().all()
        target = head_to_head_rows(directory, "TARGET", name)
        assert set(target["endpoint"]) == COHORT_ENDPOINTS["TARGET"]
        assert target["comparator_status"].str.startswith("refused: the training cohort of its refitted weights").all()
        for cohort in ("GSE21257", "GSE39055", "GSE16091"):
            row = head_to_head_rows(directory, cohort, name).iloc[0]
            assert row["comparator_status"] == "scored" and row["status"] == "estimated", (cohort, name, row["comparator_status"])
            assert row["score"].startswith("published genes, weights refitted in TARGET (overall survival; ridge Cox")
            w = weights.set_index("gene")["weight_log_hr_per_sd"]
            matrix = read_matrix(directory / "results" / "config" / cohort / "expression.npz").loc[w.index]
            z = matrix.sub(matrix.mean(axis=1), axis=0).div(matrix.std(axis=1, ddof=1), axis=0)
            scores = pd.read_csv(directory / "results" / "config" / cohort / "survival" / "comparator_scores.tsv", sep="\t")
            scores = scores[scores["comparator"] == name].astype({"sample_id": str}).set_index("sample_id")["score"]
            assert scores.to_numpy() == pytest.approx(((z.T @ w) / w.abs().sum()).loc[scores.index].to_numpy())
    pooled = pd.read_csv(directory / "results" / "config" / "summary" / "head_to_head.tsv", sep="\t").set_index(["comparator", "endpoint"])
    for name in REFITTED:
        assert pooled.loc[(name, "overall_survival"), "k"] == 2 and pooled.loc[(name, "overall_survival"), "cohorts"] == "GSE21257;GSE16091"
        assert pooled.loc[(name, "recurrence_free_survival"), "k"] == 1
    page = (directory / "results" / "config" / "summary" / "index.html").read_text()
    assert "Fu et al. 2021, Front Cell Dev Biol 9:633607" in page
    assert "published genes, weights refitted in TARGET (overall survival; ridge Cox" in page


def test_the_default_run_says_how_robust_the_answer_is_and_what_it_rules_out(mirror_run):
    """Issue 28 on the four-cohort run: every specification in the table (3 review variants x the
    configured methods x 4 endpoints, pooled over every cohort and with each left out), the
    power table, the curve, and both on the first screen."""
    directory = mirror_run[0]
    specifications = pd.read_csv(directory / "results" / "config" / "summary" / "specifications.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
    pooled = specifications[specifications["level"] == "pooled"]
    assert set(pooled["signature"]) == {"HIF1A_REVIEW_TARGETS", "HIF1A_REVIEW_SIGNED", "HIF1A_REVIEW_ALL"}
    assert set(pooled["endpoint"]) == {"overall_survival", "event_free_survival", "recurrence_free_survival", JOINED}
    assert set(pooled["left_out"]) == {"", "GSE21257", "TARGET", "GSE16091", "GSE39055"}
    assert specifications["is_primary"].sum() == 1
    primary = specifications[specifications["is_primary"]].iloc[0]
    meta = pd.read_csv(directory / "results" / "config" / "meta" / "meta_analysis.tsv", sep="\t").set_index(["signature", "method", "endpoint"])
    assert primary["hr_per_sd"] == pytest.approx(meta.loc[("HIF1A_REVIEW_TARGETS", "zscore", "overall_survival"), "pooled_hr"])
    power = pd.read_csv(directory / "results" / "config" / "summary" / "power.tsv", sep="\t")
    overall = power[(power["scope"] == "pooled") & (power["endpoint"] == "overall_survival")].iloc[0]
    assert overall["events"] == 66 and overall["largest_hr_per_sd_not_ruled_out"] == pytest.approx(primary["hr_ci_high"])
    assert (directory / "results" / "config" / "summary" / "specification_curve.png").stat().st_size > 20_000
    page = (directory / "results" / "config" / "summary" / "index.html").read_text()
    first_screen = page[: page.index('id="headline"')]
    agreeing = int(pooled["agrees_with_primary"].astype(str).eq("True").sum())
    assert f"{agreeing} of {len(pooled)} specifications agree with the primary answer" in first_screen
    assert f"HRs per SD above {primary['hr_ci_high']:.2f} are ruled out at 95%" in first_screen
    assert 'id="specifications"' in page and 'id="power"' in page
