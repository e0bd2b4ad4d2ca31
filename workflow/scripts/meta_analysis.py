"""Adapter: random-effects meta-analysis across cohorts, and the primary signature's forest plot
(see hif_prognosis.survival.meta)."""

import pandas as pd

from hif_prognosis.scoring.registry import method_label
from hif_prognosis.survival.meta import random_effects
from hif_prognosis.presentation.plotting import forest_figure, save_figure
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p = smk.params
    with logged_step(smk.log[0], "meta-analysis across cohorts") as log:
        cox = pd.concat([read_tsv(path) for path in smk.input.cox], ignore_index=True)
        meta = random_effects(cox, p.joined_endpoints)
        log.info("%d signature x method x endpoint rows over %d cohorts", len(meta), cox["cohort"].nunique())
        write_tsv(meta, smk.output.table)
        chosen = (cox["signature"] == p.signature) & (cox["method"] == p.method)
        figure = forest_figure(
            cox[chosen],
            meta[(meta["signature"] == p.signature) & (meta["method"] == p.method)],
            title=f"{p.signature} ({method_label(p.method)}): hazard ratio per SD across cohorts",
        )
        save_figure(figure, smk.output.forest, smk.output.forest_pdf)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
