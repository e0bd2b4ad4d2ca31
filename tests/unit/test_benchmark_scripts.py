"""Every benchmark script imports: they are run by hand, so a renamed API would otherwise
surface only at the next measurement."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from support.locations import REPO

SCRIPTS = sorted((REPO / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_benchmark_script_imports(script, monkeypatch):
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))  # the scripts import their neighbours
    spec = importlib.util.spec_from_file_location(f"benchmark_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)  # runs the top level; main() only runs as a script
    assert module.__doc__, f"{script.name} says what it measures"


def test_every_benchmark_script_is_found():
    assert {"default_run.py", "gsea_prerank.py", "cox_engine.py"} <= {path.name for path in SCRIPTS}
