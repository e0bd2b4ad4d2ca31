"""The scoring methods: every module of ``hif_prognosis.scoring.methods``, by its name (found as
the cohort sources are, by data.sources.registry.modules_declaring).

Everything else that names the methods derives from this table: the config schema's list of
methods and their parameter blocks (``hif_prognosis.derived`` writes them into the schema, the
config's comments and the documentation, and a test fails where they are not current), the
name a reader sees, and the dispatch of a config name to its implementation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hif_prognosis.data.sources.registry import modules_declaring
from hif_prognosis.errors import InputError
from hif_prognosis.scoring import methods
from hif_prognosis.scoring.contract import ScoringMethod


SCORING_METHODS: dict[str, ScoringMethod] = modules_declaring(methods, "METHOD", ScoringMethod)


def scoring_method(name: str) -> ScoringMethod:
    if name not in SCORING_METHODS:
        raise InputError(f"unknown scoring method {name!r}; use one of {sorted(SCORING_METHODS)}")
    return SCORING_METHODS[name]


def method_parameters(method: str, settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Keyword arguments of ``method`` from its config block and the config's seed."""
    return scoring_method(method).arguments(settings, seed)


def default_settings(method: str) -> dict[str, Any]:
    """A method's config block as the schema fills it in where the config gives none."""
    return {key: spec["default"] for key, spec in scoring_method(method).parameters.items() if "default" in spec}


def method_label(method: str) -> str:
    """The name a reader sees for a scoring method (its config name where it has none)."""
    known = SCORING_METHODS.get(method)
    return method if known is None else known.label


def schema_properties() -> dict[str, Any]:
    """The config schema's ``scoring.methods`` and each method's parameter block."""
    properties: dict[str, Any] = {
        "methods": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "enum": list(SCORING_METHODS)},
        }
    }
    for name, method in SCORING_METHODS.items():
        if method.parameters:
            properties[name] = {
                "type": "object",
                "additionalProperties": False,
                "default": {},
                "properties": {key: dict(value) for key, value in method.parameters.items()},
            }
    return properties
