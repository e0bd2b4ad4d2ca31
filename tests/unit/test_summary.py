import re

import numpy as np
import pandas as pd
import pytest

from hif_prognosis.enrichment.gsea import significance_method
from hif_prognosis.presentation.summary import HEADLINE_COLUMNS, FigureSection, answer_kind, headline_table, linked_dois, page_context, published_comparison, read_published_hazard_ratios, render_summary_page, software_versions
from support.locations import REPO
from support.summary_tables import summary_tables

PUBLISHED = REPO / "resources" / "published_hazard_ratios.tsv"

def test_headline_joins_the_controls_of_one_method_primary_first():
    headline = headline_table(*summary_tables(), method="zscore", primary_signature="HIF")
    assert list(headline.columns) == HEADLINE_COLUMNS
    assert list(zip(headline["cohort"], headline["signature"])) == [
        ("C1", "HIF"), ("C2", "HIF"), ("C1", "OTHER"), ("C2", "OTHER"),
    ]
    assert (headline["method"] == "zscore").all() and (headline["hr"] == 1.5).all()
    first = headline.iloc[0]
    assert first["null_percentile_log_hr"] == 97.5 and first["hr_adj_proliferation"] == 1.2
    # a refused model shows its status, not its estimate
    assert np.isnan(first["hr_adj_metastasis"]) and first["status_adj_metastasis"].startswith("refused")
    assert headline.iloc[1]["status_adj_metastasis"] == "not in config"
    # the null that decides question 2: adjusted for the sample-wide offset where the score follows it (C2)
    assert (first["null_deciding"], first["null_deciding_p_empirical_abs_log_hr"]) == ("unadjusted", 0.04)
    second = headline.iloc[1]
    assert second["null_deciding"] == "adjusted for the sample-wide mean z-score"
    assert (second["null_deciding_percentile_log_hr"], second["null_deciding_p_empirical_abs_log_hr"]) == (73.5, 0.31)


def test_published_high_vs_low_figures_sit_beside_the_pipelines_own_median_split_never_its_hr_per_sd():
    """A published IHC HR compares high against low staining; the pipeline's rows beside it are
    its own median split of the same score (per cohort, then DerSimonian-Laird), not HRs per SD."""
    from hif_prognosis.survival.meta import dersimonian_laird

    headline = headline_table(*summary_tables(), method="zscore", primary_signature="HIF")
    table = published_comparison(headline, read_published_hazard_ratios(PUBLISHED), signature="HIF", method="zscore")
    published = table[table["kind"] == "published"]
    assert list(published["hr"]) == [3.0, 3.67, 2.61]
    assert list(published["hr_ci_high"]) == [6.15, 5.99, 3.23]
    ours = table[table["kind"] == "pipeline"]
    assert len(ours) == 3 and ours["measure"].str.contains("HIF mRNA score \\(mean z-score\\), above vs below the cohort's median").all()
    assert (ours["hr"].iloc[:2] == 2.0).all() and 1.5 not in set(ours["hr"])
    pooled = dersimonian_laird(np.log([2.0, 2.0]), np.full(2, np.log(2) / 1.96))
    assert ours["source"].iloc[-1] == "this pipeline: random-effects pool of 2 cohorts (n=100, 40 events)"
    assert ours["hr"].iloc[-1] == pytest.approx(np.exp(pooled["pooled"]))
    assert ours["hr_ci_low"].iloc[-1] == pytest.approx(np.exp(pooled["pooled"] - 1.959963984540054 * pooled["se"]))
    assert list(published["doi"]) == ["", "10.5301/jbm.5000216", "10.1186/s13018-019-1101-5"]


@pytest.mark.parametrize("column, value", [("url", "javascript:alert(1)"), ("doi", "see the paper"), ("hr", "3,0")])
def test_a_published_row_that_could_not_be_shown_safely_is_refused_with_the_fix(tmp_path, column, value):
    table = pd.read_csv(PUBLISHED, sep="\t", dtype=str, keep_default_na=False)
    table.loc[0, column] = value
    path = tmp_path / "published.tsv"
    table.to_csv(path, sep="\t", index=False)
    with pytest.raises(ValueError, match=rf"published\.tsv: column '{column}' holds \[.*\]; write a DOI"):
        read_published_hazard_ratios(path)


def test_dois_in_a_citation_become_links_and_the_rest_stays_text():
    html = str(linked_dois("Wu 2022, doi:10.3389/fmolb.2021.705148. <b>x</b>"))
    assert html == ('Wu 2022, doi:<a href="https://doi.org/10.3389/fmolb.2021.705148">10.3389/fmolb.2021.705148</a>.'
                    ' &lt;b&gt;x&lt;/b&gt;')


@pytest.mark.parametrize(
    "answer, kind",
    [("yes", "yes"), ("no (not met: 1 signal)", "no"), ("not established (not assessable: 5)", "open")],
)
def test_answer_kind(answer, kind):
    assert answer_kind(answer) == kind


def test_page_is_self_contained_and_escapes_text(tmp_path):
    png = tmp_path / "figure.png"
    png.write_bytes(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6c2e10000000049454e44ae426082"
    ))
    headline = headline_table(*summary_tables(), method="zscore", primary_signature="HIF")
    judgement = pd.DataFrame([
        {"endpoint": "overall_survival", "question": "1 signal", "criterion": "HR > 1", "cohort": "C1", "value": "HR 1.5", "met": True},
        {"endpoint": "overall_survival", "question": "5 carries over", "criterion": "locked", "cohort": "all",
         "value": "<needs two cohorts>", "met": np.nan},
        {"endpoint": "overall_survival", "question": "answer", "criterion": "does HIF predict overall survival?", "cohort": "all",
         "value": "not established (not assessable: 5)", "met": False},
    ])
    nes = pd.DataFrame([{"ranking": "survival_cox_z", "library": "H", "term": "SET", "nes_C1": 1.2,
                         "fdr_q_C1": 0.1, "nes_C2": 1.4, "fdr_q_C2": 0.2, "n_cohorts": 2,
                         "same_sign": True, "mean_nes": 1.3}])
    ora = pd.DataFrame([{"cohort": "C1", "library": "H", "term": "SET", "overlap": 3, "set_size_in_background": 30,
                         "odds_ratio": 12.0, "p_hypergeometric": 1e-4, "q_bh_within_library": 1e-3}])
    context = page_context(
        signature="HIF", method="zscore", cohorts=["C1", "C2"], headline=headline, judgement=judgement,
        meta=None, nes=nes, ora=ora, versions=software_versions(["pandas", "surely-not-installed"]),
        config_text="seed: 1\n", figure_sections=[FigureSection("km", "Kaplan-Meier", "", [(str(png), "a <b> c")])],
        gsea_method=significance_method("multilevel", permutations=1000, sample_size=101),
        published_hazard_ratios=read_published_hazard_ratios(PUBLISHED),
    )
    page = render_summary_page(context)
    assert "FDR: Benjamini-Hochberg of p within the library" in page  # which GSEA FDR it is
    assert 'id="headline"' in page and 'class="answer open"' in page
    assert "&lt;needs two cohorts&gt;" in page and "a &lt;b&gt; c" in page  # text is escaped
    assert "not assessable" in page and "1.50 [1.10–2.00]" in page and "3.67 [2.24–5.99]" in page
    sources = re.findall(r'(?:src|href)="([^"#][^"]*)"', page)
    assert sources and all(s.startswith(("data:image/png;base64,", "https://")) for s in sources)
    assert '<a href="https://doi.org/10.5301/jbm.5000216">doi:10.5301/jbm.5000216</a>' in page  # citations are links
    assert "surely-not-installed</td><td>not installed" in page
    # the offset warning: flagged in C2's row, explained with the adjusted p under the table
    assert '<td class="num warning">0.87 ⚠</td>' in page and '<td class="num">0.10</td>' in page
    assert "In C2 (overall survival) the unadjusted random sets' log HRs have SD\n0.050" in page  # the deciding null is the adjusted one
    assert "In C1 (overall survival)" not in page


def test_the_locked_score_forest_gets_a_section_only_where_there_are_two_cohorts():
    from hif_prognosis.presentation.summary import page_figure_sections

    common = dict(
        forest=None, kaplan_meier=["km.png"], gene_forest=["genes.png"], null_plot=["null.png"], enrichment_plot=[],
        top_sets=[], cohorts=["A"], endpoints={"A": ["overall_survival"]}, rankings=[], signature="HIF", method="zscore",
        plotted_set="SET", ranking_endpoints={"A": "overall_survival"},
    )
    one = page_figure_sections(locked_forest=None, **common)
    split = ("km/A_to_B.HIF.cox.overall_survival.png", ("HIF", "cox", "A", "B", "overall_survival"))
    two = page_figure_sections(locked_forest="meta/locked_models_forest.png", locked_kaplan_meier=[split], **common)
    assert "locked" not in [s.anchor for s in one]
    across = next(s for s in one if s.anchor == "across")  # a one-cohort page says what it lacks
    assert across.figures == [] and "need two or more cohorts; this run has 1" in across.note
    assert "across" not in [s.anchor for s in two]
    locked = next(s for s in two if s.anchor == "locked")
    assert locked.figures[0][0] == "meta/locked_models_forest.png" and "HIF" in locked.figures[0][1]
    assert locked.figures[1] == (split[0], "B, overall survival: HIF locked with cox weights from A, split at A's median score.")


def test_published_models_sit_beside_the_hif_signature_within_and_locked():
    """Each signature from a weight file is shown with its weighted score in every cohort and its
    published weights locked in each direction, beside the primary signature's primary score and
    its cox/pc1 locked weights; the page renders the rows, the reason of an inestimable one and
    the citation, and says the table is empty-by-design where no published model is configured."""
    from hif_prognosis.data.genesets import signature_table, weighted_signature_table
    from hif_prognosis.presentation.summary import MODEL_COMPARISON_COLUMNS, model_comparison

    cox, discrimination, null, models = summary_tables()
    cox = pd.concat([cox, pd.DataFrame([
        {"cohort": c, "signature": "MODEL", "method": "weighted", "endpoint": "overall_survival", "n": 50, "events": 20,
         "hr": hr, "hr_ci_low": hr / 2, "hr_ci_high": hr * 2, "p_wald": 0.2} for c, hr in (("C1", 1.8), ("C2", np.inf))
    ])], ignore_index=True)
    discrimination = pd.concat([discrimination, pd.DataFrame([
        {"cohort": c, "signature": "MODEL", "method": "weighted", "endpoint": "overall_survival", "harrell_c": 0.66} for c in ("C1", "C2")
    ])], ignore_index=True)
    locked = pd.DataFrame([
        {"signature": s, "endpoint": "overall_survival", "weights": w, "training_cohort": a, "test_cohort": b, "status": "estimated",
         "n": 40, "events": 15, "hr": 1.3, "hr_ci_low": 1.0, "hr_ci_high": 1.7, "p_wald": 0.04, "c_index": 0.61}
        for s, w in (("HIF", "cox"), ("HIF", "pc1"), ("HIF", "ridge_cox"), ("MODEL", "published"), ("MODEL", "cox"))
        for a, b in (("C1", "C2"), ("C2", "C1"))
    ])
    weights = pd.DataFrame({"gene": ["A", "B"], "weight": [0.5, -0.2], "citation": "Author 2021, doi:10/x"})
    signatures = pd.concat([signature_table("HIF", ["A", "C"], "x"), weighted_signature_table("MODEL", weights, "m.tsv", "zscore")])
    table = model_comparison(cox, discrimination, locked, signatures, primary_signature="HIF", primary_method="zscore")
    assert list(table.columns) == MODEL_COMPARISON_COLUMNS
    counts = table.groupby(["signature", "validation"]).size().to_dict()
    assert counts == {("HIF", "within cohort"): 2, ("HIF", "locked"): 4, ("MODEL", "within cohort"): 2, ("MODEL", "locked"): 2}
    model_rows = table[table["signature"] == "MODEL"]
    assert set(model_rows["score"]) == {"weighted score", "locked, published weights"}
    assert (model_rows["citation"] == "Author 2021, doi:10/x").all()
    infinite = model_rows[(model_rows["cohort"] == "C2") & (model_rows["validation"] == "within cohort")].iloc[0]
    assert infinite["status"] == "not estimable: no finite Cox estimate"
    assert model_rows.loc[model_rows["cohort"] == "C1", "c_index"].iloc[0] == 0.66
    none = model_comparison(cox, discrimination, locked, signatures[signatures["signature"] == "HIF"],
                            primary_signature="HIF", primary_method="zscore")
    assert none.empty and list(none.columns) == MODEL_COMPARISON_COLUMNS

    headline = headline_table(*summary_tables(), method="zscore", primary_signature="HIF")
    judgement = pd.DataFrame([{"endpoint": "overall_survival", "question": "answer", "criterion": "x", "cohort": "all", "value": "no", "met": False}])
    common = dict(
        signature="HIF", method="zscore", cohorts=["C1", "C2"], headline=headline, judgement=judgement, meta=None,
        nes=pd.DataFrame(columns=["ranking", "term", "mean_nes", "same_sign"]), ora=pd.DataFrame(columns=["cohort", "term", "p_hypergeometric"]),
        versions=software_versions([]), config_text="", figure_sections=[], gsea_method="x",
    )
    page = render_summary_page(page_context(**common, model_comparison=table))
    assert 'id="models"' in page and "Author 2021, doi:10/x" in page and "locked, published weights" in page
    assert "not estimable: no finite Cox estimate" in page and "C2 (C1)" in page
    empty = render_summary_page(page_context(**common, model_comparison=none))
    assert "No published risk model is configured" in empty


def test_p_values_print_one_way_and_never_zero():
    """One format for every p on the page and in the judgement; an empirical or permutation p at
    the test's resolution prints "< 1/n", never 0.0e+00."""
    from hif_prognosis.wording import format_p

    assert format_p(1 / 10001, 10000) == "< 1/10000" and format_p(0.0, 1000) == "< 1/1000"
    assert format_p(2 / 10001, 10000) == "2.0e-04"  # one random set as extreme: a p the test resolves
    assert format_p(0.0271) == "0.027" and format_p(2.2e-5) == "2.2e-05" and format_p(float("nan")) == "–"
    assert format_p(0.0) == "< 1e-300"


def test_the_page_names_each_cohort_s_disease_and_links_only_to_sections_it_has(tmp_path):
    """A breast-cancer cohort is named as such beside its numbers and above the answer, the
    published osteosarcoma figures are marked as another population, the navigation links only
    to sections present, a one-cohort page has no cross-cohort agreement column, and an ORA set
    that is the signature itself is left out and named."""
    headline = headline_table(*summary_tables(), method="zscore", primary_signature="HIF")
    judgement = pd.DataFrame([{"endpoint": "overall_survival", "question": "answer", "criterion": "x", "cohort": "all", "value": "no", "met": False}])
    nes = pd.DataFrame([{"ranking": "survival_cox_z", "library": "H", "term": "SET", "nes_C1": 1.2, "fdr_q_C1": 0.0,
                         "n_cohorts": 1, "same_sign": True, "mean_nes": 1.2}])
    ora = pd.DataFrame([
        {"cohort": "C1", "library": "H", "term": "HALLMARK_HYPOXIA", "overlap": 30, "set_size_in_background": 30,
         "odds_ratio": 8.4e6, "p_hypergeometric": 1e-40, "q_bh_within_library": 1e-39, "self_match": True},
        {"cohort": "C1", "library": "H", "term": "GLYCOLYSIS", "overlap": 5, "set_size_in_background": 40,
         "odds_ratio": 6.0, "p_hypergeometric": 1e-4, "q_bh_within_library": 1e-3, "self_match": False},
    ])
    png = tmp_path / "figure.png"
    png.write_bytes(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f6c2e10000000049454e44ae426082"
    ))
    context = page_context(
        signature="HIF", method="zscore", cohorts=["C1"], headline=headline[headline["cohort"] == "C1"],
        judgement=judgement, meta=None, nes=nes, ora=ora, versions=software_versions([]), config_text="",
        figure_sections=[FigureSection("km", "Kaplan-Meier", "", [(str(png), "km")])], gsea_method="permutation",
        gsea_draws=1000, cohort_context={"C1": {"disease": "breast cancer", "description": "cDNA arrays"}},
        published_hazard_ratios=read_published_hazard_ratios(PUBLISHED),
    )
    page = render_summary_page(context)
    assert "C1</b> (breast cancer; cDNA arrays)" in page and "<b>Not osteosarcoma:</b>" in page
    assert "<h1>Does HIF-1α activity predict survival in breast cancer?</h1>" in page
    assert "C1 is breast cancer" in page and "population differs from the published osteosarcoma studies" in page
    assert "<small>breast cancer</small>" in page
    anchors = set(re.findall(r'id="([^"]+)"', page))
    links = re.findall(r'href="#([^"]+)"', page)
    assert links and set(links) <= anchors and "forest" not in links and "km" in links
    assert "same sign" not in page and "whether sets agree across cohorts\nneeds two" in page
    assert "(&lt; 1/1000)" in page and "0.0e+00" not in page
    assert ">GLYCOLYSIS<" in page and ">HALLMARK_HYPOXIA<" not in page
    assert "matched against itself" in page and "HALLMARK_HYPOXIA." in page


def test_a_set_agrees_across_cohorts_only_with_one_sign_and_a_low_fdr_in_each():
    nes = pd.DataFrame([
        {"ranking": "survival_cox_z", "library": "H", "term": "BOTH_LOW", "nes_C1": 1.9, "fdr_q_C1": 0.01, "nes_C2": 1.7,
         "fdr_q_C2": 0.2, "n_cohorts": 2, "same_sign": True, "mean_nes": 1.8},
        {"ranking": "survival_cox_z", "library": "H", "term": "ONE_HIGH_FDR", "nes_C1": 2.5, "fdr_q_C1": 0.01, "nes_C2": 1.0,
         "fdr_q_C2": 1.0, "n_cohorts": 2, "same_sign": True, "mean_nes": 1.75},
    ])
    headline = headline_table(*summary_tables(), method="zscore", primary_signature="HIF")
    judgement = pd.DataFrame([{"endpoint": "overall_survival", "question": "answer", "criterion": "x", "cohort": "all", "value": "no", "met": False}])
    context = page_context(
        signature="HIF", method="zscore", cohorts=["C1", "C2"], headline=headline, judgement=judgement, meta=None,
        nes=nes, ora=pd.DataFrame(columns=["cohort", "term", "p_hypergeometric", "self_match"]),
        versions=software_versions([]), config_text="", figure_sections=[], gsea_method="x",
    )
    agrees = {row["term"]: bool(row["agrees"]) for row in context["nes_top"]}
    assert agrees == {"BOTH_LOW": True, "ONE_HIGH_FDR": False}
    assert "<th>agrees</th>" in render_summary_page(context)


def test_the_first_screen_lists_each_endpoint_with_its_cohorts_patients_and_events():
    """From the meta-analysis: each kind over the cohorts recording it, and a joined pool naming
    the kind each cohort entered with; a plain kind names no join, and a pool no cohort could
    enter lists none."""
    from hif_prognosis.presentation.summary import endpoint_summary

    base = {"signature": "HIF", "method": "zscore"}
    meta = pd.DataFrame([
        base | {"endpoint": "overall_survival", "k": 2, "cohorts": "A;B", "endpoints_pooled": "overall_survival;overall_survival",
                "patients": 90, "events": 30},
        base | {"endpoint": "event_free_or_recurrence_free_survival", "k": 2, "cohorts": "A;C",
                "endpoints_pooled": "event_free_survival;recurrence_free_survival", "patients": 80, "events": 35},
        base | {"endpoint": "metastasis_free_survival", "k": 0, "cohorts": np.nan, "endpoints_pooled": np.nan, "patients": 0, "events": 0},
    ])
    rows = endpoint_summary(pd.DataFrame(), meta, signature="HIF", method="zscore")
    assert rows[0] == {"endpoint": "overall_survival", "cohorts": ["A", "B"], "patients": 90, "events": 30, "joins": []}
    assert rows[1]["joins"] == ["A (event-free survival)", "C (recurrence-free survival)"]
    assert rows[2]["cohorts"] == [] and rows[2]["joins"] == []


@pytest.mark.parametrize("low, high, printed", [
    (1.0031, 1.88, "1.37 [1.003–1.88]"),    # above 1, would print as 1.00
    (0.81, 0.9996, "1.37 [0.81–0.9996]"),   # below 1, would print as 1.00
    (0.95, 1.2, "1.37 [0.95–1.20]"),        # plainly across 1: two decimals
    (1.0, 1.2, "1.37 [1.00–1.20]"),         # exactly 1 prints as 1
])
def test_a_printed_interval_never_seems_to_contain_1_when_it_does_not(low, high, printed):
    from hif_prognosis.wording import format_hr

    assert format_hr(1.37, low, high) == printed


def test_a_change_in_c_keeps_its_bounds_off_zero():
    from hif_prognosis.wording import format_delta_c

    assert format_delta_c(0.02, 0.0004, 0.05) == "+0.020 [+0.0004, +0.050]"


def test_a_cohort_without_a_disease_is_taken_as_asked_and_says_so(tmp_path):
    headline = headline_table(*summary_tables(), method="zscore", primary_signature="HIF")
    judgement = pd.DataFrame([{"endpoint": "overall_survival", "question": "answer", "criterion": "x", "cohort": "all",
                               "value": "no", "met": False}])
    headline.loc[headline["cohort"] == "C1", "harrell_c"] = 0.43
    context = page_context(
        signature="HIF", method="zscore", cohorts=["C1"], headline=headline[headline["cohort"] == "C1"],
        judgement=judgement, meta=None, nes=pd.DataFrame(columns=["ranking", "library", "term", "mean_nes", "same_sign"]),
        ora=pd.DataFrame(columns=["cohort", "term", "p_hypergeometric", "self_match"]), versions=software_versions([]),
        config_text="", figure_sections=[], gsea_method="x", cohort_context={"C1": {}},
        published_hazard_ratios=read_published_hazard_ratios(PUBLISHED),
    )
    page = render_summary_page(context)
    assert "<h1>Does HIF-1α activity predict survival in osteosarcoma?</h1>" in page
    assert "disease not stated in the config" in page and "Not osteosarcoma" not in page
    # beside the published figures too: named as not stated, not marked as another population
    assert "cohort C1 (disease not stated in the config)" in page and "population differs" not in page
    # a C below 0.5 is explained where it is shown
    assert "Harrell's C is 0.430, below 0.5:\nhigher scores went with longer survival there (1 − C = 0.570)" in page
