"""The workflow on a real SLURM cluster through snakemake-executor-plugin-slurm and
profiles/slurm: jobs go through sbatch, results equal a local run's, a failing job surfaces with
its log paths, and a rerun resumes from what finished.

Needs a running cluster (CI starts a single-node one with .ci/slurm-cluster.sh); skips otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support.workflow_runs import snakemake, snakemake_command, table_hashes, write_config
from support.locations import REPO

pytestmark = pytest.mark.workflow
TARGETS = ["results/config/summary/judgement.tsv", "results/config/GSE4335/survival/km/HALLMARK_HYPOXIA.overall_survival.png"]
# Small and quick: one scoring method, the smallest null the schema allows.
SMALL = {"scoring__methods": ["zscore"], "random_null__n_sets": 1000, "survival": {"bootstrap_resamples": 100}}
# CI cluster without accounting: poll squeue (finished jobs stay visible for MinJobAge = 300 s),
# and check soon after submission (the plugin's default first check is after 40 s).
CI_CLUSTER = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2"]


@pytest.fixture(scope="module")
def cluster() -> None:
    if shutil.which("sinfo") is None:
        pytest.skip("no SLURM client here; .ci/slurm-cluster.sh start brings up a single-node cluster")
    nodes = subprocess.run(["sinfo", "--noheader", "--format=%N %t"], capture_output=True, text=True)
    if nodes.returncode != 0 or not nodes.stdout.strip():
        pytest.skip(f"no SLURM cluster answers sinfo: {nodes.stderr.strip()}")


def on_slurm(directory: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return snakemake(directory, "--profile", "profiles/slurm", *CI_CLUSTER, *args, *TARGETS, check=check)


def slurm_job_ids(output: str) -> dict[str, str]:
    """SLURM job id -> rule, from the executor plugin's submission messages."""
    submissions = re.findall(r"submitted with SLURM jobid (\d+) \(log: \S*/slurm_logs/rule_(\w+)/", output)
    return dict(submissions)


def squeue_states(job_ids: list[str]) -> dict[str, str]:
    listing = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i %T", "--jobs", ",".join(job_ids)],
        capture_output=True, text=True, check=True,
    ).stdout
    return dict(line.split() for line in listing.splitlines())


def test_failed_job_surfaces_then_rerun_resumes_and_equals_a_local_run(cluster, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # --profile profiles/slurm
    cluster_run, local_run = tmp_path / "slurm", tmp_path / "local"
    cluster_run.mkdir()
    local_run.mkdir()

    # 1. A job that fails on the cluster: no signature measures all its genes in GSE4335.
    write_config(cluster_run, scoring__min_coverage=1.0, **SMALL)
    failed = on_slurm(cluster_run, check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    jobs = slurm_job_ids(output)
    assert set(jobs.values()) == {"harmonise_cohort", "signature_coverage"}
    states = squeue_states(list(jobs))
    failed_ids = [i for i, rule in jobs.items() if rule == "signature_coverage"]
    assert len(failed_ids) == 2  # profiles/slurm retries a failed job once
    assert {states[i] for i in failed_ids} == {"FAILED"}
    assert {state for i, state in states.items() if i not in failed_ids} == {"COMPLETED"}
    # the message names each job's SLURM log and the rule's log, and the rule log says why
    for failed_id in failed_ids:
        assert f".snakemake/slurm_logs/rule_signature_coverage/GSE4335/{failed_id}.log" in output
    assert "logs/config/GSE4335/signature_coverage.log" in output
    assert "HALLMARK_HYPOXIA" in (cluster_run / "logs" / "config" / "GSE4335" / "signature_coverage.log").read_text()
    assert (cluster_run / "results" / "config" / "GSE4335" / "expression.npz").is_file()  # the finished harmonisation
    assert not (cluster_run / "results" / "config" / "GSE4335" / "signature_coverage.tsv").exists()

    # 2. Fixed, the rerun resumes: the finished harmonisation is not submitted again. Meanwhile
    # the same config runs locally on one core (the cluster's jobs mostly wait to be polled).
    write_config(local_run, **SMALL)
    local = subprocess.Popen(
        snakemake_command(local_run, "--cores", "1", *TARGETS),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    write_config(cluster_run, **SMALL)
    resumed = on_slurm(cluster_run)
    jobs = slurm_job_ids(resumed.stdout + resumed.stderr)
    assert "harmonise_cohort" not in jobs.values()
    assert {"signature_coverage", "score_signatures", "cox_univariable", "random_signature_null",
            "adjusted_cox", "kaplan_meier"} <= set(jobs.values())
    assert set(squeue_states(list(jobs)).values()) == {"COMPLETED"}
    # light rules ran on the submitting host, not as SLURM jobs
    assert not {"merge_scores", "collect_signatures", "judgement"} & set(jobs.values())

    # 3. The same config run locally gives the same bytes.
    local_output, _ = local.communicate(timeout=600)
    assert local.returncode == 0, local_output
    assert table_hashes(cluster_run) == table_hashes(local_run)
    assert len(table_hashes(local_run)) >= 8
