# Stage 1: each cohort harmonised to one log2 gene-symbol matrix and one clinical table.
# One rule per source; each claims only the cohorts of its source.


rule harmonise_local_cohort:
    input:
        expression=lambda w: located_file(cohort_config(w)["expression"]),
        clinical=lambda w: located_file(cohort_config(w)["clinical"]),
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
    wildcard_constraints:
        cohort=one_of(COHORTS_BY_SOURCE["local"]),
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(2000, 20),
        runtime=scaled(20),
    params:
        cohort=lambda w: hif_workflow.without_display(cohort_config(w)),
        min_samples=config["survival"]["min_samples"],
        min_events=config["survival"]["min_events"],
    script:
        "../scripts/harmonise_cohort.py"


use rule harmonise_local_cohort as harmonise_geo_cohort with:
    input:
        unpack(cohort_files),
    wildcard_constraints:
        cohort=one_of(COHORTS_BY_SOURCE["geo"]),
    resources:
        mem_mb=scaled(4000, 20),
        runtime=scaled(30),


use rule harmonise_local_cohort as harmonise_xena_cohort with:
    input:
        unpack(cohort_files),
    wildcard_constraints:
        cohort=one_of(COHORTS_BY_SOURCE["xena"]),
    resources:
        mem_mb=scaled(4000, 20),
        runtime=scaled(30),


# The published matrix: a TSV any tool reads, written from the jobs' .npz by its own job, which
# nothing waits for (at 10,000 samples it takes minutes to format).
rule export_expression:
    input:
        matrix=rules.harmonise_local_cohort.output.expression,
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
