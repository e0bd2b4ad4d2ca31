"""Adapter: download one public file (see hif_prognosis.data.download)."""

from hif_prognosis.data.download import content_check, fetch, settings_from_config
from hif_prognosis.runlog import end_process, logged_step


def main(smk) -> None:
    remote = smk.params.remote  # workflow/lib/hif_workflow.py RemoteFile, as plain values
    with logged_step(smk.log[0], f"download {remote['url']}", echo=True):
        fetch(
            remote["url"],
            smk.output[0],
            settings=settings_from_config(smk.params.settings),
            expected_start=remote["expected_start"],
            content_check=content_check(remote["kind"]),
            mirror_hint=remote["mirror_hint"],
        )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake's script directive
    end_process()
