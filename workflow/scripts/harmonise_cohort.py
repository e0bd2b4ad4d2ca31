"""Adapter: harmonise one cohort by its source (see hif_prognosis.data.sources)."""

from hif_prognosis.data.clinical import EndpointLimits
from hif_prognosis.data.sources.registry import cohort_source
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import write_matrix, write_tsv


def main(smk) -> None:
    cohort = smk.params.cohort
    limits = EndpointLimits(min_samples=smk.params.min_samples, min_events=smk.params.min_events)
    with logged_step(smk.log[0], f"harmonise cohort {smk.wildcards.cohort}"):
        inputs = dict(smk.input.items())
        matrix, clinical = cohort_source(cohort["source"]).harmonise(inputs, cohort, limits, smk.wildcards.cohort)
        write_matrix(matrix, smk.output.expression)
        write_tsv(clinical, smk.output.clinical)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
