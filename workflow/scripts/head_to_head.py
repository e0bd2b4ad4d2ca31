"""Adapter: the comparators alone and beside the primary HIF-1alpha score in one cohort (see
hif_prognosis.survival.comparators and hif_prognosis.survival.head_to_head)."""

from hif_prognosis.data.clinical import endpoint_names
from hif_prognosis.survival.comparators import comparator_tables, comparators_from_config
from hif_prognosis.data.genesets import read_gene_list
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    p, cohort = smk.params, smk.wildcards.cohort
    with logged_step(smk.log[0], f"comparators head to head in {cohort}") as log:
        clinical = read_tsv(smk.input.clinical)
        scores = read_tsv(smk.input.scores)
        primary = scores[(scores["signature"] == p.signature) & (scores["method"] == p.method)]
        genes = {name: read_gene_list(path) for name, path in zip(p.comparators, smk.input.comparators, strict=True)}
        weights = {table["comparator"].iloc[0]: table for table in map(read_tsv, smk.input.weights)}
        table, comparator_scores = comparator_tables(
            cohort, read_matrix(smk.input.expression), clinical, primary.set_index("sample_id")["score"],
            comparators_from_config(p.comparators, genes, weights), endpoints=endpoint_names(clinical),
            resamples=p.resamples, seed=p.seed,
        )
        for row in table.itertuples():
            log.info("%s, %s: %s", row.comparator, row.endpoint, row.comparator_status if row.comparator_status != "scored" else row.status)
        write_tsv(table, smk.output.table)
        write_tsv(comparator_scores, smk.output.scores)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
