"""Adapter: one long score table per cohort from the per-method tables."""

import pandas as pd

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], f"merge scores of {smk.wildcards.cohort}"):
        scores = pd.concat([read_tsv(p) for p in smk.input], ignore_index=True)
        write_tsv(scores, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
