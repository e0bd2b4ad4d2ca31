"""Adapter: Kaplan-Meier figures of each signature's median split for one cohort and endpoint
(see hif_prognosis.plotting)."""

import pandas as pd

from hif_prognosis.clinical import endpoint_data
from hif_prognosis.plotting import kaplan_meier_figure, save_figure
from hif_prognosis.runlog import logged_step
from hif_prognosis.survival import (
    kaplan_meier_curves,
    median_groups,
    median_split_logrank,
    numbers_at_risk,
)
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    w, o = smk.wildcards, smk.output
    with logged_step(smk.log[0], f"Kaplan-Meier curves, {w.endpoint} in {w.cohort}"):
        scores = pd.read_csv(smk.input.scores, sep="\t")
        all_outcomes = endpoint_data(pd.read_csv(smk.input.clinical, sep="\t"), w.endpoint)
        for signature, png, pdf, at_risk in zip(smk.params.signatures, o.png, o.pdf, o.at_risk, strict=True):
            score = scores[scores["signature"] == signature].set_index("sample_id")["score"]
            score = score.reindex(all_outcomes.index).dropna()
            outcome = all_outcomes.loc[score.index]
            groups = median_groups(score)
            chisq, p_value, _, _ = median_split_logrank(outcome["time"], outcome["event"], score)
            counts = numbers_at_risk(outcome["time"], outcome["event"], groups)
            figure = kaplan_meier_figure(
                kaplan_meier_curves(outcome["time"], outcome["event"], groups),
                counts,
                title=f"{w.cohort}: {signature} ({smk.params.method} score), {w.endpoint.upper()}",
                subtitle=f"high = above the cohort median; log-rank chi2 = {chisq:.2f}, p = {p_value:.3g}",
            )
            save_figure(figure, png, pdf)
            write_tsv(counts, at_risk)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
