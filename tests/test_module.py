"""The workflow used as a Snakemake module from another directory, with and without ``prefix:``,
as a snakedeploy deployment uses it: the .test case run to the end through an outer Snakefile,
its enrichment library served by URL from the loopback mirror, tables equal to a direct run's."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mirror import Mirror
from test_workflow import table_hashes

REPO = Path(__file__).resolve().parents[1]

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


def run(directory: Path, *args: str) -> subprocess.CompletedProcess:
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


@pytest.fixture(scope="module")
def direct_run(tmp_path_factory) -> dict[str, str]:
    """Tables of the .test case run directly from the checkout's top-level Snakefile."""
    root = tmp_path_factory.mktemp("direct")
    shutil.copytree(REPO / ".test", root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("results", "logs", ".snakemake"))
    run(root, "--snakefile", str(REPO / "Snakefile"), "--cores", "2")
    return table_hashes(root)


@pytest.mark.parametrize("prefix", [None, "hif"], ids=["no-prefix", "prefix"])
def test_module_run_equals_direct_run(prefix, tmp_path, mirrored_library, direct_run):
    user = deploy(tmp_path, mirrored_library, prefix)
    run(user, "--cores", "2")
    base = user / prefix if prefix else user
    tables = table_hashes(base)
    assert tables == direct_run
    # the URL library was downloaded into the module's own (prefixed) tree, nowhere else
    cached = sorted(p.relative_to(user) for p in user.rglob("gene_sets.gmt") if "downloads" in p.parts)
    assert cached == [Path(prefix or ".") / "resources/downloads/url/127.0.0.1_{}/msigdb/gene_sets.gmt".format(mirrored_library.split(":")[2].split("/")[0])]
    assert "Nothing to be done" in run(user, "--dry-run").stdout
