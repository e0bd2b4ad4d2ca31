"""Adapter: the one-page summary results/summary/index.html and its headline table
(see hif_prognosis.summary)."""

from pathlib import Path

import pandas as pd

from hif_prognosis.enrichment import ranking_labels
from hif_prognosis.runlog import logged_step
from hif_prognosis.summary import FigureSection, headline_table, page_context, render_summary_page
from hif_prognosis.tables import read_tsv, write_tsv


def read_all(paths, cohorts=None) -> pd.DataFrame:
    frames = [read_tsv(path) for path in paths]
    if cohorts is not None:
        frames = [frame.assign(cohort=cohort) for frame, cohort in zip(frames, cohorts, strict=True)]
    return pd.concat(frames, ignore_index=True)


def figure_sections(smk) -> list[FigureSection]:
    p, i = smk.params, smk.input
    sections = []
    if i.forest:
        sections.append(FigureSection(
            "forest", "Forest plot across cohorts", "",
            [(i.forest[0], f"{p.signature} ({p.method}): HR per SD in each cohort and pooled (DerSimonian–Laird).")],
        ))
    km_keys = [(c, e) for c in p.cohorts for e in p.endpoints[c]]
    sections.append(FigureSection(
        "km", "Kaplan–Meier curves", "Median split of the primary score, for display only: the tests use the continuous score.",
        [(path, f"{c}, {e.upper()}: {p.signature} ({p.method}) above vs below the median, 95% bands, numbers at risk.")
         for path, (c, e) in zip(i.kaplan_meier, km_keys, strict=True)],
    ))
    sections.append(FigureSection(
        "genes", "Gene forest: which genes carry the signal", "",
        [(path, f"{c}: each gene of {p.signature}, univariable Cox per SD of expression; vermillion = BH q < 0.05.")
         for path, c in zip(i.gene_forest, p.cohorts, strict=True)],
    ))
    sections.append(FigureSection(
        "null", "Random-signature null", "Random gene sets of the same size and expression profile, scored and fitted the same way (Venet et al. 2011).",
        [(path, f"{c}: the signatures' log HR (vermillion) among random sets (grey); blue: adjusted for proliferation.")
         for path, c in zip(i.null_plot, p.cohorts, strict=True)],
    ))
    keys = [(c, r) for c in p.cohorts for r in p.rankings]
    figures = []
    for curve, dots, (cohort, ranking) in zip(i.enrichment_plot, i.top_sets, keys, strict=True):
        ranked_by = ranking_labels(ranking, endpoint=p.endpoint, signature=p.signature, method=p.method).ranked_by
        figures.append((curve, f"{cohort}: {p.plotted_set}, genes ranked by {ranked_by}."))
        figures.append((dots, f"{cohort}: top gene sets, genes ranked by {ranked_by} (pre-ranked GSEA, all libraries)."))
    sections.append(FigureSection(
        "enrichment", "Enrichment: which pathways explain the signal",
        "Two rankings of every gene: its own Cox association with survival (independent of any "
        "signature), and its correlation with the primary score (the signature's own genes are "
        "expected at the top).",
        figures,
    ))
    return sections


def main(smk) -> None:
    p, i = smk.params, smk.input
    with logged_step(smk.log[0], "one-page summary") as log:
        headline = headline_table(
            read_all(i.cox), read_all(i.discrimination), read_all(i.null), read_all(i.models),
            method=p.method, primary_signature=p.signature,
        )
        write_tsv(headline, smk.output.headline)
        context = page_context(
            signature=p.signature,
            method=p.method,
            cohorts=list(p.cohorts),
            headline=headline,
            judgement=read_tsv(i.judgement),
            meta=read_tsv(i.meta[0]) if i.meta else None,
            nes=read_tsv(i.nes),
            ora=read_all(i.ora, p.cohorts),
            versions=read_tsv(i.versions),
            config_text=Path(i.config).read_text(encoding="utf-8"),
            figure_sections=figure_sections(smk),
        )
        page = render_summary_page(context)
        Path(smk.output.page).write_text(page, encoding="utf-8")
        log.info("%d headline rows; page %.1f MB with %d figures", len(headline), len(page) / 1e6,
                 sum(len(s["figures"]) for s in context["figure_sections"]))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
