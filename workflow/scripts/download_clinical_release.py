"""Adapter: fetch a GDC project's clinical release table, found through the GDC API files
endpoint unless the config gives its URL (see hif_prognosis.xena)."""

import json
from pathlib import Path

from hif_prognosis.download import fetch, settings_from_config
from hif_prognosis.runlog import logged_step
from hif_prognosis.xena import gdc_clinical_query, pick_clinical_release


def main(smk) -> None:
    cohort, settings = smk.params.cohort, smk.params.settings
    release = cohort["clinical_release"]
    with logged_step(smk.log[0], f"clinical release of {cohort['project']}", echo=True) as log:
        download = dict(settings=settings_from_config(settings), mirror_hint="downloads.mirrors.gdc_api")
        if "url" in release:
            url, name, md5 = release["url"], release["url"].rsplit("/", 1)[-1], None
            Path(smk.output.listing).write_text(json.dumps({"configured_url": url}) + "\n")
        else:
            api = settings["mirrors"]["gdc_api"]
            fetch(gdc_clinical_query(api, cohort["project"]), smk.output.listing, expected_start="{", **download)
            file_id, name, md5 = pick_clinical_release(
                Path(smk.output.listing).read_text(), release["file_pattern"], smk.output.listing
            )
            url = f"{api.rstrip('/')}/data/{file_id}"
        log.info("clinical release: %s from %s (md5 %s)", name, url, md5 or "not published")
        fetch(url, smk.output.release, md5=md5, **download)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
