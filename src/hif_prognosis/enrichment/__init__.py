"""Enrichment: the genome-wide gene rankings (``rankings``) and pre-ranked GSEA and
over-representation by gseapy (``gsea``)."""
