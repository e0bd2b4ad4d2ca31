"""What the field already uses, scored in each cohort and read head to head against the primary
HIF-1alpha score (hif_prognosis.head_to_head).

A comparator is a published gene list with a citation and one of COMPARATOR_SCORES:

- ``cinsarc_centroid``: CINSARC's class by nearest centroid with leave-one-out on the cohort's
  distant-metastasis labels (hif_prognosis.cinsarc); its continuous form (rho to the metastatic
  centroid minus rho to the non-metastatic one) is the score, and C2 against C1 its class.
  Refused, with the reason, where a cohort has no such labels.

Published genes without published coefficients are not scored within a cohort: weights refitted
on the patients they then score are optimistic in-sample, and leave-one-out scores are biased the
other way (on null data they run against the outcome), so such a model can only be read with
weights learned in another cohort.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hif_prognosis.cinsarc import cinsarc_classes
from hif_prognosis.clinical import endpoint_data
from hif_prognosis.fastcox import FLAG_OK, cox_model
from hif_prognosis.head_to_head import HEAD_TO_HEAD_COLUMNS, head_to_head
from hif_prognosis.stats import set_rng, wald_hr_interval
from hif_prognosis.survival import split_logrank

COMPARATOR_SCORES = {
    "cinsarc_centroid": "nearest-centroid class (leave-one-out), continuous distance difference",
}
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


@dataclass(frozen=True)
class ComparatorScores:
    score: pd.Series  # sample -> score (higher = higher risk)
    classes: pd.Series  # sample -> C1/C2
    status: str  # "scored", or why not


def cinsarc_scores(genes: pd.DataFrame, clinical: pd.DataFrame) -> ComparatorScores:
    """CINSARC's leave-one-out score and class on the cohort's distant_metastasis labels."""
    if "distant_metastasis" not in clinical:
        return ComparatorScores(pd.Series(dtype=float), pd.Series(dtype=str), (
            "refused: the cohort records no distant metastasis labels (covariate distant_metastasis), "
            "which CINSARC's centroids are built on"))
    labels = clinical.set_index("sample_id")["distant_metastasis"].map({"yes": True, "no": False})
    result = cinsarc_classes(genes, labels)
    if result.status != "classified":
        return ComparatorScores(pd.Series(dtype=float), pd.Series(dtype=str), f"refused: {result.status}")
    table = result.table.set_index("sample_id")
    return ComparatorScores(table["cinsarc_score"], table["cinsarc_class"], "scored")


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
        base = {"cohort": cohort, "comparator": comparator.name, "score": COMPARATOR_SCORES[comparator.score],
                "citation": comparator.citation, "genes_measured": len(measured), "genes_listed": len(comparator.genes)}
        scored = cinsarc_scores(matrix.loc[measured], clinical)
        for endpoint in endpoints:
            outcome = endpoint_data(clinical, endpoint)
            row = dict.fromkeys(COMPARATOR_COLUMNS, np.nan) | base | {"endpoint": endpoint, "comparator_status": scored.status}
            if scored.status == "scored":
                rng = set_rng(seed, "head_to_head", cohort, comparator.name, endpoint)
                row |= head_to_head(outcome["time"], outcome["event"], hif, scored.score, resamples=resamples, rng=rng)
                row |= _class_columns(outcome, scored.classes)
            rows.append(row)
        if scored.status == "scored":
            scores.append(pd.DataFrame({
                "sample_id": scored.score.index.astype(str), "comparator": comparator.name, "score": scored.score.to_numpy(),
                "class": scored.classes.reindex(scored.score.index).to_numpy(),
            }))
    score_table = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame(columns=SCORE_TABLE_COLUMNS)
    return pd.DataFrame(rows, columns=COMPARATOR_COLUMNS), score_table[SCORE_TABLE_COLUMNS]


def comparators_from_config(config: Mapping[str, Mapping[str, str]], genes: Mapping[str, Sequence[str]]) -> list[Comparator]:
    """The configured comparators (``comparators:``), with ``genes`` read from their files."""
    return [Comparator(name, list(genes[name]), spec["score"], spec["citation"]) for name, spec in config.items()]
