# Stage 1: each cohort harmonised to one log2 gene-symbol matrix and one clinical table, by
# its source (hif_prognosis.data.sources: the inputs, resources and reader of each).


rule harmonise_cohort:
    input:
        unpack(cohort_inputs),
    output:
        expression=results("{cohort}/expression.npz"),
        clinical=report(
            results("{cohort}/clinical.tsv"),
            caption="../report/clinical.rst",
            category="Cohorts",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "clinical"},
        ),
    log:
        logs("{cohort}/harmonise_cohort.log"),
    benchmark:
        benchmarks("{cohort}/harmonise_cohort.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    conda:
        "../envs/analysis.yaml"
    threads: cohort_threads
    resources:
        mem_mb=cohort_resource("mem_mb"),
        runtime=cohort_resource("runtime"),
    params:
        cohort=lambda w: hif_workflow.without_display(cohort_config(w)),
        min_samples=config["survival"]["min_samples"],
        min_events=config["survival"]["min_events"],
    script:
        "../scripts/harmonise_cohort.py"


# The published matrix: a TSV any tool reads, written from the jobs' .npz by its own job, which
# nothing waits for (at 10,000 samples it takes minutes to format).
rule export_expression:
    input:
        matrix=rules.harmonise_cohort.output.expression,
    output:
        table=results("{cohort}/expression.tsv.gz"),
    log:
        logs("{cohort}/export_expression.log"),
    benchmark:
        benchmarks("{cohort}/export_expression.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000, 3),
        runtime=scaled(10, 0.01),
    script:
        "../scripts/export_expression.py"
