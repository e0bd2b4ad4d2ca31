"""Adapter: Cox per signature gene with BH q-values, and the primary signature's gene forest
plot (see hif_prognosis.survival.gene_cox_table)."""

import pandas as pd

from hif_prognosis.plotting import gene_forest_figure, save_figure
from hif_prognosis.runlog import logged_step
from hif_prognosis.survival import gene_cox_table
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    cohort, signature = smk.wildcards.cohort, smk.params.signature
    with logged_step(smk.log[0], f"per-gene Cox in {cohort}") as log:
        genes = gene_cox_table(
            cohort,
            pd.read_csv(smk.input.expression, sep="\t", index_col=0),
            pd.read_csv(smk.input.coverage, sep="\t", keep_default_na=False),
            pd.read_csv(smk.input.clinical, sep="\t"),
        )
        log.info("%d gene x signature x endpoint rows; %d with BH q < 0.05", len(genes), int((genes["q_bh"] < 0.05).sum()))
        write_tsv(genes, smk.output.table)
        figure = gene_forest_figure(
            genes[genes["signature"] == signature],
            title=f"{cohort}: genes of {signature}, univariable Cox per SD of expression",
        )
        save_figure(figure, smk.output.forest, smk.output.forest_pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
