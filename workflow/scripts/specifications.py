"""Adapter: the specification curve's table, every reasonable choice of the primary question
(see hif_prognosis.survival.specifications)."""

import pandas as pd

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.survival.specifications import Primary, compared_signatures, robustness, specification_table
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p = smk.params
    with logged_step(smk.log[0], "specifications of the primary question") as log:
        cox = pd.concat([read_tsv(path) for path in smk.input.cox], ignore_index=True)
        primary = Primary(**p.primary)
        table = specification_table(
            cox, primary=primary, signatures=compared_signatures(pd.unique(cox["signature"]), primary.signature),
            joined=p.joined_endpoints,
        )
        log.info("%s", robustness(table, primary).sentence(primary))
        write_tsv(table, smk.output.table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
