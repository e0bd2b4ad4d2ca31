"""The one-page summary: the headline table, the published comparison, and the page itself."""

from __future__ import annotations

import base64
import datetime
import hashlib
import platform
import re
import subprocess
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape
import numpy as np
import pandas as pd

from hif_prognosis.presentation.labels import RANKING_NAMES, ranking_labels
from hif_prognosis.survival.judgement import JUDGED_WEIGHTINGS, QUESTIONS
from hif_prognosis.data.clinical import endpoint_label
from hif_prognosis.wording import format_delta_c, format_hr, format_p
from hif_prognosis.scoring.registry import method_label
from hif_prognosis.survival.meta import random_effects
from hif_prognosis.scoring.offset import ADJUSTED_LABEL, OFFSET_WARNING_R, deciding_suffix
from hif_prognosis.survival.specifications import Primary, robustness


# resources/published_hazard_ratios.tsv: pooled hazard ratios of HIF-1alpha protein
# (immunohistochemistry, high vs low staining), one row per published meta-analysis.
PUBLISHED_HR_COLUMNS = [
    "source", "doi", "url", "population", "measure", "endpoint", "hr", "hr_ci_low", "hr_ci_high", "where_in_source",
]
DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>]+")


def read_published_hazard_ratios(path: str | Path) -> pd.DataFrame:
    """The published hazard ratios beside which the page sets the pipeline's median split; a
    ValueError names the file, the column, the values and the fix where a row cannot be shown
    (a link must be a DOI or an https address, so no edited row can run in the page)."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in PUBLISHED_HR_COLUMNS if c not in table]
    if missing:
        raise ValueError(f"{path}: columns {missing} missing; the file needs {PUBLISHED_HR_COLUMNS}")
    checks = {
        "doi": lambda v: v == "" or DOI.fullmatch(v) is not None,
        "url": lambda v: v == "" or v.startswith("https://"),
        **{c: lambda v: re.fullmatch(r"\d+(\.\d+)?", v) is not None for c in ("hr", "hr_ci_low", "hr_ci_high")},
    }
    for column, valid in checks.items():
        bad = [v for v in table[column] if not valid(v)]
        if bad:
            raise ValueError(
                f"{path}: column {column!r} holds {bad}; write a DOI (10.xxxx/...), an https:// address, "
                "or a positive number as the column asks, or leave a link empty"
            )
    return table[PUBLISHED_HR_COLUMNS].astype({"hr": float, "hr_ci_low": float, "hr_ci_high": float})


def linked_dois(text: str) -> Markup:
    """``text`` escaped, each DOI in it a link to doi.org (a citation a reader can follow)."""
    parts, last = [], 0
    for match in DOI.finditer(text):
        doi = match.group().rstrip(".,;)")
        end = match.start() + len(doi)
        parts += [escape(text[last:match.start()]),
                  Markup('<a href="https://doi.org/{}">{}</a>').format(quote(doi, safe="/:;()._-"), doi)]
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


WHY_PUBLISHED_DIFFER = (
    "A high-against-low immunohistochemistry HR and an mRNA HR per SD are different scales, and "
    "are never compared here. The published ones pool studies that stained HIF-1α protein and "
    "compared patients with high against low staining, at cut-offs each study chose. The nearest "
    "the pipeline has is the HR of its own split of the same score at each cohort's median, shown "
    "above; the HR per SD everywhere else on this page is per standard deviation of a continuous "
    "score, on which one step separates patients much less than 'high vs low' does. Even the split "
    "is not the same measurement: HIF-1α itself is regulated "
    "mostly at the protein level, so its protein need not follow its targets' mRNA, and pooled "
    "small immunohistochemistry studies lean towards large effects (publication bias)."
)

QUESTION_DISEASE = "osteosarcoma"  # the disease the page's question and the published figures are about


def is_other_disease(disease: str) -> bool:
    """Whether a cohort's configured disease is not QUESTION_DISEASE."""
    return disease.strip().lower() != QUESTION_DISEASE

HEADLINE_COLUMNS = [
    "cohort", "signature", "method", "endpoint", "n", "events",
    "hr", "hr_ci_low", "hr_ci_high", "p_wald",
    "harrell_c", "harrell_c_ci_low", "harrell_c_ci_high",
    "null_percentile_log_hr", "p_empirical_abs_log_hr", "n_random_sets", "null_log_hr_sd",
    "r_sample_mean_z", "offset_warning", "p_empirical_abs_log_hr_adj_sample_mean_z",
    "null_deciding", "null_deciding_percentile_log_hr", "null_deciding_p_empirical_abs_log_hr",
    "hr_adj_proliferation", "hr_adj_proliferation_ci_low", "hr_adj_proliferation_ci_high",
    "status_adj_proliferation",
    "hr_adj_metastasis", "hr_adj_metastasis_ci_low", "hr_adj_metastasis_ci_high",
    "status_adj_metastasis",
    "hr_high_vs_low", "hr_high_vs_low_ci_low", "hr_high_vs_low_ci_high", "se_log_hr_high_vs_low",
]
HIGH_VS_LOW = HEADLINE_COLUMNS[-4:]  # the median split's Cox HR: the scale of published high-vs-low HRs
_KEY = ["cohort", "signature", "method", "endpoint"]


def _adjusted(models: pd.DataFrame, model: str) -> pd.DataFrame:
    rows = models[models["model"] == model].set_index(_KEY)
    fitted = rows["status"] == "fitted"
    return pd.DataFrame(
        {
            f"hr_adj_{model}": rows["hr"].where(fitted),
            f"hr_adj_{model}_ci_low": rows["hr_ci_low"].where(fitted),
            f"hr_adj_{model}_ci_high": rows["hr_ci_high"].where(fitted),
            f"status_adj_{model}": rows["status"],
        }
    )


def headline_table(
    cox: pd.DataFrame,
    discrimination: pd.DataFrame,
    null: pd.DataFrame,
    models: pd.DataFrame,
    *,
    method: str,
    primary_signature: str,
) -> pd.DataFrame:
    """One row per cohort, signature and endpoint for one scoring method: HR per SD with its
    Wald 95% CI and p, Harrell's C with its bootstrap CI, the random-signature null percentile
    and empirical p, the null's spread, the score's correlation with the sample-wide mean
    z-score with its warning and the empirical p adjusted for it, the null comparison that
    decides question 2 (``null_deciding``: adjusted where the score follows the sample-wide mean
    z-score) with its percentile and p, and the HR adjusted for proliferation and for metastasis (NaN with the
    status where a model was not fitted). The primary signature comes first, then the others
    in the order of ``cox``."""
    table = cox[cox["method"] == method].set_index(_KEY)[["n", "events", "hr", "hr_ci_low", "hr_ci_high", "p_wald", *HIGH_VS_LOW]]
    table = table.join(discrimination.set_index(_KEY)[["harrell_c", "harrell_c_ci_low", "harrell_c_ci_high"]])
    null_rows = null.set_index(_KEY).reindex(table.index)
    table = table.join(
        null_rows[[
            "percentile_log_hr", "p_empirical_abs_log_hr", "n_random_sets", "null_log_hr_sd", "r_sample_mean_z", "offset_warning",
            "p_empirical_abs_log_hr_adj_sample_mean_z",
        ]].rename(columns={"percentile_log_hr": "null_percentile_log_hr"})
    )
    adjusted = null_rows["offset_warning"].eq(True).to_numpy()
    table["null_deciding"] = np.where(adjusted, ADJUSTED_LABEL, "unadjusted")
    for column in ("percentile_log_hr", "p_empirical_abs_log_hr"):
        table[f"null_deciding_{column}"] = np.where(
            adjusted, null_rows[column + deciding_suffix(True)], null_rows[column + deciding_suffix(False)]
        )
    for model in ("proliferation", "metastasis"):
        table = table.join(_adjusted(models, model))
        table[f"status_adj_{model}"] = table[f"status_adj_{model}"].fillna("not in config")
    table = table.reset_index()
    signature_order = {s: i for i, s in enumerate(dict.fromkeys(table["signature"]))}
    table["_order"] = [(s != primary_signature, signature_order[s]) for s in table["signature"]]
    table = table.sort_values(["_order", "cohort", "endpoint"], kind="stable").drop(columns="_order")
    return table[HEADLINE_COLUMNS].reset_index(drop=True)


def endpoint_summary(headline: pd.DataFrame, meta: pd.DataFrame | None, *, signature: str, method: str) -> list[dict[str, Any]]:
    """Each endpoint the run answers for, with the cohorts recording it and the patients and
    events they hold (for ``signature`` scored by ``method``): every endpoint kind, then each
    joined pool of kinds of the meta-analysis, naming the kind each cohort enters with."""
    if meta is not None:
        summary = []
        for _, row in meta[(meta["signature"] == signature) & (meta["method"] == method)].iterrows():
            cohorts, kinds = ([] if pd.isna(row[c]) else str(row[c]).split(";") for c in ("cohorts", "endpoints_pooled"))
            summary.append({
                "endpoint": row["endpoint"], "cohorts": cohorts, "patients": int(row["patients"]), "events": int(row["events"]),
                "joins": [f"{c} ({endpoint_label(e)})" for c, e in zip(cohorts, kinds, strict=True)]
                if set(kinds) - {row["endpoint"]} else [],
            })
        return summary
    rows = headline[headline["signature"] == signature]
    return [
        {"endpoint": endpoint, "cohorts": list(group["cohort"]), "patients": int(group["n"].sum()),
         "events": int(group["events"].sum()), "joins": []}
        for endpoint, group in rows.groupby("endpoint", sort=False)
    ]


def published_comparison(
    headline: pd.DataFrame, published: pd.DataFrame, *, signature: str, method: str,
    cohort_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """The published pooled HRs (read_published_hazard_ratios) beside the pipeline's on their scale: the HR of ``signature``'s
    score above against below each cohort's median (high vs low, Cox, Wald 95% CI), for the
    endpoints the published figures report, per cohort and pooled over two or more
    (DerSimonian-Laird). The pipeline's HR per SD is another scale and is not set beside them.
    ``population`` names each cohort's disease and ``population_differs`` marks the pipeline's
    rows whose cohorts are not all of the published figures' disease, both as cohort_labels
    gives them (``cohort_info``; a cohort not in it: disease not stated)."""

    def population(cohorts: list[str]) -> dict[str, Any]:
        info = cohort_labels({c: {} for c in cohorts}) | dict(cohort_info or {})
        named = [f"{c} ({info[c]['disease']})" for c in cohorts]
        return {
            "population": "cohort" + ("s " if len(cohorts) > 1 else " ") + ", ".join(named),
            "population_differs": any(info[c]["other_disease"] for c in cohorts),
        }

    rows: list[dict[Any, Any]] = published.assign(kind="published", population_differs=False).to_dict("records")
    endpoints = set(published["endpoint"])
    measure = f"{signature} mRNA score ({method_label(method)}), above vs below the cohort's median"
    ours = headline[(headline["signature"] == signature) & headline["endpoint"].isin(endpoints)]
    for _, row in ours.iterrows():
        rows.append({
            "source": f"this pipeline: {row['cohort']} (n={row['n']}, {row['events']} events)",
            **population([row["cohort"]]), "measure": measure, "endpoint": row["endpoint"],
            "hr": row["hr_high_vs_low"], "hr_ci_low": row["hr_high_vs_low_ci_low"],
            "hr_ci_high": row["hr_high_vs_low_ci_high"], "kind": "pipeline",
        })
    splits = ours.assign(log_hr=np.log(ours["hr_high_vs_low"].astype(float)), se_log_hr=ours["se_log_hr_high_vs_low"])
    for _, pool in random_effects(splits).iterrows():
        if pool["k"] < 2:
            continue
        rows.append({
            "source": f"this pipeline: random-effects pool of {pool['k']} cohorts (n={pool['patients']}, {pool['events']} events)",
            **population(pool["cohorts"].split(";")), "measure": measure, "endpoint": pool["endpoint"],
            "hr": pool["pooled_hr"], "hr_ci_low": pool["pooled_hr_ci_low"], "hr_ci_high": pool["pooled_hr_ci_high"],
            "kind": "pipeline",
        })
    return pd.DataFrame(rows)


def _detectable_column(power: pd.DataFrame) -> str:
    """power.tsv's detectable-HR column, named for its power level."""
    return next(c for c in power.columns if c.startswith("detectable_hr_per_sd_at_"))


def power_records(power: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """power.tsv's rows for the page, each with its detectable HR under one name."""
    detectable = _detectable_column(power)
    return [row | {"detectable_hr_per_sd": row[detectable]} for row in power.to_dict("records")]


def ruled_out_sentence(power: pd.DataFrame, endpoint: str) -> str:
    """What the primary's interval for ``endpoint`` rules out, and what its events could have
    detected (power.power_table rows: the pool where two or more cohorts record it, else the
    one cohort's)."""
    rows = power[power["endpoint"] == endpoint]
    rows = rows[rows["scope"] == "pooled"] if (rows["scope"] == "pooled").any() else rows
    if rows.empty:
        return ""
    row = rows.iloc[0]
    detectable = _detectable_column(power)
    level = float(detectable.removeprefix("detectable_hr_per_sd_at_").removesuffix("_power"))
    powers = [c for c in power.columns if c.startswith("power_at_hr_")]
    where = (f"pooled over {row['cohorts'].replace(';', ', ')}" if row["scope"] == "pooled" else f"in {row['cohorts']}")
    at = ", ".join(f"{row[c]:.0%} at HR {c.removeprefix('power_at_hr_').removesuffix('_per_sd')}" for c in powers)
    upper = float(row["largest_hr_per_sd_not_ruled_out"])
    ruled = f"HRs per SD above {upper:.2f} are ruled out at 95%" if np.isfinite(upper) else "no HR is ruled out (no finite interval)"
    return (f"{endpoint_label(endpoint).capitalize()}, {where} ({row['patients']} patients, {row['events']} events): {ruled}. "
            f"These events detect HR {row[detectable]:.2f} per SD with {level:.0%} power (Schoenfeld; power {at})"
            + ("." if bool(row["informative"]) else ", too few to read a \"no\" as evidence against an effect."))


MODEL_COMPARISON_COLUMNS = [
    "signature", "role", "citation", "score", "validation", "cohort", "training_cohort", "endpoint",
    "n", "events", "hr", "hr_ci_low", "hr_ci_high", "p_wald", "c_index", "status",
]
MODEL_COMPARISON_QUESTION = (
    "Side by side, each published model (its own coefficients, the weighted score) and the "
    "HIF-1α signature are tested the same way: within each cohort (HR per SD of the score, "
    "Harrell's C) and locked, trained in one cohort and applied unchanged in the other. This "
    "answers whether HIF-1α's signature predicts as well as the models the field already uses; "
    "whether it adds to them, both scores in one Cox model, is the head-to-head table above."
)


def published_models(signatures: pd.DataFrame) -> dict[str, str]:
    """Signature -> citation(s) of every signature read from a weight file (a published model)."""
    weighted = signatures[signatures["weight_from"] == "weights_file"]
    return {
        str(name): "; ".join(sorted({str(c) for c in rows["citation"] if isinstance(c, str) and c}))
        for name, rows in weighted.groupby("signature", sort=False)
    }


def model_comparison(
    cox: pd.DataFrame,
    discrimination: pd.DataFrame,
    locked: pd.DataFrame | None,
    signatures: pd.DataFrame,
    *,
    primary_signature: str,
    primary_method: str,
) -> pd.DataFrame:
    """The published models (signatures with a weight file: their ``weighted`` score and their
    ``published`` locked rows) beside the primary signature (its primary method, and its locked
    weightings the judgement reads, JUDGED_WEIGHTINGS, which every signature gets), per cohort and per ordered pair of cohorts (MODEL_COMPARISON_COLUMNS);
    empty where no published model is configured."""
    models = published_models(signatures)
    if not models:
        return pd.DataFrame(columns=MODEL_COMPARISON_COLUMNS)
    rows = []
    c_index = discrimination.set_index(_KEY)["harrell_c"]
    entries: list[tuple[str, str, str, str, tuple[str, ...]]] = [
        (primary_signature, "HIF-1α signature", "", primary_method, JUDGED_WEIGHTINGS)
    ]
    entries += [(name, "published model", citation, "weighted", ("published",)) for name, citation in models.items()]
    for signature, role, citation, method, weightings in entries:
        common = {"signature": signature, "role": role, "citation": citation}
        within = cox[(cox["signature"] == signature) & (cox["method"] == method)]
        for _, row in within.iterrows():
            rows.append(common | {
                "score": method_label(method), "validation": "within cohort", "cohort": row["cohort"],
                "training_cohort": "", "endpoint": row["endpoint"], "n": row["n"], "events": row["events"],
                "hr": row["hr"], "hr_ci_low": row["hr_ci_low"], "hr_ci_high": row["hr_ci_high"],
                "p_wald": row["p_wald"], "c_index": c_index.get((row["cohort"], signature, method, row["endpoint"])),
                "status": "estimated" if np.isfinite(row["hr"]) else "not estimable: no finite Cox estimate",
            })
        if locked is None:
            continue
        for _, row in locked[(locked["signature"] == signature) & locked["weights"].isin(weightings)].iterrows():
            rows.append(common | {
                "score": f"locked, {row['weights']} weights", "validation": "locked", "cohort": row["test_cohort"],
                "training_cohort": row["training_cohort"], "endpoint": row["endpoint"], "n": row["n"],
                "events": row["events"], "hr": row["hr"], "hr_ci_low": row["hr_ci_low"],
                "hr_ci_high": row["hr_ci_high"], "p_wald": row["p_wald"], "c_index": row["c_index"],
                "status": row["status"],
            })
    return pd.DataFrame(rows, columns=MODEL_COMPARISON_COLUMNS)


def input_checksums(files: Mapping[str, str | Path]) -> pd.DataFrame:
    """Every data file the run read (``files``: its location as the config names it -> the file
    read), with its size and SHA-256: what tells whether a rerun read the same inputs."""
    rows = []
    for location, path in files.items():
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        rows.append((location, Path(path).stat().st_size, digest))
    return pd.DataFrame(rows, columns=["file", "bytes", "sha256"])


def software_versions(packages: Iterable[str]) -> pd.DataFrame:
    """Python and the installed version of each package (``not installed`` where absent)."""
    rows = [("python", platform.python_version())]
    for package in packages:
        try:
            rows.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            rows.append((package, "not installed"))
    return pd.DataFrame(rows, columns=["software", "version"])


def workflow_version(source: str | Path) -> str:
    """Which workflow wrote the page: ``git describe`` of its checkout (``-dirty`` with
    uncommitted changes), else the installed analysis package's release."""
    try:
        described = subprocess.run(
            ["git", "-C", str(source), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout.strip()
        return f"git commit {described}"
    except (OSError, subprocess.SubprocessError):
        return f"hif-prognosis release {metadata.version('hif-prognosis')} (not a git checkout)"


def run_stamp(source: str | Path) -> dict[str, str]:
    """When and by which workflow the page was written (on the page only: tables carry no
    date, so that the same config and seed give byte-identical tables)."""
    written = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return {"written": written, "workflow": workflow_version(source)}


def image_data_uri(path: str | Path) -> str:
    """A PNG as a data: URI, so the page carries its figures inside itself."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hif_prognosis.presentation", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        hr=format_hr, p=format_p, endpoint=endpoint_label, delta_c=format_delta_c, linked_dois=linked_dois,
    )
    return environment


def render_summary_page(context: Mapping[str, Any]) -> str:
    """The page (``templates/summary.html.j2``) from a context of tables and figure URIs."""
    return _environment().get_template("summary.html.j2").render(**context)


@dataclass(frozen=True)
class FigureSection:
    anchor: str
    title: str
    note: str
    figures: list[tuple[str, str]]  # (PNG path, caption)


# A gene set agrees across cohorts where its NES has one sign and its FDR is below this in every
# cohort (GSEA's conventional FDR threshold, Subramanian et al. 2005).
AGREEMENT_FDR = 0.25

# The navigation bar's short name of each figure section (by anchor); only sections the page
# has are linked.
SECTION_NAV = {
    "across": "across cohorts", "specifications": "specification curve", "forest": "forest plot", "locked": "locked models", "km": "Kaplan–Meier",
    "comparators": "comparator classes", "genes": "gene forest",
    "null": "null", "enrichment": "enrichment",
}


def page_figure_sections(
    *,
    forest: str | None,
    locked_forest: str | None,
    locked_kaplan_meier: Sequence[tuple[str, tuple[str, str, str, str, str]]] = (),
    kaplan_meier: list[str],
    gene_forest: list[str],
    null_plot: list[str],
    enrichment_plot: list[str],
    top_sets: list[str],
    cohorts: list[str],
    endpoints: Mapping[str, list[str]],
    rankings: list[str],
    signature: str,
    method: str,
    plotted_set: str,
    ranking_endpoints: Mapping[str, str],
    comparator_kaplan_meier: Sequence[str] = (),
    comparators: Sequence[str] = (),
    specification_curve: str | None = None,
    offset_cohorts: Sequence[str] = (),
) -> list[FigureSection]:
    """The page's figure sections with their captions (``locked_kaplan_meier``: each locked
    split's figure with its signature, weights, training and test cohort and endpoint;
    ``ranking_endpoints``: the endpoint each cohort's genes are ranked by; ``offset_cohorts``:
    where the primary score follows the sample-wide mean z-score). Per-cohort figures come in cohort order
    (Kaplan-Meier: each cohort's endpoints in turn; enrichment: each cohort's rankings), as the
    workflow expands them."""
    sections = _across_cohort_sections(
        forest=forest, locked_forest=locked_forest, locked_kaplan_meier=locked_kaplan_meier, cohorts=cohorts,
        signature=signature, method=method, specification_curve=specification_curve,
    )
    km_keys = [(c, e) for c in cohorts for e in endpoints[c]]
    sections.append(FigureSection(
        "km", "Kaplan–Meier curves", "Median split of the primary score, for display only: the tests use the continuous score.",
        [(path, f"{c}, {endpoint_label(e)}: {signature} ({method_label(method)}) above vs below the median, 95% bands, numbers at risk.")
         for path, (c, e) in zip(kaplan_meier, km_keys, strict=True)],
    ))
    if comparators:
        class_keys = [(c, comparator, e) for c in cohorts for comparator in comparators for e in endpoints[c]]
        sections.append(FigureSection(
            "comparators", "The comparators' classes", "CINSARC's risk classes by nearest centroid (leave-one-out); "
            "where a cohort has no distant-metastasis labels, the figure says so.",
            [(path, f"{c}, {endpoint_label(e)}: {comparator} C2 (high risk) against C1.")
             for path, (c, comparator, e) in zip(comparator_kaplan_meier, class_keys, strict=True)],
        ))
    sections += _gene_and_null_sections(gene_forest, null_plot, cohorts, signature, offset_cohorts)
    sections.append(_enrichment_section(
        enrichment_plot, top_sets, [(c, r) for c in cohorts for r in rankings], signature=signature, method=method,
        plotted_set=plotted_set, ranking_endpoints=ranking_endpoints, offset_cohorts=offset_cohorts,
    ))
    return sections


def _gene_and_null_sections(
    gene_forest: list[str], null_plot: list[str], cohorts: list[str], signature: str, offset_cohorts: Sequence[str]
) -> list[FigureSection]:
    """Each cohort's gene forest and random-signature null."""
    return [
        FigureSection(
            "genes", "Gene forest: which genes carry the signal", "",
            [(path, f"{c}: each gene of {signature}, univariable Cox per SD of expression; vermillion = BH q < 0.05.")
             for path, c in zip(gene_forest, cohorts, strict=True)],
        ),
        FigureSection(
            "null", "Random-signature null", "Random gene sets of the same size and expression profile, scored and fitted the same way (Venet et al. 2011).",
            [(path, f"{c}: the signatures' log HR (vermillion) among random sets (grey)"
                    + (f", both {ADJUSTED_LABEL}, the comparison that decides (black outline: unadjusted)" if c in offset_cohorts else "")
                    + "; blue: adjusted for proliferation.")
             for path, c in zip(null_plot, cohorts, strict=True)],
        ),
    ]


def _across_cohort_sections(
    *, forest: str | None, locked_forest: str | None,
    locked_kaplan_meier: Sequence[tuple[str, tuple[str, str, str, str, str]]], cohorts: list[str], signature: str,
    method: str, specification_curve: str | None,
) -> list[FigureSection]:
    """The sections that read cohorts together: the specification curve, the forest plot and
    the locked scores (or why a single cohort has none)."""
    sections = []
    if not forest and not locked_forest:
        sections.append(FigureSection(
            "across", "Across cohorts",
            f"The forest plot of the random-effects meta-analysis and the locked-model validation need two or "
            f"more cohorts; this run has {len(cohorts)}. Add a cohort under cohorts: in the config to get them.",
            [],
        ))
    if specification_curve:
        sections.append(FigureSection(
            "specifications", "Specification curve: every reasonable choice",
            "The primary question under every signature variant, scoring method, endpoint and set of cohorts "
            "(every cohort, then each left out); the pre-specified primary is marked.",
            [(specification_curve, "Pooled HR per SD of each specification, sorted, coloured by verdict; below, its choices.")],
        ))
    if forest:
        sections.append(FigureSection(
            "forest", "Forest plot across cohorts", "",
            [(forest, f"{signature} ({method_label(method)}): HR per SD in each cohort and pooled (DerSimonian–Laird).")],
        ))
    if locked_forest:
        sections.append(FigureSection(
            "locked", "Locked scores: weights from one cohort, applied unchanged in the other",
            "Gene weights learned in the training cohort (per-gene Cox, PC1, multivariable, ridge and "
            "LASSO Cox) and applied unchanged, as papers validate a locked risk model.",
            [(locked_forest, f"{signature}: test-cohort HR per SD and Harrell's C, each weighting and direction.")]
            + [(path, f"{test}, {endpoint_label(endpoint)}: {name} locked with {weights} weights from {training}, split at "
                      f"{training}'s median score.")
               for path, (name, weights, training, test, endpoint) in locked_kaplan_meier],
        ))
    return sections


def _enrichment_section(
    enrichment_plot: list[str], top_sets: list[str], keys: list[tuple[str, str]], *, signature: str, method: str,
    plotted_set: str, ranking_endpoints: Mapping[str, str], offset_cohorts: Sequence[str],
) -> FigureSection:
    """Each cohort's enrichment curve and top gene sets, ranking by ranking (``keys``)."""
    figures = []
    for curve, dots, (cohort, ranking) in zip(enrichment_plot, top_sets, keys, strict=True):
        ranked_by = ranking_labels(
            ranking, endpoint=ranking_endpoints[cohort], signature=signature, method=method
        ).ranked_by
        figures.append((curve, f"{cohort}: {plotted_set}, genes ranked by {ranked_by}."))
        figures.append((dots, f"{cohort}: top gene sets, genes ranked by {ranked_by} (pre-ranked GSEA, all libraries)."))
    return FigureSection(
        "enrichment", "Enrichment: which pathways explain the signal",
        "Two rankings of every gene: its own Cox association with survival (independent of any "
        "signature), and its correlation with the primary score (the signature's own genes are "
        "expected at the top)."
        + (f" In {', '.join(offset_cohorts)} the primary score mostly follows the sample-wide mean "
           "z-score, so the correlation ranking orders genes largely by how much they share that "
           "offset: there the signature's own genes need not come first, and their enrichment says "
           "little either way." if offset_cohorts else ""),
        figures,
    )


def answer_kind(answer: str) -> str:
    """CSS class of a judgement answer: yes, no, or open (not established)."""
    first_word = answer.split(" ", 1)[0]
    return first_word if first_word in ("yes", "no") else "open"


def top_rows(table: pd.DataFrame, by: list[str], n: int, *, group: str, ascending: bool = True) -> pd.DataFrame:
    """The first ``n`` rows of each ``group`` after sorting by ``by``."""
    ordered = table.sort_values(by, ascending=ascending, kind="stable")
    return ordered.groupby(group, sort=False).head(n)


def cohort_labels(context: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    """Per cohort, what the page shows of it: ``disease`` and ``description`` from the config,
    ``label`` (the two together), and whether its disease is stated and other than
    QUESTION_DISEASE (a cohort whose disease the config does not state is taken as asked, and
    says so)."""
    labels = {}
    for cohort, fields in context.items():
        stated = "disease" in fields
        disease, description = fields.get("disease", "disease not stated in the config"), fields.get("description", "")
        labels[cohort] = {
            "disease": disease, "description": description,
            "label": disease + (f"; {description}" if description else ""),
            "other_disease": stated and is_other_disease(disease),
        }
    return labels


def page_context(
    *,
    signature: str,
    method: str,
    cohorts: list[str],
    headline: pd.DataFrame,
    judgement: pd.DataFrame,
    meta: pd.DataFrame | None,
    nes: pd.DataFrame,
    ora: pd.DataFrame,
    versions: pd.DataFrame,
    config_text: str,
    figure_sections: list[FigureSection],
    gsea_method: str,
    gsea_draws: int | None = None,
    model_comparison: pd.DataFrame | None = None,
    head_to_head: pd.DataFrame | None = None,
    head_to_head_pooled: pd.DataFrame | None = None,
    cohort_context: Mapping[str, Mapping[str, str]] | None = None,
    specifications: pd.DataFrame | None = None,
    power: pd.DataFrame | None = None,
    primary_endpoint: str = "overall_survival",
    run_stamp: Mapping[str, str] | None = None,
    published_hazard_ratios: pd.DataFrame | None = None,
    checksums: pd.DataFrame | None = None,
    nes_top_n: int = 10,
    ora_top_n: int = 5,
) -> dict[str, Any]:
    """Everything the page template shows, as plain records. ``gsea_method`` says how the GSEA
    p and FDR were computed (enrichment.significance_method); ``gsea_draws``: the permutations
    behind them where those limit their resolution (an FDR of 0 prints as "< 1/n")."""
    labels = cohort_labels(cohort_context or {cohort: {} for cohort in cohorts})
    primary = Primary(signature, method, primary_endpoint)
    robust = robustness(specifications, primary) if specifications is not None else None
    return {
        "robustness": robust.sentence(primary) if robust else "",
        "robustness_depends": bool(robust and robust.depends_on),
        "ruled_out": ruled_out_sentence(power, primary_endpoint) if power is not None else "",
        "power": [] if power is None else power_records(power),
        "signature": signature,
        "method": method,
        "method_label": method_label(method),
        "cohorts": cohorts,
        **_answer_context(signature, method, cohorts, labels, headline, judgement, meta, published_hazard_ratios),
        "model_comparison": records(model_comparison),
        "head_to_head": records(head_to_head),
        "head_to_head_pooled": records(head_to_head_pooled),
        "model_comparison_question": MODEL_COMPARISON_QUESTION,
        "checksums": records(checksums),
        "run_stamp": run_stamp or {"written": "at a time not recorded", "workflow": "a version not recorded"},
        "offset_warning_r": OFFSET_WARNING_R,
        "adjusted_label": ADJUSTED_LABEL,
        "figure_sections": [_figure_section_context(section) for section in figure_sections],
        **_enrichment_context(nes, ora, cohorts, gsea_method, gsea_draws, nes_top_n, ora_top_n),
        "versions": versions.to_dict("records"),
        "config_text": config_text,
    }


def records(table: pd.DataFrame | None) -> list[dict[Hashable, Any]]:
    """A table's rows as records for the template; none where the run has no such table."""
    return [] if table is None else table.to_dict("records")


def _answer_context(
    signature: str, method: str, cohorts: list[str], labels: Mapping[str, Mapping[str, Any]], headline: pd.DataFrame,
    judgement: pd.DataFrame, meta: pd.DataFrame | None, published_hazard_ratios: pd.DataFrame | None,
) -> dict[str, Any]:
    """The answer, the cohorts it is read in, the headline and the judgement's criteria."""
    answers = judgement[judgement["question"] == "answer"]
    pooled = (
        meta[(meta["signature"] == signature) & (meta["method"] == method)] if meta is not None else pd.DataFrame()
    )
    published = published_hazard_ratios if published_hazard_ratios is not None else pd.DataFrame(columns=PUBLISHED_HR_COLUMNS)
    return {
        "cohort_info": labels,
        "other_disease": [cohort for cohort in cohorts if labels[cohort]["other_disease"]],
        # the disease the page's question is asked of: the cohorts', where they are all of another
        "page_disease": (
            ", ".join(dict.fromkeys(labels[c]["disease"] for c in cohorts))
            if all(labels[c]["other_disease"] for c in cohorts) else QUESTION_DISEASE
        ),
        "question_disease": QUESTION_DISEASE,
        "endpoint_summary": endpoint_summary(headline, meta, signature=signature, method=method),
        "answers": [
            {"endpoint": row["endpoint"], "value": row["value"], "kind": answer_kind(row["value"])}
            for _, row in answers.iterrows()
        ],
        "headline_primary": headline[headline["signature"] == signature].to_dict("records"),
        "headline_all": headline.to_dict("records"),
        "pooled": pooled.to_dict("records"),
        "judgement": judgement[judgement["question"] != "answer"].to_dict("records"),
        "questions": [{"name": name, "text": text} for name, text in QUESTIONS.items()],
        "published": published_comparison(
            headline, published, signature=signature, method=method, cohort_info=labels,
        ).to_dict("records"),
        "why_published_differ": WHY_PUBLISHED_DIFFER,
    }


def _figure_section_context(section: FigureSection) -> dict[str, Any]:
    return {
        "anchor": section.anchor, "title": section.title, "note": section.note,
        "nav": SECTION_NAV.get(section.anchor, section.anchor),
        "figures": [
            {"uri": image_data_uri(path), "caption": caption, "path": path} for path, caption in section.figures
        ],
    }


def _enrichment_context(
    nes: pd.DataFrame, ora: pd.DataFrame, cohorts: list[str], gsea_method: str, gsea_draws: int | None,
    nes_top_n: int, ora_top_n: int,
) -> dict[str, Any]:
    """The gene sets most enriched across cohorts (pre-ranked GSEA) and by over-representation."""
    fdr = nes[[f"fdr_q_{cohort}" for cohort in cohorts if f"fdr_q_{cohort}" in nes]]
    nes = nes.assign(
        _abs=-nes["mean_nes"].abs(),
        agrees=nes["same_sign"].astype(bool) & (fdr < AGREEMENT_FDR).all(axis=1) & (fdr.shape[1] > 1),
    )
    return {
        "gsea_method": gsea_method,
        "gsea_draws": gsea_draws,
        "nes_top": top_rows(nes, ["_abs", "term"], nes_top_n, group="ranking").to_dict("records"),
        "nes_top_n": nes_top_n,
        "ranking_names": RANKING_NAMES,
        "agreement_fdr": AGREEMENT_FDR,
        "ora_top": top_rows(
            ora[~ora["self_match"].astype(bool)] if "self_match" in ora else ora,
            ["p_hypergeometric", "term"], ora_top_n, group="cohort",
        ).to_dict("records"),
        "ora_self_matches": sorted(set(ora.loc[ora["self_match"].astype(bool), "term"])) if "self_match" in ora else [],
        "ora_top_n": ora_top_n,
    }
