"""The workflow end to end: real GSE4335 data through `snakemake --cores 2`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from support.browser import Browser, find_chromium
from support.locations import GSE4335, MSIGDB, TEST_DATA
from support.mirror import Mirror
from support.r_reference import R_UNIVARIABLE
from support.workflow_runs import MARKUP, METHODS, planned_jobs, snakemake, table_hashes, write_config

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, shared_data) -> Path:
    directory = tmp_path_factory.mktemp("run")
    write_config(directory)
    snakemake(directory, "--cores", "2")
    return directory


def test_outputs_of_every_stage(finished_run):
    results = finished_run / "results" / "config" / "GSE4335"
    clinical = pd.read_csv(results / "clinical.tsv", sep="\t")
    assert list(clinical.columns) == ["sample_id", "patient_id", "overall_survival_months", "overall_survival_event"]
    assert len(clinical) == 115 and clinical["overall_survival_event"].sum() == 38
    scores = pd.read_csv(results / "scores.tsv", sep="\t")
    assert list(scores.columns) == ["sample_id", "signature", "method", "score"]
    assert len(scores) == 115 * 2 * len(METHODS)
    coverage = pd.read_csv(results / "signature_coverage.tsv", sep="\t")
    assert coverage.groupby("signature")["present"].size().to_dict() == {
        "HALLMARK_G2M_CHECKPOINT": 200, "HALLMARK_HYPOXIA": 200,
    }
    cox = pd.read_csv(results / "survival" / "cox.tsv", sep="\t")
    assert len(cox) == 2 * len(METHODS) and (cox["n"] == 115).all() and (cox["events"] == 38).all()
    at_risk = pd.read_csv(results / "survival" / "km" / "HALLMARK_HYPOXIA.overall_survival.at_risk.tsv", sep="\t")
    start = at_risk[at_risk["time_months"] == 0]
    assert start["at_risk"].sum() == 115 and set(start["group"]) == {"high", "low"}
    genes = pd.read_csv(results / "survival" / "genes.tsv", sep="\t")
    assert set(genes["signature"]) == {"HALLMARK_HYPOXIA", "HALLMARK_G2M_CHECKPOINT"}
    assert genes["q_bh"].between(0, 1).all()
    null = pd.read_csv(results / "survival" / "null.tsv", sep="\t")
    assert len(null) == 2 * len(METHODS) and (null["n_fitted"] > 990).all()
    assert null["p_empirical_abs_log_hr"].between(1 / 1001, 1).all()
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(results / name, sep="\t", keep_default_na=False, na_values=["NA"])

    hypoxia_null = null[null["signature"] == "HALLMARK_HYPOXIA"]
    assert (hypoxia_null["proliferation_signature"] == "HALLMARK_G2M_CHECKPOINT").all()
    assert hypoxia_null["p_empirical_abs_log_hr_adj_proliferation"].between(1 / 1001, 1).all()
    assert null.loc[null["signature"] == "HALLMARK_G2M_CHECKPOINT", "log_hr_adj_proliferation"].isna().all()
    models = read("survival/models.tsv").set_index(["signature", "method", "model"])
    # GSE4335 records no clinical covariates: listed, not fitted
    assert models.xs("clinical", level="model")["status"].str.startswith("not fitted: metastasis at diagnosis").all()
    adjusted = models.loc[("HALLMARK_HYPOXIA", "zscore", "proliferation")]
    assert adjusted["status"] == "fitted" and adjusted["n"] == 115 and adjusted["events_per_variable"] == 19
    univariable = models.loc[("HALLMARK_HYPOXIA", "zscore", "univariable")]
    assert univariable["log_hr"] == pytest.approx(cox.set_index(["signature", "method"]).loc[("HALLMARK_HYPOXIA", "zscore"), "log_hr"], rel=1e-9)
    assert models["ph_p_score"].dropna().between(0, 1).all()
    discrimination = read("survival/discrimination.tsv")
    assert len(discrimination) == 2 * len(METHODS) and (discrimination["bootstrap_resamples"] == 1000).all()
    assert (discrimination["harrell_c_ci_low"] < discrimination["harrell_c"]).all()
    np.testing.assert_allclose(discrimination["harrell_c"], cox["c_index"], rtol=1e-12)
    auc = read("survival/time_dependent_auc.tsv")
    assert set(auc["years"]) == {1, 3, 5} and (auc.loc[auc["years"] == 3, "status"] == "estimated").all()
    cut = read("survival/cutpoint.tsv")
    assert cut["p_lausen_schumacher_1992"].between(0, 1).all() and (cut["permutations"] == 1000).all()
    assert ((cut["n_low"] >= 11) & (cut["n_high"] >= 11)).all()
    judgement = pd.read_csv(finished_run / "results" / "config" / "summary" / "judgement.tsv", sep="\t")
    final = judgement[judgement["question"] == "answer"]["value"].iloc[0]
    assert "5 carries over" in final.split("not assessable: ")[1]  # one cohort: nothing to carry over to
    for ranking in ("survival_cox_z", "score_spearman"):
        prerank = pd.read_csv(results / "enrichment" / f"prerank.{ranking}.tsv", sep="\t")
        normalised = prerank["nes_status"] == "normalised"
        assert len(prerank) == 50 and (prerank["nes"].notna() == normalised).all()
        assert prerank.loc[~normalised, "nes_status"].str.contains(
            "^not estimable: fewer than 10 of the 100 random gene sets gave an ES of this sign").all()
    # On these two-colour log ratios the score follows the sample-wide mean z-score, so nearly
    # every gene correlates with it positively: that ranking leaves sets the null cannot
    # normalise, and the random-set null says why.
    assert (read("enrichment/prerank.score_spearman.tsv")["nes_status"] != "normalised").any()
    null = read("survival/null.tsv").set_index(["signature", "method"])
    assert null.loc[("HALLMARK_HYPOXIA", "zscore"), "offset_warning"]
    assert null.loc[("HALLMARK_HYPOXIA", "zscore"), "r_sample_mean_z"] > 0.8
    survival_ranking = read("enrichment/ranking.survival_cox_z.tsv")
    assert len(survival_ranking) == 12793 and survival_ranking["wald_z"].is_monotonic_decreasing
    # genome-wide, proliferation carries the survival signal in these breast tumours
    survival_gsea = read("enrichment/prerank.survival_cox_z.tsv").set_index("term")
    assert survival_gsea.loc["HALLMARK_G2M_CHECKPOINT", "nes"] > 1.5
    assert survival_gsea.loc["HALLMARK_G2M_CHECKPOINT", "fdr_q"] < 0.05
    ora = read("enrichment/ora.tsv").set_index("term")
    measured = int(coverage.loc[coverage["signature"] == "HALLMARK_HYPOXIA", "present"].sum())
    assert len(ora) == 50 and ora.loc["HALLMARK_HYPOXIA", "overlap"] == measured == 166  # its own genes
    assert (ora["background_size"] == 12793).all()
    nes = pd.read_csv(finished_run / "results" / "config" / "enrichment" / "nes_across_cohorts.tsv", sep="\t")
    assert len(nes) == 2 * 50 and set(nes["ranking"]) == {"survival_cox_z", "score_spearman"}
    headline = pd.read_csv(finished_run / "results" / "config" / "summary" / "headline.tsv", sep="\t")
    assert list(headline["signature"]) == ["HALLMARK_HYPOXIA", "HALLMARK_G2M_CHECKPOINT"]
    np.testing.assert_allclose(
        headline["hr"], cox.set_index(["signature", "method"]).loc[[("HALLMARK_HYPOXIA", "zscore"), ("HALLMARK_G2M_CHECKPOINT", "zscore")], "hr"],
        rtol=1e-12,
    )
    log = (finished_run / "logs" / "config" / "GSE4335" / "harmonise_cohort.log").read_text()
    assert "115 samples have both expression and clinical data; dropped 0" in log
    assert "log2 scale detected" in log


def test_cox_row_matches_r_coxph_efron(finished_run, r_survival):
    results = finished_run / "results" / "config" / "GSE4335"
    scores = pd.read_csv(results / "scores.tsv", sep="\t")
    score = scores.query("signature == 'HALLMARK_HYPOXIA' and method == 'zscore'").set_index("sample_id")["score"]
    clinical = pd.read_csv(results / "clinical.tsv", sep="\t").set_index("sample_id")
    data = pd.DataFrame(
        {"time": clinical["overall_survival_months"], "event": clinical["overall_survival_event"], "score": score[clinical.index]}
    )
    reference = r_survival.table(R_UNIVARIABLE, data).iloc[0]
    row = (
        pd.read_csv(results / "survival" / "cox.tsv", sep="\t")
        .query("signature == 'HALLMARK_HYPOXIA' and method == 'zscore' and endpoint == 'overall_survival'")
        .iloc[0]
    )
    np.testing.assert_allclose(row["hr"], np.exp(reference["log_hr"]), rtol=1e-9)
    np.testing.assert_allclose(
        [row["hr_ci_low"], row["hr_ci_high"]],
        np.exp(reference["log_hr"] + np.array([-1, 1]) * 1.959963984540054 * reference["se"]),
        rtol=1e-9,
    )
    np.testing.assert_allclose(row[["p_wald", "p_lrt"]].astype(float), reference[["p_wald", "p_lrt"]].astype(float), rtol=1e-9)
    np.testing.assert_allclose(row["c_index"], reference["c_index"], rtol=1e-9)
    np.testing.assert_allclose(row["logrank_chisq"], reference["logrank_chisq"], rtol=1e-9)


def test_rerun_without_change_does_nothing(finished_run):
    assert "Nothing to be done" in snakemake(finished_run, "--dry-run").stdout


def test_changing_a_scoring_parameter_reruns_only_its_dependents(finished_run):
    write_config(finished_run, scoring__score_genes={"ctrl_size": 30, "n_bins": 25})
    try:
        jobs = planned_jobs(snakemake(finished_run, "--dry-run").stdout)
    finally:
        write_config(finished_run)
    assert jobs == {
        "score_signatures": 1, "merge_scores": 1, "cox_univariable": 1, "random_signature_null": 1, "merge_null": 1,
        "adjusted_cox": 1, "discrimination": 1, "cutpoint": 1, "judgement": 1, "specifications": 1, "power": 1,
        "specification_curve": 1, "provenance": 1, "summary_page": 1, "all": 1,
    }


def test_editing_what_a_reader_sees_reruns_only_the_page(finished_run):
    """A cohort's description and disease and a signature's description change no number."""
    write_config(finished_run, cohorts__GSE4335__description="GPL180 cDNA arrays", cohorts__GSE4335__disease="breast carcinoma",
                 signatures__HALLMARK_HYPOXIA__description="MSigDB Hallmark hypoxia")
    try:
        jobs = planned_jobs(snakemake(finished_run, "--dry-run").stdout)
    finally:
        write_config(finished_run)
    assert jobs == {"provenance": 1, "summary_page": 1, "all": 1}


def test_same_config_and_seed_give_identical_tables(finished_run, tmp_path):
    write_config(tmp_path)
    snakemake(tmp_path, "--cores", "2")
    first, second = table_hashes(finished_run), table_hashes(tmp_path)
    assert len(first) >= 10
    assert first == second


def test_report_has_categories_and_captions(finished_run):
    snakemake(finished_run, "--report", "report.html")
    html = (finished_run / "report.html").read_text()
    for text in [
        "Cohorts", "Signature", "Scores", "Survival", "Null", "Enrichment", "Summary", "Provenance",
        "Efron ties", "numbers at risk", "software versions", "config used", "enrichment plot",
    ]:
        assert text in html, text


def test_no_config_text_runs_in_the_report_or_the_page(finished_run):
    """The cohort's and a signature's descriptions carry markup of every kind the two renderers
    speak (HTML, reStructuredText, mathtext, javascript: URIs). In Chromium neither Snakemake's
    report nor the summary page opens a dialog, sends a request off the machine, or has a link
    that runs a script, beyond the report's own navigation; the page shows the text as written."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine: apt-get install chromium (make system-deps)")
    snakemake(finished_run, "--report", "report.html")
    own_navigation = re.compile(r"^javascript:(show_panel|app\.show(Category|ResultInfo))\(")
    with Browser(chromium) as browser:
        browser.open((finished_run / "report.html").as_uri())
        assert [f for f in browser.failures() if not f.startswith(("console error", "script error"))] == []
        assert [link for link in browser.script_links() if not own_navigation.match(link)] == []
        browser.open((finished_run / "results" / "config" / "summary" / "index.html").as_uri())
        assert browser.failures() == [] and browser.script_links() == []
        assert MARKUP in browser.evaluate("document.body.innerText")


def enrichr_text(gmt: bytes) -> bytes:
    """A GMT as Enrichr's geneSetLibrary?mode=text exports it: empty description, weighted genes."""
    lines = []
    for line in gmt.decode().splitlines():
        name, _, *genes = line.rstrip("\t").split("\t")
        lines.append("\t".join([name.removeprefix("HALLMARK_").title(), "", *(f"{g},1.0" for g in genes)]))
    return ("\n".join(lines) + "\n").encode()


def test_gene_sets_by_url_and_enrichr_name_through_a_faulty_mirror(finished_run, tmp_path):
    gmt_path = "/gsea-msigdb/msigdb/release/7.0/h.all.v7.0.symbols.gmt"
    hallmark = (MSIGDB / "h.all.v7.0.symbols.gmt").read_bytes()
    with Mirror() as mirror:
        url = mirror.add(gmt_path, hallmark, "503")
        enrichr = mirror.add("/Enrichr/geneSetLibrary", enrichr_text(hallmark), "html").removesuffix("/geneSetLibrary")
        write_config(
            tmp_path,
            signatures__HALLMARK_HYPOXIA={"gmt": url},
            signatures__HALLMARK_G2M_CHECKPOINT={"gmt": url},
            enrichment__libraries={"HALLMARK": url, "MSIGDB_HALLMARK": "enrichr:MSigDB_Hallmark_2020"},
            downloads={"backoff_seconds": 0.05, "mirrors": {"enrichr": enrichr}},
        )
        snakemake(tmp_path, "--cores", "2", "results/config/GSE4335/signature_coverage.tsv", "results/config/GSE4335/enrichment/ora.tsv")
        # One failed and one good request; the second signature reuses the cached copy.
        assert mirror.requests[gmt_path] == 2
        # Enrichr: a login page is not a library; the retry gets the real export
        assert mirror.queries["/Enrichr/geneSetLibrary"] == ["mode=text&libraryName=MSigDB_Hallmark_2020"] * 2
    ora = pd.read_csv(tmp_path / "results" / "config" / "GSE4335" / "enrichment" / "ora.tsv", sep="\t")
    by_library = ora.set_index(["library", "term"])["p_hypergeometric"]
    assert by_library[("MSIGDB_HALLMARK", "Hypoxia")] == by_library[("HALLMARK", "HALLMARK_HYPOXIA")]
    np.testing.assert_allclose(np.sort(by_library["MSIGDB_HALLMARK"]), np.sort(by_library["HALLMARK"]), rtol=1e-12)
    signatures = pd.read_csv(tmp_path / "results" / "config" / "signatures" / "signatures.tsv", sep="\t")
    assert set(signatures["source"]) == {f"{url}#HALLMARK_HYPOXIA", f"{url}#HALLMARK_G2M_CHECKPOINT"}
    coverage = "results/config/GSE4335/signature_coverage.tsv"  # the same genes, read through the mirror
    assert (tmp_path / coverage).read_bytes() == (finished_run / coverage).read_bytes()
    assert "Nothing to be done" in snakemake(tmp_path, "--dry-run", coverage).stdout


@pytest.mark.parametrize(
    "change, message",
    [
        ({"scoring__method": ["zscore"]}, "'method' was unexpected"),
        ({"cohorts__GSE4335__clinical": "missing/clinical.tsv"}, "cohorts.GSE4335.clinical = 'missing/clinical.tsv'"),
        (
            {"signatures__MODEL": {"weights_file": str(TEST_DATA / "test_model_weights.tsv")}},
            "signature(s) ['MODEL'] carry weights (weights_file), which only the weighted method uses; add weighted to "
            "scoring.methods",
        ),
    ],
    ids=["unknown key", "missing file", "weights without the weighted method"],
)
def test_bad_config_fails_before_any_job(tmp_path, shared_data, change, message):
    """Parse-time checks (a missing clinical column stops the first job instead: test_bad_input)."""
    write_config(tmp_path, **change)
    result = snakemake(tmp_path, "--cores", "1", check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()
    assert not (tmp_path / "logs").exists()


@pytest.mark.workflow
def test_a_patient_in_two_cohorts_stops_the_run_before_pooling_and_exclude_samples_resolves_it(tmp_path, shared_data):
    """Two local cohorts cut from GSE4335, the second holding two of the first's arrays under new
    IDs: the run stops before the meta-analysis, naming both pairs, with nothing pooled written;
    listing the copies under exclude_samples lets it finish, and the meta-analysis states the
    patients it pooled, each once."""
    expression = pd.read_csv(GSE4335 / "expression.tsv.gz", sep="\t", index_col=0)
    clinical = pd.read_csv(GSE4335 / "clinical.tsv", sep="\t")
    first, rest = list(expression.columns[:60]), list(expression.columns[60:])
    copied = first[:2]
    expression[first].to_csv(tmp_path / "a_expression.tsv", sep="\t")
    clinical[clinical["sample_id"].isin(first)].to_csv(tmp_path / "a_clinical.tsv", sep="\t", index=False)
    pd.concat([expression[rest], expression[copied].add_prefix("re_")], axis=1).to_csv(tmp_path / "b_expression.tsv", sep="\t")
    b_clinical = pd.concat([
        clinical[clinical["sample_id"].isin(rest)],
        clinical[clinical["sample_id"].isin(copied)].assign(sample_id=lambda t: "re_" + t["sample_id"]),
    ])
    b_clinical.to_csv(tmp_path / "b_clinical.tsv", sep="\t", index=False)
    endpoints = {"overall_survival": {"time": "os_months", "event": "os_event", "time_unit": "months"}}

    def cohort(name, exclude=()):
        return {"source": "local", "expression": str(tmp_path / f"{name}_expression.tsv"),
                "clinical": str(tmp_path / f"{name}_clinical.tsv"), "sample_id_column": "sample_id",
                "endpoints": endpoints, "exclude_samples": list(exclude)}

    def run(exclude):
        write_config(tmp_path, cohorts={"A": cohort("a"), "B": cohort("b", exclude)}, scoring__methods=["zscore"])
        return snakemake(tmp_path, "--cores", "2", "results/config/meta/meta_analysis.tsv", check=False)

    stopped = run(())
    assert stopped.returncode != 0
    output = stopped.stdout + stopped.stderr
    assert "2 sample pair(s) look like one patient counted in two cohorts" in output
    assert f"cohorts.B.exclude_samples: [re_{copied[0]}, re_{copied[1]}]" in output
    assert not (tmp_path / "results" / "config" / "meta" / "meta_analysis.tsv").exists()
    assert not (tmp_path / "results" / "config" / "meta" / "cohort_overlap.tsv").exists()

    finished = run([f"re_{s}" for s in copied])
    assert finished.returncode == 0, finished.stderr[-3000:]
    meta = pd.read_csv(tmp_path / "results" / "config" / "meta" / "meta_analysis.tsv", sep="\t")
    known = clinical.dropna(subset=["os_months", "os_event"])
    assert (meta["k"] == 2).all() and (meta["patients"] == len(known)).all()
    pooled = pd.read_csv(tmp_path / "results" / "config" / "meta" / "pooled_patients.tsv", sep="\t")
    assert pooled["sample_id"].is_unique and len(pooled) == len(known)
    assert pd.read_csv(tmp_path / "results" / "config" / "meta" / "cohort_overlap.tsv", sep="\t").empty
