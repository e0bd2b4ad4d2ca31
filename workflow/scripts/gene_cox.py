"""Adapter: Cox per signature gene with BH q-values (see hif_prognosis.survival.gene_cox_table)."""

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.survival.cox import gene_cox_table
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    cohort = smk.wildcards.cohort
    with logged_step(smk.log[0], f"per-gene Cox in {cohort}") as log:
        genes = gene_cox_table(
            cohort,
            read_matrix(smk.input.expression),
            read_tsv(smk.input.coverage),
            read_tsv(smk.input.clinical),
            threads=smk.threads,
        )
        log.info("%d gene x signature x endpoint rows; %d with BH q < 0.05", len(genes), int((genes["q_bh"] < 0.05).sum()))
        write_tsv(genes, smk.output.table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
