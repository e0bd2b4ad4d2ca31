"""Adapter: pre-ranked GSEA of one gene ranking, its dot plot and the enrichment plot of one set
(see hif_prognosis.enrichment)."""

import pandas as pd

from hif_prognosis.enrichment import RANKING_METRIC, prerank, ranking_labels
from hif_prognosis.genesets import read_gmt
from hif_prognosis.plotting import enrichment_curve_figure, message_figure, save_figure, top_sets_dotplot
from hif_prognosis.runlog import logged_step
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    p, cohort, ranking_name = smk.params, smk.wildcards.cohort, smk.wildcards.ranking
    labels = ranking_labels(ranking_name, endpoint=p.endpoint, signature=p.signature, method=p.method)
    with logged_step(smk.log[0], f"pre-ranked GSEA of {ranking_name} in {cohort}") as log:
        ranking = pd.read_csv(smk.input.ranking, sep="\t", index_col=0)[RANKING_METRIC[ranking_name]]
        libraries = {
            name: read_gmt(path)
            for name, path in zip(p.library_names, smk.input.libraries, strict=True)
        }
        result = prerank(
            ranking,
            libraries,
            permutations=p.permutations,
            min_size=p.min_size,
            max_size=p.max_size,
            seed=p.seed,
            threads=smk.threads,
            curve_terms=[p.plotted_set],
        )
        table = result.table
        log.info("%d sets tested; %d with FDR < 0.05", len(table), int((table["fdr_q"] < 0.05).sum()))
        write_tsv(table, smk.output.table)
        title = f"{cohort}: gene sets among genes ranked by {labels.ranked_by}"
        figure = top_sets_dotplot(table, n_top=p.top_sets_plotted, permutations=p.permutations, title=title)
        save_figure(figure, smk.output.dotplot, smk.output.dotplot_pdf)
        if p.plotted_set in result.curves:
            figure = enrichment_curve_figure(
                result.curves[p.plotted_set], result.ranking,
                title=f"{p.plotted_set} in {cohort}\nranked by {labels.ranked_by}",
                metric=labels.metric, high=labels.high, low=labels.low,
            )
        else:
            reason = (
                f"{p.plotted_set} was not tested in {cohort}: it is in none of the libraries "
                f"{p.library_names}, or fewer than {p.min_size} (more than {p.max_size}) of its "
                "genes were measured."
            )
            log.warning(reason)
            figure = message_figure(reason)
        save_figure(figure, smk.output.curve, smk.output.curve_pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
