"""How the gene rankings (hif_prognosis.enrichment.rankings) are named on figures and pages."""

from __future__ import annotations

from dataclasses import dataclass

from hif_prognosis.data.clinical import endpoint_label
from hif_prognosis.enrichment.rankings import RANKINGS
from hif_prognosis.scoring.registry import method_label

# How a reader sees each ranking where no single endpoint or score is named (tables across cohorts).
RANKING_NAMES = {
    "survival_cox_z": "by survival (per-gene Cox z)",
    "score_spearman": "by correlation with the primary score",
}


@dataclass(frozen=True)
class RankingLabels:
    """How a ranking is named on figures: what it ranks by and what its two ends mean."""

    ranked_by: str
    metric: str
    high: str
    low: str


def ranking_labels(ranking: str, *, endpoint: str, signature: str, method: str) -> RankingLabels:
    if ranking == "survival_cox_z":
        words = endpoint_label(endpoint)
        return RankingLabels(
            f"per-gene Cox Wald z for {words}", f"Cox z ({words})",
            f"high = shorter {words}", f"high = longer {words}",
        )
    if ranking == "score_spearman":
        return RankingLabels(
            f"Spearman correlation with {signature} ({method_label(method)})", "Spearman rho",
            f"rises with {signature}", f"falls with {signature}",
        )
    raise ValueError(f"unknown ranking {ranking!r}; known: {RANKINGS}")
