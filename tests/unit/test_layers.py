"""The package's layers, as its folders show them: each module imports only from its own layer
and those below (data, then scoring, survival, enrichment, presentation), none imports
Snakemake, and no function runs over 60 lines."""

from __future__ import annotations

import ast

import pytest

from support.locations import REPO

PACKAGE = REPO / "src" / "hif_prognosis"
# Layer of each top-level module or subpackage; a module may import its own layer and lower ones.
LAYERS = {
    "errors": 0, "tables": 0, "float_text": 0, "runlog": 0, "compiled": 0, "wording": 0, "distributions": 0,
    "submodules": 0,
    "data": 1, "scoring": 2, "survival": 3, "enrichment": 4, "presentation": 5,
    "derived": 6,  # writes the text derived from the registries: above everything
}
MAX_FUNCTION_LINES = 60


def modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(PACKAGE)), ast.parse(path.read_text()))
        for path in sorted(PACKAGE.rglob("*.py")) if path.name != "__init__.py"
    ]


def layer(dotted: str) -> int:
    return LAYERS[dotted.split(".")[1]]


def imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "hif_prognosis")
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("name, tree", modules(), ids=lambda value: value if isinstance(value, str) else "")
def test_a_module_imports_only_its_own_layer_and_those_below(name, tree):
    own = LAYERS[name.split("/")[0].removesuffix(".py")]
    upward = sorted(
        module for module in imported(tree)
        if module.startswith("hif_prognosis.") and layer(module) > own
    )
    assert not upward, f"{name} imports from a higher layer: {upward}"
    assert not any(module.split(".")[0] == "snakemake" for module in imported(tree)), name


def test_no_function_of_the_package_runs_over_60_lines():
    long = [
        f"{name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for name, tree in modules() for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, long


def test_the_layer_check_finds_an_upward_import():
    tree = ast.parse("from hif_prognosis.presentation.plotting import figure\nimport snakemake\n")
    assert {"hif_prognosis.presentation.plotting", "snakemake"} <= imported(tree)
    assert layer("hif_prognosis.presentation.plotting") > LAYERS["data"]
