"""How a number is printed wherever a person reads it (the summary page, the judgement's
values): one format per kind of number."""

from __future__ import annotations

import math

from hif_prognosis.clinical import ENDPOINT_KINDS, JOIN_WORD


def format_p(p: float, n_draws: int | None = None) -> str:
    """A p-value: two significant digits from 0.001 up, else in exponent form. With
    ``n_draws`` (random sets or permutations behind an empirical p), a p at the test's
    resolution, where no draw was as extreme (p = 0, or (1 + 0) / (1 + n)), prints as
    "< 1/n": the test cannot say how much smaller it is. Missing: "–"."""
    if p is None or not math.isfinite(p):
        return "–"
    if n_draws and p * (n_draws + 1) <= 1 + 1e-9:
        return f"< 1/{n_draws}"
    if p == 0:
        return "< 1e-300"  # below double precision: an exact p too small to represent
    return f"{p:.2g}" if p >= 0.001 else f"{p:.1e}"


def format_hr(hr: float, low: float, high: float) -> str:
    """A hazard ratio with its 95% interval, "HR [low–high]"; missing: "–"."""
    if not math.isfinite(hr):
        return "–"
    return f"{hr:.2f} [{low:.2f}–{high:.2f}]"


# How each scoring method (scoring.SCORING_METHODS, tested to hold the same names) is named in
# titles and captions: "HIF1A_REVIEW_TARGETS (mean z-score)", never "zscore score".
METHOD_LABELS = {
    "zscore": "mean z-score",
    "score_genes": "scanpy score_genes",
    "ssgsea": "ssGSEA score",
    "singscore": "singscore",
    "median": "median z-score",
    "pc1": "PC1 score",
    "weighted": "weighted score",
}


def method_label(method: str) -> str:
    """The name a reader sees for a scoring method (its config name where it has no label)."""
    return METHOD_LABELS.get(method, method)


def endpoint_label(endpoint: str) -> str:
    """The words a reader sees for an endpoint: "overall survival" for overall_survival, "event-free
    or recurrence-free survival" for a joined pool (clinical.joined_endpoint); any other name with
    its underscores as spaces."""
    if endpoint in ENDPOINT_KINDS:
        return ENDPOINT_KINDS[endpoint]
    parts = endpoint.removesuffix("_survival").split(JOIN_WORD)
    if len(parts) > 1 and all(f"{part}_survival" in ENDPOINT_KINDS for part in parts):
        return " or ".join(ENDPOINT_KINDS[f"{part}_survival"].removesuffix(" survival") for part in parts) + " survival"
    return endpoint.replace("_", " ")
