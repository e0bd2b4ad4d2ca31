# Stage 0: public files fetched once and cached under resources/downloads/. Downloads run on
# the submitting host (localrules): cluster compute nodes often have no internet access.


localrules:
    download_file,
    download_clinical_release,


rule download_file:
    output:
        "{remote_file}",
    log:
        "logs/downloads/{remote_file}.log",
    conda:
        "../envs/analysis.yaml"
    params:
        remote=lambda w: REMOTE_FILES[w.remote_file],
        settings=config["downloads"],
    script:
        "../scripts/download_file.py"


rule download_clinical_release:
    output:
        release=clinical_release_path("{project}"),
        listing=clinical_release_path("{project}") + ".gdc_files.json",
    log:
        "logs/downloads/{project}.clinical_release.log",
    conda:
        "../envs/analysis.yaml"
    params:
        cohort=lambda w: next(
            c for c in config["cohorts"].values() if c.get("project") == w.project
        ),
        settings=config["downloads"],
    script:
        "../scripts/download_clinical_release.py"
