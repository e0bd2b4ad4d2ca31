"""Adapter: maximally selected log-rank cut-points with corrected p (see hif_prognosis.survival.cutpoint)."""

from hif_prognosis.survival.cutpoint import cutpoint_table
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p, cohort = smk.params, smk.wildcards.cohort
    with logged_step(smk.log[0], f"maximally selected log-rank cut-points in {cohort}"):
        table = cutpoint_table(
            cohort,
            read_tsv(smk.input.scores),
            read_tsv(smk.input.clinical),
            min_fraction=p.min_fraction,
            permutations=p.permutations,
            seed=p.seed,
        )
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
