"""Reading and harmonising the data: downloads (GEO, Xena hubs, MSigDB), series matrices and
platform tables, clinical tables and endpoints, expression matrices, gene sets, the review's
curated table, and the check that no patient is counted twice."""
