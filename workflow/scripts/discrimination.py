"""Adapter: Harrell's C with bootstrap interval, Uno's C, time-dependent AUC
(see hif_prognosis.survival.discrimination)."""

from hif_prognosis.survival.discrimination import discrimination_tables
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p, cohort = smk.params, smk.wildcards.cohort
    with logged_step(smk.log[0], f"discrimination in {cohort}") as log:
        c_index, auc = discrimination_tables(
            cohort,
            read_tsv(smk.input.scores),
            read_tsv(smk.input.clinical),
            resamples=p.resamples,
            auc_years=p.auc_years,
            seed=p.seed,
        )
        for status, count in auc.drop_duplicates(["endpoint", "years", "status"])["status"].value_counts().items():
            log.info("time-dependent AUC, %d endpoint x time: %s", count, status)
        write_tsv(c_index, smk.output.c_index)
        write_tsv(auc, smk.output.auc)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
