"""The two genome-wide rankings that explain the signal from two sides (RANKINGS), each by
the column of its table that ranks the genes (RANKING_METRIC):
- ``survival_cox_z``: each gene's univariable Cox Wald z (expression per SD, Efron ties, the fast
  engine) for one endpoint; positive = higher expression, shorter survival;
- ``score_spearman``: each gene's Spearman correlation with the primary signature score.

Computed in ``hif_prognosis.enrichment.ranking_statistics``; this module names them, for the
jobs that read the rankings without computing them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RANKING_METRIC = {"survival_cox_z": "wald_z", "score_spearman": "spearman_rho"}  # column ranked by
RANKINGS = tuple(RANKING_METRIC)


def sorted_ranking(values: pd.Series) -> pd.Series:
    """Decreasing value, ties by gene symbol: the same order on every run."""
    order = np.lexsort((values.index.to_numpy(dtype=str), -values.to_numpy()))
    return values.iloc[order]
