# Stage 2: signatures collected into one table with provenance; coverage per cohort.


rule collect_signatures:
    input:
        list(signature_files().values()),
    output:
        table=report(
            results("signatures/signatures.tsv"),
            caption="../report/signatures.rst",
            category="Signature",
            labels={"table": "signature genes"},
        ),
    log:
        logs("signatures/collect_signatures.log"),
    benchmark:
        benchmarks("signatures/collect_signatures.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        signatures={
            name: hif_workflow.without_display(spec)
            for name, spec in config["signatures"].items()
        },
        files=signature_files_read,
    script:
        "../scripts/collect_signatures.py"


rule signature_coverage:
    input:
        signatures=rules.collect_signatures.output.table,
        expression=rules.harmonise_cohort.output.expression,
    output:
        table=report(
            results("{cohort}/signature_coverage.tsv"),
            caption="../report/coverage.rst",
            category="Signature",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "coverage"},
        ),
    log:
        logs("{cohort}/signature_coverage.log"),
    benchmark:
        benchmarks("{cohort}/signature_coverage.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),  # reads the matrix's gene labels only
        runtime=scaled(10),
    params:
        min_coverage=config["scoring"]["min_coverage"],
    script:
        "../scripts/signature_coverage.py"
