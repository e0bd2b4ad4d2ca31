"""Adapter: a refitted comparator's gene weights, learned in its training cohort (see
hif_prognosis.survival.comparators.refit_weights)."""

from hif_prognosis.survival.comparators import refit_weights
from hif_prognosis.data.genesets import read_gene_list
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    p, name = smk.params, smk.wildcards.comparator
    with logged_step(smk.log[0], f"{name}'s weights refitted in {p.training_cohort}") as log:
        weights = refit_weights(
            name, read_gene_list(smk.input.genes), read_matrix(smk.input.expression), read_tsv(smk.input.clinical),
            cohort=p.training_cohort, endpoint=p.training_endpoint, weighting=p.weighting,
            min_events_per_variable=p.min_events_per_variable, seed=p.seed,
        )
        log.info("%s: %s", name, weights["status"].iloc[0])
        write_tsv(weights, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
