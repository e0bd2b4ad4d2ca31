"""Adapter: harmonise a local cohort (see hif_prognosis.cohorts)."""

from hif_prognosis.cohorts import harmonise_local_cohort
from hif_prognosis.runlog import logged_step
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], f"harmonise cohort {smk.wildcards.cohort}"):
        matrix, clinical = harmonise_local_cohort(
            smk.input.expression, smk.input.clinical, smk.params.cohort
        )
        write_tsv(matrix, smk.output.expression, index=True)
        write_tsv(clinical, smk.output.clinical)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
