"""Adapter: one random-signature null table per cohort from the per-method tables (see
hif_prognosis.survival.null.merge_method_nulls)."""

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.survival.null import merge_method_nulls
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], f"merge the random-signature nulls of {smk.wildcards.cohort}"):
        write_tsv(merge_method_nulls([read_tsv(path) for path in smk.input]), smk.output.table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
