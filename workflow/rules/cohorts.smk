# Stage 1: each cohort harmonised to one log2 gene-symbol matrix and one clinical table.


rule harmonise_local_cohort:
    input:
        expression=lambda w: cohort_config(w)["expression"],
        clinical=lambda w: cohort_config(w)["clinical"],
    output:
        expression="results/{cohort}/expression.tsv.gz",
        clinical=report(
            "results/{cohort}/clinical.tsv",
            caption="../report/clinical.rst",
            category="Cohorts",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "clinical"},
        ),
    params:
        cohort=cohort_config,
    log:
        "logs/{cohort}/harmonise_local_cohort.log",
    benchmark:
        "benchmarks/{cohort}/harmonise_local_cohort.tsv"
    resources:
        mem_mb=2000,
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/harmonise_local_cohort.py"
