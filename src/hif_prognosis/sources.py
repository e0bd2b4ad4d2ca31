"""Which public files each configured source needs: URL, cached path, and content check.

Cached paths keep each source's own layout under resources/downloads/<source>/, independent of
the mirror, so switching to a mirror of the same files reuses the cache.
"""

from __future__ import annotations

import hashlib
import importlib
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from hif_prognosis import geo, xena
from hif_prognosis.errors import InputError

DOWNLOAD_DIR = "resources/downloads"


@dataclass(frozen=True)
class RemoteFile:
    url: str
    expected_start: str | None = None  # what the first (decompressed) line must begin with
    mirror_hint: str = ""  # config setting that points this source at a mirror
    kind: str | None = None  # a key of CONTENT_KINDS: the reader the file must satisfy


# Kind of a downloaded gene-set file -> (module, reader) that must accept it before it is cached.
CONTENT_KINDS = {
    "gmt": ("hif_prognosis.genesets", "read_gmt"),
    "gene_list": ("hif_prognosis.genesets", "read_gene_list"),
    "review_table": ("hif_prognosis.review", "read_review_table"),
}
SIGNATURE_KINDS = {"gmt": "gmt", "genes_file": "gene_list", "review_table": "review_table"}


def content_check(kind: str | None) -> Callable[[Any], object] | None:
    """The reader a downloaded file of ``kind`` must satisfy (imported here, at download time)."""
    if kind is None:
        return None
    module, name = CONTENT_KINDS[kind]
    return getattr(importlib.import_module(module), name)


def contained(path: str, root: str, field: str) -> str:
    """``path`` normalised, or an InputError naming ``field`` where it would leave ``root``
    (a URL path or a name holding ``..``): nothing built from config text writes outside it."""
    normal = posixpath.normpath(path)
    if not normal.startswith(root.rstrip("/") + "/") or ".." in path.split("/"):
        raise InputError(
            f"{field}: {path!r} leaves {root}/ (it holds '..' or an absolute part); the workflow "
            f"writes only below {root}/. Give a location without '..'."
        )
    return normal


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://", "ftp://"))


def local_copy(location: str, field: str = "a URL") -> str:
    """Where the workflow reads a location from: a local path as given, a URL's cached copy
    under resources/downloads/url/<host>/<path> (an error naming ``field`` if that would leave
    resources/downloads/)."""
    if not is_url(location):
        return location
    parsed = urlsplit(location)
    path = parsed.path.strip("/") or "index"
    if parsed.query:
        path += "_" + hashlib.sha256(parsed.query.encode()).hexdigest()[:12]
    return contained(f"{DOWNLOAD_DIR}/url/{parsed.netloc.replace(':', '_')}/{path}", DOWNLOAD_DIR, field)


ENRICHR_PREFIX = "enrichr:"
ENRICHR_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")  # e.g. GO_Biological_Process_2023


def is_enrichr(location: str) -> bool:
    """``enrichr:<library>`` names a gene-set library of the Enrichr service."""
    return location.startswith(ENRICHR_PREFIX)


def enrichr_library(
    location: str, mirrors: Mapping[str, str], field: str = "enrichment.libraries"
) -> tuple[str, RemoteFile]:
    """Cached path and download of an Enrichr library: its text export (GMT with an empty
    description field), as gseapy's ``get_library`` fetches it."""
    name = location.removeprefix(ENRICHR_PREFIX)
    if not ENRICHR_NAME.match(name) or ".." in name:
        raise InputError(
            f"{field}: enrichment library {location!r}: an Enrichr library name has letters, digits and "
            "_ . + - only (e.g. enrichr:KEGG_2021_Human); correct it in enrichment.libraries."
        )
    url = f"{mirrors['enrichr'].rstrip('/')}/geneSetLibrary?mode=text&libraryName={quote(name)}"
    return f"{DOWNLOAD_DIR}/enrichr/{name}.txt", RemoteFile(url, None, "downloads.mirrors.enrichr", "gmt")


def library_file(location: str, mirrors: Mapping[str, str]) -> str:
    """Where the workflow reads an enrichment library from (a path, a URL or an Enrichr name)."""
    return enrichr_library(location, mirrors)[0] if is_enrichr(location) else local_copy(location)


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


def located_fields(config: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(config field, location, content kind) of every gene-set path, URL or Enrichr name the
    config names."""
    for name, spec in config["signatures"].items():
        for key, kind in SIGNATURE_KINDS.items():
            if key in spec:
                yield f"signatures.{name}.{key}", spec[key], kind
    for name, location in config["enrichment"]["libraries"].items():
        yield f"enrichment.libraries.{name}", location, "gmt"


def gene_set_locations(config: Mapping[str, Any]) -> list[str]:
    """Every GMT or gene-list path or URL the config names, in config order (Enrichr library
    names are not locations: see ``enrichr_library``)."""
    locations = [
        spec[key]
        for spec in config["signatures"].values()
        for key in ("gmt", "genes_file", "review_table")
        if key in spec
    ]
    locations += [loc for loc in config["enrichment"]["libraries"].values() if not is_enrichr(loc)]
    return list(dict.fromkeys(locations))


def remote_files(config: Mapping[str, Any]) -> dict[str, RemoteFile]:
    """Cached path -> file, for every file the generic download rule fetches. Building each path
    checks it: one from a URL or Enrichr name that would leave resources/downloads/ is an
    InputError naming its config field."""
    mirrors = config["downloads"]["mirrors"]
    files = {}
    for field, location, kind in located_fields(config):
        if is_enrichr(location):
            path, remote = enrichr_library(location, mirrors, field)
            files[path] = remote
        elif is_url(location):
            files[local_copy(location, field)] = RemoteFile(location, kind=kind)
    for cohort in config["cohorts"].values():
        for role_files in cohort_downloads(cohort, mirrors).values():
            files.update(role_files)
    return files
