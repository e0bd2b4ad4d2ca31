"""Adapter: the locked-score forest plot of the primary signature (see hif_prognosis.presentation.plotting)."""

from hif_prognosis.presentation.plotting import locked_forest_figure, save_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv


def main(smk) -> None:
    signature = smk.params.signature
    with logged_step(smk.log[0], f"locked-score forest of {signature}"):
        table = read_tsv(smk.input.table)
        figure = locked_forest_figure(
            table[table["signature"] == signature],
            title=f"{signature}: locked-model validation, every weighting and direction",
        )
        save_figure(figure, smk.output.png, smk.output.pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
