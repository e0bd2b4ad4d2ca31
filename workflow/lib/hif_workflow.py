"""What the workflow needs to know at parse time: which files each configured source needs
(URL, cached path, content check) and the config checks that come before any job.

Standard library only: Snakemake loads this module while parsing (workflow/rules/common.smk),
which must work where only Snakemake is installed (a user's CI dry run, a deployed module).
The analysis itself, and every check that must read data, runs in jobs (hif_prognosis).

Cached paths keep each source's own layout under resources/downloads/<source>/, independent of
the mirror, so switching to a mirror of the same files reuses the cache.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import importlib
import importlib.util
import sys
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

# The cohort sources (src/hif_prognosis/data/sources/, one module each, standard library only),
# loaded by path under a name of their own: the analysis package need not be installed here.
SOURCES_PACKAGE = "hif_workflow_cohort_sources"


def _load_cohort_sources() -> ModuleType:
    directory = Path(__file__).resolve().parents[2] / "src" / "hif_prognosis" / "data" / "sources"
    if SOURCES_PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            SOURCES_PACKAGE, directory / "__init__.py", submodule_search_locations=[str(directory)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[SOURCES_PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{SOURCES_PACKAGE}.registry")


COHORT_SOURCES = _load_cohort_sources().COHORT_SOURCES
_base = importlib.import_module(f"{SOURCES_PACKAGE}.base")
DOWNLOAD_DIR: str = _base.DOWNLOAD_DIR
if TYPE_CHECKING:
    from hif_prognosis.data.sources.base import CohortSource, ConfigError, RemoteFile
else:
    ConfigError, RemoteFile = _base.ConfigError, _base.RemoteFile


def source_of(cohort: Mapping[str, Any]) -> CohortSource:
    """The declaration (CohortSource) of the source a cohort's config names."""
    return COHORT_SOURCES[cohort["source"]]


def source_module(source: str) -> ModuleType:
    """The parse-time module of a cohort source (for a rule of its own, e.g. xena's clinical
    release)."""
    return importlib.import_module(f"{SOURCES_PACKAGE}.{source}")


# The two ways every gene is ranked for GSEA; hif_prognosis.enrichment.rankings.RANKING_METRIC
# names the column each ranks by (tests/workflow/test_workflow_library.py holds the two to the
# same names: the workflow reads these at parse time, without the analysis package).
RANKINGS = ("survival_cox_z", "score_spearman")

# Scheduling priority (Snakemake's ``priority:``) of the longest jobs, the random-signature nulls
# and the locked models, and of every rule on their way: started first, they overlap the many
# short jobs instead of running alone at the end of the run.
PATH_TO_LONG_JOBS = 1
# A config location naming a file shipped with the workflow, relative to its top-level folder
# (read from the workflow's own source, wherever Snakemake runs or the workflow is deployed).
SHIPPED_PREFIX = "workflow:"


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


def cohort_inputs(
    cohort: Mapping[str, Any], mirrors: Mapping[str, str], locate: Callable[[str], str]
) -> dict[str, str | list[str]]:
    """A cohort's input files by role, as its source names them: the files the config names
    (where ``locate`` says the workflow reads each), its downloads, and the files a rule of
    its own makes."""
    source = source_of(cohort)
    files: dict[str, str | list[str]] = {role: locate(location) for role, location in source.configured(cohort).items()}
    files.update({role: list(paths) for role, paths in source.downloads(cohort, mirrors).items()})
    files.update(source.made(cohort))
    return files


def made_files(config: Mapping[str, Any]) -> list[str]:
    """The files the cohorts' sources make by rules of their own (e.g. a GDC clinical release)."""
    return [path for cohort in config["cohorts"].values() for path in source_of(cohort).made(cohort).values()]


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
        for role_files in source_of(cohort).downloads(cohort, mirrors).values():
            files.update(role_files)
    return files


def configured_files(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(config field, location) of every input file the config names: each cohort's tables
    its source takes from the config (a local cohort's expression and clinical tables), then
    every gene-set location (located_fields)."""
    for name, cohort in config["cohorts"].items():
        for role, location in source_of(cohort).configured(cohort).items():
            yield f"cohorts.{name}.{role}", location
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
    """Settings the schema cannot check alone: gene set sizes, and each cohort's source's checks
    (a cached GEO series' characteristic keys, a local cohort's text encoding)."""
    enrichment = config["enrichment"]
    if enrichment["min_size"] > enrichment["max_size"]:
        raise ConfigError(
            f"{configfile}: enrichment.min_size {enrichment['min_size']} is above enrichment.max_size "
            f"{enrichment['max_size']}, so no gene set could be tested; set min_size <= max_size."
        )
    for name, cohort in config["cohorts"].items():
        source_of(cohort).check(name, cohort, config["downloads"]["mirrors"], configfile)


def ora_signature(config: Mapping[str, Any]) -> str:
    """The signature over-representation is tested for: ``enrichment.ora_signature``, else the
    primary signature."""
    return str(config["enrichment"].get("ora_signature", config["primary"]["signature"]))


def _check_references(config: Mapping[str, Any], configfile: str) -> None:
    """Every name a setting refers to (signatures, methods, endpoints) is defined."""
    primary = config["primary"]
    signature_fields = {
        "primary.signature": primary["signature"],
        "survival.proliferation_signature": config["survival"]["proliferation_signature"],
        "enrichment.ora_signature": ora_signature(config),
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
