"""Adapter: which measured gene stands for each signature gene in a cohort; stops below the
minimum coverage (see hif_prognosis.data.genesets)."""

from hif_prognosis.data.genesets import check_coverage, coverage_table
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import read_matrix_genes, read_tsv, write_tsv


def main(smk) -> None:
    cohort = smk.wildcards.cohort
    with logged_step(smk.log[0], f"signature coverage in {cohort}") as log:
        genes = read_matrix_genes(smk.input.expression)
        signatures = read_tsv(smk.input.signatures)
        coverage = coverage_table(signatures, genes)
        for name, rows in coverage.groupby("signature", sort=False):
            by_alias = rows[rows["present"] & (rows["matched_as"] != rows["symbol"])]
            required = rows[rows["required"]]
            log.info(
                "%s: %d of %d required genes measured; %d of %d optional; through an alias: %s",
                name, required["present"].sum(), len(required),
                rows.loc[~rows["required"], "present"].sum(), int((~rows["required"]).sum()),
                ", ".join(f"{s} as {m}" for s, m in zip(by_alias["symbol"], by_alias["matched_as"])) or "none",
            )
        check_coverage(coverage, smk.params.min_coverage, cohort)
        write_tsv(coverage, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
