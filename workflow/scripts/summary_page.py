"""Adapter: the one-page summary results/summary/index.html and its headline table
(see hif_prognosis.presentation.summary)."""

from pathlib import Path

import pandas as pd

from hif_prognosis.enrichment.gsea import significance_method
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.presentation.summary import FigureSection, headline_table, model_comparison, page_context, page_figure_sections, read_published_hazard_ratios, render_summary_page, run_stamp
from hif_prognosis.tables import read_tsv, write_tsv


def read_all(paths, cohorts=None) -> pd.DataFrame:
    frames = [read_tsv(path) for path in paths]
    if cohorts is not None:
        frames = [frame.assign(cohort=cohort) for frame, cohort in zip(frames, cohorts, strict=True)]
    return pd.concat(frames, ignore_index=True)


def figure_sections(smk, headline: pd.DataFrame) -> list[FigureSection]:
    p, i = smk.params, smk.input
    primary = headline[headline["signature"] == p.signature]
    return page_figure_sections(
        forest=i.forest[0] if i.forest else None,
        locked_forest=i.locked_forest[0] if i.locked_forest else None,
        locked_kaplan_meier=list(zip(i.locked_kaplan_meier, map(tuple, p.locked_kaplan_meier), strict=True)),
        kaplan_meier=list(i.kaplan_meier),
        comparator_kaplan_meier=list(i.comparator_kaplan_meier),
        comparators=list(p.comparators),
        specification_curve=i.specification_curve,
        gene_forest=list(i.gene_forest),
        null_plot=list(i.null_plot),
        enrichment_plot=list(i.enrichment_plot),
        top_sets=list(i.top_sets),
        cohorts=list(p.cohorts),
        endpoints=dict(p.endpoints),
        rankings=list(p.rankings),
        signature=p.signature,
        method=p.method,
        plotted_set=p.plotted_set,
        ranking_endpoints=dict(p.ranking_endpoints),
        offset_cohorts=list(dict.fromkeys(primary.loc[primary["offset_warning"].astype(bool), "cohort"])),
    )


def main(smk) -> None:
    p, i = smk.params, smk.input
    with logged_step(smk.log[0], "one-page summary") as log:
        headline = headline_table(
            read_all(i.cox), read_all(i.discrimination), read_all(i.null), read_all(i.models),
            method=p.method, primary_signature=p.signature,
        )
        write_tsv(headline, smk.output.headline)
        comparison = model_comparison(
            read_all(i.cox), read_all(i.discrimination), read_tsv(i.locked[0]) if i.locked else None,
            read_tsv(i.signatures), primary_signature=p.signature, primary_method=p.method,
        )
        write_tsv(comparison, smk.output.published_models)
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
            figure_sections=figure_sections(smk, headline),
            gsea_method=significance_method(p.gsea_engine, permutations=p.permutations, sample_size=p.sample_size),
            gsea_draws=p.permutations if p.gsea_engine == "permutation" else None,
            model_comparison=comparison,
            head_to_head=pd.concat([read_tsv(path) for path in i.head_to_head], ignore_index=True),
            head_to_head_pooled=read_tsv(i.head_to_head_pooled),
            specifications=read_tsv(i.specifications),
            power=read_tsv(i.power),
            primary_endpoint=p.primary_endpoint,
            cohort_context=dict(p.cohort_context),
            run_stamp=run_stamp(p.workflow_source),
            published_hazard_ratios=read_published_hazard_ratios(i.published_hazard_ratios),
            checksums=read_tsv(i.checksums),
        )
        page = render_summary_page(context)
        Path(smk.output.page).write_text(page, encoding="utf-8")
        log.info("%d headline rows; page %.1f MB with %d figures", len(headline), len(page) / 1e6,
                 sum(len(s["figures"]) for s in context["figure_sections"]))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
