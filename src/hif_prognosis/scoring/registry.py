"""The scoring methods: every module of ``hif_prognosis.scoring.methods``, by its name (found as
the cohort sources are, by data.sources.registry.modules_declaring).

Everything else that names the methods derives from this table: the config schema's list of
methods and their parameter blocks (``hif_prognosis.derived`` writes them into the schema, the
config's comments and the documentation, and a test fails where they are not current), the
name a reader sees, and the dispatch of a config name to its implementation.

A method's module is imported when the method is first asked for, and the whole table when it
is: a job that only names the primary method (a figure, a page) then does not import the other
methods' compiled kernels, and numba with them, half a second of its start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from hif_prognosis.data.sources.registry import module_names, modules_declaring
from hif_prognosis.errors import InputError
from hif_prognosis.scoring import methods
from hif_prognosis.scoring.contract import ScoringMethod

METHOD_NAMES = module_names(methods)


@cache
def scoring_methods() -> dict[str, ScoringMethod]:
    """Every method, by config name, sorted."""
    return modules_declaring(methods, "METHOD", ScoringMethod)


@cache
def scoring_method(name: str) -> ScoringMethod:
    """One method, its module alone imported."""
    if name not in METHOD_NAMES:
        raise InputError(f"unknown scoring method {name!r}; use one of {METHOD_NAMES}")
    return modules_declaring(methods, "METHOD", ScoringMethod, only={name})[name]


def method_parameters(method: str, settings: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Keyword arguments of ``method`` from its config block and the config's seed."""
    return scoring_method(method).arguments(settings, seed)


def default_settings(method: str) -> dict[str, Any]:
    """A method's config block as the schema fills it in where the config gives none."""
    return {key: spec["default"] for key, spec in scoring_method(method).parameters.items() if "default" in spec}


def method_label(method: str) -> str:
    """The name a reader sees for a scoring method (its config name where it has none)."""
    return scoring_method(method).label if method in METHOD_NAMES else method


def schema_properties() -> dict[str, Any]:
    """The config schema's ``scoring.methods`` and each method's parameter block."""
    properties: dict[str, Any] = {
        "methods": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "enum": list(METHOD_NAMES)},
        }
    }
    for name, method in scoring_methods().items():
        if method.parameters:
            properties[name] = {
                "type": "object",
                "additionalProperties": False,
                "default": {},
                "properties": {key: dict(value) for key, value in method.parameters.items()},
            }
    return properties
