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


def format_bound(value: float, reference: float = 1.0, digits: int = 2, *, signed: bool = False) -> str:
    """An interval bound to ``digits`` decimals, with more (up to 6) where that would print it
    as ``reference`` without being it: 1.003 stays "1.003", so a printed interval never seems
    to contain 1 while its verdict says it excludes 1."""
    sign = "+" if signed else ""
    text = f"{value:{sign}.{digits}f}"
    while digits < 6 and math.isfinite(value) and value != reference and float(text) == reference:
        digits += 1
        text = f"{value:{sign}.{digits}f}"
    return text


def format_delta_c(delta: float, low: float, high: float) -> str:
    """A change in Harrell's C with its 95% interval, signed, bounds by format_bound against 0."""
    return f"{delta:+.3f} [{format_bound(low, 0.0, 3, signed=True)}, {format_bound(high, 0.0, 3, signed=True)}]"


def format_hr(hr: float, low: float, high: float) -> str:
    """A hazard ratio with its 95% interval, "HR [low–high]" (bounds by format_bound); missing: "–"."""
    if not math.isfinite(hr):
        return "–"
    return f"{hr:.2f} [{format_bound(low)}–{format_bound(high)}]"


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


# How each harmonised covariate (clinical.COVARIATES, models.PROLIFERATION) is named in sentences.
COVARIATE_LABELS = {
    "metastasis_at_diagnosis": "metastasis at diagnosis",
    "distant_metastasis": "distant metastasis",
    "age_years": "age",
    "sex": "sex",
    "histologic_response": "histologic response",
    "proliferation_score": "proliferation score",
}


def covariate_label(name: str) -> str:
    """The words a reader sees for a covariate (its name, underscores as spaces, where unlisted)."""
    return COVARIATE_LABELS.get(name, name.replace("_", " "))


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
