"""Adapter: score every signature in one cohort with one method (see hif_prognosis.scoring)."""

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.scoring.registry import method_parameters
from hif_prognosis.scoring.signatures import score_signatures
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], f"{smk.params.method} scores in {smk.wildcards.cohort}") as log:
        matrix = read_matrix(smk.input.expression)
        coverage = read_tsv(smk.input.coverage)
        params = method_parameters(smk.params.method, smk.params.settings, smk.params.seed)
        log.info("parameters: %s", params)
        scores = score_signatures(matrix, coverage, smk.params.method, params)
        write_tsv(scores, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
