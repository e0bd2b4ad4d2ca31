"""The cohort sources: every module of this package that declares ``SOURCE``, by its name.
Standard library only, and relative imports only: the workflow loads the package by path
while parsing (under a name of its own), jobs import it as hif_prognosis.data.sources."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Collection
from types import ModuleType
from typing import TypeVar

from .base import CohortSource

Declared = TypeVar("Declared")


def module_names(package: ModuleType, skip: Collection[str] = ()) -> list[str]:
    """The names of ``package``'s modules (but ``skip``), sorted, none of them imported."""
    return sorted(module.name for module in pkgutil.iter_modules(package.__path__) if module.name not in skip)


def modules_declaring(
    package: ModuleType, attribute: str, kind: type[Declared], skip: Collection[str] = (),
    only: Collection[str] | None = None,
) -> dict[str, Declared]:
    """Each module of ``package`` (module_names: but ``skip``; of ``only``, if given) by name,
    sorted, mapped to its ``attribute``, which must be a ``kind``: how a registry finds its
    entries, one module each. Only those modules are imported."""
    found = {}
    for name in module_names(package, skip):
        if only is not None and name not in only:
            continue
        declared = getattr(importlib.import_module(f"{package.__name__}.{name}"), attribute, None)
        if not isinstance(declared, kind):
            raise TypeError(f"{package.__name__}.{name} defines no {attribute} (a {kind.__name__})")
        found[name] = declared
    return found


COHORT_SOURCES: dict[str, CohortSource] = modules_declaring(
    sys.modules[__package__], "SOURCE", CohortSource, skip={"base", "registry"}  # type: ignore[index]
)


def cohort_source(name: str) -> CohortSource:
    return COHORT_SOURCES[name]
