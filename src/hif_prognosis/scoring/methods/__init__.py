"""The scoring methods, one module each. A module's name is the method's config name and it
holds ``METHOD`` (hif_prognosis.scoring.contract.ScoringMethod): adding a method is adding a
module here (the registry finds it) and its test."""
