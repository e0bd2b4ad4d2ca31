# Entry point for `snakemake --cores N` in this checkout: the workflow (workflow/Snakefile, where
# snakedeploy and the Snakemake workflow catalog expect it) used as a module, exactly as a
# deployment made by snakedeploy uses it.


configfile: "config/config.yaml"


module hif_prognosis:
    snakefile:
        "workflow/Snakefile"
    config:
        config


use rule * from hif_prognosis


# A module's handlers run only when the using workflow calls them: say where the page is.
onsuccess:
    hif_prognosis.onsuccess()
