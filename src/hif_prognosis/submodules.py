"""One module of an installed package, loaded without running the package's ``__init__``.

Some packages' ``__init__`` imports far more than the module a job uses: gseapy's its Enrichr
client, plots and scipy.stats (1.6-3.4 CPU s), scipy.special's the array-API layer around its
ufuncs (numpy.f2py and numpy.testing among it: 0.2-0.3 CPU s, in every job that computes a
p-value). A job pays that at every start; the module it needs loads in a fraction of it."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType


def submodule_alone(package: str, name: str) -> ModuleType:
    """``<package>.<name>`` loaded from the installed package without running the package's
    ``__init__`` (its parents' run as usual). A stand-in for the package lets the module's own
    imports of its siblings resolve while it loads, and is removed after: a later import of the
    package initialises the real one, which then uses the modules loaded here rather than
    loading them twice (tested). Where the package is imported already, this is a plain import."""
    qualified = f"{package}.{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.find_spec(package)  # imports the parents, not the package itself
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not installed: install the workflow's environment (make env)")
    stand_in = package not in sys.modules
    if stand_in:
        placeholder = ModuleType(package)
        placeholder.__path__ = list(spec.submodule_search_locations)
        sys.modules[package] = placeholder
    try:
        return importlib.import_module(qualified)
    finally:
        if stand_in:
            del sys.modules[package]
