"""CINSARC (Chibon et al. 2010, Nat Med 16:781): the class of each sample by nearest centroid,
with leave-one-out, as Lesluyes & Chibon (2020) run it and hacksig's ``hack_cinsarc`` implements
it. The signature's genes are centred by their mean across the cohort's samples; for each sample,
the centroids of the metastatic and non-metastatic samples are formed from the others (centred
among themselves), and the sample is C2 (high risk) where its Spearman correlation with the
metastatic centroid is at least that with the non-metastatic one (hacksig: C1 where the distance
1 - rho to the non-metastatic centroid is the smaller), else C1.

The continuous score, the difference of the two distances (rho to the metastatic centroid minus
rho to the non-metastatic one), is the class before its cut at 0: the comparator's score per SD.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hif_prognosis.distributions import ranks

CINSARC_COLUMNS = ["sample_id", "rho_metastatic", "rho_non_metastatic", "cinsarc_score", "cinsarc_class"]
MIN_PER_GROUP = 3  # each centroid is the mean of at least this many samples


@dataclass(frozen=True)
class CinsarcResult:
    table: pd.DataFrame  # CINSARC_COLUMNS, one row per labelled sample
    status: str  # "classified", or why not


def _spearman(vector: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Spearman correlation of ``vector`` with each column (average ranks for ties, as R's cor)."""
    ranked = ranks(vector) - (len(vector) + 1) / 2
    others = np.apply_along_axis(ranks, 0, columns) - (len(vector) + 1) / 2
    return (ranked @ others) / np.sqrt((ranked @ ranked) * (others * others).sum(axis=0))


def cinsarc_classes(matrix: pd.DataFrame, metastatic: pd.Series) -> CinsarcResult:
    """Classes of the samples with a metastasis label (``metastatic``: sample -> True/False,
    missing = unknown, left out) on ``matrix`` (the signature's measured genes x samples)."""
    known = metastatic.dropna().astype(bool)
    samples = [s for s in matrix.columns if s in known.index]
    label = known.loc[samples].to_numpy()
    counts = {"metastatic": int(label.sum()), "non-metastatic": int((~label).sum())}
    if min(counts.values()) < MIN_PER_GROUP + 1:  # + 1: the left-out sample's own group keeps MIN_PER_GROUP
        return CinsarcResult(pd.DataFrame(columns=CINSARC_COLUMNS), (
            f"not classified: the centroids need at least {MIN_PER_GROUP + 1} samples of each metastasis "
            f"label; the cohort has {counts['metastatic']} metastatic and {counts['non-metastatic']} non-metastatic"))
    x = matrix[samples].to_numpy(dtype=float)  # genes x n
    n = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    total, sums = x.sum(axis=1), {group: x[:, label == group].sum(axis=1) for group in (True, False)}
    sizes = {group: int((label == group).sum()) for group in (True, False)}
    rows = []
    for i, sample in enumerate(samples):
        mean_others = (total - x[:, i]) / (n - 1)
        centroids = np.column_stack([
            ((sums[group] - (x[:, i] if label[i] == group else 0)) / (sizes[group] - (label[i] == group))) - mean_others
            for group in (True, False)
        ])
        rho_metastatic, rho_non_metastatic = _spearman(centred[:, i], centroids)
        score = rho_metastatic - rho_non_metastatic
        rows.append((sample, rho_metastatic, rho_non_metastatic, score, "C2" if score >= 0 else "C1"))
    return CinsarcResult(pd.DataFrame(rows, columns=CINSARC_COLUMNS), "classified")
