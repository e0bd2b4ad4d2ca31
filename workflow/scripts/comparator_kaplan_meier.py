"""Adapter: Kaplan-Meier figures of each comparator's classes for one cohort and endpoint (see
hif_prognosis.presentation.plotting.class_split_figure); a refused comparator's figure says why."""

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.presentation.plotting import class_split_figure, message_figure, save_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv


def main(smk) -> None:
    w, o = smk.wildcards, smk.output
    with logged_step(smk.log[0], f"comparator classes, {w.endpoint} in {w.cohort}"):
        scores, table = read_tsv(smk.input.scores), read_tsv(smk.input.table)
        outcomes = endpoint_data(read_tsv(smk.input.clinical).astype({"sample_id": str}), w.endpoint)
        for comparator, png, pdf in zip(smk.params.comparators, o.png, o.pdf, strict=True):
            classes = scores[scores["comparator"] == comparator].astype({"sample_id": str}).set_index("sample_id")["class"]
            if classes.empty:
                row = table[(table["comparator"] == comparator) & (table["endpoint"] == w.endpoint)]
                figure = message_figure(f"{comparator} in {w.cohort}: {row['comparator_status'].iloc[0]}")
            else:
                figure, _ = class_split_figure(classes, outcomes, cohort=w.cohort, comparator=comparator, endpoint=w.endpoint)
            save_figure(figure, png, pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
