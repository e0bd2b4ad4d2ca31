"""Adapter: over-representation of a signature's measured genes in the enrichment libraries,
against the genes the cohort measured (see hif_prognosis.enrichment.over_representation)."""

from hif_prognosis.enrichment.gsea import over_representation
from hif_prognosis.data.genesets import read_gmt
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix_genes, read_tsv, write_tsv


def main(smk) -> None:
    p, cohort = smk.params, smk.wildcards.cohort
    with logged_step(smk.log[0], f"over-representation of {p.signature} in {cohort}") as log:
        coverage = read_tsv(smk.input.coverage)
        measured = coverage[(coverage["signature"] == p.signature) & coverage["present"].astype(bool)]
        background = read_matrix_genes(smk.input.expression)
        libraries = {name: read_gmt(path) for name, path in p.libraries.items()}
        table = over_representation(
            sorted(measured["symbol"]), libraries, background, min_size=p.min_size, max_size=p.max_size,
        )
        log.info(
            "%d genes of %s against %d measured genes: %d sets tested, %d with BH q < 0.05",
            len(measured), p.signature, len(background), len(table),
            int((table["q_bh_within_library"] < 0.05).sum()),
        )
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
