"""Adapter: the published TSV of a cohort's harmonised matrix (see hif_prognosis.tables)."""

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix, write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], f"expression matrix of {smk.wildcards.cohort} as TSV") as log:
        matrix = read_matrix(smk.input.matrix)
        log.info("%d genes x %d samples", *matrix.shape)
        write_tsv(matrix, smk.output.table, index=True)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
