"""Adapter: the gene forest plot of the primary signature (see hif_prognosis.presentation.plotting)."""

from hif_prognosis.presentation.plotting import gene_forest_figure, save_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv


def main(smk) -> None:
    cohort, signature = smk.wildcards.cohort, smk.params.signature
    with logged_step(smk.log[0], f"gene forest of {signature} in {cohort}"):
        genes = read_tsv(smk.input.table)
        figure = gene_forest_figure(
            genes[genes["signature"] == signature],
            title=f"{cohort}: genes of {signature}, univariable Cox per SD of expression",
        )
        save_figure(figure, smk.output.png, smk.output.pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
