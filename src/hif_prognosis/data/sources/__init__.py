"""The sources a cohort can come from, one module each (``geo``, ``xena``, ``local``): a
module's name is the ``source`` a cohort's config names, and its ``SOURCE`` declares everything
about it (hif_prognosis.data.sources.base.CohortSource).

Standard library only at module level: the workflow loads this package by path while parsing,
where only Snakemake may be installed (a dry run, a deployed module). What reads the data
imports the analysis stack when a job calls it.
"""
