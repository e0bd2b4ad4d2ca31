"""Parsing needs Snakemake alone: in a virtual environment holding only snakemake and its SLURM
executor plugin (pinned as in requirements-lock.txt), as a user's CI or a deployment has it,
`snakemake --lint` and a dry run of the default config succeed, with no analysis package, gseapy or
scanpy installed, and no download."""

from __future__ import annotations

import shutil
import subprocess
import venv
from pathlib import Path

import pytest
from support.locations import REPO

PARSE_TIME_PACKAGES = ("snakemake", "snakemake-executor-plugin-slurm")
# What only the jobs need (the SLURM plugin itself brings pandas and numpy, so those are present).
ANALYSIS_MODULES = ("hif_prognosis", "gseapy", "scanpy", "lifelines", "statsmodels", "matplotlib")


@pytest.fixture(scope="module")
def snakemake_only(tmp_path_factory) -> Path:
    """The bin/ of a fresh venv with the pinned snakemake and executor plugin only."""
    root = tmp_path_factory.mktemp("snakemake_only")
    venv.create(root, with_pip=True)
    pins = [
        line.strip()
        for line in (REPO / "requirements-lock.txt").read_text().splitlines()
        if line.split("==")[0] in PARSE_TIME_PACKAGES
    ]
    assert len(pins) == len(PARSE_TIME_PACKAGES), pins
    install = [str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    result = subprocess.run([*install, "-c", str(REPO / "requirements-lock.txt"), *pins], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"installing {pins} from PyPI failed:\n{result.stderr[-2000:]}")
    return root / "bin"


def test_the_environment_has_no_analysis_software(snakemake_only):
    check = "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) for m in sys.argv[1:]))"
    assert subprocess.run([str(snakemake_only / "python"), "-c", check, *ANALYSIS_MODULES]).returncode == 0


def user_directory(tmp_path: Path) -> Path:
    """The default config in a directory of its own (as snakedeploy deploys it)."""
    shutil.copytree(REPO / "config", tmp_path / "config")
    return tmp_path


def snakemake(bin_dir: Path, directory: Path, *args: str) -> subprocess.CompletedProcess:
    command = [str(bin_dir / "snakemake"), "--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(directory), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=directory)


def test_lint_passes_with_snakemake_alone(snakemake_only, tmp_path):
    result = snakemake(snakemake_only, user_directory(tmp_path), "--lint")
    assert "Congratulations, your workflow is in a good condition" in result.stdout + result.stderr, result.stderr[-3000:]


def test_dry_run_of_the_default_config_with_snakemake_alone(snakemake_only, tmp_path):
    directory = user_directory(tmp_path)
    result = snakemake(snakemake_only, directory, "--dry-run")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "random_signature_null" in result.stdout and "prerank_gsea" in result.stdout
    assert not (directory / "resources").exists()  # nothing downloaded while planning


def test_a_config_error_is_reported_at_parse_time_with_snakemake_alone(snakemake_only, tmp_path):
    """The parse-time checks run without the package and keep their one-line message."""
    directory = user_directory(tmp_path)
    config = directory / "config" / "config.yaml"
    config.write_text(config.read_text().replace("signature: HIF1A_REVIEW_TARGETS", "signature: NO_SUCH_SIGNATURE", 1))
    result = snakemake(snakemake_only, directory, "--dry-run")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "primary.signature 'NO_SUCH_SIGNATURE' is not one of the signatures defined under signatures" in output
    assert "ModuleNotFoundError" not in output
