"""Figures: Kaplan-Meier curves and GSEA summaries. Colours are Okabe-Ito (colour-blind safe)."""

from __future__ import annotations

from pathlib import Path
from textwrap import fill
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
# Text from a config or data file (a gene-set name, a cohort's label) is drawn as written: "$"
# never starts mathtext, so no name can turn into markup or fail to parse.
matplotlib.rcParams["text.parse_math"] = False

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402
import pandas as pd  # noqa: E402

from hif_prognosis.data.clinical import endpoint_label
from hif_prognosis.wording import format_hr, format_p
from hif_prognosis.scoring.registry import method_label
from hif_prognosis.scoring.offset import ADJUSTED_LABEL, ADJUSTED_SUFFIX, deciding_suffix
from hif_prognosis.survival.specifications import DIMENSIONS, Primary, choice_label, robustness
from hif_prognosis.submodules import submodule_alone
from hif_prognosis.survival.kaplan_meier import (  # noqa: E402
    kaplan_meier_curves,
    median_groups,
    median_split_logrank,
    numbers_at_risk,
    split_logrank,
)

if TYPE_CHECKING:
    from hif_prognosis.enrichment.gsea import EnrichmentCurve
    from hif_prognosis.survival.kaplan_meier import KaplanMeierCurve

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
    "black": "#000000",
}
GROUP_COLOURS = {"high": OKABE_ITO["vermillion"], "low": OKABE_ITO["blue"]}

# Fixed metadata keeps PDF/PNG bytes independent of the run date.
_PDF_METADATA = {"CreationDate": None, "Producer": None, "Creator": None}
_PNG_METADATA = {"Software": None}


FIGURE_DPI = 150


def save_figure(figure: plt.Figure, *paths: str | Path) -> None:
    """Write the figure in each path's format (PNG, PDF, SVG), then free it. The layout (the
    figure's layout engine, then the tight bounding box, at the PNG's resolution) is worked out
    once for every format: savefig's "tight" redoes both per format, a third of a figure's CPU."""
    figure.set_dpi(FIGURE_DPI)
    figure.draw_without_rendering()
    bbox = figure.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"])
    figure.set_layout_engine(None)  # laid out: no engine, so savefig draws once per format
    for path in map(Path, paths):
        metadata = _PDF_METADATA if path.suffix == ".pdf" else _PNG_METADATA
        figure.savefig(path, dpi=FIGURE_DPI, bbox_inches=bbox, metadata=metadata)
    plt.close(figure)


AT_RISK_LABEL = "Number at risk"


KM_MIN_AT_RISK = 5  # a curve is drawn while at least this many patients remain at risk


def kaplan_meier_figure(
    curves: dict[str, KaplanMeierCurve],
    at_risk: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    endpoint: str,
    time_unit: str = "months",
) -> plt.Figure:
    """Kaplan-Meier curves with 95% bands, each drawn while at least KM_MIN_AT_RISK patients of
    its group remain at risk (the figure says so), the y axis naming the endpoint, and under the
    axis the numbers at risk of ``at_risk`` (``survival.kaplan_meier.numbers_at_risk``: time >= t, R
    ``survfit``'s ``n.risk``), the table the workflow exports beside the figure, at its time
    points, which are also the axis ticks."""
    figure, axis = plt.subplots(figsize=(6.4, 5.6))
    for group, curve in curves.items():
        thin = curve.time[curve.at_risk < KM_MIN_AT_RISK]
        shown = curve.time <= (thin[0] if len(thin) else curve.time[-1])
        times, survival, colour = curve.time[shown], curve.survival[shown], GROUP_COLOURS.get(group)
        line = axis.step(times, survival, where="post", color=colour, label=curve.label)[0]
        axis.fill_between(times, curve.lower[shown], curve.upper[shown], step="post", alpha=0.25, linewidth=1.0,
                          color=line.get_color())
        censored = curve.censored[shown] > 0
        axis.plot(times[censored], survival[censored], linestyle="None", marker="|", ms=6, mew=1,
                  color=line.get_color())
    ticks = sorted(at_risk["time_months"].unique())
    axis.set_xticks(ticks)
    axis.set_xlim(-0.02 * ticks[-1], ticks[-1] * 1.03)
    axis.set_xlabel(f"Time ({time_unit})")
    axis.set_ylabel(f"{endpoint_label(endpoint).capitalize()} probability")
    axis.set_ylim(0, 1.02)
    axis.set_title(f"{title}\n{subtitle}\ncurves end where fewer than {KM_MIN_AT_RISK} remain at risk", fontsize=10)
    axis.legend(title="Score group", loc="lower left", frameon=False)
    below = matplotlib.transforms.blended_transform_factory(axis.transData, axis.transAxes)
    axis.text(0, -0.2, AT_RISK_LABEL, transform=axis.transAxes, ha="left", va="center", fontsize=9, fontweight="bold")
    for row, label in enumerate(curves):
        height = -0.27 - 0.07 * row
        axis.text(-0.03, height, label, transform=axis.transAxes, ha="right", va="center", fontsize=9,
                  color=GROUP_COLOURS.get(label))
        counts = at_risk[at_risk["group"] == label]
        for time, count in zip(counts["time_months"], counts["at_risk"], strict=True):
            axis.text(time, height, str(count), transform=below, ha="center", va="center", fontsize=9)
    figure.tight_layout()
    return figure


def gseapy_plot(name: str, **arguments: Any) -> Any:
    """gseapy's plot ``name`` (``dotplot``, ``gseaplot``), drawn without changing the settings
    the figures are saved with: gseapy's plots set ``pdf.fonttype`` 42 for the whole process,
    whose PDFs then embed a TrueType subset of each font (fontTools: 0.3 CPU s a font and PDF),
    unlike every other figure's."""
    with matplotlib.rc_context():
        return getattr(submodule_alone("gseapy", "plot"), name)(**arguments)


def top_sets_dotplot(
    table: pd.DataFrame, *, n_top: int, fdr_floor: float, title: str
) -> plt.Figure:
    """gseapy's dot plot of the ``n_top`` sets with the smallest FDR over all libraries: NES on
    x, colour -log10 FDR (an FDR of 0 is drawn at ``fdr_floor``, the resolution of the test),
    dot size the leading-edge fraction of the set."""
    estimable = table[np.isfinite(table["nes"].astype(float)) & np.isfinite(table["fdr_q"].astype(float))]
    if estimable.empty:
        return message_figure(
            f"{title}: no gene set has an estimable NES (see nes_status in the GSEA table; "
            "too few permutations leave no random set beyond the observed score)"
        )
    top = estimable.sort_values(["fdr_q", "nom_p", "term"]).head(n_top)
    frame = pd.DataFrame(
        {
            "Term": top["term"].to_numpy(),
            "NES": top["nes"].to_numpy(),
            "FDR q-val": np.clip(top["fdr_q"].to_numpy(dtype=float), fdr_floor, None),
            "Tag %": top["tag_fraction"].to_numpy(),
        }
    )
    axis = gseapy_plot(
        "dotplot", df=frame, column="FDR q-val", x="NES", cutoff=1.0, top_term=n_top, title=title,
        figsize=(6.5, 0.3 * max(len(frame), 4) + 1.5), cmap="viridis_r", size=6,
    )
    axis.axvline(0, color="black", linewidth=0.8)
    axis.set_xlabel("Normalised enrichment score (NES)")
    axis.title.set_fontsize(9)
    return axis.figure


def enrichment_curve_figure(
    curve: EnrichmentCurve, *, title: str, metric: str, high: str, low: str, n_draws: int | None = None
) -> plt.Figure:
    """gseapy's GSEA plot of one set: running enrichment score, the set's genes along the
    ranking, and the ranking metric (``metric`` names it; ``high``/``low`` its two ends). Its
    NES, p and FDR are printed as the page prints them (formatting.format_p: a p at the
    permutations' resolution ``n_draws`` is "< 1/n", never 0.000e+00)."""
    axes = gseapy_plot(
        "gseaplot", term=title, hits=curve.hits, nes=curve.nes, pval=curve.nom_p, fdr=curve.fdr_q,
        RES=curve.running_es, rank_metric=curve.ranking.to_numpy(dtype=float), pheno_pos=high,
        pheno_neg=low, color=OKABE_ITO["green"], cmap="RdBu_r", figsize=(6.5, 6),
    )
    for axis in axes:
        if axis.get_ylabel() == "Ranked metric":
            axis.set_ylabel(metric, fontsize=11, fontweight="bold")
    figure = axes[0].figure
    figure.axes[-1].title.set_fontsize(10)
    relabelled = {
        "NES: ": f"NES: {curve.nes:.2f}",
        "Pval: ": f"nominal p: {format_p(curve.nom_p, n_draws)}",
        "FDR: ": f"FDR q: {format_p(curve.fdr_q, n_draws)}",
    }
    for axis in figure.axes:
        for text in axis.texts:
            for prefix, label in relabelled.items():
                if text.get_text().startswith(prefix):
                    text.set_text(label)
    return figure


def _null_panel(axis: plt.Axes, row: pd.Series, null: pd.DataFrame, bins: list[float]) -> None:
    """One signature's panel: the null that decides question 2 filled, with the signature's log
    HR and its mirror image (p counts the random sets outside the two lines); where the score
    follows the sample-wide offset, the narrow unadjusted null beside it as an outline; the
    proliferation-adjusted null as a second outline."""
    suffix = deciding_suffix(bool(row["offset_warning"]))
    n_sets = int(row["n_random_sets"])
    deciding = f", {ADJUSTED_LABEL} (decides)" if suffix else ""
    # One filled polygon, not a patch per bin: the same picture, a third of a large figure's drawing.
    axis.hist(null[f"null_log_hr{suffix}"].dropna(), bins=bins, histtype="stepfilled", color=OKABE_ITO["grey"],
              label="random sets" + deciding)
    axis.axvline(row[f"log_hr{suffix}"], color=OKABE_ITO["vermillion"], linewidth=2, label="signature" + deciding)
    axis.axvline(-row[f"log_hr{suffix}"], color=OKABE_ITO["vermillion"], linewidth=1, linestyle=":",
                 label="signature mirrored: p counts random sets outside the two lines")
    lines = [
        f"{row['signature']} ({endpoint_label(row['endpoint'])})",
        f"{'offset-adjusted (decides): ' if suffix else ''}percentile {row[f'percentile_log_hr{suffix}']:.1f}, "
        f"p {format_p(row[f'p_empirical_abs_log_hr{suffix}'], n_sets)}",
    ]
    if suffix:
        axis.hist(null["null_log_hr"].dropna(), bins=bins, histtype="step", color=OKABE_ITO["black"],
                  label="random sets, unadjusted (narrow: they share the sample-wide offset)")
        axis.axvline(row["log_hr"], color=OKABE_ITO["black"], linewidth=1, linestyle="-.", label="signature, unadjusted")
        lines.append(f"unadjusted: percentile {row['percentile_log_hr']:.1f}, p {format_p(row['p_empirical_abs_log_hr'], n_sets)}")
    if np.isfinite(row["log_hr_adj_proliferation"]):
        axis.hist(null["null_log_hr_adj_proliferation"].dropna(), bins=bins, histtype="step",
                  color=OKABE_ITO["blue"], label="random sets, adjusted for proliferation")
        axis.axvline(row["log_hr_adj_proliferation"], color=OKABE_ITO["blue"], linewidth=2,
                     linestyle="--", label="signature, adjusted for proliferation")
        axis.axvline(-row["log_hr_adj_proliferation"], color=OKABE_ITO["blue"], linewidth=1, linestyle=":",
                     label="adjusted signature mirrored")
        lines.append(f"proliferation-adjusted: percentile {row['percentile_log_hr_adj_proliferation']:.1f}, "
                     f"p {format_p(row['p_empirical_abs_log_hr_adj_proliferation'], n_sets)}")
    axis.set_title("\n".join(lines), fontsize=8)
    axis.set_xlabel("log HR per SD")
    axis.set_ylabel("Random sets")
    axis.tick_params(labelbottom=True)


def null_figure(summary: pd.DataFrame, distribution: pd.DataFrame, *, method: str, cohort: str) -> plt.Figure:
    """Null log HR per signature and endpoint (one method), the signature's own marked (see
    _null_panel). Every panel shares one x range, so the nulls' widths compare at a glance; the
    legend sits below the panels, off the data; the title gives the number of random sets."""
    rows = summary[summary["method"] == method].reset_index(drop=True)
    n_cols = min(3, len(rows))
    n_rows = -(-len(rows) // n_cols)
    figure, axes = plt.subplots(
        n_rows, n_cols, figsize=(4.6 * n_cols, 3.4 * n_rows + 0.8), squeeze=False, layout="constrained",
        sharex=True,
    )
    chosen = distribution[distribution["method"] == method]
    drawn = ["", "_adj_proliferation", ADJUSTED_SUFFIX]
    signature_values = rows[[f"log_hr{s}" for s in drawn]].abs().to_numpy(dtype=float).ravel()
    values = np.concatenate([
        chosen[[f"null_log_hr{s}" for s in drawn]].to_numpy(dtype=float).ravel(), signature_values, -signature_values,
    ])
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if len(values) else (-1.0, 1.0)
    pad = 0.05 * (high - low or 1.0)
    bins = np.linspace(low - pad, high + pad, 61)
    for axis, (_, row) in zip(axes.ravel(), rows.iterrows(), strict=False):
        null = chosen[(chosen["signature"] == row["signature"]) & (chosen["endpoint"] == row["endpoint"])]
        _null_panel(axis, row, null, bins.tolist())
    for axis in axes.ravel()[len(rows):]:
        axis.set_visible(False)
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    for axis in axes.ravel()[: len(rows)]:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    n_sets = int(rows["n_random_sets"].max()) if len(rows) else 0
    figure.suptitle(
        f"{cohort}: each signature's log HR among {n_sets:,} random gene sets of its size and expression\n"
        f"{method_label(method)}; percentile: share of random sets below the signature; p: share at least as far "
        "from HR 1 on either side",
        fontsize=10,
    )
    figure.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return figure


def message_figure(text: str) -> plt.Figure:
    """A figure that says why the expected figure could not be drawn."""
    figure, axis = plt.subplots(figsize=(6.5, 2.0))
    axis.axis("off")
    axis.text(0.5, 0.5, fill(text, 80), ha="center", va="center", fontsize=9)
    return figure


def hazard_ratio_axis(axis: plt.Axes, label: str, *, along: str = "x") -> None:
    """Log-scale HR axis (``along`` x or y) with a dashed line at 1 and plain tick labels (0.5,
    1, 2, ...)."""
    (axis.axvline if along == "x" else axis.axhline)(1.0, color="black", linewidth=0.8, linestyle="--")
    getattr(axis, f"set_{along}scale")("log")
    low, high = getattr(axis, f"get_{along}lim")()
    ticks = [t for t in (0.1, 0.2, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 10) if low <= t <= high]
    getattr(axis, f"set_{along}ticks")(ticks, [f"{t:g}" for t in ticks])
    getattr(axis, f"{along}axis").set_minor_formatter(NullFormatter())
    getattr(axis, f"set_{along}label")(label)


def forest_figure(cox: pd.DataFrame, meta: pd.DataFrame, *, title: str) -> plt.Figure:
    """HR per SD [95% CI] of each cohort and the random-effects pooled HR, one panel per
    endpoint (rows of ``cox`` and ``meta`` for one signature and method)."""
    endpoints = list(dict.fromkeys(meta["endpoint"]))
    figure, axes = plt.subplots(
        1, len(endpoints), figsize=(5.2 * len(endpoints), 0.55 * cox["cohort"].nunique() + 2.2),
        squeeze=False, layout="constrained",
    )
    for axis, endpoint in zip(axes.ravel(), endpoints, strict=True):
        pooled = meta[meta["endpoint"] == endpoint].iloc[0]
        # the cohorts pooled, each with the endpoint it entered with (a joined pool's differ)
        members = set(zip(str(pooled["cohorts"]).split(";"), str(pooled["endpoints_pooled"]).split(";")))
        cohorts = cox[[(c, e) in members for c, e in zip(cox["cohort"], cox["endpoint"], strict=True)]]
        labels = [
            f"{c}{'' if kind == endpoint else ', ' + endpoint_label(kind)} (n={n}, {e} events)"
            for c, kind, n, e in zip(cohorts["cohort"], cohorts["endpoint"], cohorts["n"], cohorts["events"], strict=True)
        ]
        y = np.arange(len(cohorts))[::-1] + 1
        hr, ci_low, ci_high = (cohorts[c].to_numpy(dtype=float) for c in ("hr", "hr_ci_low", "hr_ci_high"))
        axis.errorbar(hr, y, xerr=[hr - ci_low, ci_high - hr], fmt="s", color=OKABE_ITO["blue"],
                      ecolor=OKABE_ITO["blue"], capsize=3)
        low, mid, high = (float(pooled[c]) for c in ("pooled_hr_ci_low", "pooled_hr", "pooled_hr_ci_high"))
        axis.fill([low, mid, high, mid], [0, 0.25, 0, -0.25], color=OKABE_ITO["vermillion"])
        pooled_label = (
            f"Random effects (DL), I² {100 * pooled['i2']:.0f}%" if pooled["k"] > 1
            else "Single cohort: nothing to pool"
        )
        axis.set_yticks([*y, 0], [*labels, pooled_label], fontsize=8)
        axis.set_ylim(-0.8, len(cohorts) + 0.6)
        hazard_ratio_axis(axis, "Hazard ratio per SD of score (95% CI, log scale)")
        what = "pooled HR" if pooled["k"] > 1 else "HR"
        axis.set_title(f"{endpoint_label(endpoint).capitalize()}: {what} {format_hr(mid, low, high)}", fontsize=9)
    figure.suptitle(title, fontsize=10)
    return figure


def values_beside(axis: plt.Axes, y: np.ndarray, labels: list[str]) -> None:
    """Each forest row's numbers printed at its height on the right of the panel."""
    values = axis.secondary_yaxis("right")
    values.set_yticks(y, labels, fontsize=7)
    values.tick_params(length=0)


GENE_FOREST_TOP = 30  # genes drawn per endpoint; every gene is in gene_cox.tsv


def gene_forest_figure(genes: pd.DataFrame, *, title: str) -> plt.Figure:
    """HR per SD [95% CI] of a signature's genes, one panel per endpoint: the GENE_FOREST_TOP
    genes with the lowest BH q (then p), drawn by HR with their HR [CI] and q printed beside;
    genes with q < 0.05 in vermillion. The panel title says how many of how many are shown."""
    endpoints = list(dict.fromkeys(genes["endpoint"]))
    shown = {
        endpoint: genes[(genes["endpoint"] == endpoint) & (genes["flag"] == "ok")]
        .sort_values(["q_bh", "p_wald", "symbol"]).head(GENE_FOREST_TOP).sort_values("hr")
        for endpoint in endpoints
    }
    n_rows = max(len(rows) for rows in shown.values())
    figure, axes = plt.subplots(
        1, len(endpoints), figsize=(7.0 * len(endpoints), 0.24 * n_rows + 1.9), squeeze=False, layout="constrained",
    )
    for axis, endpoint in zip(axes.ravel(), endpoints, strict=True):
        rows = shown[endpoint]
        tested = int(((genes["endpoint"] == endpoint) & (genes["flag"] == "ok")).sum())
        y = np.arange(len(rows))
        colours = np.where(rows["q_bh"] < 0.05, OKABE_ITO["vermillion"], OKABE_ITO["blue"])
        hr, low, high = (rows[c].to_numpy(dtype=float) for c in ("hr", "hr_ci_low", "hr_ci_high"))
        axis.hlines(y, low, high, colors=colours, linewidth=1.2)
        axis.scatter(hr, y, c=colours, s=14, zorder=3)
        axis.set_yticks(y, rows["symbol"], fontsize=8)
        axis.set_ylim(-0.7, len(rows) - 0.3)
        hazard_ratio_axis(axis, "Hazard ratio per SD of expression (95% CI, log scale)")
        values_beside(axis, y, [f"{format_hr(h, lo, hi)}  q {format_p(q)}"
                                for h, lo, hi, q in zip(hr, low, high, rows["q_bh"], strict=True)])
        axis.set_title(
            f"{endpoint_label(endpoint).capitalize()}: {len(rows)} of {tested} genes, lowest BH q; vermillion = q < 0.05", fontsize=9
        )
    figure.suptitle(title, fontsize=10)
    return figure


def locked_forest_figure(locked: pd.DataFrame, *, title: str) -> plt.Figure:
    """Test-cohort HR per SD [95% CI] of one signature's locked scores (rows of the locked-model
    table), one panel per endpoint, one row per weighting and training -> test direction; beside
    each row its HR [CI] and the test cohort's Harrell's C, or why it was refused or not
    estimable."""
    endpoints = list(dict.fromkeys(locked["endpoint"]))
    n_rows = int(locked.groupby("endpoint").size().max())
    figure, axes = plt.subplots(
        1, len(endpoints), figsize=(9.0 * len(endpoints), 0.42 * n_rows + 1.8), squeeze=False, layout="constrained",
    )
    for axis, endpoint in zip(axes.ravel(), endpoints, strict=True):
        rows = locked[locked["endpoint"] == endpoint].reset_index(drop=True)
        y = np.arange(len(rows))[::-1]
        estimated = (rows["status"] == "estimated").to_numpy()
        hr, low, high = (rows.loc[estimated, c].to_numpy(dtype=float) for c in ("hr", "hr_ci_low", "hr_ci_high"))
        axis.errorbar(hr, y[estimated], xerr=[hr - low, high - hr], fmt="s", color=OKABE_ITO["blue"],
                      ecolor=OKABE_ITO["blue"], capsize=3)
        axis.set_yticks(y, [f"{r['weights']}: {r['training_cohort']} → {r['test_cohort']}" for _, r in rows.iterrows()],
                        fontsize=8)
        axis.set_ylim(-0.8, len(rows) - 0.2)
        hazard_ratio_axis(axis, "Test-cohort hazard ratio per SD of the locked score (95% CI, log scale)")
        values_beside(axis, y, [
            f"{format_hr(r['hr'], r['hr_ci_low'], r['hr_ci_high'])}, C {r['c_index']:.2f}"
            if r["status"] == "estimated" else fill(str(r["status"]), 42)
            for _, r in rows.iterrows()
        ])
        axis.set_title(f"{endpoint_label(endpoint)}: weights learned in the training cohort, applied unchanged",
                       fontsize=9)
    figure.suptitle(title, fontsize=10)
    return figure


def median_split_figure(
    scores: pd.DataFrame, outcomes: pd.DataFrame, signature: str, *, cohort: str, endpoint: str, method: str
) -> tuple[plt.Figure, pd.DataFrame]:
    """Kaplan-Meier figure of one signature's median split (long ``scores`` table of one method;
    ``outcomes``: ``clinical.endpoint_data``) and its numbers at risk, the table exported beside
    it. Display only: the tests use the continuous score."""
    score = scores[scores["signature"] == signature].set_index("sample_id")["score"]
    score = score.reindex(outcomes.index).dropna()
    outcome = outcomes.loc[score.index]
    groups = median_groups(score)
    chisq, p_value, _, _ = median_split_logrank(outcome["time"], outcome["event"], score)
    counts = numbers_at_risk(outcome["time"], outcome["event"], groups)
    figure = kaplan_meier_figure(
        kaplan_meier_curves(outcome["time"], outcome["event"], groups),
        counts,
        title=f"{cohort}: {signature} ({method_label(method)}), {endpoint_label(endpoint)}",
        subtitle=f"high = above the cohort median; log-rank chi2 = {chisq:.2f}, p = {format_p(p_value)}",
        endpoint=endpoint,
    )
    return figure, counts


def class_split_figure(
    classes: pd.Series, outcomes: pd.DataFrame, *, cohort: str, comparator: str, endpoint: str
) -> tuple[plt.Figure, pd.DataFrame]:
    """Kaplan-Meier figure of a comparator's classes (``classes``: sample -> C1/C2, CINSARC's)
    with its log-rank test, and its numbers at risk."""
    groups = classes.reindex(outcomes.index).dropna()
    outcome = outcomes.loc[groups.index]
    chisq, p_value, _, _ = split_logrank(outcome["time"], outcome["event"], (groups == "C2").to_numpy())
    counts = numbers_at_risk(outcome["time"], outcome["event"], groups)
    figure = kaplan_meier_figure(
        kaplan_meier_curves(outcome["time"], outcome["event"], groups), counts,
        title=f"{cohort}: {comparator} class, {endpoint_label(endpoint)}",
        subtitle=f"C2 = high risk by nearest centroid (leave-one-out); log-rank chi2 = {chisq:.2f}, p = {format_p(p_value)}",
        endpoint=endpoint,
    )
    return figure, counts


def locked_split_figure(
    scores: pd.DataFrame, outcomes: pd.DataFrame, row: pd.Series, *, time_unit: str = "months"
) -> tuple[plt.Figure, pd.DataFrame]:
    """Kaplan-Meier figure of a test cohort split at the training cohort's median locked score
    (``scores``: the row's LOCKED_SCORE_COLUMNS rows; ``outcomes``: ``clinical.endpoint_data``
    of the test cohort; ``row``: its row of the locked-model table, whose log-rank test it
    shows) and its numbers at risk."""
    groups = scores.set_index("sample_id")["group"].reindex(outcomes.index)
    counts = numbers_at_risk(outcomes["time"], outcomes["event"], groups)
    figure = kaplan_meier_figure(
        kaplan_meier_curves(outcomes["time"], outcomes["event"], groups),
        counts,
        title=(f"{row['test_cohort']}: {row['signature']} locked with {row['weights']} weights from "
               f"{row['training_cohort']}, {endpoint_label(row['endpoint'])}"),
        subtitle=(f"high = above {row['training_cohort']}'s median score; log-rank chi2 = "
                  f"{row['logrank_chisq']:.2f}, p = {format_p(row['logrank_p'])}"),
        endpoint=row["endpoint"],
        time_unit=time_unit,
    )
    return figure, counts


VERDICT_COLOURS = {"higher risk": OKABE_ITO["vermillion"], "lower risk": OKABE_ITO["blue"], "no evidence": OKABE_ITO["grey"]}


def specification_curve_figure(table: pd.DataFrame, primary: Primary) -> plt.Figure:
    """The pooled specifications (specifications.SPECIFICATION_COLUMNS rows with an estimate)
    sorted by HR per SD with their 95% intervals, coloured by verdict, the primary marked; below
    each, the choices that make it."""
    pooled = table[(table["level"] == "pooled") & np.isfinite(table["hr_per_sd"].astype(float))]
    # choices in the table's order (the config's methods and signatures, every cohort first)
    choices = [(dimension, value) for dimension in DIMENSIONS for value in dict.fromkeys(pooled[dimension].astype(str))]
    pooled = pooled.sort_values(["hr_per_sd", "signature", "method", "endpoint", "left_out"], kind="stable").reset_index(drop=True)
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(max(7.0, 0.05 * len(pooled) + 5), 4 + 0.22 * len(choices)), sharex=True,
        gridspec_kw={"height_ratios": [3, max(1.5, 0.22 * len(choices))]}, layout="constrained",
    )
    x = np.arange(len(pooled))
    hr, low, high = (pooled[c].to_numpy(dtype=float) for c in ("hr_per_sd", "hr_ci_low", "hr_ci_high"))
    colours = [VERDICT_COLOURS.get(v, "black") for v in pooled["verdict"]]
    top.vlines(x, low, high, colors=colours, linewidth=0.8)
    top.scatter(x, hr, c=colours, s=10, zorder=3)
    chosen = np.flatnonzero(pooled["is_primary"].astype(bool).to_numpy())
    top.scatter(x[chosen], hr[chosen], marker="D", s=45, facecolors="none", edgecolors="black", zorder=4, label="primary")
    hazard_ratio_axis(top, "Pooled HR per SD (95% CI, log scale)", along="y")
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=c, label=v) for v, c in VERDICT_COLOURS.items()]
    top.legend(handles=[*handles, *top.get_legend_handles_labels()[0]], fontsize=8, loc="upper left")
    counted = robustness(table, primary)  # the counts the page's first screen gives
    top.set_title(
        f"{counted.specifications} specifications of the primary question; {counted.agreeing} agree with the primary "
        f"({primary.signature}, {method_label(primary.method)}, {endpoint_label(primary.endpoint)})", fontsize=9)
    for row, (dimension, value) in enumerate(choices):
        picked = (pooled[dimension].astype(str) == value).to_numpy()
        bottom.scatter(x[picked], np.full(picked.sum(), row), s=6, color="black")
    bottom.set_yticks(range(len(choices)), [f"{DIMENSIONS[d]}: {choice_label(d, v)}" for d, v in choices], fontsize=7)
    bottom.set_ylim(len(choices) - 0.5, -0.5)
    bottom.set_xlabel("Specifications, sorted by hazard ratio")
    bottom.set_xticks([])
    return figure
