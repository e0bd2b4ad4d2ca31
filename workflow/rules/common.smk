# Config validation and the helpers the rules share. Runs at parse time, before any job, with
# Snakemake alone: the parse-time logic is workflow/lib/hif_workflow.py (standard library only),
# loaded from the workflow's own source so that a deployed module finds it too.

import hashlib
import importlib.util
import json
import re
import sys
import warnings

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate


def fetch_cohort_sources():
    """The cohort sources' modules, which the library loads from beside its own copy: asked for
    here, so that a workflow deployed from a remote repository (whose files Snakemake fetches
    as they are asked for) has them too. The schema's list of sources names them."""
    import yaml

    with open(workflow.source_path("../../config/schemas/config.schema.yaml")) as text:
        schema = yaml.safe_load(text)
    names = schema["$defs"]["cohort"]["properties"]["source"]["enum"]
    for name in ["__init__", "base", "registry", *names]:
        workflow.source_path(f"../../src/hif_prognosis/data/sources/{name}.py")


def load_workflow_library(name):
    """workflow/lib/<name>.py, by its path in the workflow's source."""
    path = workflow.source_path(f"../lib/{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    library = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = (
        library  # dataclasses look their module up while being defined
    )
    spec.loader.exec_module(library)
    return library


fetch_cohort_sources()
hif_workflow = load_workflow_library("hif_workflow")

# Snakemake's scheduler multiplies its one-second wake-ups as jobs finish (28 CPU s of the default
# run); one pending wake does the same (workflow/lib/snakemake_scheduler.py).
load_workflow_library("snakemake_scheduler").coalesce_snakemake_reevaluations()

# Snakemake 9 creates, and drops unawaited, a coroutine each time a resource reads
# input.size_mb before the inputs exist (snakemake/snakemake#4280, harmless): silenced so that
# --report and dry runs show only warnings that mean something.
warnings.filterwarnings(
    "ignore",
    message="coroutine 'InputFiles._predicated_size_files",
    category=RuntimeWarning,
)

# The files the config came from: those given on the command line, else the default.
CONFIGFILES = (
    ", ".join(map(str, workflow.overwrite_configfiles or workflow.configfiles))
    or "the config"
)


def schema_problem(error):
    """One line naming the key and the problem of Snakemake's schema error (raised while
    handling jsonschema's ValidationError), instead of the schema dump."""
    cause = error.__context__
    if not hasattr(cause, "absolute_path"):
        return str(error)
    key = ".".join(map(str, cause.absolute_path)) or "(top level)"
    return f"{key}: {cause.message}"


try:
    for configfile in workflow.overwrite_configfiles or workflow.configfiles:
        hif_workflow.check_config_file(configfile)
except hif_workflow.ConfigError as error:
    raise WorkflowError(f"Invalid configuration: {error}") from None
try:
    validate(config, schema="../../config/schemas/config.schema.yaml", set_default=True)
except WorkflowError as error:
    raise WorkflowError(
        f"Invalid configuration in {CONFIGFILES}: {schema_problem(error)}"
    ) from None
try:
    hif_workflow.check_config(config, configfile=CONFIGFILES)
except hif_workflow.ConfigError as error:
    raise WorkflowError(f"Invalid configuration: {error}") from None

# Every output, log and benchmark of this config lives under its own folders (path helpers
# below): the example, the full run and a user's copy never overwrite each other.
try:
    RUN_NAME = hif_workflow.run_name(
        config, [str(f) for f in workflow.overwrite_configfiles or workflow.configfiles]
    )
except hif_workflow.ConfigError as error:
    raise WorkflowError(f"Invalid configuration: {error}") from None


def results(path):
    return f"results/{RUN_NAME}/{path}"


def logs(path):
    return f"logs/{RUN_NAME}/{path}"


def benchmarks(path):
    return f"logs/{RUN_NAME}/benchmarks/{path}"


COHORTS = list(config["cohorts"])
SIGNATURES = list(config["signatures"])
COMPARATORS = list(config["comparators"])
# Comparators whose genes' weights are learned in a training cohort (rule refit_comparator).
REFITTED_COMPARATORS = [
    name
    for name, spec in config["comparators"].items()
    if spec["score"] == "refitted_cox"
]
# Comparators with risk classes to draw (CINSARC's C1/C2); a refitted one is a score only.
CLASSED_COMPARATORS = [
    name
    for name, spec in config["comparators"].items()
    if spec["score"] == "cinsarc_centroid"
]
METHODS = list(config["scoring"]["methods"])
PRIMARY = config["primary"]
ORA_SIGNATURE = hif_workflow.ora_signature(config)
# Cached path -> RemoteFile (URL, content check) of every file the download rule fetches.
REMOTE_FILES = hif_workflow.remote_files(config)
RANKINGS = hif_workflow.RANKINGS


def scaled(base, per_input_mb=0.0):
    """A resource (mem_mb or runtime in minutes) of a base plus a multiple of the job's input
    size, doubled on each retry (profiles/slurm retries a failed job once)."""

    def amount(wildcards, input, attempt):
        return int((base + per_input_mb * input.size_mb) * attempt)

    return amount


def one_of(names):
    """Wildcard regex matching exactly these names (none: matches nothing)."""
    return "|".join(map(re.escape, names)) or "$^"


wildcard_constraints:
    remote_file=one_of(REMOTE_FILES),
    cohort=one_of(COHORTS),
    comparator=one_of(COMPARATORS),
    signature=one_of(SIGNATURES),
    method=one_of(METHODS),
    ranking=one_of(RANKINGS),


def cohort_config(wildcards):
    return config["cohorts"][wildcards.cohort]


def cohort_inputs(wildcards):
    """A cohort's input files by role, as its source names them (named rule inputs)."""
    return hif_workflow.cohort_inputs(
        cohort_config(wildcards), config["downloads"]["mirrors"], located_file
    )


def cohort_resource(resource):
    """A harmonise job's ``mem_mb`` or ``runtime`` as the cohort's source sets it."""

    def amount(wildcards, input, attempt):
        source = hif_workflow.source_of(cohort_config(wildcards))
        base, per_input_mb = (
            source.memory_mb if resource == "mem_mb" else (source.runtime_minutes, 0.0)
        )
        return scaled(base, per_input_mb)(wildcards, input, attempt)

    return amount


def cohort_threads(wildcards):
    """A harmonise job's threads as the cohort's source sets them."""
    return hif_workflow.source_of(cohort_config(wildcards)).threads


def endpoints(cohort):
    return list(config["cohorts"][cohort]["endpoints"])


def ranking_endpoint(wildcards):
    """The endpoint a cohort's genes are ranked by (enrichment.survival_endpoints)."""
    return hif_workflow.ranking_endpoint(
        cohort_config(wildcards), config["enrichment"]["survival_endpoints"]
    )


def method_settings(method):
    """A scoring method's config block (scoring.<method>; none for methods without one)."""
    return config["scoring"].get(method, {})


def user_file(path):
    """A file the user's config names, read where the user keeps it: a module's ``prefix:``
    (which moves the workflow's own files) must not apply to it."""
    return local(path)


def shipped_file(relative):
    """A file shipped with the workflow (``workflow:<path>`` in the config), read from the
    workflow's own source: its checkout, or Snakemake's cache of a deployed module."""
    return workflow.source_path(f"../../{relative}")


def located_file(location):
    """The file the workflow reads a configured location from (a cohort table or a gene set):
    a download's cached copy, a file shipped with the workflow, or the user's own file.
    """
    path = hif_workflow.gene_set_file(
        location, config["downloads"]["mirrors"], shipped_file
    )
    return path if path in REMOTE_FILES else user_file(path)


# The set drawn per ranking exists: checked before any job over the libraries on disk.
try:
    hif_workflow.check_plotted_set(config, CONFIGFILES, shipped_file)
except hif_workflow.ConfigError as error:
    raise WorkflowError(f"Invalid configuration: {error}") from None


def signature_files():
    """Location as configured (path, URL or shipped file) -> the file it is read from."""
    return {
        location: located_file(location)
        for field, location, _ in hif_workflow.located_fields(config)
        if field.startswith("signatures.")
    }


def signature_files_read(wildcards, input):
    """The same mapping with the job's actual input paths (a module's prefix applied)."""
    return dict(zip(signature_files(), input, strict=True))


def comparator_files():
    """Comparator name -> the file its genes are read from."""
    return {
        name: located_file(spec["genes_file"])
        for name, spec in config["comparators"].items()
    }


def training_cohort(wildcards):
    """The cohort a refitted comparator's weights are learned in."""
    return config["comparators"][wildcards.comparator]["training_cohort"]


def comparator_weights_path(comparator):
    """A refitted comparator's gene weights, learned in its training cohort."""
    return results(f"comparators/{comparator}.weights.tsv")


def input_data_files():
    """Every data file the run reads (cohort tables, gene sets, downloads), once each, as its
    location in the config (a URL, or workflow:<path> for a shipped file: the same on every
    machine) -> the file read; a cohort's downloads by their cached path. Checksummed by rule
    provenance."""
    files = {
        location: located_file(location)
        for _, location in hif_workflow.configured_files(config)
    }
    downloads = [*REMOTE_FILES] + hif_workflow.made_files(config)
    read = set(files.values())
    files.update((path, path) for path in downloads if path not in read)
    return files


def library_files():
    return [located_file(loc) for loc in config["enrichment"]["libraries"].values()]


def libraries_read(wildcards, input):
    """Library name -> the job's input path of its GMT."""
    return dict(zip(config["enrichment"]["libraries"], input.libraries, strict=True))


def kaplan_meier_path(
    ext, cohort="{cohort}", signature="{signature}", endpoint="{endpoint}"
):
    """A Kaplan-Meier figure (png, pdf) or its numbers at risk (at_risk.tsv)."""
    return results(f"{cohort}/survival/km/{signature}.{endpoint}.{ext}")


def comparator_kaplan_meier_path(
    ext, comparator, cohort="{cohort}", endpoint="{endpoint}"
):
    """A Kaplan-Meier figure (png, pdf) of a comparator's classes."""
    return results(f"{cohort}/survival/km_comparators/{comparator}.{endpoint}.{ext}")


def comparator_kaplan_meier_figures(cohort, extensions=("png", "pdf")):
    return [
        comparator_kaplan_meier_path(ext, comparator, cohort, endpoint)
        for comparator in CLASSED_COMPARATORS
        for endpoint in endpoints(cohort)
        for ext in extensions
    ]


def kaplan_meier_figures(cohort, signatures=SIGNATURES, extensions=("png", "pdf")):
    return [
        kaplan_meier_path(ext, cohort, signature, endpoint)
        for signature in signatures
        for endpoint in endpoints(cohort)
        for ext in extensions
    ]


def locked_kaplan_meier_keys():
    """(signature, weights, training cohort, test cohort, endpoint) of each locked split drawn:
    the primary signature with per-gene Cox weights, and every weight-file model with its own
    weights, for each ordered pair of cohorts and each endpoint both record."""
    drawn = [(PRIMARY["signature"], "cox")] + [
        (name, "published")
        for name, spec in config["signatures"].items()
        if "weights_file" in spec
    ]
    return [
        (signature, weights, training, test, endpoint)
        for signature, weights in drawn
        for training in COHORTS
        for test in COHORTS
        if training != test
        for endpoint in endpoints(training)
        if endpoint in endpoints(test)
    ]


def locked_kaplan_meier_path(ext, key):
    signature, weights, training, test, endpoint = key
    return results(
        f"meta/locked_km/{training}_to_{test}.{signature}.{weights}.{endpoint}.{ext}"
    )


def ranking_table(ranking="{ranking}"):
    """Every gene ranked one of the RANKINGS ways, for pre-ranked GSEA."""
    return results(f"{{cohort}}/enrichment/ranking.{ranking}.tsv")


def primary_method(pattern):
    """``pattern`` of the primary method (``{cohort}`` left as a wildcard)."""
    return expand(pattern, method=PRIMARY["method"], allow_missing=True)[0]


def per_cohort(pattern, **wildcards):
    """``pattern`` expanded over every cohort (and any other wildcards given)."""
    return expand(pattern, cohort=COHORTS, **wildcards)


def across_cohorts(*paths):
    """Across-cohort outputs exist only with two or more cohorts."""
    return list(paths) if len(COHORTS) > 1 else []


def final_outputs():
    per_cohort_outputs = [
        rules.export_expression.output.table,
        rules.signature_coverage.output.table,
        rules.merge_scores.output.table,
        rules.cox_univariable.output.table,
        rules.adjusted_cox.output.table,
        *rules.discrimination.output,
        rules.cutpoint.output.table,
        rules.merge_null.output.table,
        *rules.null_figure.output,
        rules.gene_cox.output.table,
        *rules.gene_forest.output,
        rules.over_representation.output.table,
        *rules.head_to_head.output,
    ]
    outputs = per_cohort(per_cohort_outputs)
    outputs += per_cohort(list(rules.gsea_figures.output), ranking=RANKINGS)
    for cohort in COHORTS:
        outputs += kaplan_meier_figures(cohort) + comparator_kaplan_meier_figures(
            cohort
        )
    outputs += [
        rules.nes_across_cohorts.output.table,
        rules.judgement.output.table,
        rules.head_to_head_pooled.output.table,
        rules.specifications.output.table,
        rules.power.output.table,
        *rules.specification_curve.output,
        *rules.summary_page.output,
    ]
    outputs += across_cohorts(
        *rules.meta_analysis.output,
        rules.locked_models.output.table,
        *rules.locked_models_forest.output,
        *rules.locked_kaplan_meier.output,
    )
    return outputs
