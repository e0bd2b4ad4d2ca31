"""Adapter: the locked-model validation across cohorts (see hif_prognosis.survival.locked)."""

from hif_prognosis.survival.locked import Cohort, locked_model_table
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], "locked-model validation") as log:
        cohorts = {
            name: Cohort(
                read_matrix(expression),
                read_tsv(coverage),
                read_tsv(clinical),
            )
            for name, expression, coverage, clinical in zip(
                smk.params.cohorts, smk.input.expression, smk.input.coverage, smk.input.clinical, strict=True
            )
        }
        tables = locked_model_table(
            cohorts, auc_years=smk.params.auc_years, min_events_per_variable=smk.params.min_events_per_variable,
            seed=smk.params.seed,
        )
        table = tables.table
        log.info("%d training/test pairs; direction replicated in %d", len(table), int(table["direction_replicated"].eq(True).sum()))
        write_tsv(table, smk.output.table)
        write_tsv(tables.auc, smk.output.auc)
        write_tsv(tables.at_risk, smk.output.at_risk)
        write_tsv(tables.scores, smk.output.scores)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
