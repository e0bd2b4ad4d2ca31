"""Adapter: rank all genes by Spearman correlation with the primary score."""

from hif_prognosis.enrichment.ranking_statistics import spearman_with_score
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix, read_tsv, write_tsv


def main(smk) -> None:
    signature = smk.params.signature
    with logged_step(smk.log[0], f"rank genes by {signature} in {smk.wildcards.cohort}") as log:
        matrix = read_matrix(smk.input.expression)
        scores = read_tsv(smk.input.scores)
        score = scores[scores["signature"] == signature].set_index("sample_id")["score"]
        ranking = spearman_with_score(matrix, score)
        log.info("%d genes ranked (%d without variance left out)", len(ranking), len(matrix) - len(ranking))
        write_tsv(ranking.rename_axis("gene").reset_index(), smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
