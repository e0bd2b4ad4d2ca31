"""Adapter: the README's six questions answered for the primary signature (see hif_prognosis.survival.judgement)."""

from hif_prognosis.survival.judgement import Reading, judge
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p = smk.params
    with logged_step(smk.log[0], "judging the answer") as log:
        by_cohort = {
            name: [read_tsv(path) for path in paths]
            for name, paths in (("cox", smk.input.cox), ("null", smk.input.null), ("models", smk.input.models))
        }
        table = judge(
            signature=p.signature,
            method=p.method,
            cox=dict(zip(p.cohorts, by_cohort["cox"], strict=True)),
            null=dict(zip(p.cohorts, by_cohort["null"], strict=True)),
            models=dict(zip(p.cohorts, by_cohort["models"], strict=True)),
            meta=read_tsv(smk.input.meta[0]) if smk.input.meta else None,
            locked=read_tsv(smk.input.locked[0]) if smk.input.locked else None,
            joined=p.joined_endpoints,
            head_to_head=read_tsv(smk.input.head_to_head),
            reading=Reading(p.power, p.max_detectable_hr),
        )
        for _, row in table[table["question"] == "answer"].iterrows():
            log.info("%s: %s", row["criterion"], row["value"])
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
