"""Adapter: Kaplan-Meier figures of each test cohort split at the training cohort's median locked
score (see hif_prognosis.presentation.plotting.locked_split_figure)."""

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.data.clinical import endpoint_label
from hif_prognosis.survival.locked import KEY_COLUMNS
from hif_prognosis.presentation.plotting import locked_split_figure, message_figure, save_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], "Kaplan-Meier curves of the locked splits") as log:
        table = read_tsv(smk.input.table).set_index(KEY_COLUMNS, drop=False)
        scores = read_tsv(smk.input.scores).set_index(KEY_COLUMNS, drop=False).sort_index()
        clinical = {name: read_tsv(path) for name, path in zip(smk.params.cohorts, smk.input.clinical, strict=True)}
        for (signature, weights, training, test, endpoint), png, pdf in zip(
            smk.params.splits, smk.output.png, smk.output.pdf, strict=True
        ):
            key = (signature, endpoint, weights, training, test)
            row = table.loc[key]
            if row["status"] != "estimated":
                log.info("%s: %s", key, row["status"])
                figure = message_figure(f"{signature} locked with {weights} weights from {training}, "
                                        f"{endpoint_label(endpoint)} in {test}: {row['status']}")
            else:
                outcomes = endpoint_data(clinical[test], endpoint)
                figure, _ = locked_split_figure(scores.loc[key], outcomes, row)
            save_figure(figure, png, pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
