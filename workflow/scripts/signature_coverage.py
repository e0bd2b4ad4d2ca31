"""Adapter: which signature genes a cohort measures (see hif_prognosis.genesets)."""

import pandas as pd

from hif_prognosis.genesets import coverage_table
from hif_prognosis.runlog import logged_step
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], f"signature coverage in {smk.wildcards.cohort}") as log:
        genes = pd.read_csv(smk.input.expression, sep="\t", usecols=[0]).iloc[:, 0]
        coverage = coverage_table(pd.read_csv(smk.input.signatures, sep="\t"), genes)
        for name, present in coverage.groupby("signature", sort=False)["present"]:
            log.info("%s: %d of %d genes measured", name, present.sum(), present.size)
        write_tsv(coverage, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
