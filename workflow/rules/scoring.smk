# Stage 3: every sample scored for every signature, one job per method so that changing one
# method's parameters reruns only what depends on that method.


rule score_signatures:
    input:
        expression=rules.harmonise_cohort.output.expression,
        coverage=rules.signature_coverage.output.table,
    output:
        table=results("{cohort}/scores/{method}.tsv"),
    log:
        logs("{cohort}/score_signatures.{method}.log"),
    benchmark:
        benchmarks("{cohort}/score_signatures.{method}.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000, 4),  # the .npz matrix and the method's prepared arrays
        runtime=scaled(20),
    params:
        method="{method}",
        settings=lambda w: method_settings(w.method),
        # taken by methods that draw random numbers (hif_prognosis.scoring.registry)
        seed=config["seed"],
    script:
        "../scripts/score_signatures.py"


rule merge_scores:
    input:
        expand(rules.score_signatures.output.table, method=METHODS, allow_missing=True),
    output:
        table=report(
            results("{cohort}/scores.tsv"),
            caption="../report/scores.rst",
            category="Scores",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "scores"},
        ),
    log:
        logs("{cohort}/merge_scores.log"),
    benchmark:
        benchmarks("{cohort}/merge_scores.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/merge_scores.py"
