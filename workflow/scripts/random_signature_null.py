"""Adapter: the random-signature null of every signature by one method (see hif_prognosis.survival.null)."""

from hif_prognosis.survival.null import random_signature_null
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.scoring.registry import method_parameters
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    p, cohort, method = smk.params, smk.wildcards.cohort, smk.wildcards.method
    with logged_step(smk.log[0], f"random-signature null in {cohort} by {method}") as log:
        summary, distribution = random_signature_null(
            cohort,
            read_matrix(smk.input.expression),
            read_tsv(smk.input.coverage),
            read_tsv(smk.input.clinical),
            read_tsv(smk.input.scores),
            {method: method_parameters(method, p.settings, p.seed)},
            n_sets=p.n_sets,
            n_bins=p.expression_bins,
            seed=p.seed,
            proliferation_signature=p.proliferation_signature,
            threads=smk.threads,
        )
        log.info("%d random sets per signature; %d rows", p.n_sets, len(summary))
        write_tsv(summary, smk.output.table)
        write_tsv(distribution, smk.output.distribution)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
