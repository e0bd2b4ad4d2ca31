"""Adapter: what the cohorts could have detected, and what the primary's intervals rule out
(see hif_prognosis.survival.power)."""

from hif_prognosis.survival.power import power_table
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p = smk.params
    with logged_step(smk.log[0], "power and what the intervals rule out"):
        table = power_table(
            read_tsv(smk.input.specifications), power=p.power, hazard_ratios=p.hazard_ratios,
            max_detectable_hr=p.max_detectable_hr,
        )
        write_tsv(table, smk.output.table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
