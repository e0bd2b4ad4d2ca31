# Stage 5: which pathways move with the primary score (pre-ranked GSEA).


rule rank_genes_by_score:
    input:
        expression="results/{cohort}/expression.tsv.gz",
        scores=f"results/{{cohort}}/scores/{PRIMARY['method']}.tsv",
    output:
        "results/{cohort}/enrichment/ranking.tsv",
    params:
        signature=PRIMARY["signature"],
    log:
        "logs/{cohort}/rank_genes_by_score.log",
    benchmark:
        "logs/benchmarks/{cohort}/rank_genes_by_score.tsv"
    resources:
        mem_mb=2000,
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/rank_genes_by_score.py"


rule prerank_gsea:
    input:
        ranking="results/{cohort}/enrichment/ranking.tsv",
        libraries=enrichment_library_files(),
    output:
        table=report(
            "results/{cohort}/enrichment/prerank.tsv",
            caption="../report/prerank.rst",
            category="Enrichment",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "table": "pre-ranked GSEA"},
        ),
        plot=report(
            "results/{cohort}/enrichment/top_sets.png",
            caption="../report/top_sets.rst",
            category="Enrichment",
            subcategory="{cohort}",
            labels={"cohort": "{cohort}", "figure": "top sets"},
        ),
    params:
        library_names=list(config["enrichment"]["libraries"]),
        permutations=config["enrichment"]["permutations"],
        min_size=config["enrichment"]["min_size"],
        max_size=config["enrichment"]["max_size"],
        top_sets_plotted=config["enrichment"]["top_sets_plotted"],
        signature=PRIMARY["signature"],
        method=PRIMARY["method"],
        seed=config["seed"],
    threads: 2
    log:
        "logs/{cohort}/prerank_gsea.log",
    benchmark:
        "logs/benchmarks/{cohort}/prerank_gsea.tsv"
    resources:
        mem_mb=2000,
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/prerank_gsea.py"
