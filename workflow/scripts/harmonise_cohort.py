"""Adapter: harmonise one cohort of any source (see hif_prognosis.data.cohorts)."""

from hif_prognosis.data.clinical import EndpointLimits
from hif_prognosis.data.cohorts import harmonise_geo_cohort, harmonise_local_cohort, harmonise_xena_cohort
from hif_prognosis.runlog import logged_step
from hif_prognosis.tables import write_matrix, write_tsv


def harmonise(smk):
    cohort, files = smk.params.cohort, smk.input
    limits = EndpointLimits(min_samples=smk.params.min_samples, min_events=smk.params.min_events)
    if cohort["source"] == "local":
        return harmonise_local_cohort(files.expression, files.clinical, cohort, limits, name=smk.wildcards.cohort)
    if cohort["source"] == "geo":
        return harmonise_geo_cohort(
            files.matrices, dict(zip(cohort["platforms"], files.platforms, strict=True)), cohort, limits
        )
    return harmonise_xena_cohort(
        files.expression[0], files.probemap[0], files.survival[0], files.clinical_release, cohort, limits
    )


def main(smk) -> None:
    with logged_step(smk.log[0], f"harmonise cohort {smk.wildcards.cohort}"):
        matrix, clinical = harmonise(smk)
        write_matrix(matrix, smk.output.expression)
        write_tsv(clinical, smk.output.clinical)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
