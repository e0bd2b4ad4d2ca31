"""How strong the answer is: the specification table against the per-method Cox tables and the
meta-analysis, Schoenfeld's power against R, and the example cohort's first screen saying that
its verdict depends on the scoring method."""

import numpy as np
import pandas as pd
import pytest

from support.locations import MSIGDB
from hif_prognosis.data.genesets import coverage_table, read_gmt, signature_table
from hif_prognosis.survival.meta import random_effects
from hif_prognosis.survival.power import detectable_hr, power_at, power_table
from hif_prognosis.scoring.registry import method_parameters
from hif_prognosis.scoring.signatures import score_signatures
from hif_prognosis.survival.specifications import Primary, holm, robustness, specification_table
from hif_prognosis.survival.cox import survival_table

METHOD_SETTINGS = {"ssgsea": {"tau": 0.25}, "score_genes": {"ctrl_size": 50, "n_bins": 25}}
METHODS = ["zscore", "score_genes", "ssgsea", "singscore", "median", "pc1"]
PRIMARY = Primary("HALLMARK_HYPOXIA", "zscore", "os")


def cox_rows(cohort: str, matrix: pd.DataFrame, clinical: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """The cohort's cox.tsv rows of HALLMARK_HYPOXIA under each method, as the workflow makes them."""
    genes = read_gmt(MSIGDB / "h.all.v7.0.symbols.gmt")["HALLMARK_HYPOXIA"]
    coverage = coverage_table(signature_table("HALLMARK_HYPOXIA", genes, "test"), matrix.index)
    scores = pd.concat([
        score_signatures(matrix, coverage, method, method_parameters(method, METHOD_SETTINGS.get(method, {}), 1))
        for method in methods
    ], ignore_index=True)
    return survival_table(cohort, scores, clinical)


@pytest.fixture(scope="module")
def example_cox(gse4335) -> pd.DataFrame:
    matrix, clinical = gse4335
    return cox_rows("GSE4335", matrix, clinical, METHODS)


def test_on_the_example_cohort_the_first_screen_says_the_verdict_depends_on_the_method(example_cox):
    """GSE4335 with HALLMARK_HYPOXIA: the pre-specified mean z-score finds no evidence, ssGSEA
    finds higher risk; the first screen says so in words, beside the count of agreeing
    specifications."""
    from support.summary_tables import summary_tables
    from hif_prognosis.presentation.summary import headline_table, page_context, render_summary_page
    from hif_prognosis.enrichment.gsea import significance_method
    from hif_prognosis.presentation.summary import software_versions

    table = specification_table(example_cox, primary=PRIMARY, signatures=["HALLMARK_HYPOXIA"])
    pooled = table[table["level"] == "pooled"].set_index("method")
    assert len(pooled) == 6 and pooled.loc["zscore", "verdict"] == "no evidence"
    assert pooled.loc["ssgsea", "verdict"] == "higher risk"
    found = robustness(table, PRIMARY)
    assert found.primary_verdict == "no evidence" and list(found.depends_on) == ["scoring method"]
    assert found.agreeing == int((pooled["verdict"] == "no evidence").sum()) < 6
    sentence = found.sentence(PRIMARY)
    assert sentence.startswith(f"{found.agreeing} of 6 specifications agree with the primary answer (no evidence for os).")
    assert "The verdict depends on the choice. Changing one choice of the primary changes it for the scoring method: scanpy score_genes gives HR 1.41 [1.07–1.86] (higher risk), ssGSEA score gives HR 1.37 [1.003–1.88] (higher risk)." in sentence

    judgement = pd.DataFrame([{"endpoint": "os", "question": "answer", "criterion": "does it predict?", "cohort": "all",
                               "value": "no (not met: 1 signal)", "met": False}])
    context = page_context(
        signature="HALLMARK_HYPOXIA", method="zscore", cohorts=["C1", "C2"],
        headline=headline_table(*summary_tables(), method="zscore", primary_signature="HIF"), judgement=judgement, meta=None,
        nes=pd.DataFrame(columns=["ranking", "term", "mean_nes", "same_sign"]),
        ora=pd.DataFrame(columns=["cohort", "term", "p_hypergeometric"]), versions=software_versions(["pandas"]),
        config_text="", figure_sections=[], gsea_method=significance_method("multilevel", permutations=10, sample_size=101),
        specifications=table, primary_endpoint="os",
    )
    page = render_summary_page(context)
    first_screen = page[page.index('id="robustness"') - 30: page.index('id="headline"')]
    assert 'class="answer open" id="robustness"' in first_screen
    assert "The verdict depends on the choice" in first_screen and "ssGSEA score gives HR 1.37" in first_screen


@pytest.fixture(scope="module")
def two_cohorts(gse4335) -> pd.DataFrame:
    """GSE4335's halves as two cohorts, two methods each."""
    matrix, clinical = gse4335
    samples = list(matrix.columns)
    halves = {"A": samples[: len(samples) // 2], "B": samples[len(samples) // 2:]}
    return pd.concat([
        cox_rows(name, matrix[half], clinical[clinical["sample_id"].isin(half)], ["zscore", "median"])
        for name, half in halves.items()
    ], ignore_index=True)


def test_specification_rows_are_the_cohorts_cox_rows_and_the_meta_analysis_of_them(two_cohorts):
    table = specification_table(two_cohorts, primary=PRIMARY, signatures=["HALLMARK_HYPOXIA"])
    cohort_level = table[table["level"] == "cohort"].set_index(["cohorts", "method"])
    cox = two_cohorts.set_index(["cohort", "method"])
    for column, ours in (("hr", "hr_per_sd"), ("hr_ci_low", "hr_ci_low"), ("hr_ci_high", "hr_ci_high"), ("p_wald", "p_wald"),
                         ("events", "events")):
        assert cohort_level[ours].to_numpy() == pytest.approx(cox.loc[cohort_level.index, column].to_numpy())
    every = table[(table["level"] == "pooled") & (table["left_out"] == "")].set_index("method")
    meta = random_effects(two_cohorts).set_index("method")
    assert every.loc[["zscore", "median"], "hr_per_sd"].to_numpy() == pytest.approx(meta.loc[["zscore", "median"], "pooled_hr"].to_numpy())
    assert (every["k"] == 2).all() and (every["cohorts"] == "A;B").all()
    # leaving A out leaves B's own estimate; leaving B out, A's
    without_a = table[(table["level"] == "pooled") & (table["left_out"] == "A")].set_index("method")
    assert without_a.loc["median", "hr_per_sd"] == pytest.approx(cox.loc[("B", "median"), "hr"])
    assert len(table[table["level"] == "pooled"]) == 6  # 2 methods x (every cohort, without A, without B)
    assert table["is_primary"].sum() == 1 and table.loc[table["is_primary"], "method"].iloc[0] == "zscore"
    from statsmodels.stats.multitest import multipletests

    pooled = table[table["level"] == "pooled"]
    expected = multipletests(pooled["p_wald"], method="holm")[1]
    assert pooled["p_holm_across_specifications"].to_numpy() == pytest.approx(expected)
    assert table.loc[table["level"] == "cohort", "p_holm_across_specifications"].isna().all()
    assert table.loc[table["level"] == "cohort", "agrees_with_primary"].isna().all()


def test_one_cohort_gives_its_own_rows_and_no_pool_without_it(example_cox):
    """A config of one cohort, with joined endpoints: leaving the cohort out pools nothing, which
    stopped the run before (an empty selection lost its columns); its pools are over one cohort."""
    table = specification_table(example_cox, primary=PRIMARY, signatures=["HALLMARK_HYPOXIA"],
                                joined=[["os", "rfs"]])
    pooled = table[table["level"] == "pooled"]
    assert (pooled["left_out"] == "").all() and (pooled["k"] == 1).all() and len(pooled) > 0
    assert (table["level"] == "cohort").sum() == len(example_cox[example_cox["signature"] == "HALLMARK_HYPOXIA"])


def test_holm_equals_r_p_adjust_with_ties_and_missing_values():
    p = np.array([0.01, 0.04, 0.03, np.nan, 0.04, 0.5])
    # R: p.adjust(c(0.01, 0.04, 0.03, NA, 0.04, 0.5), "holm") = 0.05 0.12 0.12 NA 0.12 0.5
    assert holm(p) == pytest.approx([0.05, 0.12, 0.12, np.nan, 0.12, 0.5], nan_ok=True)


R_SCHOENFELD = """
d <- data$events
write.table(data.frame(
  events = d,
  detectable = exp((qnorm(0.975) + qnorm(0.8)) / sqrt(d)),
  detectable_90 = exp((qnorm(0.975) + qnorm(0.9)) / sqrt(d)),
  power_15 = pnorm(sqrt(d) * log(1.5) - qnorm(0.975)),
  power_2 = pnorm(sqrt(d) * log(2) - qnorm(0.975))
), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def test_power_is_schoenfelds_closed_form_as_r_computes_it(r_survival):
    """The detectable HR per SD and the power at HR 1.5 and 2, at the event counts of the four
    default cohorts and their pool, against the closed form written in R."""
    reference = r_survival.table(R_SCHOENFELD, pd.DataFrame({"events": [15, 18, 23, 28, 42, 66, 200]}))
    for _, row in reference.iterrows():
        assert detectable_hr(row["events"], 0.8) == pytest.approx(row["detectable"], rel=1e-9)
        assert detectable_hr(row["events"], 0.9) == pytest.approx(row["detectable_90"], rel=1e-9)
        assert power_at(row["events"], 1.5) == pytest.approx(row["power_15"], rel=1e-9)
        assert power_at(row["events"], 2.0) == pytest.approx(row["power_2"], rel=1e-9)
    # the numbers a reader meets: 66 events detect HR 1.41 per SD; 23 events only HR 1.79
    assert round(detectable_hr(66, 0.8), 2) == 1.41 and round(detectable_hr(23, 0.8), 2) == 1.79
    assert detectable_hr(0, 0.8) == np.inf


def test_the_power_table_reads_the_primary_rows_and_marks_what_is_informative(two_cohorts):
    table = specification_table(two_cohorts, primary=PRIMARY, signatures=["HALLMARK_HYPOXIA"])
    power = power_table(table, power=0.8, hazard_ratios=[1.5, 2], max_detectable_hr=1.5)
    assert list(power["scope"]) == ["pooled", "cohort", "cohort"] and list(power["cohorts"]) == ["A;B", "A", "B"]
    assert (power["method"] == "zscore").all()
    pooled = power.iloc[0]
    assert pooled["events"] == two_cohorts.loc[two_cohorts["method"] == "zscore", "events"].sum()
    assert pooled["detectable_hr_per_sd_at_0.8_power"] == pytest.approx(detectable_hr(pooled["events"], 0.8))
    assert pooled["power_at_hr_1.5_per_sd"] == pytest.approx(power_at(pooled["events"], 1.5))
    primary = table[table["is_primary"]].iloc[0]
    assert pooled["largest_hr_per_sd_not_ruled_out"] == primary["hr_ci_high"]
    assert list(power["informative"]) == [detectable_hr(e, 0.8) <= 1.5 for e in power["events"]]
