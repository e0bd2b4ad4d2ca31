"""Adapter: rank all genes by their own Cox Wald z for one endpoint (fast engine)."""

from hif_prognosis.data.clinical import endpoint_data
from hif_prognosis.enrichment.ranking_statistics import survival_cox_ranking
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    endpoint = smk.params.endpoint
    with logged_step(smk.log[0], f"rank genes by Cox z for {endpoint} in {smk.wildcards.cohort}") as log:
        matrix = read_matrix(smk.input.expression)
        outcome = endpoint_data(read_tsv(smk.input.clinical), endpoint)
        ranking = survival_cox_ranking(matrix, outcome, threads=smk.threads)
        log.info(
            "%d genes ranked on %d samples, %d events (%d without variance or a finite fit left out)",
            len(ranking), len(outcome), int(outcome["event"].sum()), len(matrix) - len(ranking),
        )
        write_tsv(ranking, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
