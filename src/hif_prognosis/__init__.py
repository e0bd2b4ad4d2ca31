"""Analysis library of the HIF-1alpha osteosarcoma prognosis workflow.

Pure functions on pandas/numpy objects; no Snakemake import. The workflow's scripts are thin
adapters around this package.
"""

__version__ = "0.1.0"
