# Does hypoxia, read out as HIF-1alpha target-gene activity, predict osteosarcoma prognosis?
# Entry point: `snakemake --cores N`. The stages live in workflow/rules/, the analysis in the
# hif_prognosis package (src/), and workflow/scripts/ holds thin adapters between the two.

import os

from snakemake.utils import min_version

min_version("9.0")

# Read by workflow/envs/analysis.post-deploy.sh to install the analysis package (--sdm conda).
os.environ.setdefault("HIF_PROGNOSIS_SOURCE", workflow.basedir)


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/downloads.smk"
include: "workflow/rules/cohorts.smk"
include: "workflow/rules/signatures.smk"
include: "workflow/rules/scoring.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/enrichment.smk"
include: "workflow/rules/meta.smk"
include: "workflow/rules/summary.smk"


localrules:
    all,


rule all:
    default_target: True
    input:
        final_outputs(),
