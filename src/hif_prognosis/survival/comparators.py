"""What the field already uses, scored in each cohort and read head to head against the primary
HIF-1alpha score (hif_prognosis.survival.head_to_head).

A comparator is a published gene list with a citation and one of COMPARATOR_SCORES:

- ``cinsarc_centroid``: CINSARC's class by nearest centroid with leave-one-out on the cohort's
  distant-metastasis labels (hif_prognosis.scoring.cinsarc); its continuous form (rho to the metastatic
  centroid minus rho to the non-metastatic one) is the score, and C2 against C1 its class.
  Refused, with the reason, where a cohort has no such labels.

- ``refitted_cox``: published genes without published coefficients ("published genes, weights
  refitted", never the published model). The genes' weights are learned once, in the configured
  training cohort and endpoint (``refit_weights``: a multivariable, ridge or LASSO Cox model of
  the genes' z-scores, as hif_prognosis.survival.locked fits them), and applied unchanged in every other
  cohort: the genes z-scored within that cohort, the score sum(w z) / sum(|w|). The training
  cohort itself is refused (its in-sample fit is optimistic), as is a cohort that does not
  measure every gene with a weight. Refitting within each cohort is not offered: in-sample weights
  are optimistic, and leave-one-out scores are biased the other way (on null data they run
  against the outcome).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hif_prognosis.scoring.cinsarc import cinsarc_classes
from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.data.expression import gene_zscores
from hif_prognosis.survival.fastcox import FLAG_OK, cox_model
from hif_prognosis.survival.head_to_head import HEAD_TO_HEAD_COLUMNS, head_to_head
from hif_prognosis.survival.locked import NotEstimable, training_weights
from hif_prognosis.distributions import wald_hr_interval
from hif_prognosis.survival.stats import set_rng
from hif_prognosis.survival.kaplan_meier import split_logrank

COMPARATOR_SCORES = {
    "cinsarc_centroid": "nearest-centroid class (leave-one-out), continuous distance difference",
    "refitted_cox": "published genes, weights refitted",
}
REFIT_WEIGHTINGS = {
    "multivariable_cox": "multivariable Cox (Efron ties)",
    "ridge_cox": "ridge Cox, penalty by 5-fold cross-validated Harrell's C",
    "lasso_cox": "LASSO Cox, penalty by 5-fold cross-validated Harrell's C",
}
WEIGHT_COLUMNS = [
    "comparator", "gene", "measured_in_training", "weight_log_hr_per_sd", "training_cohort", "training_endpoint",
    "weighting", "penalty", "n", "events", "status",
]
COMPARATOR_COLUMNS = [
    "cohort", "comparator", "score", "citation", "endpoint", "genes_measured", "genes_listed", "comparator_status",
    "class_c2", "class_c1", "class_hr_c2_vs_c1", "class_hr_ci_low", "class_hr_ci_high", "class_logrank_p",
    *HEAD_TO_HEAD_COLUMNS,
]
SCORE_TABLE_COLUMNS = ["sample_id", "comparator", "score", "class"]


@dataclass(frozen=True)
class Comparator:
    name: str
    genes: Sequence[str]  # as listed
    score: str  # one of COMPARATOR_SCORES
    citation: str
    weights: pd.DataFrame | None = None  # refitted_cox: its refit_weights table

    def description(self) -> str:
        """How the comparator is scored, in words (the tables' ``score``)."""
        if self.weights is None:
            return COMPARATOR_SCORES[self.score]
        fit = self.weights.iloc[0]
        return (f"{COMPARATOR_SCORES[self.score]} in {fit['training_cohort']} "
                f"({str(fit['training_endpoint']).replace('_', ' ')}; {REFIT_WEIGHTINGS[str(fit['weighting'])]})")


def refit_weights(
    name: str, genes: Sequence[str], matrix: pd.DataFrame, clinical: pd.DataFrame, *, cohort: str, endpoint: str,
    weighting: str, min_events_per_variable: float, seed: int,
) -> pd.DataFrame:
    """WEIGHT_COLUMNS, one row per listed gene: its weight (log HR per SD of its z-score) in a
    Cox model (``weighting``, one of REFIT_WEIGHTINGS) of the measured genes in the training
    ``cohort`` and ``endpoint``; ``status`` says ``refitted`` or why no weights exist."""
    listed = list(dict.fromkeys(genes))
    outcome = endpoint_data(clinical, endpoint)
    z = gene_zscores(matrix.loc[[g for g in listed if g in matrix.index], outcome.index]).T
    z = z.loc[:, z.notna().all()]  # a gene without variance in the training cohort gets no weight
    base = {"comparator": name, "training_cohort": cohort, "training_endpoint": endpoint, "weighting": weighting,
            "n": len(outcome), "events": int(outcome["event"].sum())}
    weights: dict[str, float] = {}
    penalty, status = np.nan, "refitted"
    try:
        if z.empty:
            raise NotEstimable(f"not estimable: no gene of {name} varies in {cohort}")
        fitted, penalty = training_weights(
            z, np.ones(z.shape[1]), outcome["time"].to_numpy(float), outcome["event"].to_numpy(float), weighting,
            min_events_per_variable, set_rng(seed, "refit", name, cohort, endpoint),
        )
        weights = dict(zip(z.columns, map(float, fitted), strict=True))
    except NotEstimable as reason:
        status = str(reason)
    return pd.DataFrame([
        base | {"gene": gene, "measured_in_training": gene in z.columns, "weight_log_hr_per_sd": weights.get(gene, np.nan),
                "penalty": penalty, "status": status}
        for gene in listed
    ], columns=WEIGHT_COLUMNS)


@dataclass(frozen=True)
class ComparatorScores:
    score: pd.Series  # sample -> score (higher = higher risk)
    classes: pd.Series  # sample -> C1/C2
    status: str  # "scored", or why not


def cinsarc_scores(genes: pd.DataFrame, clinical: pd.DataFrame) -> ComparatorScores:
    """CINSARC's leave-one-out score and class on the cohort's distant_metastasis labels."""
    if "distant_metastasis" not in clinical:
        return ComparatorScores(pd.Series(dtype=float), pd.Series(dtype=str), (
            "refused: the cohort records no distant-metastasis labels, "
            "which CINSARC's centroids are built on"))
    labels = clinical.set_index("sample_id")["distant_metastasis"].map({"yes": True, "no": False})
    result = cinsarc_classes(genes, labels)
    if result.status != "classified":
        return ComparatorScores(pd.Series(dtype=float), pd.Series(dtype=str), f"refused: {result.status}")
    table = result.table.set_index("sample_id")
    return ComparatorScores(table["cinsarc_score"], table["cinsarc_class"], "scored")


def refitted_scores(weights: pd.DataFrame, matrix: pd.DataFrame, cohort: str) -> ComparatorScores:
    """The refitted model's score in a cohort other than its training cohort (no classes)."""
    fit = weights.iloc[0]
    none = (pd.Series(dtype=float), pd.Series(dtype=str))
    if fit["status"] != "refitted":
        return ComparatorScores(*none, f"refused: no weights from {fit['training_cohort']}: {fit['status']}")
    if cohort == fit["training_cohort"]:
        return ComparatorScores(*none, (
            "refused: the training cohort of its refitted weights (a model scored on the patients it "
            "was fitted to is optimistic)"))
    weighted = weights[weights["weight_log_hr_per_sd"].notna()].set_index("gene")["weight_log_hr_per_sd"]
    missing = [g for g in weighted.index if g not in matrix.index]
    if missing:
        return ComparatorScores(*none, f"refused: {cohort} does not measure {', '.join(missing)}, which carry weights")
    z = gene_zscores(matrix.loc[weighted.index]).T
    if z.isna().any().any():
        flat = [g for g in weighted.index if z[g].isna().all()]
        return ComparatorScores(*none, f"refused: {', '.join(flat)} without variance (or missing values) in {cohort}")
    score = z.to_numpy() @ weighted.to_numpy() / np.abs(weighted).sum()
    return ComparatorScores(pd.Series(score, index=z.index), pd.Series(dtype=str), "scored")


def comparator_scores(
    comparator: Comparator, matrix: pd.DataFrame, measured: Sequence[str], clinical: pd.DataFrame, cohort: str
) -> ComparatorScores:
    """The comparator scored in one cohort, as its ``score`` says (``measured``: its genes the
    cohort measures)."""
    if comparator.score == "refitted_cox":
        assert comparator.weights is not None, f"{comparator.name}: refitted_cox without its weights table"
        return refitted_scores(comparator.weights, matrix, cohort)
    return cinsarc_scores(matrix.loc[list(measured)], clinical)


def _class_columns(outcome: pd.DataFrame, classes: pd.Series) -> dict[str, object]:
    """C2 against C1: counts, Cox HR (Wald 95% CI) and log-rank p."""
    data = outcome.join(classes.rename("class"), how="inner")
    high = (data["class"] == "C2").to_numpy()
    row: dict[str, object] = {"class_c2": int(high.sum()), "class_c1": int((~high).sum())}
    model = cox_model(data["time"].to_numpy(float), data["event"].to_numpy(float), high[:, None].astype(float))
    if model.flag == FLAG_OK:
        low, upper = wald_hr_interval(model.coefficients[0], model.se[0])
        row |= {"class_hr_c2_vs_c1": float(np.exp(model.coefficients[0])), "class_hr_ci_low": float(low), "class_hr_ci_high": float(upper)}
    row["class_logrank_p"] = split_logrank(data["time"], data["event"], high)[1]
    return row


def comparator_tables(
    cohort: str, matrix: pd.DataFrame, clinical: pd.DataFrame, hif: pd.Series, comparators: Sequence[Comparator],
    *, endpoints: Sequence[str], resamples: int, seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COMPARATOR_COLUMNS rows (each comparator x endpoint) and each sample's comparator score
    and class (SCORE_TABLE_COLUMNS); ``hif``: the primary HIF-1alpha score by sample."""
    rows, scores = [], []
    for comparator in comparators:
        measured = [g for g in dict.fromkeys(comparator.genes) if g in matrix.index]
        base = {"cohort": cohort, "comparator": comparator.name, "score": comparator.description(),
                "citation": comparator.citation, "genes_measured": len(measured), "genes_listed": len(comparator.genes)}
        scored = comparator_scores(comparator, matrix, measured, clinical, cohort)
        for endpoint in endpoints:
            outcome = endpoint_data(clinical, endpoint)
            row = dict.fromkeys(COMPARATOR_COLUMNS, np.nan) | base | {"endpoint": endpoint, "comparator_status": scored.status}
            if scored.status == "scored":
                rng = set_rng(seed, "head_to_head", cohort, comparator.name, endpoint)
                row |= head_to_head(outcome["time"], outcome["event"], hif, scored.score, resamples=resamples, rng=rng)
                if not scored.classes.empty:
                    row |= _class_columns(outcome, scored.classes)
            rows.append(row)
        if scored.status == "scored":
            scores.append(pd.DataFrame({
                "sample_id": scored.score.index.astype(str), "comparator": comparator.name, "score": scored.score.to_numpy(),
                "class": scored.classes.reindex(scored.score.index).to_numpy(),
            }))
    score_table = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame(columns=SCORE_TABLE_COLUMNS)
    return pd.DataFrame(rows, columns=COMPARATOR_COLUMNS), score_table[SCORE_TABLE_COLUMNS]


def comparators_from_config(
    config: Mapping[str, Mapping[str, str]], genes: Mapping[str, Sequence[str]], weights: Mapping[str, pd.DataFrame],
) -> list[Comparator]:
    """The configured comparators (``comparators:``), with ``genes`` read from their files and
    each refitted one's ``weights`` table (refit_weights)."""
    return [Comparator(name, list(genes[name]), spec["score"], spec["citation"], weights.get(name)) for name, spec in config.items()]
