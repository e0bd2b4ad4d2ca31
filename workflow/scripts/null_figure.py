"""Adapter: histograms of the random-signature null of the primary method, the signatures'
own log HRs marked (see hif_prognosis.presentation.plotting.null_figure)."""

from hif_prognosis.presentation.plotting import null_figure, save_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv


def main(smk) -> None:
    cohort = smk.wildcards.cohort
    with logged_step(smk.log[0], f"null figure of {cohort}"):
        figure = null_figure(
            read_tsv(smk.input.table), read_tsv(smk.input.distribution), method=smk.params.method, cohort=cohort
        )
        save_figure(figure, smk.output.png, smk.output.pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
