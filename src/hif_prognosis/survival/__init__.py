"""Survival statistics: the Cox engine and its concordance walk, Kaplan-Meier, cut-points,
discrimination, meta-analysis, power, adjusted and locked models, comparators head to head,
the random-signature null, the specification curve, and the judgement they add up to."""
