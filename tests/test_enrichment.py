import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from hif_prognosis.enrichment import PRERANK_COLUMNS, prerank, spearman_with_score


def test_spearman_matches_scipy_with_ties():
    rng = np.random.default_rng(2)
    matrix = pd.DataFrame(
        np.round(rng.normal(size=(50, 25)), 1), index=[f"G{i}" for i in range(50)],
        columns=[f"s{j}" for j in range(25)],
    )
    matrix.loc["FLAT"] = 1.0
    score = pd.Series(np.round(rng.normal(size=25), 1), index=matrix.columns[::-1]).iloc[::-1]
    ranking = spearman_with_score(matrix, score)
    assert "FLAT" not in ranking.index
    for gene in ["G0", "G17", "G49"]:
        expected = spearmanr(matrix.loc[gene], score[matrix.columns]).statistic
        assert abs(ranking[gene] - expected) < 1e-12
    assert ranking.is_monotonic_decreasing


def test_prerank_finds_planted_sets_and_is_seeded():
    genes = [f"G{i:04d}" for i in range(2000)]
    ranking = pd.Series(np.linspace(1, -1, 2000), index=genes)
    library = {
        "TOP": genes[:40],
        "BOTTOM": genes[-40:],
        "SPREAD": genes[::50],
    }
    kwargs = dict(permutations=200, min_size=15, max_size=500, seed=7, threads=1)
    result = prerank(ranking, {"lib": library}, **kwargs)
    assert list(result.columns) == PRERANK_COLUMNS
    table = result.set_index("term")
    assert table.loc["TOP", "nes"] > 1.5 and table.loc["TOP", "nom_p"] < 0.01
    assert table.loc["BOTTOM", "nes"] < -1.5 and table.loc["BOTTOM", "nom_p"] < 0.01
    assert table.loc["SPREAD", "nom_p"] > 0.05
    again = prerank(ranking, {"lib": library}, **kwargs).set_index("term")
    pd.testing.assert_frame_equal(table, again)
