"""A project of the UCSC Xena GDC hub (https://gdc-hub.s3.us-east-1.amazonaws.com/download/...):
its STAR TPM matrix, the GENCODE probe map and the survival table, with the project's GDC
clinical release (found through the GDC API by a rule of its own, or at a set URL)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import DOWNLOAD_DIR, CohortSource, Downloads, RemoteFile, cached_under

XENA_PROBEMAP = "gencode.v36.annotation.gtf.gene.probemap"


def xena_hub_url(base: str, file_name: str) -> str:
    return f"{base.rstrip('/')}/download/{file_name}"


def xena_downloads(cohort: Mapping[str, Any], mirrors: Mapping[str, str]) -> Downloads:
    """``expression``, ``probemap`` and ``survival`` of a Xena GDC hub project."""
    base, hint = mirrors["xena_gdc_hub"], "downloads.mirrors.xena_gdc_hub"
    project = cohort["project"]
    files = {
        "expression": (f"{project}.star_tpm.tsv.gz", "Ensembl_ID"),
        "probemap": (XENA_PROBEMAP, "id\t"),
        "survival": (f"{project}.survival.tsv.gz", "sample\t"),
    }
    result = {}
    for role, (name, start) in files.items():
        url = xena_hub_url(base, name)
        result[role] = {cached_under(base, url, "xena_gdc_hub"): RemoteFile(url, start, hint)}
    return result


def clinical_release_path(project: str) -> str:
    """Cached clinical release of a GDC project (found through the GDC API, or a set URL)."""
    return f"{DOWNLOAD_DIR}/gdc/{project}/clinical_release"


def made(cohort: Mapping[str, Any]) -> dict[str, str]:
    return {"clinical_release": clinical_release_path(cohort["project"])}


def harmonise(inputs: Mapping[str, Any], cohort: Mapping[str, Any], limits: Any, name: str) -> tuple[Any, Any]:
    from hif_prognosis.data.cohorts import harmonise_xena_cohort

    return harmonise_xena_cohort(
        inputs["expression"][0], inputs["probemap"][0], inputs["survival"][0], inputs["clinical_release"], cohort, limits
    )


SOURCE = CohortSource(
    label="a Xena GDC hub project",
    schema={
        "required": ["project", "clinical_release"],
        "properties": {
            "project": {"type": "string", "pattern": "^[A-Z]+-[A-Z0-9-]+$"},
            "sample_type": {
                "type": "string", "pattern": "^[0-9]{2}$", "default": "01",
                "description": "TCGA/TARGET sample type code (01 = primary tumour)",
            },
            "clinical_release": {
                "type": "object", "additionalProperties": False, "required": ["patient_column"],
                "properties": {
                    "url": {"type": "string", "description": "fixed URL of the release table; otherwise found through the GDC API"},
                    "file_pattern": {"type": "string", "default": "*ClinicalData_Discovery_*.xlsx"},
                    "patient_column": {"type": "string"},
                },
            },
        },
    },
    harmonise=harmonise,
    downloads=xena_downloads,
    made=made,
)
