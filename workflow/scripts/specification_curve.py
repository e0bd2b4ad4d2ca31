"""Adapter: the specification-curve figure (see hif_prognosis.presentation.plotting.specification_curve_figure)."""

from hif_prognosis.presentation.plotting import save_figure, specification_curve_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.survival.specifications import Primary
from hif_prognosis.tables import read_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], "specification curve"):
        figure = specification_curve_figure(read_tsv(smk.input.table), Primary(**smk.params.primary))
        save_figure(figure, smk.output.png, smk.output.pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
