"""Adapter: each comparator's head-to-head pooled across cohorts (see hif_prognosis.survival.head_to_head)."""

import pandas as pd

from hif_prognosis.survival.head_to_head import pool_head_to_head
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], "head to head, pooled across cohorts") as log:
        table = pool_head_to_head(pd.concat([read_tsv(path) for path in smk.input.tables], ignore_index=True))
        for row in table.itertuples():
            log.info("%s, %s: %s (k = %d)", row.comparator, row.endpoint, row.status, row.k)
        write_tsv(table, smk.output.table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
