"""Adapter: univariable Cox, C-index and median-split log-rank (see hif_prognosis.survival)."""

import pandas as pd

from hif_prognosis.runlog import logged_step
from hif_prognosis.survival import survival_table
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    cohort = smk.wildcards.cohort
    with logged_step(smk.log[0], f"univariable survival in {cohort}"):
        table = survival_table(
            cohort,
            pd.read_csv(smk.input.scores, sep="\t"),
            pd.read_csv(smk.input.clinical, sep="\t"),
        )
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
