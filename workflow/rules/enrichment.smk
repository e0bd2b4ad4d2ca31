# Stage 5: which pathways explain the signal. Every gene is ranked two ways (RANKINGS): by its
# own Cox association with survival, and by its correlation with the primary score; each
# ranking goes through pre-ranked GSEA. The signature's genes are tested for over-representation.


rule rank_genes_by_score:
    input:
        expression=rules.harmonise_cohort.output.expression,
        scores=primary_method(rules.score_signatures.output.table),
    output:
        table=ranking_table("score_spearman"),
    log:
        logs("{cohort}/rank_genes_by_score.log"),
    benchmark:
        benchmarks("{cohort}/rank_genes_by_score.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000, 3),
        runtime=scaled(10),
    params:
        signature=PRIMARY["signature"],
    script:
        "../scripts/rank_genes_by_score.py"


rule rank_genes_by_survival:
    input:
        expression=rules.harmonise_cohort.output.expression,
        clinical=rules.harmonise_cohort.output.clinical,
    output:
        table=ranking_table("survival_cox_z"),
    log:
        logs("{cohort}/rank_genes_by_survival.log"),
    benchmark:
        benchmarks("{cohort}/rank_genes_by_survival.tsv")
    conda:
        "../envs/analysis.yaml"
    # One thread: at 20,000 genes x 10,000 samples a second gained nothing (30 s either way;
    # reading and z-scoring the matrix dominate), and it would keep another job waiting.
    threads: 1
    resources:
        mem_mb=scaled(1000, 4),
        runtime=scaled(10, 0.05),  # one Cox model per gene: 20,000 x 10,000 in under a minute
    params:
        endpoint=ranking_endpoint,
    script:
        "../scripts/rank_genes_by_survival.py"


# Minutes of prerank per MB of gene sets, per the engine (see the runtime below).
PRERANK_MINUTES_PER_MB = (
    config["enrichment"]["permutations"] / 1000
    if config["enrichment"]["engine"] == "permutation"
    else 1
)


rule prerank_gsea:
    input:
        ranking=ranking_table(),
        libraries=library_files(),
    output:
        # every set of every library: in results/, too large for Snakemake's report
        table=results("{cohort}/enrichment/prerank.{ranking}.tsv"),
    log:
        logs("{cohort}/prerank_gsea.{ranking}.log"),
    benchmark:
        benchmarks("{cohort}/prerank_gsea.{ranking}.tsv")
    conda:
        "../envs/analysis.yaml"
    # One thread: gseapy's engines gained nothing from a second (four libraries on a 20,000-gene
    # ranking: 113 s on one, 107 s on two, CPU equal to wall), and it would keep another job
    # waiting.
    threads: 1
    resources:
        mem_mb=scaled(2000, 100),
        # permutation engine: about 1 min per MB of GMT per 1,000 permutations for 13,000 genes
        # (Reactome 51 s), twice that here for larger rankings; multilevel: GO BP (10 MB) takes
        # 9 s at 22,000 genes with 10,000 random sets
        runtime=lambda w, input, attempt: attempt
        * (10 + int(2 * input.size_mb * PRERANK_MINUTES_PER_MB)),
    params:
        libraries=libraries_read,
        engine=config["enrichment"]["engine"],
        permutations=config["enrichment"]["permutations"],
        sample_size=config["enrichment"]["multilevel_sample_size"],
        min_size=config["enrichment"]["min_size"],
        max_size=config["enrichment"]["max_size"],
        seed=config["seed"],
    script:
        "../scripts/prerank_gsea.py"


# The figures are their own rule: the drawn set and the labels rerun no GSEA.
rule gsea_figures:
    input:
        table=rules.prerank_gsea.output.table,
        ranking=ranking_table(),
        libraries=library_files(),
    output:
        dotplot=report(
            results("{cohort}/enrichment/top_sets.{ranking}.png"),
            caption="../report/top_sets.rst",
            category="Enrichment",
            subcategory="{cohort}",
            labels={
                "cohort": "{cohort}",
                "ranking": "{ranking}",
                "item": "dot plot of the top sets",
            },
        ),
        dotplot_pdf=results("{cohort}/enrichment/top_sets.{ranking}.pdf"),
        curve=report(
            results("{cohort}/enrichment/enrichment_plot.{ranking}.png"),
            caption="../report/enrichment_plot.rst",
            category="Enrichment",
            subcategory="{cohort}",
            labels={
                "cohort": "{cohort}",
                "ranking": "{ranking}",
                "item": "enrichment plot",
            },
        ),
        curve_pdf=results("{cohort}/enrichment/enrichment_plot.{ranking}.pdf"),
    log:
        logs("{cohort}/gsea_figures.{ranking}.log"),
    benchmark:
        benchmarks("{cohort}/gsea_figures.{ranking}.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),
        runtime=scaled(5),
    params:
        libraries=libraries_read,
        engine=config["enrichment"]["engine"],
        permutations=config["enrichment"]["permutations"],
        min_size=config["enrichment"]["min_size"],
        max_size=config["enrichment"]["max_size"],
        top_sets_plotted=config["enrichment"]["top_sets_plotted"],
        plotted_set=config["enrichment"]["plotted_set"],
        endpoint=ranking_endpoint,
        signature=PRIMARY["signature"],
        method=PRIMARY["method"],
    script:
        "../scripts/gsea_figures.py"


rule over_representation:
    input:
        coverage=rules.signature_coverage.output.table,
        expression=rules.harmonise_cohort.output.expression,
        libraries=library_files(),
    output:
        table=report(
            results("{cohort}/enrichment/ora.tsv"),
            caption="../report/ora.rst",
            category="Enrichment",
            subcategory="{cohort}",
            labels={
                "cohort": "{cohort}",
                "ranking": "-",
                "item": "over-representation of the signature",
            },
        ),
    log:
        logs("{cohort}/over_representation.log"),
    benchmark:
        benchmarks("{cohort}/over_representation.tsv")
    conda:
        "../envs/analysis.yaml"
    resources:
        mem_mb=scaled(1000),  # reads the matrix's gene labels only
        runtime=scaled(15),
    params:
        libraries=libraries_read,
        signature=ORA_SIGNATURE,
        min_size=config["enrichment"]["min_size"],
        max_size=config["enrichment"]["max_size"],
    script:
        "../scripts/over_representation.py"


rule nes_across_cohorts:
    input:
        expand(
            rules.prerank_gsea.output.table,
            cohort=COHORTS,
            ranking=RANKINGS,
        ),
    output:
        table=report(
            results("enrichment/nes_across_cohorts.tsv"),
            caption="../report/nes_across_cohorts.rst",
            category="Enrichment",
            subcategory="across cohorts",
            labels={"table": "NES per cohort"},
        ),
    log:
        logs("enrichment/nes_across_cohorts.log"),
    benchmark:
        benchmarks("enrichment/nes_across_cohorts.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        cohorts=[cohort for cohort in COHORTS for _ in RANKINGS],
        rankings=[ranking for _ in COHORTS for ranking in RANKINGS],
    script:
        "../scripts/nes_across_cohorts.py"
