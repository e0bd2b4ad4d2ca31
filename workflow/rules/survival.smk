# Stage 4: survival analysis of every score.


rule cox_univariable:
    input:
        scores="results/{cohort}/scores.tsv",
        clinical="results/{cohort}/clinical.tsv",
    output:
        report(
            "results/{cohort}/survival/cox.tsv",
            caption="../report/cox.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "univariable Cox"},
        ),
    log:
        "logs/{cohort}/cox_univariable.log",
    benchmark:
        "benchmarks/{cohort}/cox_univariable.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/cox_univariable.py"


rule kaplan_meier:
    input:
        scores=f"results/{{cohort}}/scores/{PRIMARY['method']}.tsv",
        clinical="results/{cohort}/clinical.tsv",
    output:
        png=report(
            "results/{cohort}/survival/km/{signature}.{endpoint}.png",
            caption="../report/kaplan_meier.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "signature": "{signature}", "endpoint": "{endpoint}"},
        ),
        pdf="results/{cohort}/survival/km/{signature}.{endpoint}.pdf",
    params:
        method=PRIMARY["method"],
    log:
        "logs/{cohort}/kaplan_meier.{signature}.{endpoint}.log",
    benchmark:
        "benchmarks/{cohort}/kaplan_meier.{signature}.{endpoint}.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/kaplan_meier.py"
