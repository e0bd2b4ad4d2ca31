"""Adapter: pre-ranked GSEA of one gene ranking (see hif_prognosis.enrichment.prerank)."""

from hif_prognosis.enrichment.rankings import RANKING_METRIC
from hif_prognosis.enrichment.gsea import prerank
from hif_prognosis.data.genesets import read_gmt
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_tsv, write_tsv


def main(smk) -> None:
    p, cohort, ranking_name = smk.params, smk.wildcards.cohort, smk.wildcards.ranking
    with logged_step(smk.log[0], f"pre-ranked GSEA of {ranking_name} in {cohort}") as log:
        ranking = read_tsv(smk.input.ranking).set_index("gene")[RANKING_METRIC[ranking_name]]
        libraries = {name: read_gmt(path) for name, path in p.libraries.items()}
        table = prerank(
            ranking, libraries, engine=p.engine, permutations=p.permutations, sample_size=p.sample_size,
            min_size=p.min_size, max_size=p.max_size, seed=p.seed, threads=smk.threads,
        )
        log.info("%d sets tested; %d with FDR < 0.05", len(table), int((table["fdr_q"] < 0.05).sum()))
        write_tsv(table, smk.output.table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
