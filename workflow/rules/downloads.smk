# Stage 0: public files fetched once and cached under resources/downloads/. Runs on the
# submitting host (localrules): cluster compute nodes often have no internet access.


localrules:
    download_file,


rule download_file:
    output:
        "{remote_file}",
    params:
        url=lambda w: REMOTE_FILES[w.remote_file],
        settings=config["downloads"],
    log:
        "logs/downloads/{remote_file}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/download_file.py"
