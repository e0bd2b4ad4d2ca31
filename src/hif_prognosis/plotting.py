"""Figures: Kaplan-Meier curves and GSEA summaries. Colours are Okabe-Ito (colour-blind safe)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from lifelines import KaplanMeierFitter  # noqa: E402
from lifelines.plotting import add_at_risk_counts  # noqa: E402

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
GROUP_COLOURS = {"high": OKABE_ITO["vermillion"], "low": OKABE_ITO["blue"]}

# Fixed metadata keeps PDF/PNG bytes independent of the run date.
_PDF_METADATA = {"CreationDate": None, "Producer": None, "Creator": None}
_PNG_METADATA = {"Software": None}


def save_figure(figure: plt.Figure, *paths: str | Path) -> None:
    """Write the figure in each path's format (PNG, PDF, SVG), then free it."""
    for path in map(Path, paths):
        metadata = _PDF_METADATA if path.suffix == ".pdf" else _PNG_METADATA
        figure.savefig(path, dpi=150, bbox_inches="tight", metadata=metadata)
    plt.close(figure)


def kaplan_meier_figure(
    curves: dict[str, KaplanMeierFitter], *, title: str, subtitle: str, time_unit: str = "months"
) -> plt.Figure:
    """Kaplan-Meier curves with 95% bands and numbers at risk under the axis."""
    figure, axis = plt.subplots(figsize=(6.4, 5.0))
    for label, kmf in curves.items():
        kmf.plot_survival_function(
            ax=axis, ci_show=True, show_censors=True, color=GROUP_COLOURS.get(label),
            censor_styles={"marker": "|", "ms": 6},
        )
    axis.set_xlabel(f"Time ({time_unit})")
    axis.set_ylabel("Survival probability")
    axis.set_ylim(0, 1.02)
    axis.set_xlim(left=0)
    axis.set_title(f"{title}\n{subtitle}", fontsize=10)
    axis.legend(title="Score group", loc="lower left", frameon=False)
    add_at_risk_counts(*curves.values(), ax=axis, rows_to_show=["At risk"])
    figure.tight_layout()
    return figure


def top_sets_figure(table: pd.DataFrame, *, n_top: int, title: str) -> plt.Figure:
    """Horizontal bars of NES for the ``n_top`` sets with the smallest FDR, coloured by sign."""
    top = table.nsmallest(n_top, ["fdr_q"]).iloc[::-1]
    figure, axis = plt.subplots(figsize=(7.5, 0.32 * max(len(top), 3) + 1.5))
    colours = [OKABE_ITO["vermillion"] if v > 0 else OKABE_ITO["blue"] for v in top["nes"]]
    labels = [f"{t}  (FDR {q:.2g})" for t, q in zip(top["term"], top["fdr_q"], strict=True)]
    axis.barh(range(len(top)), top["nes"], color=colours)
    axis.set_yticks(range(len(top)), labels, fontsize=7)
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_xlabel("Normalised enrichment score (NES)")
    axis.set_title(title, fontsize=10)
    figure.tight_layout()
    return figure


def null_figure(summary: pd.DataFrame, distribution: pd.DataFrame, *, method: str, cohort: str) -> plt.Figure:
    """Null log HR per signature and endpoint (one method), the signature's own marked."""
    rows = summary[summary["method"] == method].reset_index(drop=True)
    n_cols = min(3, len(rows))
    n_rows = -(-len(rows) // n_cols)
    figure, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.2 * n_cols, 3.0 * n_rows), squeeze=False, layout="constrained"
    )
    for axis, (_, row) in zip(axes.ravel(), rows.iterrows(), strict=False):
        null = distribution.query(
            "signature == @row.signature and method == @method and endpoint == @row.endpoint"
        )["null_log_hr"]
        axis.hist(null, bins=40, color=OKABE_ITO["grey"])
        axis.axvline(row["log_hr"], color=OKABE_ITO["vermillion"], linewidth=2)
        axis.set_title(
            f"{row['signature']} ({row['endpoint']})\n"
            f"percentile {row['percentile_log_hr']:.1f}, empirical p {row['p_empirical_abs_log_hr']:.3g}",
            fontsize=8,
        )
        axis.set_xlabel("log HR per SD (random sets)")
        axis.set_ylabel("Random sets")
    for axis in axes.ravel()[len(rows):]:
        axis.set_visible(False)
    figure.suptitle(f"{cohort}: random-signature null ({method} score); red = the signature", fontsize=10)
    return figure
