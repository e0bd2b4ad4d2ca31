"""What the workflow needs to know at parse time: which files each configured source needs
(URL, cached path, content check) and the config checks that come before any job.

Standard library only: Snakemake loads this module while parsing (workflow/rules/common.smk),
which must work where only Snakemake is installed (a user's CI dry run, a deployed module).
The analysis itself, and every check that must read data, runs in jobs (hif_prognosis).

Cached paths keep each source's own layout under resources/downloads/<source>/, independent of
the mirror, so switching to a mirror of the same files reuses the cache.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import hashlib
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

DOWNLOAD_DIR = "resources/downloads"
# The two ways every gene is ranked for GSEA; hif_prognosis.enrichment.rankings.RANKING_METRIC
# names the column each ranks by (tests/workflow/test_workflow_library.py holds the two to the
# same names: the workflow reads these at parse time, without the analysis package).
RANKINGS = ("survival_cox_z", "score_spearman")
# A config location naming a file shipped with the workflow, relative to its top-level folder
# (read from the workflow's own source, wherever Snakemake runs or the workflow is deployed).
SHIPPED_PREFIX = "workflow:"


class ConfigError(ValueError):
    """A config the workflow cannot run; the message names the field and the fix."""


@dataclass(frozen=True)
class RemoteFile:
    url: str
    expected_start: str | None = None  # what the first (decompressed) line must begin with
    mirror_hint: str = ""  # config setting that points this source at a mirror
    kind: str | None = None  # hif_prognosis.data.download.CONTENT_KINDS: the reader it must satisfy

    def as_params(self) -> dict[str, str | None]:
        """Plain values for a job's params (a job cannot unpickle this module's classes)."""
        return asdict(self)


# Signature field -> content kind of the file it names.
SIGNATURE_KINDS = {
    "gmt": "gmt", "genes_file": "gene_list", "review_table": "review_table", "weights_file": "weights_table",
}


def run_name(config: Mapping[str, Any], configfiles: list[str]) -> str:
    """The name of a run's results/ and logs/ folders: ``run_name`` if the config sets it, else
    the stem of the config file that took effect last, so that two configs never write into
    each other's results (the example and the full run, a user's copy and the default)."""
    if "run_name" in config:
        return str(config["run_name"])
    if not configfiles:
        return "default"
    stem = Path(configfiles[-1]).stem
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?", stem):
        raise ConfigError(
            f"{configfiles[-1]}: the file's name {stem!r} cannot name the results folder; "
            "set run_name: <letters, digits, _ . -> in it"
        )
    return stem


def contained(path: str, root: str, field: str) -> str:
    """``path`` normalised, or a ConfigError naming ``field`` where it would leave ``root``
    (a URL path or a name holding ``..``): nothing built from config text writes outside it."""
    normal = posixpath.normpath(path)
    if not normal.startswith(root.rstrip("/") + "/") or ".." in path.split("/"):
        raise ConfigError(
            f"{field}: {path!r} leaves {root}/ (it holds '..' or an absolute part); the workflow "
            f"writes only below {root}/. Give a location without '..'."
        )
    return normal


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://", "ftp://"))


def is_shipped(location: str) -> bool:
    """``workflow:<path>`` names a file shipped with the workflow (e.g. the review table)."""
    return location.startswith(SHIPPED_PREFIX)


def shipped_path(location: str, field: str) -> str:
    """The path of a shipped file relative to the workflow's top-level folder."""
    relative = location.removeprefix(SHIPPED_PREFIX)
    if not relative or relative.startswith("/") or ".." in relative.split("/"):
        raise ConfigError(
            f"{field}: {location!r} must name a file inside the workflow, e.g. "
            f"{SHIPPED_PREFIX}resources/signatures/hif1a_review.tsv."
        )
    return relative


def local_copy(location: str, field: str = "a URL") -> str:
    """Where the workflow reads a URL from: its cached copy under
    resources/downloads/url/<host>/<path> (a ConfigError naming ``field`` if that would leave
    resources/downloads/). Anything else is returned as given."""
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
        raise ConfigError(
            f"{field}: enrichment library {location!r}: an Enrichr library name has letters, digits and "
            "_ . + - only (e.g. enrichr:KEGG_2021_Human); correct it in enrichment.libraries."
        )
    url = f"{mirrors['enrichr'].rstrip('/')}/geneSetLibrary?mode=text&libraryName={quote(name)}"
    return f"{DOWNLOAD_DIR}/enrichr/{name}.txt", RemoteFile(url, None, "downloads.mirrors.enrichr", "gmt")


def gene_set_file(location: str, mirrors: Mapping[str, str], resolve_shipped: Callable[[str], str]) -> str:
    """Where the workflow reads a configured location from (a gene set, or a local cohort's
    table): a URL's or Enrichr library's cached copy, a shipped file through ``resolve_shipped``
    (Snakemake's ``workflow.source_path``), or a local path as given."""
    if is_enrichr(location):
        return enrichr_library(location, mirrors)[0]
    if is_shipped(location):
        return resolve_shipped(shipped_path(location, location))
    return local_copy(location)


# GEO's public layout (https://www.ncbi.nlm.nih.gov/geo/info/download.html).


def accession_stub(accession: str) -> str:
    """GEO's folder of an accession: its number with the last three digits as ``nnn``."""
    prefix = accession.rstrip("0123456789")
    number = accession[len(prefix):]
    if not prefix or not number:
        raise ConfigError(f"{accession!r} is not a GEO accession such as GSE21257 or GPL10295")
    return f"{prefix}{number[:-3]}nnn"


def series_matrix_name(accession: str, platform: str, several_platforms: bool) -> str:
    """File name of a series matrix: one per platform when the series spans several."""
    stem = f"{accession}-{platform}" if several_platforms else accession
    return f"{stem}_series_matrix.txt.gz"


def series_matrix_url(base: str, accession: str, file_name: str) -> str:
    return f"{base.rstrip('/')}/series/{accession_stub(accession)}/{accession}/matrix/{file_name}"


def platform_url(base: str, platform: str, kind: str) -> str:
    """``soft``: the platform's family SOFT file; ``annot``: GEO's annotation file."""
    name = f"{platform}_family.soft.gz" if kind == "soft" else f"{platform}.annot.gz"
    folder = "soft" if kind == "soft" else "annot"
    return f"{base.rstrip('/')}/platforms/{accession_stub(platform)}/{platform}/{folder}/{name}"


# The UCSC Xena GDC hub's layout (https://gdc-hub.s3.us-east-1.amazonaws.com/download/...).
XENA_PROBEMAP = "gencode.v36.annotation.gtf.gene.probemap"


def xena_hub_url(base: str, file_name: str) -> str:
    return f"{base.rstrip('/')}/download/{file_name}"


def _under(base: str, url: str, source: str) -> str:
    return f"{DOWNLOAD_DIR}/{source}/{url[len(base.rstrip('/')) + 1:]}"


def geo_downloads(cohort: Mapping[str, Any], mirrors: Mapping[str, str]) -> dict[str, dict[str, RemoteFile]]:
    """``matrices`` and ``platforms`` (cached path -> file), both in the order of ``platforms``."""
    base, hint = mirrors["geo"], "downloads.mirrors.geo"
    matrices, platforms = {}, {}
    for platform in cohort["platforms"]:
        name = series_matrix_name(cohort["accession"], platform, cohort["several_platforms"])
        url = series_matrix_url(base, cohort["accession"], name)
        matrices[_under(base, url, "geo")] = RemoteFile(url, "!Series_", hint)
        url = platform_url(base, platform, cohort["platform_table"])
        platforms[_under(base, url, "geo")] = RemoteFile(url, "^", hint)
    return {"matrices": matrices, "platforms": platforms}


def characteristic_key(key: str) -> str:
    """A GEO characteristic key as the config's keys are matched to it, case and white space
    ignored (hif_prognosis.data.geo.characteristic_key matches the same way when the data are read)."""
    return "".join(key.split()).casefold()


def series_matrix_keys(path: str) -> dict[str, list[str]]:
    """The characteristic keys of a series matrix's samples (``!Sample_characteristics_ch1``
    cells ``key: value``), each with up to three example values, read from its header only."""
    keys: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        for line in handle:
            if line.startswith("!series_matrix_table_begin"):
                break
            if line.startswith("!Sample_characteristics_ch1"):
                for cell in next(csv.reader([line.rstrip("\r\n")], delimiter="\t"))[1:]:
                    key, sep, value = cell.partition(":")
                    examples = keys.setdefault(key.strip(), []) if sep else []
                    if sep and value.strip() not in examples and len(examples) < 3:
                        examples.append(value.strip())
    return keys


def check_cached_geo_keys(name: str, cohort: Mapping[str, Any], mirrors: Mapping[str, str], configfile: str) -> None:
    """Before any job: where a GEO cohort's series matrix is already downloaded, every
    characteristic key its endpoints and covariates name must be there (case and spacing
    ignored); otherwise a ConfigError names the cohort and lists the keys the series carries,
    with examples. A matrix not yet downloaded is checked in the same way by the job reading it."""
    configured = [
        (f"endpoints.{kind}.{field}", spec[field]) for kind, spec in cohort["endpoints"].items() for field in ("time", "event")
    ] + [(f"covariates.{covariate}.column", spec["column"]) for covariate, spec in cohort.get("covariates", {}).items()]
    for path in geo_downloads(cohort, mirrors)["matrices"]:
        if not Path(path).is_file():
            continue
        keys = series_matrix_keys(path)
        carried = {characteristic_key(key) for key in keys}
        missing = [f"{field}: {key!r}" for field, key in configured if characteristic_key(key) not in carried]
        if missing:
            listing = "; ".join(f"{key!r} (e.g. {', '.join(map(repr, examples))})" for key, examples in keys.items())
            raise ConfigError(
                f"{configfile}: cohort {name}: {path} has no characteristic key for "
                f"{', '.join(missing)}. The series carries: {listing or 'no characteristics at all'}. "
                f"Name one of these under cohorts.{name} in the config (case and spacing do not matter)."
            )


def xena_downloads(cohort: Mapping[str, Any], mirrors: Mapping[str, str]) -> dict[str, dict[str, RemoteFile]]:
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
    """(config field, location, content kind) of every gene-set path, URL, shipped file or
    Enrichr name the config names."""
    for name, spec in config["signatures"].items():
        for key, kind in SIGNATURE_KINDS.items():
            if key in spec:
                yield f"signatures.{name}.{key}", spec[key], kind
    for name, location in config["enrichment"]["libraries"].items():
        yield f"enrichment.libraries.{name}", location, "gmt"
    for name, spec in config["comparators"].items():
        yield f"comparators.{name}.genes_file", spec["genes_file"], "gene_list"


def remote_files(config: Mapping[str, Any]) -> dict[str, RemoteFile]:
    """Cached path -> file, for every file the generic download rule fetches. Building each path
    checks it: one from a URL or Enrichr name that would leave resources/downloads/ is a
    ConfigError naming its config field."""
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


def configured_files(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(config field, location) of every input file the config names: each local cohort's
    expression and clinical tables, then every gene-set location (located_fields)."""
    for name, cohort in config["cohorts"].items():
        if cohort["source"] == "local":
            yield f"cohorts.{name}.expression", cohort["expression"]
            yield f"cohorts.{name}.clinical", cohort["clinical"]
    for field, location, _ in located_fields(config):
        yield field, location


def _local_files(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(config field, path) of every file in the user's working directory the config names."""
    for field, location in configured_files(config):
        if not (is_url(location) or is_enrichr(location) or is_shipped(location)):
            yield field, location


# Snakemake's report embeds job params (config text among them) in a <script> block unescaped;
# these sequences are the only ones that could end that block and run as HTML.
SCRIPT_BREAKOUT = re.compile(r"</|<!--", re.IGNORECASE)


def _strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, text) of every string in the config, keys included."""
    if isinstance(node, Mapping):
        for name, value in node.items():
            child = f"{key}.{name}" if key else str(name)
            yield child, str(name)
            yield from _strings(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{key}[{index}]")
    elif isinstance(node, str):
        yield key, node


def check_config(config: Mapping[str, Any], configfile: str = "the config") -> None:
    """Raise ConfigError naming the field and the fix for the first problem a schema-valid
    config has that shows without reading data (the jobs check the data where they read it)."""
    _check_text_and_files(config, configfile)
    _check_settings(config, configfile)
    _check_references(config, configfile)


def _check_text_and_files(config: Mapping[str, Any], configfile: str) -> None:
    """No text a report would run as markup; every file the config names is where it says."""
    for key, text in _strings(config):
        if SCRIPT_BREAKOUT.search(text):
            raise ConfigError(
                f"{configfile}: {key} = {text!r} holds '</' or '<!--', which Snakemake's report, "
                "embedding the config in a script block without escaping it, would let run as "
                "HTML in the reader's browser; remove it."
            )
    for field, location in configured_files(config):
        if is_shipped(location):
            shipped_path(location, field)
    missing = [(fld, p) for fld, p in _local_files(config) if not Path(p).is_file()]
    if missing:
        listing = "; ".join(f"{fld} = {p!r}" for fld, p in missing)
        raise ConfigError(
            f"{configfile}: file(s) not found: {listing} (relative paths are read from "
            f"{Path.cwd()}). Correct the path(s) or run snakemake from the intended directory."
        )
    remote_files(config)  # building the cached paths checks that each stays in resources/downloads/


def _check_settings(config: Mapping[str, Any], configfile: str) -> None:
    """Settings the schema cannot check alone: gene set sizes, GEO keys, text encodings."""
    enrichment = config["enrichment"]
    if enrichment["min_size"] > enrichment["max_size"]:
        raise ConfigError(
            f"{configfile}: enrichment.min_size {enrichment['min_size']} is above enrichment.max_size "
            f"{enrichment['max_size']}, so no gene set could be tested; set min_size <= max_size."
        )
    for name, cohort in config["cohorts"].items():
        if cohort["source"] == "geo":
            check_cached_geo_keys(name, cohort, config["downloads"]["mirrors"], configfile)
        if cohort["source"] == "local":
            try:
                codecs.lookup(cohort["encoding"])
            except LookupError:
                raise ConfigError(
                    f"{configfile}: cohorts.{name}.encoding {cohort['encoding']!r} is not a text encoding "
                    "Python knows; use e.g. utf-8, latin-1 or cp1252."
                ) from None


def _check_references(config: Mapping[str, Any], configfile: str) -> None:
    """Every name a setting refers to (signatures, methods, endpoints) is defined."""
    primary = config["primary"]
    signature_fields = {
        "primary.signature": primary["signature"],
        "survival.proliferation_signature": config["survival"]["proliferation_signature"],
        "enrichment.ora_signature": config["enrichment"].get("ora_signature", primary["signature"]),
    }
    for field, name in signature_fields.items():
        if name not in config["signatures"]:
            raise ConfigError(
                f"{configfile}: {field} {name!r} is not one of the signatures defined under "
                f"signatures: {sorted(config['signatures'])}; add it there or name another."
            )
    if primary["method"] not in config["scoring"]["methods"]:
        raise ConfigError(
            f"{configfile}: primary.method {primary['method']!r} is not listed in "
            f"scoring.methods {config['scoring']['methods']}; add it there or pick one of them."
        )
    recorded = {endpoint for cohort in config["cohorts"].values() for endpoint in cohort["endpoints"]}
    if primary["endpoint"] not in recorded:
        raise ConfigError(
            f"{configfile}: primary.endpoint {primary['endpoint']!r} is recorded by no cohort (they record "
            f"{sorted(recorded)}); name one of those."
        )
    weighted = [name for name, spec in config["signatures"].items() if "weights_file" in spec]
    if weighted and "weighted" not in config["scoring"]["methods"]:
        raise ConfigError(
            f"{configfile}: signature(s) {weighted} carry weights (weights_file), which only the "
            f"weighted method uses; add weighted to scoring.methods {config['scoring']['methods']}."
        )
    for name, comparator in config["comparators"].items():
        check_comparator(name, comparator, config["cohorts"], configfile)
    preferred = config["enrichment"]["survival_endpoints"]
    lacking = [name for name, cohort in config["cohorts"].items() if not set(preferred) & set(cohort["endpoints"])]
    if lacking:
        raise ConfigError(
            f"{configfile}: enrichment.survival_endpoints {preferred} names no endpoint of "
            f"cohort(s) {lacking}; add one of each cohort's endpoints to the list."
        )


REFIT_FIELDS = ("training_cohort", "training_endpoint", "weights")


def check_comparator(name: str, comparator: Mapping[str, Any], cohorts: Mapping[str, Any], configfile: str) -> None:
    """A refitted comparator names a configured cohort and an endpoint it records; the
    refit fields go with score refitted_cox only."""
    if comparator["score"] != "refitted_cox":
        stray = [field for field in REFIT_FIELDS if field in comparator]
        if stray:
            raise ConfigError(
                f"{configfile}: comparators.{name} sets {stray}, which only score refitted_cox reads; "
                f"remove them or set score: refitted_cox."
            )
        return
    training = comparator["training_cohort"]
    if training not in cohorts:
        raise ConfigError(
            f"{configfile}: comparators.{name}.training_cohort {training!r} is not a configured cohort "
            f"{sorted(cohorts)}; name one of them."
        )
    if comparator["training_endpoint"] not in cohorts[training]["endpoints"]:
        raise ConfigError(
            f"{configfile}: comparators.{name}.training_endpoint {comparator['training_endpoint']!r} is not "
            f"an endpoint of cohort {training} {sorted(cohorts[training]['endpoints'])}; name one of them."
        )


def gene_set_names(path: Path) -> set[str] | None:
    """The set names (first column) of a GMT or Enrichr library file, gzipped or not; None for
    a file that is not tab-separated (its reader, in the first job, says what is wrong)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
        rows = [line for line in lines if line.strip()]
    if not all("\t" in row for row in rows):
        return None
    return {row.split("\t", 1)[0].strip() for row in rows}


def check_plotted_set(config: Mapping[str, Any], configfile: str, resolve_shipped: Callable[[str], str]) -> None:
    """enrichment.plotted_set names a set of some library. Checked before any job over the
    libraries already on disk (local, shipped or downloaded); while one is still to be
    downloaded, the GSEA figures' job checks the set once it reads the libraries."""
    name = config["enrichment"]["plotted_set"]
    names: set[str] = set()
    for location in config["enrichment"]["libraries"].values():
        path = Path(str(gene_set_file(location, config["downloads"]["mirrors"], resolve_shipped)))
        read = gene_set_names(path) if path.is_file() else None
        if read is None:
            return
        names |= read
    if name not in names:
        near = difflib.get_close_matches(name, sorted(names), n=5, cutoff=0.6)
        raise ConfigError(
            f"{configfile}: enrichment.plotted_set {name!r} is a set of none of the libraries "
            f"{sorted(config['enrichment']['libraries'])}"
            + (f"; near matches: {near}" if near else "")
            + ". Name a set one of them holds (the first column of its GMT)."
        )


def check_config_file(path: str | Path) -> None:
    """Raise ConfigError for a YAML config that gives one key twice (YAML loaders keep the last
    silently, so the file says two things and the run does one), naming the key and both lines;
    and for a YTE template (``__use_yte__``), whose Python expressions Snakemake runs while
    loading it: this workflow takes plain YAML only."""
    import yaml  # type: ignore[import-untyped]  # Snakemake's own dependency, there whenever this runs

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in seen:
                        raise ConfigError(
                            f"{path}, line {line}: key {key.value!r} is given twice (first on line "
                            f"{seen[key.value]}); YAML would keep the last silently. Keep one of them."
                        )
                    seen[key.value] = line
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    with open(path, encoding="utf-8") as text:
        for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
            if document is None:
                continue
            walk(document)
            if isinstance(document, yaml.MappingNode) and any(k.value == "__use_yte__" for k, _ in document.value):
                raise ConfigError(
                    f"{path}: __use_yte__ makes this config a YTE template, whose expressions are Python "
                    "that Snakemake has already run while loading it. This workflow takes plain YAML "
                    "only: remove __use_yte__ and write the values out."
                )


# Config fields a reader sees and no computation reads: editing them reruns only the pages.
DISPLAY_FIELDS = ("description", "disease")


def without_display(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A cohort's or signature's config block as its computing rules take it: without
    DISPLAY_FIELDS, so that editing those reruns no computation."""
    return {key: value for key, value in spec.items() if key not in DISPLAY_FIELDS}


def ranking_endpoint(cohort: Mapping[str, Any], preferred: list[str]) -> str:
    """The endpoint a cohort's genes are ranked by: the first of ``preferred`` it records."""
    return next(endpoint for endpoint in preferred if endpoint in cohort["endpoints"])
