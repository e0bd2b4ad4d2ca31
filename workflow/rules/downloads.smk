# Stage 0: public files fetched once and cached under resources/downloads/. Downloads run on
# the submitting host (localrule): cluster compute nodes often have no internet access.


rule download_file:
    output:
        "{remote_file}",
    log:
        logs("downloads/{remote_file}.log"),
    priority: hif_workflow.PATH_TO_LONG_JOBS
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        remote=lambda w: REMOTE_FILES[w.remote_file].as_params(),
        settings=config["downloads"],
    script:
        "../scripts/download_file.py"


rule download_clinical_release:
    output:
        release=hif_workflow.source_module("xena").clinical_release_path("{project}"),
        listing=hif_workflow.source_module("xena").clinical_release_path("{project}")
        + ".gdc_files.json",
    log:
        logs("downloads/{project}.clinical_release.log"),
    priority: hif_workflow.PATH_TO_LONG_JOBS
    localrule: True
    conda:
        "../envs/analysis.yaml"
    params:
        cohort=lambda w: hif_workflow.without_display(
            next(
                c for c in config["cohorts"].values() if c.get("project") == w.project
            )
        ),
        settings=config["downloads"],
    script:
        "../scripts/download_clinical_release.py"
