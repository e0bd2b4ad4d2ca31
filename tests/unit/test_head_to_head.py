"""The comparators: CINSARC's class against an independent implementation of the published
centroid rule, and the two-score Cox model with its likelihood-ratio test against R."""


import numpy as np
import pandas as pd
import pytest

from support.locations import GSE4335
from hif_prognosis.scoring.cinsarc import cinsarc_classes
from hif_prognosis.data.genesets import read_gene_list
from hif_prognosis.survival.head_to_head import head_to_head
from support.locations import REPO

COMPARATORS = REPO / "resources" / "signatures" / "comparators"

# The rule of Chibon et al. / Lesluyes & Chibon, as hacksig's hack_cinsarc states it, written
# out in base R with a loop: centre genes across samples; for each sample, centroids of the
# others (centred among themselves) by metastasis label; C1 where 1 - Spearman rho to the
# non-metastatic centroid is the smaller.
R_CINSARC = """
x <- as.matrix(data[, -(1:2)]); rownames(x) <- data$sample_id; label <- data$metastatic
centred <- scale(x, center = TRUE, scale = FALSE)
out <- character(nrow(x))
for (i in seq_len(nrow(x))) {
  others <- scale(x[-i, ], center = TRUE, scale = FALSE)
  x0 <- colMeans(others[label[-i] == 0, ]); x1 <- colMeans(others[label[-i] == 1, ])
  d0 <- 1 - cor(centred[i, ], x0, method = "spearman"); d1 <- 1 - cor(centred[i, ], x1, method = "spearman")
  out[i] <- ifelse(d0 < d1, "C1", "C2")
}
write.table(data.frame(sample_id = rownames(x), cinsarc_class = out), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def mean_z(matrix: pd.DataFrame, genes: list[str]) -> pd.Series:
    rows = matrix.loc[[g for g in genes if g in matrix.index]]
    return rows.sub(rows.mean(axis=1), axis=0).div(rows.std(axis=1, ddof=1), axis=0).mean()


@pytest.fixture(scope="module")
def gse4335_metastasis(gse4335):
    matrix, _ = gse4335
    raw = pd.read_csv(GSE4335 / "clinical.tsv", sep="\t").set_index("sample_id")
    return matrix, raw["metastasis"].reindex(matrix.columns)


def test_cinsarc_class_equals_an_independent_implementation_of_the_centroid_rule(gse4335_metastasis, r_survival):
    matrix, metastatic = gse4335_metastasis
    genes = [g for g in read_gene_list(COMPARATORS / "cinsarc_chibon2010.txt") if g in matrix.index]
    result = cinsarc_classes(matrix.loc[genes], metastatic.map({1: True, 0: False}))
    assert result.status == "classified" and len(genes) > 40
    labelled = metastatic.dropna().index
    data = pd.concat([pd.Series(labelled, index=labelled, name="sample_id"), metastatic.loc[labelled].rename("metastatic"),
                      matrix.loc[genes, labelled].T], axis=1)
    reference = r_survival.table(R_CINSARC, data).set_index("sample_id")["cinsarc_class"]
    ours = result.table.set_index("sample_id")["cinsarc_class"]
    assert len(ours) == len(reference) == len(labelled)
    assert (ours.loc[reference.index] == reference).all()
    assert set(ours) == {"C1", "C2"}  # both classes occur: the comparison is not vacuous
    assert ((result.table["cinsarc_score"] >= 0) == (result.table["cinsarc_class"] == "C2")).all()


def test_cinsarc_is_refused_with_the_reason_where_labels_are_too_few(gse4335_metastasis):
    matrix, metastatic = gse4335_metastasis
    labels = pd.Series(False, index=matrix.columns)
    labels.iloc[:2] = True
    result = cinsarc_classes(matrix.iloc[:50], labels)
    assert result.table.empty and result.status.startswith("not classified: the centroids need at least 4")
    assert "2 metastatic" in result.status


R_TWO_SCORES = """
data$comparator <- as.numeric(scale(data$comparator)); data$hif <- as.numeric(scale(data$hif))
alone <- coxph(Surv(time, event) ~ comparator, data = data, ties = "efron", control = coxph.control(eps = 1e-12, iter.max = 100))
both <- coxph(Surv(time, event) ~ comparator + hif, data = data, ties = "efron", control = coxph.control(eps = 1e-12, iter.max = 100))
lrt <- anova(alone, both)
s <- summary(both)
write.table(data.frame(
  comparator_hr = exp(coef(alone)), comparator_hr_adj_hif = exp(coef(both))[1], hif_hr_adj_comparator = exp(coef(both))[2],
  hif_hr_adj_comparator_ci_low = s$conf.int[2, "lower .95"], hif_p_wald_adj_comparator = s$coefficients[2, "Pr(>|z|)"],
  lrt_chisq_adding_hif = lrt$Chisq[2], lrt_p_adding_hif = lrt[["Pr(>|Chi|)"]][2],
  harrell_c_both = concordance(both)$concordance), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


def test_two_score_cox_model_and_its_likelihood_ratio_test_equal_r(gse4335, r_survival):
    """HALLMARK_HYPOXIA (mean z-score) as the HIF-1alpha score against CINSARC's genes (mean
    z-score), on GSE4335's real overall survival."""
    from hif_prognosis.data.clinical import endpoint_data
    from hif_prognosis.data.genesets import read_gmt
    from support.locations import MSIGDB

    matrix, clinical = gse4335
    outcome = endpoint_data(clinical, "os")
    hypoxia = read_gmt(MSIGDB / "h.all.v7.0.symbols.gmt")["HALLMARK_HYPOXIA"]
    cinsarc = read_gene_list(COMPARATORS / "cinsarc_chibon2010.txt")
    hif, comparator = mean_z(matrix, hypoxia).loc[outcome.index], mean_z(matrix, cinsarc).loc[outcome.index]
    row = head_to_head(outcome["time"], outcome["event"], hif, comparator, resamples=200, rng=np.random.default_rng(1))
    assert row["status"] == "estimated"
    data = pd.DataFrame({"time": outcome["time"], "event": outcome["event"], "hif": hif, "comparator": comparator})
    reference = r_survival.table(R_TWO_SCORES, data).iloc[0]
    for column, value in reference.items():
        assert row[column] == pytest.approx(value, rel=1e-6, abs=1e-9), column
    assert row["harrell_c_both"] - row["harrell_c_comparator"] == pytest.approx(row["delta_harrell_c"])
    assert row["delta_harrell_c_ci_low"] <= row["delta_harrell_c_ci_high"]


def test_pooled_head_to_head_adds_only_where_the_pooled_change_in_c_is_above_zero():
    """Two cohorts pooled by DerSimonian-Laird on the change in C (bootstrap SEs) and on the
    adjusted log HR; a cohort refused for want of labels is left out, and a comparator no cohort
    could estimate says why, with hif_adds missing."""
    from hif_prognosis.survival.head_to_head import pool_head_to_head
    from hif_prognosis.survival.meta import dersimonian_laird

    def row(cohort, delta, se, status="estimated", comparator="CINSARC"):
        return {"cohort": cohort, "comparator": comparator, "endpoint": "overall_survival", "status": status,
                "comparator_status": "scored" if status == "estimated" else status, "n": 50, "events": 20,
                "delta_harrell_c": delta, "delta_harrell_c_se_bootstrap": se,
                "hif_log_hr_adj_comparator": 0.2, "hif_se_log_hr_adj_comparator": 0.1}

    table = pd.DataFrame([row("A", 0.04, 0.01), row("B", 0.06, 0.02), row("C", np.nan, np.nan, "refused: no labels"),
                          row("A", np.nan, np.nan, "refused: no labels", "OTHER")])
    pooled = pool_head_to_head(table).set_index("comparator")
    cinsarc = pooled.loc["CINSARC"]
    expected = dersimonian_laird(np.array([0.04, 0.06]), np.array([0.01, 0.02]))
    assert cinsarc["k"] == 2 and cinsarc["cohorts"] == "A;B" and cinsarc["patients"] == 100
    assert cinsarc["pooled_delta_harrell_c"] == pytest.approx(expected["pooled"])
    assert cinsarc["pooled_delta_harrell_c_ci_low"] == pytest.approx(expected["pooled"] - 1.959963984540054 * expected["se"])
    assert bool(cinsarc["hif_adds"]) and cinsarc["pooled_hif_hr_adj_comparator"] == pytest.approx(np.exp(0.2))
    other = pooled.loc["OTHER"]
    assert other["k"] == 0 and pd.isna(other["hif_adds"]) and other["status"] == "no cohort estimable (A: refused: no labels)"
    table.loc[1, "delta_harrell_c"] = -0.05  # now the pooled interval straddles 0
    assert not bool(pool_head_to_head(table).set_index("comparator").loc["CINSARC", "hif_adds"])


R_REFIT = """
fit <- coxph(Surv(time, event) ~ ., data = data.frame(time = data$time, event = data$event, scale(data[, -(1:3)])),
             ties = "efron", control = coxph.control(eps = 1e-12, iter.max = 100))
write.table(data.frame(gene = names(coef(fit)), weight = unname(coef(fit))), stdout(), sep = "\\t", quote = FALSE, row.names = FALSE)
"""


@pytest.fixture(scope="module")
def gse4335_halves(gse4335):
    """GSE4335 split by sample order into a training and a test cohort, as two cohorts would be."""
    from hif_prognosis.data.clinical import endpoint_data

    matrix, clinical = gse4335
    samples = list(endpoint_data(clinical, "os").index)
    halves = samples[: len(samples) // 2], samples[len(samples) // 2:]
    return [(matrix[half], clinical[clinical["sample_id"].isin(half)].reset_index(drop=True)) for half in halves]


def test_refitted_weights_are_r_coxph_in_the_training_cohort_and_applied_unchanged_in_another(gse4335_halves, r_survival):
    """Liu et al.'s four genes without coefficients: a multivariable Cox model learns their
    weights in the training half (equal to R coxph on the z-scores); the test half scores
    sum(w z) / sum|w| with its own z-scores and reads it head to head; the training half is
    refused with the reason, never scored in-sample."""
    from hif_prognosis.survival.comparators import Comparator, comparator_tables, refit_weights

    (train, train_clinical), (test, test_clinical) = gse4335_halves
    genes = read_gene_list(COMPARATORS / "liu2025_autophagy_4gene.txt")
    weights = refit_weights("LIU", genes, train, train_clinical, cohort="A", endpoint="os", weighting="multivariable_cox",
                            min_events_per_variable=2, seed=1)
    assert list(weights["gene"]) == genes and (weights["status"] == "refitted").all()
    measured = weights[weights["measured_in_training"]]
    assert len(measured) >= 3 and measured["weight_log_hr_per_sd"].notna().all()
    from hif_prognosis.data.clinical import endpoint_data

    outcome = endpoint_data(train_clinical, "os")
    data = pd.concat([pd.Series(outcome.index, index=outcome.index, name="sample_id"), outcome[["time", "event"]],
                      train.loc[measured["gene"], outcome.index].T], axis=1)
    reference = r_survival.table(R_REFIT, data).set_index("gene")["weight"]
    assert measured.set_index("gene")["weight_log_hr_per_sd"].to_numpy() == pytest.approx(reference.loc[measured["gene"]].to_numpy(), rel=1e-6)

    comparator = Comparator("LIU", genes, "refitted_cox", "Liu et al. 2025", weights)
    hif = mean_z(test, read_gene_list(COMPARATORS / "fu2021_hypoxia_2gene.txt"))
    table, scores = comparator_tables("B", test, test_clinical, hif, [comparator], endpoints=["os"], resamples=50, seed=1)
    row = table.iloc[0]
    assert row["comparator_status"] == "scored" and row["status"] == "estimated"
    assert row["score"] == "published genes, weights refitted in A (os; multivariable Cox (Efron ties))"
    w = measured.set_index("gene")["weight_log_hr_per_sd"]
    rows = test.loc[w.index]
    z = rows.sub(rows.mean(axis=1), axis=0).div(rows.std(axis=1, ddof=1), axis=0)
    expected = (z.T @ w) / w.abs().sum()
    assert scores.set_index("sample_id")["score"].to_numpy() == pytest.approx(expected.loc[scores["sample_id"]].to_numpy())
    assert scores["class"].isna().all() and np.isnan(row["class_hr_c2_vs_c1"])

    in_training, _ = comparator_tables("A", train, train_clinical, mean_z(train, ["DCN", "P4HA1"]), [comparator],
                                       endpoints=["os"], resamples=10, seed=1)
    assert in_training["comparator_status"].iloc[0].startswith("refused: the training cohort of its refitted weights")
    assert np.isnan(in_training["comparator_hr"].iloc[0])
    lacking, _ = comparator_tables("B", test.drop(index=measured["gene"].iloc[0]), test_clinical, hif, [comparator],
                                   endpoints=["os"], resamples=10, seed=1)
    assert lacking["comparator_status"].iloc[0] == f"refused: B does not measure {measured['gene'].iloc[0]}, which carry weights"


def test_a_refit_with_too_few_training_events_per_gene_is_refused_everywhere_with_the_reason(gse4335_halves):
    from hif_prognosis.survival.comparators import Comparator, comparator_tables, refit_weights

    (train, train_clinical), (test, test_clinical) = gse4335_halves
    genes = read_gene_list(COMPARATORS / "zhang2022_hypoxia_immune_7gene.txt")
    weights = refit_weights("ZHANG", genes, train, train_clinical, cohort="A", endpoint="os", weighting="multivariable_cox",
                            min_events_per_variable=10, seed=1)
    assert weights["weight_log_hr_per_sd"].isna().all()
    assert weights["status"].iloc[0].startswith("refused: ") and "training events per gene < 10" in weights["status"].iloc[0]
    table, scores = comparator_tables("B", test, test_clinical, mean_z(test, ["DCN"]),
                                      [Comparator("ZHANG", genes, "refitted_cox", "Zhang et al. 2022", weights)],
                                      endpoints=["os"], resamples=10, seed=1)
    assert table["comparator_status"].iloc[0] == f"refused: no weights from A: {weights['status'].iloc[0]}"
    assert scores.empty
    ridge = refit_weights("ZHANG", genes, train, train_clinical, cohort="A", endpoint="os", weighting="ridge_cox",
                          min_events_per_variable=10, seed=1)
    assert (ridge["status"] == "refitted").all() and np.isfinite(ridge["penalty"].iloc[0])
    assert ridge.loc[ridge["measured_in_training"], "weight_log_hr_per_sd"].notna().all()
