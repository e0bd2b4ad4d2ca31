"""The cohort sources: one module each, found by the registry, its schema block derived into the
config schema, its parse-time part loaded without the analysis stack."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from hif_prognosis.data.sources.registry import COHORT_SOURCES, cohort_source
from support.locations import REPO


def test_every_source_module_is_registered_and_the_schema_takes_exactly_its_blocks():
    schema = yaml.safe_load((REPO / "config" / "schemas" / "config.schema.yaml").read_text())["$defs"]["cohort"]
    assert schema["properties"]["source"]["enum"] == list(COHORT_SOURCES) == ["geo", "local", "xena"]
    blocks = {block["if"]["properties"]["source"]["const"]: block["then"] for block in schema["allOf"]}
    assert blocks == {name: source.schema for name, source in COHORT_SOURCES.items()}
    assert cohort_source("local").configured({"expression": "e.tsv", "clinical": "c.tsv"}) == {
        "expression": "e.tsv", "clinical": "c.tsv",
    }
    assert cohort_source("xena").made({"project": "TARGET-OS"}) == {
        "clinical_release": "resources/downloads/gdc/TARGET-OS/clinical_release",
    }


def test_the_workflow_loads_the_sources_with_the_standard_library_alone():
    """Parsing needs the sources' declarations, never the analysis stack: the workflow's library
    loads them by path, in a fresh interpreter that imports neither numpy nor pandas, and
    resolves a GEO cohort's downloads and inputs and a local cohort's configured tables."""
    code = (
        "import sys; sys.path.insert(0, 'workflow/lib'); import hif_workflow as w\n"
        "cohort = {'source': 'geo', 'accession': 'GSE21257', 'platforms': ['GPL10295'], 'several_platforms': False,"
        " 'platform_table': 'soft'}\n"
        "inputs = w.cohort_inputs(cohort, {'geo': 'https://ftp.ncbi.nlm.nih.gov/geo'}, str)\n"
        "local = w.cohort_inputs({'source': 'local', 'expression': 'workflow:e.tsv', 'clinical': 'c.tsv'}, {}, str.upper)\n"
        "heavy = sorted({'numpy', 'pandas', 'hif_prognosis'} & {m.split('.')[0] for m in sys.modules})\n"
        "print(sorted(w.COHORT_SOURCES), inputs['matrices'], local, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == (
        "['geo', 'local', 'xena'] "
        "['resources/downloads/geo/series/GSE21nnn/GSE21257/matrix/GSE21257_series_matrix.txt.gz'] "
        "{'expression': 'WORKFLOW:E.TSV', 'clinical': 'C.TSV'} []"
    )


def test_a_module_of_a_registry_that_declares_nothing_is_refused(tmp_path, monkeypatch):
    """A module dropped into a registry's package without its declaration stops the import,
    naming the module and what it lacks; the others are found by name, sorted."""
    import importlib

    from hif_prognosis.data.sources.registry import modules_declaring

    package = tmp_path / "plugins_under_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "zeta.py").write_text("ENTRY = 1\n")
    (package / "alpha.py").write_text("ENTRY = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins = importlib.import_module("plugins_under_test")
    assert modules_declaring(plugins, "ENTRY", int) == {"alpha": 2, "zeta": 1}
    (package / "empty.py").write_text("OTHER = 3\n")
    with pytest.raises(TypeError, match="plugins_under_test.empty defines no ENTRY"):
        modules_declaring(plugins, "ENTRY", int)
