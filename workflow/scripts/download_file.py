"""Adapter: download one public file (see hif_prognosis.download)."""

from hif_prognosis.download import DownloadSettings, fetch
from hif_prognosis.runlog import logged_step


def main(smk) -> None:
    with logged_step(smk.log[0], f"download {smk.params.url}"):
        settings = DownloadSettings(**{k: v for k, v in smk.params.settings.items() if k != "mirrors"})
        fetch(smk.params.url, smk.output[0], settings=settings)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
