"""Adapter: Kaplan-Meier figures of each signature's median split for one cohort and endpoint
(see hif_prognosis.presentation.plotting.median_split_figure)."""

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.presentation.plotting import median_split_figure, save_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    w, o = smk.wildcards, smk.output
    with logged_step(smk.log[0], f"Kaplan-Meier curves, {w.endpoint} in {w.cohort}"):
        scores = read_tsv(smk.input.scores)
        outcomes = endpoint_data(read_tsv(smk.input.clinical), w.endpoint)
        for signature, png, pdf, at_risk in zip(smk.params.signatures, o.png, o.pdf, o.at_risk, strict=True):
            figure, counts = median_split_figure(
                scores, outcomes, signature, cohort=w.cohort, endpoint=w.endpoint, method=smk.params.method
            )
            save_figure(figure, png, pdf)
            write_tsv(counts, at_risk)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
