# Stage 6: across cohorts, the check that no patient is in two cohorts, then random-effects
# meta-analysis of the per-SD log hazard ratios and the locked-model validation; then the answer
# to the question, criterion by criterion.


rule cohort_overlap:
    input:
        expression=expand(rules.harmonise_cohort.output.expression, cohort=COHORTS),
        clinical=expand(rules.harmonise_cohort.output.clinical, cohort=COHORTS),
    output:
        flagged=report(
            results("meta/cohort_overlap.tsv"),
            caption="../report/cohort_overlap.rst",
            category="Meta-analysis",
            labels={"table": "patients in two cohorts"},
        ),
        pairs=results("meta/cohort_overlap_pairs.tsv"),
        pooled=results("meta/pooled_patients.tsv"),
    log:
        logs("meta/cohort_overlap.log"),
    benchmark:
        benchmarks("meta/cohort_overlap.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000, 4),
        runtime=scaled(10),
    params:
        cohorts=COHORTS,
        min_correlation=config["overlap"]["min_correlation"],
        joined_endpoints=config["meta_analysis"]["joined_endpoints"],
    script:
        "../scripts/cohort_overlap.py"


rule meta_analysis:
    input:
        cox=expand(rules.cox_univariable.output.table, cohort=COHORTS),
        no_overlap=rules.cohort_overlap.output.flagged,
    output:
        table=report(
            results("meta/meta_analysis.tsv"),
            caption="../report/meta.rst",
            category="Meta-analysis",
            labels={"table": "random-effects meta-analysis"},
        ),
        forest=report(
            results("meta/forest.png"),
            caption="../report/forest.rst",
            category="Meta-analysis",
            labels={"figure": "forest plot"},
        ),
        forest_pdf=results("meta/forest.pdf"),
    log:
        logs("meta/meta_analysis.log"),
    benchmark:
        benchmarks("meta/meta_analysis.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        signature=PRIMARY["signature"],
        method=PRIMARY["method"],
        joined_endpoints=config["meta_analysis"]["joined_endpoints"],
    script:
        "../scripts/meta_analysis.py"


rule locked_models:
    input:
        expression=expand(rules.harmonise_cohort.output.expression, cohort=COHORTS),
        coverage=expand(rules.signature_coverage.output.table, cohort=COHORTS),
        clinical=expand(rules.harmonise_cohort.output.clinical, cohort=COHORTS),
        no_overlap=rules.cohort_overlap.output.flagged,
    output:
        table=report(
            results("meta/locked_models.tsv"),
            caption="../report/locked_models.rst",
            category="Meta-analysis",
            labels={"table": "locked-model validation"},
        ),
        auc=results("meta/locked_models_auc.tsv"),
        at_risk=results("meta/locked_models_at_risk.tsv"),
        scores=results("meta/locked_models_scores.tsv"),
    log:
        logs("meta/locked_models.log"),
    benchmark:
        benchmarks("meta/locked_models.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000, 4),
        runtime=scaled(15),
    params:
        cohorts=COHORTS,
        auc_years=config["survival"]["auc_years"],
        min_events_per_variable=config["survival"]["min_events_per_variable"],
        seed=config["seed"],
    script:
        "../scripts/locked_models.py"


rule locked_models_forest:
    input:
        table=rules.locked_models.output.table,
    output:
        png=report(
            results("meta/locked_models_forest.png"),
            caption="../report/locked_models_forest.rst",
            category="Meta-analysis",
            labels={"figure": "locked-score forest plot"},
        ),
        pdf=results("meta/locked_models_forest.pdf"),
    log:
        logs("meta/locked_models_forest.log"),
    benchmark:
        benchmarks("meta/locked_models_forest.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),
        runtime=scaled(5),
    params:
        signature=PRIMARY["signature"],
    script:
        "../scripts/locked_models_forest.py"


rule locked_kaplan_meier:
    input:
        table=rules.locked_models.output.table,
        scores=rules.locked_models.output.scores,
        clinical=expand(rules.harmonise_cohort.output.clinical, cohort=COHORTS),
    output:
        png=[
            report(
                locked_kaplan_meier_path("png", key),
                caption="../report/locked_kaplan_meier.rst",
                category="Meta-analysis",
                labels={
                    "figure": "locked split",
                    "signature": key[0],
                    "weights": key[1],
                    "direction": f"{key[2]} to {key[3]}",
                    "endpoint": key[4],
                },
            )
            for key in locked_kaplan_meier_keys()
        ],
        pdf=[locked_kaplan_meier_path("pdf", key) for key in locked_kaplan_meier_keys()],
    log:
        logs("meta/locked_kaplan_meier.log"),
    benchmark:
        benchmarks("meta/locked_kaplan_meier.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),
        runtime=scaled(10),
    params:
        cohorts=COHORTS,
        splits=locked_kaplan_meier_keys(),
    script:
        "../scripts/locked_kaplan_meier.py"


# Each comparator's head-to-head across cohorts: does HIF-1alpha add to it, pooled?
rule head_to_head_pooled:
    input:
        tables=expand(rules.head_to_head.output.table, cohort=COHORTS),
        no_overlap=across_cohorts(rules.cohort_overlap.output.flagged),
    output:
        table=report(
            results("summary/head_to_head.tsv"),
            caption="../report/head_to_head_pooled.rst",
            category="Summary",
            labels={"table": "head to head, pooled"},
        ),
    log:
        logs("summary/head_to_head_pooled.log"),
    benchmark:
        benchmarks("summary/head_to_head_pooled.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/head_to_head_pooled.py"


rule judgement:
    input:
        cox=expand(rules.cox_univariable.output.table, cohort=COHORTS),
        null=expand(rules.merge_null.output.table, cohort=COHORTS),
        models=expand(rules.adjusted_cox.output.table, cohort=COHORTS),
        meta=across_cohorts(rules.meta_analysis.output.table),
        locked=across_cohorts(rules.locked_models.output.table),
        head_to_head=rules.head_to_head_pooled.output.table,
    output:
        table=report(
            results("summary/judgement.tsv"),
            caption="../report/judgement.rst",
            category="Summary",
            labels={"table": "how the answer is judged"},
        ),
    log:
        logs("summary/judgement.log"),
    benchmark:
        benchmarks("summary/judgement.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        cohorts=COHORTS,
        signature=PRIMARY["signature"],
        method=PRIMARY["method"],
        joined_endpoints=config["meta_analysis"]["joined_endpoints"],
        power=config["robustness"]["power"],
        max_detectable_hr=config["robustness"]["max_detectable_hr"],
    script:
        "../scripts/judgement.py"


# Does the answer survive every reasonable choice? The primary question under every signature
# variant, scoring method, endpoint and set of cohorts (one left out in turn).
rule specifications:
    input:
        cox=expand(rules.cox_univariable.output.table, cohort=COHORTS),
        no_overlap=across_cohorts(rules.cohort_overlap.output.flagged),
    output:
        table=report(
            results("summary/specifications.tsv"),
            caption="../report/specifications.rst",
            category="Summary",
            labels={"table": "specifications of the primary question"},
        ),
    log:
        logs("summary/specifications.log"),
    benchmark:
        benchmarks("summary/specifications.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        primary=PRIMARY,
        joined_endpoints=config["meta_analysis"]["joined_endpoints"],
    script:
        "../scripts/specifications.py"


rule specification_curve:
    input:
        table=rules.specifications.output.table,
    output:
        png=report(
            results("summary/specification_curve.png"),
            caption="../report/specification_curve.rst",
            category="Summary",
            labels={"figure": "specification curve"},
        ),
        pdf=results("summary/specification_curve.pdf"),
    log:
        logs("summary/specification_curve.log"),
    benchmark:
        benchmarks("summary/specification_curve.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        primary=PRIMARY,
    script:
        "../scripts/specification_curve.py"


# What the cohorts could have detected, and what the primary's intervals rule out.
rule power:
    input:
        specifications=rules.specifications.output.table,
    output:
        table=report(
            results("summary/power.tsv"),
            caption="../report/power.rst",
            category="Summary",
            labels={"table": "power and what is ruled out"},
        ),
    log:
        logs("summary/power.log"),
    benchmark:
        benchmarks("summary/power.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        power=config["robustness"]["power"],
        hazard_ratios=config["robustness"]["hazard_ratios"],
        max_detectable_hr=config["robustness"]["max_detectable_hr"],
    script:
        "../scripts/power.py"
