"""Scoring samples: one module per method (``methods``), the registry that finds them
(``registry``), the matrix they share (``matrix``), signatures scored (``signatures``),
CINSARC's centroid class and the sample-wide offset a score may carry."""
