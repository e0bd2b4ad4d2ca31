"""Adapter: the dot plot of the top sets of one GSEA table and the enrichment plot of the
chosen set (see hif_prognosis.presentation.plotting and hif_prognosis.enrichment.enrichment_curve)."""

from hif_prognosis.enrichment.rankings import RANKING_METRIC
from hif_prognosis.enrichment.gsea import enrichment_curve, smallest_reported_fdr
from hif_prognosis.presentation.labels import ranking_labels
from hif_prognosis.errors import InputError
from hif_prognosis.data.genesets import read_gmt
from hif_prognosis.presentation.plotting import enrichment_curve_figure, message_figure, save_figure, top_sets_dotplot
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv


def main(smk) -> None:
    p, cohort, ranking_name = smk.params, smk.wildcards.cohort, smk.wildcards.ranking
    labels = ranking_labels(ranking_name, endpoint=p.endpoint, signature=p.signature, method=p.method)
    with logged_step(smk.log[0], f"GSEA figures of {ranking_name} in {cohort}") as log:
        table = read_tsv(smk.input.table)
        title = f"{cohort}: gene sets among genes ranked by {labels.ranked_by}"
        figure = top_sets_dotplot(
            table, n_top=p.top_sets_plotted, fdr_floor=smallest_reported_fdr(p.engine, p.permutations), title=title
        )
        save_figure(figure, smk.output.dotplot, smk.output.dotplot_pdf)
        tested = table[table["term"] == p.plotted_set]
        if len(tested):
            row = tested.iloc[0]
            library = p.libraries[row["library"]]
            ranking = read_tsv(smk.input.ranking).set_index("gene")[RANKING_METRIC[ranking_name]]
            figure = enrichment_curve_figure(
                enrichment_curve(ranking, read_gmt(library)[p.plotted_set], row),
                title=f"{p.plotted_set} in {cohort}\nranked by {labels.ranked_by}",
                metric=labels.metric, high=labels.high, low=labels.low,
                n_draws=p.permutations if p.engine == "permutation" else None,
            )
        else:
            if not any(p.plotted_set in read_gmt(path) for path in p.libraries.values()):
                raise InputError(  # a library downloaded by this run; the next run's check lists near matches
                    f"enrichment.plotted_set {p.plotted_set!r} is a set of none of the libraries {list(p.libraries)}; "
                    "name a set one of them holds (run snakemake --dry-run to see near matches)."
                )
            reason = (
                f"{p.plotted_set} was not tested in {cohort}: fewer than {p.min_size} (or more than "
                f"{p.max_size}) of its genes were measured."
            )
            log.warning(reason)
            figure = message_figure(reason)
        save_figure(figure, smk.output.curve, smk.output.curve_pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
