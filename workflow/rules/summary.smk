# Stage 7: what a reader opens first. results/summary/index.html answers the question on its
# first screen and carries every figure inside itself; the config and software versions used
# go into both it and Snakemake's report.


SOFTWARE = [
    "snakemake",
    "hif-prognosis",
    "pandas",
    "numpy",
    "scipy",
    "scanpy",
    "anndata",
    "gseapy",
    "lifelines",
    "scikit-survival",
    "statsmodels",
    "matplotlib",
    "numba",
    "jinja2",
    "snakemake-executor-plugin-slurm",
]


# Every data file the run reads, by its config location (checksummed by rule provenance).
DATA_FILES = input_data_files()


rule provenance:
    input:
        data=list(DATA_FILES.values()),
    output:
        versions=report(
            results("summary/software_versions.tsv"),
            caption="../report/software_versions.rst",
            category="Provenance",
            labels={"table": "software versions"},
        ),
        checksums=report(
            results("summary/input_checksums.tsv"),
            caption="../report/input_checksums.rst",
            category="Provenance",
            labels={"table": "input file checksums"},
        ),
        config=report(
            results("summary/config.yaml"),
            caption="../report/config_used.rst",
            category="Provenance",
            labels={"table": "config used"},
        ),
    log:
        logs("summary/provenance.log"),
    benchmark:
        benchmarks("summary/provenance.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        # The job writes snakemake.config; its digest reruns it when the config changes without
        # printing the whole config as a changed parameter in every dry run.
        config_sha256=hashlib.sha256(
            json.dumps(config, sort_keys=True, default=str).encode()
        ).hexdigest(),
        software=SOFTWARE,
        data_locations=list(DATA_FILES),
    script:
        "../scripts/provenance.py"


rule summary_page:
    input:
        cox=per_cohort(rules.cox_univariable.output.table),
        discrimination=per_cohort(rules.discrimination.output.c_index),
        null=per_cohort(rules.merge_null.output.table),
        models=per_cohort(rules.adjusted_cox.output.table),
        ora=per_cohort(rules.over_representation.output.table),
        kaplan_meier=[
            path
            for cohort in COHORTS
            for path in kaplan_meier_figures(cohort, [PRIMARY["signature"]], ["png"])
        ],
        comparator_kaplan_meier=[
            path
            for cohort in COHORTS
            for path in comparator_kaplan_meier_figures(cohort, ["png"])
        ],
        gene_forest=per_cohort(rules.gene_forest.output.png),
        null_plot=per_cohort(rules.null_figure.output.png),
        enrichment_plot=per_cohort(
            rules.gsea_figures.output.curve,
            ranking=RANKINGS,
        ),
        top_sets=per_cohort(rules.gsea_figures.output.dotplot, ranking=RANKINGS),
        nes=rules.nes_across_cohorts.output.table,
        judgement=rules.judgement.output.table,
        head_to_head=per_cohort(rules.head_to_head.output.table),
        head_to_head_pooled=rules.head_to_head_pooled.output.table,
        specifications=rules.specifications.output.table,
        specification_curve=rules.specification_curve.output.png,
        power=rules.power.output.table,
        meta=across_cohorts(rules.meta_analysis.output.table),
        forest=across_cohorts(rules.meta_analysis.output.forest),
        locked_forest=across_cohorts(rules.locked_models_forest.output.png),
        locked=across_cohorts(rules.locked_models.output.table),
        locked_kaplan_meier=rules.locked_kaplan_meier.output.png,
        signatures=rules.collect_signatures.output.table,
        versions=rules.provenance.output.versions,
        checksums=rules.provenance.output.checksums,
        config=rules.provenance.output.config,
        published_hazard_ratios=shipped_file("resources/published_hazard_ratios.tsv"),
    output:
        page=report(
            results("summary/index.html"),
            caption="../report/summary_page.rst",
            category="Summary",
            labels={"table": "one-page summary (open in a browser)"},
        ),
        headline=report(
            results("summary/headline.tsv"),
            caption="../report/headline.rst",
            category="Summary",
            labels={"table": "headline table"},
        ),
        published_models=report(
            results("summary/published_models.tsv"),
            caption="../report/published_models.rst",
            category="Summary",
            labels={"table": "published models beside the HIF-1alpha signature"},
        ),
    log:
        logs("summary/summary_page.log"),
    benchmark:
        benchmarks("summary/summary_page.tsv")
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        cohorts=COHORTS,
        cohort_context={
            name: {key: cohort[key] for key in ("disease", "description")}
            for name, cohort in config["cohorts"].items()
        },
        endpoints={cohort: endpoints(cohort) for cohort in COHORTS},
        comparators=CLASSED_COMPARATORS,
        rankings=list(RANKINGS),
        signature=PRIMARY["signature"],
        method=PRIMARY["method"],
        primary_endpoint=PRIMARY["endpoint"],
        locked_kaplan_meier=locked_kaplan_meier_keys(),
        plotted_set=config["enrichment"]["plotted_set"],
        ranking_endpoints={
            cohort: hif_workflow.ranking_endpoint(
                config["cohorts"][cohort], config["enrichment"]["survival_endpoints"]
            )
            for cohort in COHORTS
        },
        gsea_engine=config["enrichment"]["engine"],
        permutations=config["enrichment"]["permutations"],
        sample_size=config["enrichment"]["multilevel_sample_size"],
        # the checkout whose git commit the page names (a deployed module: its release)
        workflow_source=os.path.dirname(WORKFLOW_DIR),
    script:
        "../scripts/summary_page.py"
