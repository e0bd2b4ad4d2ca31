"""A package's module loaded without the package's __init__ (hif_prognosis.submodules): the
package is not left half-made, and a later import of it initialises the real package around the
very module loaded (fresh interpreters). gseapy's case: tests/unit/test_enrichment.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hif_prognosis.submodules import submodule_alone


def test_p_values_load_scipy_special_s_ufuncs_alone_and_scipy_then_shares_them():
    code = """
import sys
from hif_prognosis import distributions
assert "scipy.special" not in sys.modules and "scipy.stats" not in sys.modules, sorted(sys.modules)
assert "numpy.f2py" not in sys.modules
assert distributions.normal_cdf(0.0) == 0.5
import scipy.special
from scipy import stats
assert scipy.special.ndtr is distributions.SPECIAL_FUNCTIONS.ndtr
assert scipy.special.chdtrc is distributions.SPECIAL_FUNCTIONS.chdtrc
assert sys.modules["scipy.special._ufuncs"] is distributions.SPECIAL_FUNCTIONS
assert stats.norm.ppf(0.975) == distributions.normal_ppf(0.975)
assert abs(scipy.special.gammaln(10.0) - 12.801827480081469) < 1e-12
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_package_imported_already_gives_its_own_module():
    import json.decoder

    assert submodule_alone("json", "decoder") is json.decoder


def test_a_missing_package_says_how_to_install_it():
    with pytest.raises(ImportError, match="not installed: install the workflow's environment"):
        submodule_alone("no_such_package_here", "anything")
