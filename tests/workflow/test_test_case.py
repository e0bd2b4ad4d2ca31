"""The shipped test case (.test/): the whole workflow on its synthetic cohort, with no ../shared;
which jobs a presentation setting reruns; and the workflow used as a Snakemake module from
another directory, with and without ``prefix:``, equal to the direct run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from support.mirror import Mirror
from support.workflow_runs import planned_jobs, table_hashes
from support.locations import REPO


# Jobs that compute numbers which do not depend on primary.*: none may rerun when it changes.
INDEPENDENT_OF_PRIMARY = {
    "harmonise_cohort", "collect_signatures", "signature_coverage", "score_signatures",
    "merge_scores", "cox_univariable", "random_signature_null", "gene_cox", "adjusted_cox",
    "discrimination", "cutpoint", "rank_genes_by_survival",
}
# What primary.* legitimately changes: the score ranking and its GSEA (they are about the
# primary score), the ORA of the primary signature (the default ora_signature), the head-to-head
# with the comparators (about the primary score), the specifications and power (they mark the
# primary and read its intervals), figures, pages.
MAY_RERUN = {
    "rank_genes_by_score", "prerank_gsea", "over_representation", "nes_across_cohorts", "head_to_head", "head_to_head_pooled",
    "kaplan_meier", "null_figure", "gene_forest", "locked_models_forest", "gsea_figures", "judgement", "summary_page",
    "specifications", "specification_curve", "power", "provenance", "all",
}


def snakemake(directory: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(directory), *args]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def finished_test_case(tmp_path_factory) -> Path:
    """.test copied alone to a temporary directory (the review table it names is read from the
    workflow's source), run to the end."""
    root = tmp_path_factory.mktemp("test_case")
    shutil.copytree(REPO / ".test", root / ".test", ignore=shutil.ignore_patterns("results", "logs", ".snakemake"))
    snakemake(root / ".test", "--cores", "2")
    return root / ".test"


def test_the_test_case_runs_end_to_end_without_shared_data(finished_test_case):
    results = finished_test_case / "results" / "config"
    for path in ["summary/index.html", "summary/judgement.tsv", "TEST/survival/null.png", "TEST/survival/gene_forest.png",
                 "TEST/enrichment/enrichment_plot.survival_cox_z.png", "TEST/survival/km/HIF1A_REVIEW_TARGETS.overall_survival.png"]:
        assert (results / path).stat().st_size > 0, path
    null = pd.read_csv(results / "TEST" / "survival" / "null.tsv", sep="\t")
    assert (null["n_fitted"] >= 990).all()
    # the synthetic hypoxia set was built on a factor that raises the hazard
    cox = pd.read_csv(results / "TEST" / "survival" / "cox.tsv", sep="\t").set_index(["signature", "method"])
    assert cox.loc[("TEST_HYPOXIA", "zscore"), "hr"] > 1
    assert "Nothing to be done" in snakemake(finished_test_case, "--dry-run").stdout


def test_changing_primary_reruns_no_computation_independent_of_it(finished_test_case, tmp_path):
    """primary.method and primary.signature choose what the figures and the page show; the null,
    the gene screen and the survival-ranking GSEA do not depend on them and must not rerun."""
    shutil.copytree(finished_test_case.parent, tmp_path, dirs_exist_ok=True)
    work = tmp_path / ".test"
    config_path = work / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["primary"] = {"signature": "TEST_HYPOXIA", "method": "pc1"}
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))  # key order alone changes params
    jobs = planned_jobs(snakemake(work, "--dry-run").stdout)
    assert not set(jobs) & INDEPENDENT_OF_PRIMARY, jobs
    assert set(jobs) <= MAY_RERUN, jobs
    assert jobs["prerank_gsea"] == 1  # the score ranking's GSEA only, not the survival ranking's
    assert {"null_figure", "gene_forest", "gsea_figures", "kaplan_meier", "summary_page"} <= set(jobs)
    before = table_hashes(work)
    snakemake(work, "--cores", "2")
    after = table_hashes(work)
    for path in ["results/config/TEST/survival/null.tsv", "results/config/TEST/survival/genes.tsv",
                 "results/config/TEST/enrichment/prerank.survival_cox_z.tsv"]:
        assert after[path] == before[path], path


OUTER_SNAKEFILE = """\
configfile: "config/config.yaml"


module hif:
    snakefile:
        "{workflow}"
    config:
        config
{prefix}

use rule * from hif as hif_*
"""


def run_outer(directory: Path, *args: str) -> subprocess.CompletedProcess:
    """Snakemake in a user's directory with its own (outer) Snakefile."""
    command = [sys.executable, "-m", "snakemake", "--directory", str(directory), *args]
    result = subprocess.run(command, capture_output=True, text=True, cwd=directory)
    if result.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def mirrored_library():
    """The .test enrichment library, byte for byte, at a URL of the loopback mirror."""
    with Mirror() as mirror:
        yield mirror.add("/msigdb/gene_sets.gmt", (REPO / ".test" / "data" / "gene_sets.gmt").read_bytes())


def deploy(directory: Path, library_url: str, prefix: str | None) -> Path:
    """A user's directory: the .test config and data, and an outer Snakefile using the workflow
    as a module (nothing of the checkout copied but the test case)."""
    shutil.copytree(REPO / ".test" / "data", directory / "data")
    config = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())
    config["enrichment"]["libraries"]["TEST"] = library_url
    (directory / "config").mkdir()
    (directory / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    prefix_line = f'    prefix:\n        "{prefix}"' if prefix else ""
    snakefile = OUTER_SNAKEFILE.format(workflow=REPO / "workflow" / "Snakefile", prefix=prefix_line)
    (directory / "Snakefile").write_text(snakefile)
    return directory


@pytest.mark.parametrize("prefix", [None, "hif"], ids=["no-prefix", "prefix"])
def test_module_run_equals_direct_run(prefix, tmp_path, mirrored_library, finished_test_case):
    """The workflow used as a module from another directory, as a snakedeploy deployment uses
    it: the .test case through an outer Snakefile, its library served by URL from the loopback
    mirror; every table equals the direct run's."""
    user = deploy(tmp_path, mirrored_library, prefix)
    run_outer(user, "--cores", "2")
    base = user / prefix if prefix else user
    # the checksum table names each input by its config location: the library is a URL here
    provenance = "results/config/summary/input_checksums.tsv"
    tables = table_hashes(base)
    assert tables.pop(provenance) != table_hashes(finished_test_case)[provenance]
    assert tables == {k: v for k, v in table_hashes(finished_test_case).items() if k != provenance}
    checksums = pd.read_csv(base / provenance, sep="\t")
    assert mirrored_library in set(checksums["file"])  # named by its URL, not by the cache path
    # the URL library was downloaded into the module's own (prefixed) tree, nowhere else
    cached = sorted(p.relative_to(user) for p in user.rglob("gene_sets.gmt") if "downloads" in p.parts)
    assert cached == [Path(prefix or ".") / "resources/downloads/url/127.0.0.1_{}/msigdb/gene_sets.gmt".format(mirrored_library.split(":")[2].split("/")[0])]
    assert "Nothing to be done" in run_outer(user, "--dry-run").stdout
