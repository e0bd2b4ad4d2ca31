"""Adapter: univariable Cox, C-index and median-split log-rank (see hif_prognosis.survival)."""

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.survival.cox import survival_table
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    cohort = smk.wildcards.cohort
    with logged_step(smk.log[0], f"univariable survival in {cohort}"):
        table = survival_table(
            cohort,
            read_tsv(smk.input.scores),
            read_tsv(smk.input.clinical),
        )
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
