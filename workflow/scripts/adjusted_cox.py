"""Adapter: multivariable Cox models with PH tests (see hif_prognosis.survival.models)."""

from hif_prognosis.survival.models import model_table
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p, cohort = smk.params, smk.wildcards.cohort
    with logged_step(smk.log[0], f"multivariable Cox models in {cohort}") as log:
        table = model_table(
            cohort,
            read_tsv(smk.input.scores),
            read_tsv(smk.input.clinical),
            p.models,
            proliferation_signature=p.proliferation_signature,
            min_events_per_variable=p.min_events_per_variable,
        )
        for status, count in table["status"].value_counts().sort_index().items():
            log.info("%d models: %s", count, status)
        refused = table[table["status"].str.startswith("refused")]
        if len(refused):
            log.warning(
                "%d models refused for too few events per variable (survival.min_events_per_variable = %g): %s",
                len(refused), p.min_events_per_variable,
                sorted(set(refused["model"] + "/" + refused["endpoint"])),
            )
        violated = table[table["ph_violated"].eq(True)]
        if len(violated):
            log.warning("%d fitted models fail the proportional-hazards test (p < 0.05)", len(violated))
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
