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
        "logs/benchmarks/{cohort}/cox_univariable.tsv"
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
        at_risk="results/{cohort}/survival/km/{signature}.{endpoint}.at_risk.tsv",
    params:
        method=PRIMARY["method"],
    log:
        "logs/{cohort}/kaplan_meier.{signature}.{endpoint}.log",
    benchmark:
        "logs/benchmarks/{cohort}/kaplan_meier.{signature}.{endpoint}.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/kaplan_meier.py"


rule random_signature_null:
    input:
        expression="results/{cohort}/expression.tsv.gz",
        coverage="results/{cohort}/signature_coverage.tsv",
        clinical="results/{cohort}/clinical.tsv",
        scores="results/{cohort}/scores.tsv",
    output:
        table=report(
            "results/{cohort}/survival/null.tsv",
            caption="../report/null.rst",
            category="Null",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "random-signature null"},
        ),
        distribution="results/{cohort}/survival/null_log_hr.tsv.gz",
        plot=report(
            "results/{cohort}/survival/null.png",
            caption="../report/null_plot.rst",
            category="Null",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "figure": "null distributions"},
        ),
    params:
        methods={method: method_params(method) for method in METHODS},
        primary_method=PRIMARY["method"],
        n_sets=config["random_null"]["n_sets"],
        expression_bins=config["random_null"]["expression_bins"],
        seed=config["seed"],
    threads: 2
    resources:
        mem_mb=8000,
        # about 1 min per 1,000 sets, signature and method on 2 cores, dominated by pc1
        runtime=lambda w: 10 + len(SIGNATURES) * len(METHODS) * config["random_null"]["n_sets"] // 1000,
    log:
        "logs/{cohort}/random_signature_null.log",
    benchmark:
        "logs/benchmarks/{cohort}/random_signature_null.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/random_signature_null.py"


rule gene_cox:
    input:
        expression="results/{cohort}/expression.tsv.gz",
        coverage="results/{cohort}/signature_coverage.tsv",
        clinical="results/{cohort}/clinical.tsv",
    output:
        table=report(
            "results/{cohort}/survival/genes.tsv",
            caption="../report/genes.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "per-gene Cox"},
        ),
        forest=report(
            "results/{cohort}/survival/gene_forest.png",
            caption="../report/gene_forest.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "figure": "gene forest plot"},
        ),
        forest_pdf="results/{cohort}/survival/gene_forest.pdf",
    params:
        signature=PRIMARY["signature"],
    threads: 2
    log:
        "logs/{cohort}/gene_cox.log",
    benchmark:
        "logs/benchmarks/{cohort}/gene_cox.tsv"
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/gene_cox.py"
