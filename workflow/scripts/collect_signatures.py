"""Adapter: collect the configured signatures into one table (see hif_prognosis.data.genesets)."""

from hif_prognosis.data.genesets import collect_signatures
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], "collect signatures") as log:
        table = collect_signatures(smk.params.signatures, smk.params.files)
        for name, size in table.groupby("signature", sort=False).size().items():
            log.info("signature %s: %d genes", name, size)
        write_tsv(table, smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
