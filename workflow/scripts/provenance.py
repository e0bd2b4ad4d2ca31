"""Adapter: the config as this run used it (defaults filled in), the software versions and the
checksums of the data files it read."""

import yaml

from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.presentation.summary import input_checksums, software_versions
from hif_prognosis.tables import write_tsv


def main(smk) -> None:
    with logged_step(smk.log[0], "recording config and software versions") as log:
        versions = software_versions(smk.params.software)
        for _, row in versions.iterrows():
            log.info("%s %s", row["software"], row["version"])
        write_tsv(versions, smk.output.versions)
        checksums = input_checksums(dict(zip(smk.params.data_locations, smk.input.data, strict=True)))
        log.info("%d input files checksummed", len(checksums))
        write_tsv(checksums, smk.output.checksums)
        with open(smk.output.config, "w", encoding="utf-8") as handle:
            yaml.safe_dump(dict(smk.config), handle, sort_keys=False, allow_unicode=True)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
