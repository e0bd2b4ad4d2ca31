import numpy as np
import pandas as pd
import pytest
from scipy.stats import hypergeom, spearmanr

from hif_prognosis.enrichment.gsea import MULTILEVEL_P_FLOOR, enrichment_curve, ORA_COLUMNS, PRERANK_COLUMNS, nes_across_cohorts, over_representation, prerank, running_score
from hif_prognosis.presentation.labels import ranking_labels
from hif_prognosis.enrichment.ranking_statistics import average_ranks, spearman_with_score, survival_cox_ranking
from hif_prognosis.distributions import benjamini_hochberg


def test_spearman_matches_scipy_with_ties(monkeypatch):
    from hif_prognosis.enrichment import ranking_statistics

    monkeypatch.setattr(ranking_statistics, "GENE_BLOCK", 7)  # genes ranked in blocks, the last one short
    rng = np.random.default_rng(2)
    matrix = pd.DataFrame(
        np.round(rng.normal(size=(50, 25)), 1), index=[f"G{i}" for i in range(50)],
        columns=[f"s{j}" for j in range(25)],
    )
    matrix.loc["FLAT"] = 1.0
    score = pd.Series(np.round(rng.normal(size=25), 1), index=matrix.columns[::-1]).iloc[::-1]
    ranking = spearman_with_score(matrix, score)
    assert "FLAT" not in ranking.index
    for gene in matrix.index.drop("FLAT"):
        expected = spearmanr(matrix.loc[gene], score[matrix.columns]).statistic
        assert abs(ranking[gene] - expected) < 1e-12
    assert ranking.is_monotonic_decreasing


def test_average_ranks_are_pandas_to_the_bit():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 6, size=(40, 33)).astype(float)  # many ties, groups of every length
    values[5] = 2.0  # one tie group spanning the row
    values[7, ::4] = -np.inf
    expected = pd.DataFrame(values).rank(axis=1, method="average").to_numpy()
    assert np.array_equal(average_ranks(values), expected)
    values[9, 3] = np.nan
    ranks = average_ranks(values)
    assert np.isnan(ranks[9]).all()  # a NaN leaves the row's correlation undefined
    assert np.array_equal(np.delete(ranks, 9, axis=0), np.delete(expected, 9, axis=0))


@pytest.mark.parametrize("engine", ["multilevel", "permutation"])
def test_prerank_finds_planted_sets_and_is_seeded(engine):
    genes = [f"G{i:04d}" for i in range(2000)]
    ranking = pd.Series(np.linspace(1, -1, 2000), index=genes)
    library = {
        "TOP": genes[:40],
        "BOTTOM": genes[-40:],
        "SPREAD": genes[::50],
    }
    kwargs = dict(engine=engine, permutations=200, sample_size=101, min_size=15, max_size=500, seed=7, threads=1)
    result = prerank(ranking, {"lib": library}, **kwargs)
    assert list(result.columns) == PRERANK_COLUMNS
    table = result.set_index("term")
    assert table.loc["TOP", "nes"] > 1.5 and table.loc["TOP", "nom_p"] < 0.01
    assert table.loc["BOTTOM", "nes"] < -1.5 and table.loc["BOTTOM", "nom_p"] < 0.01
    assert table.loc["SPREAD", "nom_p"] > 0.05
    again = prerank(ranking, {"lib": library}, **kwargs).set_index("term")
    pd.testing.assert_frame_equal(table, again)


def test_multilevel_resolves_small_p_and_its_fdr_is_bh_of_p_within_each_library():
    """The multilevel engine's p goes far below 1/permutations, its FDR is the Benjamini-Hochberg
    adjustment of its p within each library (not GSEA's NES-null FDR), it computes no FWER, and
    two threads give the same table as one."""

    rng = np.random.default_rng(11)
    genes = [f"G{i:04d}" for i in range(3000)]
    ranking = pd.Series(np.sort(rng.normal(size=3000))[::-1], index=genes)
    libraries = {
        "A": {"TOP": genes[:60], **{f"RANDOM{k}": list(rng.choice(genes, 40, replace=False)) for k in range(30)}},
        "B": {"BOTTOM": genes[-50:], **{f"NOISE{k}": list(rng.choice(genes, 25, replace=False)) for k in range(20)}},
    }
    kwargs = dict(engine="multilevel", permutations=100, sample_size=101, min_size=15, max_size=500, seed=5)
    table = prerank(ranking, libraries, threads=1, **kwargs)
    by_term = table.set_index("term")
    assert by_term.loc["TOP", "nom_p"] < 1e-6 and by_term.loc["BOTTOM", "nom_p"] < 1e-6  # << 1/100
    assert by_term.loc["TOP", "nes"] > 2 and by_term.loc["BOTTOM", "nes"] < -2
    assert table.groupby("library").size().to_dict() == {"A": 31, "B": 21}
    for _, rows in table.groupby("library"):
        np.testing.assert_allclose(rows["fdr_q"], benjamini_hochberg(rows["nom_p"]), rtol=1e-12)
    assert table["fwer_p"].isna().all()
    floored = table["nom_p"] <= MULTILEVEL_P_FLOOR  # below the floor: reported at it, no log2err
    assert floored.any() and table.loc[floored, "log2err"].isna().all() and table.loc[~floored, "log2err"].notna().all()
    assert table["significance_method"].str.contains("Benjamini-Hochberg of p within the library").all()
    pd.testing.assert_frame_equal(table, prerank(ranking, libraries, threads=2, **kwargs))


def test_multilevel_nes_no_random_set_can_normalise_is_not_estimable_and_left_out_of_the_fdr():
    """Every gene ranked positive (as when most genes correlate with a score): fewer than 10
    random sets have a negative ES, so gseapy's multilevel engine leaves the NES and p of BOTTOM
    missing (fgsea's rule).
    The table says why, and the other sets' FDR is taken over the sets that have a p."""

    genes = [f"G{i}" for i in range(500)]
    ranking = pd.Series(np.linspace(3, 0.1, 500), index=genes)
    sets = {"BOTTOM": genes[-12:], "TOP": genes[:12], "MIDDLE": genes[200:260:5]}
    table = prerank(ranking, {"L": sets}, engine="multilevel", permutations=100, sample_size=101, min_size=5,
                    max_size=100, seed=6, threads=1).set_index("term")
    assert table.loc["BOTTOM", "es"] < 0
    assert table.loc["BOTTOM", "nes_status"].startswith("not estimable: fewer than 10 of the 100 random gene sets")
    assert table.loc["BOTTOM", ["nes", "nom_p", "fdr_q"]].isna().all()
    tested = table[table["nes_status"] == "normalised"]
    assert len(tested) == 2 and tested["fdr_q"].notna().all()
    np.testing.assert_allclose(tested["fdr_q"], benjamini_hochberg(tested["nom_p"]), rtol=1e-12)


def test_survival_ranking_is_the_per_gene_cox_wald_z_of_lifelines(monkeypatch):
    from lifelines import CoxPHFitter

    from hif_prognosis.survival import cox

    monkeypatch.setattr(cox, "GENE_BLOCK", 7)  # genes fitted in blocks, the last one short

    rng = np.random.default_rng(5)
    n = 80
    samples = [f"s{j}" for j in range(n)]
    matrix = pd.DataFrame(rng.normal(size=(30, n)), index=[f"G{i:02d}" for i in range(30)], columns=samples)
    matrix.loc["FLAT"] = 2.0
    hazard = np.exp(0.8 * matrix.loc["G03"].to_numpy())
    time = rng.exponential(1 / hazard)
    outcome = pd.DataFrame(
        {"time": np.round(time, 1) + 0.1, "event": (rng.uniform(size=n) < 0.7).astype(float)},
        index=pd.Index(samples, name="sample_id"),
    ).iloc[::-1]  # sample order differs from the matrix
    ranking = survival_cox_ranking(matrix, outcome).set_index("gene")
    assert "FLAT" not in ranking.index and len(ranking) == 30
    assert ranking.index[0] == "G03" and ranking["wald_z"].is_monotonic_decreasing
    for gene in ["G03", "G11", "G27", "G29"]:
        z = (matrix.loc[gene] - matrix.loc[gene].mean()) / matrix.loc[gene].std(ddof=1)
        data = outcome.assign(x=z[outcome.index])
        fit = CoxPHFitter().fit(data, "time", "event", fit_options={"precision": 1e-12, "max_steps": 200})  # Efron
        assert ranking.loc[gene, "log_hr_per_sd"] == pytest.approx(fit.params_["x"], rel=1e-6)
        assert ranking.loc[gene, "wald_z"] == pytest.approx(fit.summary.loc["x", "z"], rel=1e-5)


def test_over_representation_is_the_hypergeometric_test_on_the_measured_universe():
    universe = [f"G{i:03d}" for i in range(400)]
    query = universe[:20] + ["NOT_MEASURED_BUT_QUERIED"]
    library = {
        "RICH": universe[:15] + universe[100:115] + ["UNMEASURED1", "UNMEASURED2"],
        "POOR": universe[200:240],
        "TINY": universe[:5],
    }
    table = over_representation(query, {"lib": library}, universe, min_size=10, max_size=500)
    assert list(table.columns) == ORA_COLUMNS
    assert set(table["term"]) == {"RICH", "POOR"}  # TINY has 5 genes < min_size
    rich = table.set_index("term").loc["RICH"]
    # Universe: measured genes plus the queried symbol; unmeasured set members are cut.
    assert rich["background_size"] == 401 and rich["set_size_in_background"] == 30
    assert rich["query_size_in_background"] == 21 and rich["overlap"] == 15
    assert rich["p_hypergeometric"] == pytest.approx(hypergeom.sf(15 - 1, 401, 30, 21), rel=1e-9)
    assert rich["genes"] == ";".join(sorted(universe[:15]))
    poor = table.set_index("term").loc["POOR"]
    assert poor["overlap"] == 0 and poor["p_hypergeometric"] == pytest.approx(1.0)
    assert (table["q_bh_within_library"] >= table["p_hypergeometric"]).all()


def test_over_representation_is_gseapy_enrich_s_own_without_its_package():
    """p and odds ratio equal gseapy ``enrich``'s to the bit (three libraries, sets with and
    without a shared gene), computed without gseapy's package: its Enrichr client and plots
    (matplotlib) are not imported (a fresh interpreter)."""
    import subprocess
    import sys

    code = """
import sys
import numpy as np
from hif_prognosis.enrichment.gsea import over_representation
rng = np.random.default_rng(5)
universe = [f"G{i:04d}" for i in range(3000)]
libraries = {f"L{k}": {f"S{k}_{j}": list(rng.choice(universe, int(rng.integers(12, 200)), replace=False))
                       for j in range(40)} for k in range(3)}
query = list(rng.choice(universe, 150, replace=False))
table = over_representation(query, libraries, universe, min_size=10, max_size=500)
assert "gseapy" not in sys.modules and "gseapy.enrichr" not in sys.modules, sorted(sys.modules)
assert "matplotlib" not in sys.modules
import gseapy
for library, sets in libraries.items():
    reference = gseapy.enrich(gene_list=sorted(query), gene_sets=sets, background=universe, outdir=None,
                              cutoff=1.0, no_plot=True, verbose=False).res2d.set_index("Term")
    ours = table[table["library"] == library].set_index("term")
    hit = ours[ours["overlap"] > 0]
    assert len(hit) == len(reference) > 10 and (ours["overlap"] == 0).any()
    assert (hit["p_hypergeometric"] == reference["P-value"].reindex(hit.index)).all()
    assert (hit["odds_ratio"] == reference["Odds Ratio"].reindex(hit.index)).all()
"""
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("engine", ["multilevel", "permutation"])
def test_prerank_table_is_gseapy_prerank_s_own(engine, shared_data):
    """The workflow calls gseapy's compiled engines itself and computes the leading edge (gseapy's
    table costs GBs of Python floats on GO BP): every number and string of its table equals
    gseapy.prerank's, on the real GSE4335 genes and the Hallmark library split in two libraries (a
    seeded ranking with no ties, since gseapy re-sorts ties in an order of its own). The permutation
    engine runs library by library (its FDR and FWER come from the NES null of one call's sets);
    the multilevel engine runs every library in one call, sharing the random sets of a size, and
    its FDR is Benjamini-Hochberg within each library."""
    import gseapy

    from hif_prognosis.data.genesets import read_gmt

    hallmark = read_gmt(shared_data / "msigdb" / "h.all.v7.0.symbols.gmt")
    terms = sorted(hallmark)
    libraries = {"H1": {t: hallmark[t] for t in terms[:20]}, "H2": {t: hallmark[t] for t in terms[20:]}}
    genes = pd.read_csv(shared_data / "local-cohorts" / "GSE4335" / "expression.tsv.gz", sep="\t", index_col=0,
                        usecols=[0]).index.astype(str).unique()
    ranking = pd.Series(np.random.default_rng(1).normal(size=len(genes)), index=genes)
    ours = prerank(ranking, libraries, engine=engine, permutations=300, sample_size=101, min_size=15,
                   max_size=500, seed=3, threads=2).set_index("term")

    def gseapy_prerank(sets):
        return gseapy.prerank(rnk=ranking, gene_sets=sets, outdir=None, permutation_num=300, min_size=15,
                              max_size=500, seed=3, threads=2, no_plot=True, verbose=False, method=engine,
                              eps=MULTILEVEL_P_FLOOR).res2d.set_index("Term")

    if engine == "multilevel":
        raw = gseapy_prerank(hallmark).loc[ours.index]
        within_library = ours.groupby("library")["nom_p"].transform(lambda p: benjamini_hochberg(p.to_numpy()))
        np.testing.assert_array_equal(ours["fdr_q"], within_library)
        assert not np.allclose(ours["fdr_q"], raw["FDR q-val"].astype(float))  # across both libraries
    else:
        raw = pd.concat([gseapy_prerank(sets) for sets in libraries.values()]).loc[ours.index]
        np.testing.assert_array_equal(ours["fdr_q"].to_numpy(float), raw["FDR q-val"].to_numpy(float))
    assert len(ours) == 50 and ours["nes_status"].eq("normalised").all()
    assert ours["library"].tolist() == ["H1" if term in libraries["H1"] else "H2" for term in ours.index]
    error = {"log2err": "log2err"} if engine == "multilevel" else {"fwer_p": "FWER p-val"}
    for column, theirs in {"es": "ES", "nes": "NES", "nom_p": "NOM p-val", **error}.items():
        np.testing.assert_array_equal(ours[column].to_numpy(float), raw[theirs].to_numpy(float), err_msg=column)
    for column, theirs in {"tag_fraction": "Tag %", "gene_fraction": "Gene %", "lead_genes": "Lead_genes"}.items():
        assert ours[column].tolist() == raw[theirs].astype(str).tolist(), column


def test_enrichment_curve_is_gseapy_prerank_s_own_running_score():
    """The drawing job recomputes one set's running score from the ranking; it must be the
    curve gseapy's prerank computed (hits, every point, ES), and carry the table's numbers."""
    import gseapy

    rng = np.random.default_rng(4)
    genes = [f"G{i:04d}" for i in range(1000)]
    ranking = pd.Series(rng.normal(size=1000), index=genes)
    library = {"TOP": list(ranking.nlargest(40).index[::2]), "RANDOM": list(rng.choice(genes, 40, replace=False))}
    table = prerank(ranking, {"lib": library}, engine="permutation", permutations=50, sample_size=101,
                    min_size=15, max_size=500, seed=3, threads=1)
    raw = gseapy.prerank(rnk=ranking, gene_sets=library, outdir=None, permutation_num=50, min_size=15,
                         max_size=500, seed=3, threads=1, no_plot=True, verbose=False)
    for term in library:
        row = table.set_index("term").loc[term].rename({}).copy()
        row["term"] = term
        curve = enrichment_curve(ranking, library[term], row)
        assert curve.hits == [int(i) for i in raw.results[term]["hits"]]
        np.testing.assert_allclose(curve.running_es, raw.results[term]["RES"], rtol=0, atol=1e-12)
        extreme = max(curve.running_es, key=abs)
        assert extreme == pytest.approx(row["es"], abs=1e-12) and curve.nes == row["nes"]
        assert curve.ranking.is_monotonic_decreasing and len(curve.ranking) == 1000


def test_nes_across_cohorts_lines_sets_up_and_checks_the_sign():
    def table(rows):
        return pd.DataFrame(rows, columns=["ranking", "library", "term", "nes", "fdr_q"])

    wide = nes_across_cohorts(
        {
            "A": table([("r", "H", "UP", 2.0, 0.01), ("r", "H", "MIXED", 1.5, 0.2), ("r", "H", "ONLY_A", -1.0, 0.5)]),
            "B": table([("r", "H", "UP", 1.0, 0.1), ("r", "H", "MIXED", -0.5, 0.9)]),
        }
    ).set_index("term")
    assert list(wide.index) == ["UP", "ONLY_A", "MIXED"]  # by |mean NES|
    assert wide.loc["UP", "same_sign"] and not wide.loc["MIXED", "same_sign"]
    assert wide.loc["ONLY_A", "n_cohorts"] == 1 and np.isnan(wide.loc["ONLY_A", "nes_B"])
    assert wide.loc["UP", "mean_nes"] == pytest.approx(1.5)


def test_ranking_labels_name_both_rankings():
    survival = ranking_labels("survival_cox_z", endpoint="overall_survival", signature="S", method="zscore")
    assert "Cox" in survival.ranked_by and survival.high == "high = shorter overall survival"
    assert "S (mean z-score)" in ranking_labels("score_spearman", endpoint="os", signature="S", method="zscore").ranked_by
    with pytest.raises(ValueError, match="unknown ranking"):
        ranking_labels("other", endpoint="os", signature="S", method="zscore")


def test_nes_the_permutation_null_cannot_normalise_is_not_estimable():
    """With 2 permutations (seed 6) neither permutation of BOTTOM's 12 genes gave a negative ES:
    gseapy then divides the ES by itself (NES exactly -1) and sets p to 1. The table says so."""
    import gseapy

    genes = [f"G{i}" for i in range(500)]
    ranking = pd.Series(np.linspace(3, -3, 500), index=genes)
    sets = {"BOTTOM": genes[-12:], "TOP": genes[:12]}
    raw = gseapy.prerank(rnk=ranking, gene_sets=sets, outdir=None, permutation_num=2, min_size=5,
                         max_size=100, seed=6, threads=1, no_plot=True, verbose=False).res2d.set_index("Term")
    assert raw.loc["BOTTOM", "NES"] == -1.0 and raw.loc["BOTTOM", "NOM p-val"] == 1.0
    table = prerank(ranking, {"L": sets}, engine="permutation", permutations=2, sample_size=101, min_size=5,
                    max_size=100, seed=6, threads=1)
    table = table.set_index("term")
    assert table.loc["BOTTOM", "nes_status"].startswith("not estimable: none of the 2 random gene sets")
    assert table.loc["BOTTOM", ["nes", "nom_p", "fdr_q", "fwer_p"]].isna().all()
    assert table.loc["BOTTOM", "es"] == -1.0
    assert table.loc["TOP", "nes_status"] == "normalised" and table.loc["TOP", "nes"] > 1
    assert list(table.index) == ["TOP", "BOTTOM"]  # the not-estimable row sorts last


def test_the_enrichment_plot_prints_p_and_fdr_as_the_page_does():
    """gseapy writes "Pval: 0.000e+00" for a p no permutation reached; the figure says "< 1/n"."""
    from hif_prognosis.enrichment.gsea import EnrichmentCurve
    from hif_prognosis.presentation.plotting import enrichment_curve_figure

    ranking = pd.Series(np.linspace(2, -2, 200), index=[f"G{i}" for i in range(200)])
    hits = list(range(0, 40, 2))
    curve = EnrichmentCurve(term="SET", hits=hits, running_es=list(np.linspace(0, 0.6, 200)), ranking=ranking,
                            nes=2.3456, nom_p=0.0, fdr_q=0.0)
    figure = enrichment_curve_figure(curve, title="SET", metric="Cox z", high="risk", low="protective", n_draws=1000)
    texts = [t.get_text() for axis in figure.axes for t in axis.texts]
    assert "nominal p: < 1/1000" in texts and "FDR q: < 1/1000" in texts and "NES: 2.35" in texts
    assert not any("e+00" in t for t in texts)


def test_gsea_figures_are_saved_with_the_settings_of_every_other_figure(tmp_path):
    """gseapy's plots set pdf.fonttype 42 for the whole process; drawn through gseapy_plot they
    leave it as it was, so their PDFs carry the same Type 3 glyphs as the other figures and
    no TrueType subset (FontFile2), which fontTools took 0.3 CPU s a font and PDF to make."""
    import matplotlib

    from hif_prognosis.enrichment.gsea import EnrichmentCurve
    from hif_prognosis.presentation.plotting import enrichment_curve_figure, save_figure, top_sets_dotplot

    before = matplotlib.rcParams["pdf.fonttype"]
    ranking = pd.Series(np.linspace(2, -2, 200), index=[f"G{i}" for i in range(200)])
    curve = EnrichmentCurve(term="SET", hits=list(range(0, 40, 2)), running_es=list(np.linspace(0, 0.6, 200)),
                            ranking=ranking, nes=2.3, nom_p=0.001, fdr_q=0.01)
    table = pd.DataFrame({"term": ["A", "B"], "nes": [1.8, -1.2], "fdr_q": [0.01, 0.2], "nom_p": [0.001, 0.05],
                          "tag_fraction": ["4/20", "6/20"]})
    figures = [enrichment_curve_figure(curve, title="SET", metric="Cox z", high="risk", low="protective"),
               top_sets_dotplot(table, n_top=10, fdr_floor=0.1, title="C1")]
    assert matplotlib.rcParams["pdf.fonttype"] == before == 3
    for k, figure in enumerate(figures):
        save_figure(figure, tmp_path / f"{k}.pdf")
        pdf = (tmp_path / f"{k}.pdf").read_bytes()
        assert b"/Type3" in pdf and b"/FontFile2" not in pdf


def test_the_top_sets_figure_says_why_when_no_set_has_an_estimable_nes():
    """At the schema's fewest permutations every NES can be NA (nes_status says why): the
    figure step draws a figure that says so instead of failing inside gseapy."""
    from hif_prognosis.presentation.plotting import top_sets_dotplot

    table = pd.DataFrame({"term": ["A", "B"], "nes": [np.nan, np.nan], "fdr_q": [np.nan, np.nan], "nom_p": [np.nan, np.nan],
                          "tag_fraction": ["4/20", "6/20"]})
    figure = top_sets_dotplot(table, n_top=10, fdr_floor=0.1, title="C1")
    assert "no gene set has an estimable NES" in figure.axes[0].texts[0].get_text().replace("\n", " ")
    table.loc[0, ["nes", "fdr_q", "nom_p"]] = [1.8, 0.01, 0.001]
    drawn = top_sets_dotplot(table, n_top=10, fdr_floor=0.1, title="C1")
    assert [label.get_text() for label in drawn.axes[0].get_yticklabels()] == ["A"]


def test_gsea_engine_loads_without_gseapy_s_package_and_gseapy_then_shares_it():
    """The pre-ranked GSEA job loads gseapy's compiled engine alone (gseapy's package import
    costs 1.6 s); a later ``import gseapy`` in the same process uses that very module, and
    gseapy.prerank runs on it (a fresh interpreter: this one may hold gseapy already)."""
    import subprocess
    import sys

    code = """
import sys
from hif_prognosis.enrichment.gsea import gseapy_engine
engine = gseapy_engine()
assert "gseapy" not in sys.modules and "matplotlib" not in sys.modules, sorted(sys.modules)
assert callable(engine.fgsea_rs) and callable(engine.prerank_rs)
import numpy as np, pandas as pd
import gseapy
assert sys.modules["gseapy.gse"] is engine
ranking = pd.Series(np.linspace(2, -2, 300), index=[f"G{i}" for i in range(300)])
result = gseapy.prerank(rnk=ranking, gene_sets={"TOP": [f"G{i}" for i in range(20)]}, outdir=None,
                        permutation_num=20, min_size=5, no_plot=True, verbose=False, seed=1)
assert result.res2d.loc[0, "Term"] == "TOP"
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_gsea_plots_load_without_gseapy_s_package_and_gseapy_then_shares_them():
    """The GSEA figures load gseapy's plotting module alone: gseapy's package (its Enrichr client,
    scipy.stats) is neither imported nor left half-made; a later ``import gseapy`` initialises
    the package around that very module and its Enrichr client works (a fresh interpreter)."""
    import subprocess
    import sys

    code = """
import sys
from hif_prognosis.submodules import submodule_alone
plot = submodule_alone("gseapy", "plot")
assert callable(plot.dotplot) and callable(plot.gseaplot)
assert "gseapy" not in sys.modules and "gseapy.enrichr" not in sys.modules, sorted(sys.modules)
assert "scipy.stats" not in sys.modules
assert submodule_alone("gseapy", "plot") is plot
import gseapy
assert sys.modules["gseapy.plot"] is plot and gseapy.dotplot is plot.dotplot
found = gseapy.enrich(gene_list=["A", "B", "C"], gene_sets={"S": ["A", "B", "D"]}, background=list("ABCDEFGH"),
                      outdir=None, verbose=False)
assert found.results.loc[0, "Term"] == "S"
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_running_score_sums_gseapy_s_steps_in_rank_order_to_the_bit():
    """The walk from the hits alone adds the same steps in the same order as the cumulative sum of
    gseapy's steps (hits weighted |r| / their total, misses -1 / their number): tied weights,
    hits at both ends of the ranking, and a set of one."""
    rng = np.random.default_rng(7)
    weight = np.abs(np.round(rng.normal(size=3000), 1))  # many tied weights
    for hits in (np.sort(rng.choice(3000, 60, replace=False)), np.array([0, 1, 2, 2999]), np.array([1500])):
        hit = np.zeros(len(weight), dtype=bool)
        hit[hits] = True
        hit_weight = np.where(hit, weight, 0.0)
        steps = np.where(hit, hit_weight * (1.0 / np.cumsum(hit_weight)[-1]), -(1.0 / np.count_nonzero(~hit)))
        np.testing.assert_array_equal(running_score(weight, hits), np.cumsum(steps))
