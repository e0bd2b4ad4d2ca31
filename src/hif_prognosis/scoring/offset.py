"""The sample-wide offset: how much a score is just each sample's mean over all genes.

On some platforms (two-colour log-ratio arrays, for instance) every gene of a sample shares a
common shift, and a mean of gene z-scores follows that shift whatever the genes are. Such a
score correlates with the sample-wide mean z-score, and so do random gene sets, which makes the
random-signature null narrow. ``OFFSET_WARNING_R`` is the |r| at which tables and the page warn.
"""

from __future__ import annotations

import numpy as np

OFFSET_WARNING_R = 0.5
# The random-set comparison that decides whether a score beats random gene sets: adjusted for
# the sample-wide mean z-score where the score follows it (the unadjusted null is then narrow).
ADJUSTED_SUFFIX = "_adj_sample_mean_z"
ADJUSTED_LABEL = "adjusted for the sample-wide mean z-score"


def deciding_suffix(offset_warning: bool) -> str:
    """The column suffix of the null comparison that decides (``""``: unadjusted)."""
    return ADJUSTED_SUFFIX if offset_warning else ""


def row_correlations(scores: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Pearson r of each row of ``scores`` (sets x samples) with ``reference`` (samples)."""
    centred = scores - scores.mean(axis=1, keepdims=True)
    ref = reference - reference.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        return centred @ ref / np.sqrt((centred**2).sum(axis=1) * (ref @ ref))
