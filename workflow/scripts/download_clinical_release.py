"""Adapter: fetch a GDC project's clinical release table (see
hif_prognosis.data.xena.fetch_clinical_release)."""

from hif_prognosis.data.download import settings_from_config
from hif_prognosis.runlog import end_process, logged_step
from hif_prognosis.data.xena import fetch_clinical_release


def main(smk) -> None:
    cohort, settings = smk.params.cohort, smk.params.settings
    with logged_step(smk.log[0], f"clinical release of {cohort['project']}", echo=True) as log:
        name, url, md5 = fetch_clinical_release(
            cohort["clinical_release"],
            cohort["project"],
            settings["mirrors"]["gdc_api"],
            smk.output.release,
            smk.output.listing,
            settings=settings_from_config(settings),
            mirror_hint="downloads.mirrors.gdc_api",
        )
        log.info("clinical release: %s from %s (md5 %s)", name, url, md5 or "not published")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
