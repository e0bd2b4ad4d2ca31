# Stage 4: survival analysis of every score.


rule cox_univariable:
    input:
        scores=rules.merge_scores.output.table,
        clinical=rules.harmonise_cohort.output.clinical,
    output:
        table=report(
            results("{cohort}/survival/cox.tsv"),
            caption="../report/cox.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "univariable Cox"},
        ),
    log:
        logs("{cohort}/cox_univariable.log"),
    benchmark:
        benchmarks("{cohort}/cox_univariable.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(2000),
        runtime=scaled(10),
    script:
        "../scripts/cox_univariable.py"


rule kaplan_meier:
    # One job per cohort and endpoint draws every signature: a job per figure spent most of its
    # time starting Python (and on a cluster, waiting in the queue).
    input:
        scores=primary_method(rules.score_signatures.output.table),
        clinical=rules.harmonise_cohort.output.clinical,
    output:
        png=[
            report(
                kaplan_meier_path("png", signature=signature),
                caption="../report/kaplan_meier.rst",
                category="Survival",
                subcategory="{cohort}",
                labels={
                    "cohort": "{cohort}",
                    "signature": signature,
                    "endpoint": "{endpoint}",
                },
            )
            for signature in SIGNATURES
        ],
        pdf=[kaplan_meier_path("pdf", signature=s) for s in SIGNATURES],
        at_risk=[kaplan_meier_path("at_risk.tsv", signature=s) for s in SIGNATURES],
    log:
        logs("{cohort}/kaplan_meier.{endpoint}.log"),
    benchmark:
        benchmarks("{cohort}/kaplan_meier.{endpoint}.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),
        runtime=scaled(10),
    params:
        method=PRIMARY["method"],
        signatures=SIGNATURES,
    script:
        "../scripts/kaplan_meier.py"


# One job per cohort and method: each method's null is read on the same random sets (drawn from
# the cohort's and signature's seed in every job), a method's settings rerun only its own null, and
# the methods' nulls run side by side on one thread each.
rule random_signature_null:
    input:
        expression=rules.harmonise_cohort.output.expression,
        coverage=rules.signature_coverage.output.table,
        clinical=rules.harmonise_cohort.output.clinical,
        scores=rules.score_signatures.output.table,
    output:
        table=results("{cohort}/survival/null/{method}.tsv"),
        distribution=results("{cohort}/survival/null/{method}.log_hr.tsv.gz"),
    log:
        logs("{cohort}/random_signature_null.{method}.log"),
    benchmark:
        benchmarks("{cohort}/random_signature_null.{method}.tsv")
    priority: hif_workflow.PATH_TO_LONG_JOBS
    conda:
        "../envs/analysis.yaml"
    # One thread: a second bought no wall time at 2,000 sets and cost a fifth more CPU.
    threads: 1
    resources:
        mem_mb=scaled(2000, 4),  # the .npz matrix, its z-scores if the method reads them, its arrays
        # at most 1 min per 1,000 sets and signature (pc1 dominates), for the unadjusted and
        # proliferation-adjusted fits; GSE4335 took 22 s for 12,000 sets
        runtime=lambda w, attempt: attempt
        * (10 + 2 * len(SIGNATURES) * config["random_null"]["n_sets"] // 1000),
    params:
        settings=lambda w: method_settings(w.method),
        n_sets=config["random_null"]["n_sets"],
        expression_bins=config["random_null"]["expression_bins"],
        seed=config["seed"],
        proliferation_signature=config["survival"]["proliferation_signature"],
    script:
        "../scripts/random_signature_null.py"


rule merge_null:
    input:
        expand(
            rules.random_signature_null.output.table,
            method=METHODS,
            allow_missing=True,
        ),
    output:
        table=report(
            results("{cohort}/survival/null.tsv"),
            caption="../report/null.rst",
            category="Null",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "random-signature null"},
        ),
    log:
        logs("{cohort}/merge_null.log"),
    benchmark:
        benchmarks("{cohort}/merge_null.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/merge_null.py"


# Figures are their own rules: a presentation setting (primary.*) reruns no computation.
rule null_figure:
    input:
        table=primary_method(rules.random_signature_null.output.table),
        distribution=primary_method(rules.random_signature_null.output.distribution),
    output:
        png=report(
            results("{cohort}/survival/null.png"),
            caption="../report/null_plot.rst",
            category="Null",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "figure": "null distributions"},
        ),
        pdf=results("{cohort}/survival/null.pdf"),
    log:
        logs("{cohort}/null_figure.log"),
    benchmark:
        benchmarks("{cohort}/null_figure.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),
        runtime=scaled(5),
    params:
        method=PRIMARY["method"],
    script:
        "../scripts/null_figure.py"


rule gene_cox:
    input:
        expression=rules.harmonise_cohort.output.expression,
        coverage=rules.signature_coverage.output.table,
        clinical=rules.harmonise_cohort.output.clinical,
    output:
        table=report(
            results("{cohort}/survival/genes.tsv"),
            caption="../report/genes.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "per-gene Cox"},
        ),
    log:
        logs("{cohort}/gene_cox.log"),
    benchmark:
        benchmarks("{cohort}/gene_cox.tsv")
    conda:
        "../envs/analysis.yaml"
    threads: 1  # a few hundred signature genes: reading the matrix is most of the job
    resources:
        mem_mb=scaled(1000, 4),
        runtime=scaled(10, 0.05),
    script:
        "../scripts/gene_cox.py"


rule gene_forest:
    input:
        table=rules.gene_cox.output.table,
    output:
        png=report(
            results("{cohort}/survival/gene_forest.png"),
            caption="../report/gene_forest.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "figure": "gene forest plot"},
        ),
        pdf=results("{cohort}/survival/gene_forest.pdf"),
    log:
        logs("{cohort}/gene_forest.log"),
    benchmark:
        benchmarks("{cohort}/gene_forest.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),
        runtime=scaled(5),
    params:
        signature=PRIMARY["signature"],
    script:
        "../scripts/gene_forest.py"


rule adjusted_cox:
    input:
        scores=rules.merge_scores.output.table,
        clinical=rules.harmonise_cohort.output.clinical,
    output:
        table=report(
            results("{cohort}/survival/models.tsv"),
            caption="../report/models.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "multivariable Cox and PH tests"},
        ),
    log:
        logs("{cohort}/adjusted_cox.log"),
    benchmark:
        benchmarks("{cohort}/adjusted_cox.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(2000),
        runtime=scaled(20),
    params:
        models=config["survival"]["adjusted_models"],
        proliferation_signature=config["survival"]["proliferation_signature"],
        min_events_per_variable=config["survival"]["min_events_per_variable"],
    script:
        "../scripts/adjusted_cox.py"


rule discrimination:
    input:
        scores=rules.merge_scores.output.table,
        clinical=rules.harmonise_cohort.output.clinical,
    output:
        c_index=report(
            results("{cohort}/survival/discrimination.tsv"),
            caption="../report/discrimination.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "C-index (Harrell, Uno)"},
        ),
        auc=report(
            results("{cohort}/survival/time_dependent_auc.tsv"),
            caption="../report/time_dependent_auc.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "time-dependent AUC"},
        ),
    log:
        logs("{cohort}/discrimination.log"),
    benchmark:
        benchmarks("{cohort}/discrimination.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(2000),
        runtime=scaled(20),
    params:
        resamples=config["survival"]["bootstrap_resamples"],
        auc_years=config["survival"]["auc_years"],
        seed=config["seed"],
    script:
        "../scripts/discrimination.py"


rule cutpoint:
    input:
        scores=rules.merge_scores.output.table,
        clinical=rules.harmonise_cohort.output.clinical,
    output:
        table=report(
            results("{cohort}/survival/cutpoint.tsv"),
            caption="../report/cutpoint.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={
                "cohort": "{cohort}",
                "table": "maximally selected log-rank cut-point",
            },
        ),
    log:
        logs("{cohort}/cutpoint.log"),
    benchmark:
        benchmarks("{cohort}/cutpoint.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(2000),
        runtime=scaled(20),
    params:
        min_fraction=config["survival"]["cutpoint"]["min_fraction"],
        permutations=config["survival"]["cutpoint"]["permutations"],
        seed=config["seed"],
    script:
        "../scripts/cutpoint.py"


# A published gene list without coefficients (comparators: score refitted_cox): its genes'
# weights learned once, in the configured training cohort, then applied in every other cohort.
rule refit_comparator:
    input:
        genes=lambda w: comparator_files()[w.comparator],
        expression=lambda w: rules.harmonise_cohort.output.expression.format(
            cohort=training_cohort(w)
        ),
        clinical=lambda w: rules.harmonise_cohort.output.clinical.format(
            cohort=training_cohort(w)
        ),
    output:
        report(
            comparator_weights_path("{comparator}"),
            caption="../report/comparator_weights.rst",
            category="Comparators",
            labels={"comparator": "{comparator}", "table": "refitted weights"},
        ),
    log:
        logs("comparators/refit_comparator.{comparator}.log"),
    benchmark:
        benchmarks("comparators/refit_comparator.{comparator}.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1500, 3),
        runtime=scaled(10),
    params:
        training_cohort=training_cohort,
        training_endpoint=lambda w: config["comparators"][w.comparator][
            "training_endpoint"
        ],
        weighting=lambda w: config["comparators"][w.comparator]["weights"],
        min_events_per_variable=config["survival"]["min_events_per_variable"],
        seed=config["seed"],
    script:
        "../scripts/refit_comparator.py"


# Head to head: each comparator the field uses (config comparators:) alone and beside the
# primary HIF-1alpha score, per endpoint, with CINSARC's class where the cohort has the labels.
rule head_to_head:
    input:
        expression=rules.harmonise_cohort.output.expression,
        clinical=rules.harmonise_cohort.output.clinical,
        scores=primary_method(rules.score_signatures.output.table),
        comparators=lambda w: list(comparator_files().values()),
        weights=[comparator_weights_path(c) for c in REFITTED_COMPARATORS],
    output:
        table=report(
            results("{cohort}/survival/head_to_head.tsv"),
            caption="../report/head_to_head.rst",
            category="Survival",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "head to head with comparators"},
        ),
        scores=results("{cohort}/survival/comparator_scores.tsv"),
    log:
        logs("{cohort}/head_to_head.log"),
    benchmark:
        benchmarks("{cohort}/head_to_head.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1500, 3),
        runtime=scaled(20),
    params:
        comparators=config["comparators"],
        signature=PRIMARY["signature"],
        method=PRIMARY["method"],
        resamples=config["survival"]["bootstrap_resamples"],
        seed=config["seed"],
    script:
        "../scripts/head_to_head.py"


# Kaplan-Meier curves of each comparator's classes (CINSARC's C1/C2), one job per cohort and
# endpoint; a cohort whose comparator was refused gets a figure saying why.
if CLASSED_COMPARATORS:

    rule comparator_kaplan_meier:
        input:
            scores=rules.head_to_head.output.scores,
            table=rules.head_to_head.output.table,
            clinical=rules.harmonise_cohort.output.clinical,
        output:
            png=[
                report(
                    comparator_kaplan_meier_path("png", comparator),
                    caption="../report/comparator_kaplan_meier.rst",
                    category="Survival",
                    subcategory="{cohort}",
                    labels={
                        "cohort": "{cohort}",
                        "comparator": comparator,
                        "endpoint": "{endpoint}",
                    },
                )
                for comparator in CLASSED_COMPARATORS
            ],
            pdf=[comparator_kaplan_meier_path("pdf", c) for c in CLASSED_COMPARATORS],
        log:
            logs("{cohort}/comparator_kaplan_meier.{endpoint}.log"),
        benchmark:
            benchmarks("{cohort}/comparator_kaplan_meier.{endpoint}.tsv")
        conda:
            "../envs/analysis.yaml"
        resources:
            mem_mb=scaled(1000),
            runtime=scaled(10),
        params:
            comparators=CLASSED_COMPARATORS,
        script:
            "../scripts/comparator_kaplan_meier.py"
