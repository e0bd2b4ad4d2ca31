"""Adapter: the check that no patient is in two cohorts, before anything is pooled (see
hif_prognosis.data.overlap)."""

from hif_prognosis.data.overlap import OverlapCohort, check_no_overlap, cohort_overlap, pooled_patients
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    p = smk.params
    with logged_step(smk.log[0], "patients in two cohorts") as log:
        clinical = {name: read_tsv(path) for name, path in zip(p.cohorts, smk.input.clinical, strict=True)}
        cohorts = {
            name: OverlapCohort(read_matrix(path), clinical[name])
            for name, path in zip(p.cohorts, smk.input.expression, strict=True)
        }
        flagged, pairs = cohort_overlap(cohorts, min_correlation=p.min_correlation)
        for row in pairs.itertuples():
            log.info("%s vs %s: %d shared genes, %d flagged pairs, highest unflagged profile r %.3f",
                     row.cohort_a, row.cohort_b, row.shared_genes, row.flagged_pairs, row.max_unflagged_profile_r)
        check_no_overlap(flagged, min_correlation=p.min_correlation)  # before any output: nothing partial
        write_tsv(flagged, smk.output.flagged)
        write_tsv(pairs, smk.output.pairs)
        write_tsv(pooled_patients(clinical, p.joined_endpoints), smk.output.pooled)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
