"""Which public files each configured source needs: URL, cached path, and content check.

Cached paths keep each source's own layout under resources/downloads/<source>/, independent of
the mirror, so switching to a mirror of the same files reuses the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hif_prognosis import geo, xena

DOWNLOAD_DIR = "resources/downloads"


@dataclass(frozen=True)
class RemoteFile:
    url: str
    expected_start: str | None = None  # what the first (decompressed) line must begin with
    mirror_hint: str = ""  # config setting that points this source at a mirror


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://", "ftp://"))


def local_copy(location: str) -> str:
    """Where the workflow reads a location from: a local path as given, a URL's cached copy
    under resources/downloads/url/<host>/<path>."""
    if not is_url(location):
        return location
    parsed = urlsplit(location)
    path = parsed.path.strip("/") or "index"
    if parsed.query:
        path += "_" + hashlib.sha256(parsed.query.encode()).hexdigest()[:12]
    return f"{DOWNLOAD_DIR}/url/{parsed.netloc.replace(':', '_')}/{path}"


def _under(base: str, url: str, source: str) -> str:
    return f"{DOWNLOAD_DIR}/{source}/{url[len(base.rstrip('/')) + 1:]}"


def geo_downloads(cohort: Mapping[str, Any], mirrors: Mapping[str, str]) -> dict[str, dict[str, RemoteFile]]:
    """``matrices`` and ``platforms`` (cached path -> file), both in the order of ``platforms``."""
    base, hint = mirrors["geo"], "downloads.mirrors.geo"
    matrices, platforms = {}, {}
    for platform in cohort["platforms"]:
        name = geo.series_matrix_name(cohort["accession"], platform, cohort["several_platforms"])
        url = geo.series_matrix_url(base, cohort["accession"], name)
        matrices[_under(base, url, "geo")] = RemoteFile(url, "!Series_", hint)
        url = geo.platform_url(base, platform, cohort["platform_table"])
        platforms[_under(base, url, "geo")] = RemoteFile(url, "^", hint)
    return {"matrices": matrices, "platforms": platforms}


def xena_downloads(cohort: Mapping[str, Any], mirrors: Mapping[str, str]) -> dict[str, dict[str, RemoteFile]]:
    """``expression``, ``probemap`` and ``survival`` of a Xena GDC hub project."""
    base, hint = mirrors["xena_gdc_hub"], "downloads.mirrors.xena_gdc_hub"
    files = {
        "expression": (xena.expression_file(cohort["project"]), "Ensembl_ID"),
        "probemap": (xena.PROBEMAP, "id\t"),
        "survival": (xena.survival_file(cohort["project"]), "sample\t"),
    }
    result = {}
    for role, (name, start) in files.items():
        url = xena.hub_url(base, name)
        result[role] = {_under(base, url, "xena_gdc_hub"): RemoteFile(url, start, hint)}
    return result


def clinical_release_path(project: str) -> str:
    """Cached clinical release of a GDC project (found through the GDC API, or a set URL)."""
    return f"{DOWNLOAD_DIR}/gdc/{project}/clinical_release"


def cohort_downloads(cohort: Mapping[str, Any], mirrors: Mapping[str, str]) -> dict[str, dict[str, RemoteFile]]:
    if cohort["source"] == "geo":
        return geo_downloads(cohort, mirrors)
    if cohort["source"] == "xena":
        return xena_downloads(cohort, mirrors)
    return {}


def gene_set_locations(config: Mapping[str, Any]) -> list[str]:
    """Every GMT or gene-list location the config names (paths or URLs), in config order."""
    locations = [
        spec[key]
        for spec in config["signatures"].values()
        for key in ("gmt", "genes_file", "review_table")
        if key in spec
    ]
    locations += list(config["enrichment"]["libraries"].values())
    return list(dict.fromkeys(locations))


def remote_files(config: Mapping[str, Any]) -> dict[str, RemoteFile]:
    """Cached path -> file, for every file the generic download rule fetches."""
    files = {local_copy(loc): RemoteFile(loc) for loc in gene_set_locations(config) if is_url(loc)}
    mirrors = config["downloads"]["mirrors"]
    for cohort in config["cohorts"].values():
        for role_files in cohort_downloads(cohort, mirrors).values():
            files.update(role_files)
    return files
