"""Adapter: each gene set's NES per cohort side by side (see hif_prognosis.enrichment.gsea)."""

import pandas as pd

from hif_prognosis.enrichment.gsea import nes_across_cohorts
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], "NES across cohorts") as log:
        by_cohort: dict[str, list[pd.DataFrame]] = {}
        for path, cohort, ranking in zip(smk.input, smk.params.cohorts, smk.params.rankings, strict=True):
            by_cohort.setdefault(cohort, []).append(read_tsv(path).assign(ranking=ranking))
        table = nes_across_cohorts({c: pd.concat(frames) for c, frames in by_cohort.items()})
        agreeing = table[(table["n_cohorts"] > 1) & table["same_sign"]]
        log.info("%d sets; %d tested in more than one cohort with the same NES sign", len(table), len(agreeing))
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
