"""Pre-ranked GSEA and over-representation (gseapy) of a gene ranking
(hif_prognosis.enrichment.rankings), and their cross-cohort view."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from hif_prognosis.enrichment.rankings import sorted_ranking
from hif_prognosis.distributions import benjamini_hochberg
from hif_prognosis.submodules import submodule_alone


def gseapy_engine() -> ModuleType:
    """gseapy's compiled engine (``gseapy.gse``: ``fgsea_rs``, ``prerank_rs``), without gseapy's
    package, whose imports took 1.6 CPU s of each pre-ranked GSEA job."""
    return submodule_alone("gseapy", "gse")


PRERANK_COLUMNS = [
    "library",
    "term",
    "es",
    "nes",
    "nom_p",
    "fdr_q",
    "fwer_p",
    "log2err",
    "nes_status",
    "tag_fraction",
    "gene_fraction",
    "lead_genes",
    "significance_method",
]
NES_NORMALISED = "normalised"

# gseapy prerank engines: what their p, FDR and FWER are (written into every row's
# significance_method, and read by the page and the README).
GSEA_ENGINES = {
    "multilevel": (
        "p: fgseaMultilevel (Korotkevich et al. 2021; gseapy's port): from the "
        "{permutations} random gene sets of the set's size (drawn once per size and ranking, "
        "shared by every library) where they resolve it, else by adaptive "
        "multilevel splitting (sample size {sample_size}); p below 1e-50 is reported as 1e-50 with "
        "no log2 error; log2 error: the estimated standard deviation of log2 p; NES = ES / mean "
        "same-sign ES of the {permutations} random gene sets; FDR: Benjamini-Hochberg of p within "
        "the library; family-wise error rate: not computed"
    ),
    "permutation": (
        "p: {permutations} gene-set permutations, sign-specific (Subramanian et al. 2005); "
        "NES = ES / mean same-sign permutation ES; FDR: GSEA's FDR from the NES null within "
        "the library; family-wise error rate: GSEA's; log2 error: not computed"
    ),
}
# The multilevel engine reports p-values down to this floor (gseapy's and fgsea's eps).
MULTILEVEL_P_FLOOR = 1e-50
# Why an engine leaves a set's NES, p and FDR missing (fgsea needs 10 same-sign random ESs).
NOT_ESTIMABLE = {
    "multilevel": "fewer than 10 of the {permutations} random gene sets gave an ES of this sign",
    "permutation": "none of the {permutations} random gene sets gave an ES of this sign",
}


def significance_method(engine: str, *, permutations: int, sample_size: int) -> str:
    """How an engine's p, FDR and FWER are defined, with the run's settings (one sentence)."""
    if engine not in GSEA_ENGINES:
        raise ValueError(f"unknown GSEA engine {engine!r}; known: {sorted(GSEA_ENGINES)}")
    return f"{engine}: " + GSEA_ENGINES[engine].format(permutations=permutations, sample_size=sample_size)


def smallest_reported_fdr(engine: str, permutations: int) -> float:
    """The resolution of an engine's FDR: an FDR of 0 from the permutation engine means
    "below 1/permutations"; the multilevel engine resolves p down to MULTILEVEL_P_FLOOR."""
    return MULTILEVEL_P_FLOOR if engine == "multilevel" else 1.0 / permutations


def unnormalised_nes(table: pd.DataFrame) -> pd.Series:
    """Rows whose NES the random gene sets could not normalise (NOT_ESTIMABLE says when). Where
    no random set gave the ES's sign, gseapy's permutation engine divides the ES by itself (NES
    exactly +/-1) and sets the nominal p to 1; its multilevel engine leaves NES and p missing:
    either way NES, p, FDR and FWER say nothing."""
    return ((table["nes"].abs() == 1.0) & (table["nom_p"] == 1.0)) | table["nes"].isna()


ORA_COLUMNS = [
    "library",
    "term",
    "overlap",
    "set_size_in_background",
    "query_size_in_background",
    "background_size",
    "odds_ratio",
    "p_hypergeometric",
    "q_bh_within_library",
    "genes",
    "self_match",
]
# A library set sharing at least this Jaccard index with the query is the query itself (e.g. the
# ORA signature HALLMARK_HYPOXIA in the Hallmark library): a match that says nothing.
SELF_MATCH_JACCARD = 0.9


@dataclass(frozen=True)
class EnrichmentCurve:
    """What an enrichment plot of one set needs (gseapy's own fields)."""

    term: str
    hits: list[int]  # positions of the set's genes in ``ranking``
    running_es: list[float]
    ranking: pd.Series  # the ranking, highest first
    nes: float
    nom_p: float
    fdr_q: float


def running_score(weight: np.ndarray, hits: np.ndarray) -> np.ndarray:
    """GSEA's running enrichment score (Subramanian et al. 2005) along a ranking, highest first,
    of the set whose genes are at ``hits`` (increasing positions): a hit adds its weight |r|^1 /
    (sum of the hits' weights), a miss subtracts 1 / (number of misses). Summed in rank order
    with gseapy's arithmetic, so the curve and its extreme (the leading edge) are exactly
    gseapy's (tested). The prerank job walks the whole ranking for every set: one cumulative
    sum each, the weights summed over the hits only."""
    steps = np.full(len(weight), -(1.0 / (len(weight) - len(hits))))
    # The hits' total summed in rank order, as gseapy does (np.sum's pairwise order differs).
    steps[hits] = weight[hits] * (1.0 / np.cumsum(weight[hits])[-1])
    return np.cumsum(steps)


def enrichment_curve(ranking: pd.Series, genes: Collection[str], result: pd.Series) -> EnrichmentCurve:
    """The running enrichment score of one tested set along ``ranking`` (highest first), beside
    the set's NES, p and FDR from its row of the prerank table (``result``). Recomputing it costs
    one pass over the ranking, so the GSEA job need not know which set a figure will show."""
    ordered = ranking.sort_values(ascending=False, kind="stable")
    hits = np.flatnonzero(ordered.index.isin(list(genes)))
    return EnrichmentCurve(
        term=str(result["term"]), hits=hits.tolist(),
        running_es=running_score(np.abs(ordered.to_numpy(dtype=float)), hits).tolist(),
        ranking=ordered, nes=float(result["nes"]), nom_p=float(result["nom_p"]), fdr_q=float(result["fdr_q"]),
    )


def measured_sets(genes: pd.Index, sets: Mapping[str, Collection[str]], *, min_size: int,
                  max_size: int) -> dict[str, list[str]]:
    """The sets GSEA tests: each set cut to the ranked genes (exact symbols), kept where
    ``min_size`` <= measured genes <= ``max_size`` and not every ranked gene (gseapy's rule);
    members in ranking order, so nothing depends on the GMT's order."""
    names = genes.tolist()
    position = {gene: i for i, gene in enumerate(names)}
    measured = {}
    for name, members in sets.items():
        positions = sorted({found for found in map(position.get, members) if found is not None})
        if min_size <= len(positions) <= max_size and len(positions) < len(names):
            measured[name] = [names[i] for i in positions]
    return measured


def leading_edge(weight: np.ndarray, hits: np.ndarray, es: float) -> tuple[np.ndarray, int]:
    """The leading edge of a set (Subramanian et al. 2005) as gseapy reports it: the hits up to
    the running score's maximum for ES >= 0, from its minimum on (last first) for ES < 0; and
    the number of genes from that end of the ranking to the extreme."""
    curve = running_score(weight, np.sort(hits))
    if es >= 0:
        extreme = int(curve.argmax())
        return hits[hits <= extreme], extreme + 1
    extreme = int(curve.argmin())
    return hits[hits >= extreme][::-1], len(weight) - extreme


def prerank(
    ranking: pd.Series,
    libraries: Mapping[str, Mapping[str, list[str]]],
    *,
    engine: str,
    permutations: int,
    sample_size: int,
    min_size: int,
    max_size: int,
    seed: int,
    threads: int,
) -> pd.DataFrame:
    """Pre-ranked GSEA of one ranking against each gene-set library (PRERANK_COLUMNS), by one of
    gseapy's engines (GSEA_ENGINES says what each engine's p, FDR and FWER are; every row says
    it too, in ``significance_method``).

    ``ranking`` is sorted highest first, ties by gene symbol, so tied genes keep one order. Both
    engines normalise the ES by random gene sets of the set's size (``permutations`` of them);
    ``sample_size`` is the multilevel engine's. FDR is computed within each library. Where the
    random sets cannot normalise the ES (NOT_ESTIMABLE), NES, p, FDR and FWER are NA and
    ``nes_status`` says why. Rows are sorted by library, then FDR, then |NES| descending, then
    term.
    """
    method = significance_method(engine, permutations=permutations, sample_size=sample_size)
    ranking = sorted_ranking(ranking)
    measured = {
        library: found for library, sets in libraries.items()
        if (found := measured_sets(ranking.index, sets, min_size=min_size, max_size=max_size))
    }
    settings: dict[str, Any] = {
        "engine": engine, "permutations": permutations, "sample_size": sample_size, "min_size": min_size,
        "max_size": max_size, "seed": seed, "threads": threads,
    }
    if engine == "multilevel":
        frames = _multilevel_tables(ranking, measured, settings)
    else:  # the permutation engine's FDR and FWER are read from the NES null of the sets of one call
        frames = [_engine_table(ranking, sets, **settings).assign(library=library) for library, sets in measured.items()]
    if not frames:
        return pd.DataFrame(columns=PRERANK_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    unnormalised = unnormalised_nes(table)
    table["nes_status"] = NES_NORMALISED
    table.loc[unnormalised, "nes_status"] = (
        f"not estimable: {NOT_ESTIMABLE[engine].format(permutations=permutations)} (raise enrichment.permutations)"
    )
    table.loc[unnormalised, ["nes", "nom_p", "fdr_q", "fwer_p", "log2err"]] = np.nan
    table["significance_method"] = method
    table = table[PRERANK_COLUMNS]
    table["_abs_nes"] = table["nes"].abs()
    table = table.sort_values(
        ["library", "fdr_q", "_abs_nes", "term"], ascending=[True, True, False, True], na_position="last"
    )
    return table.drop(columns="_abs_nes").reset_index(drop=True)


def _multilevel_tables(ranking: pd.Series, measured: Mapping[str, dict[str, list[str]]],
                       settings: Mapping[str, Any]) -> list[pd.DataFrame]:
    """Every library in one call of the multilevel engine, which draws the random gene sets of a
    size once for all the sets of that size (fgsea's scheme): libraries share most sizes, so
    this costs about what the largest library alone does (GO BP, Reactome and Hallmark on one
    22,000-gene ranking: 6.2 s, against 10.5 s library by library). A set's p and NES do not
    depend on the other sets beyond the shared random draws; FDR is recomputed within each
    library (Benjamini-Hochberg, as the engine computes it over its call)."""
    # A tab cannot occur in a GMT set name, so library and set name are recovered exactly.
    joined = {f"{library}\t{term}": genes for library, sets in measured.items() for term, genes in sets.items()}
    if not joined:
        return []
    table = _engine_table(ranking, joined, **settings)
    table[["library", "term"]] = table["term"].str.split("\t", n=1, expand=True)
    frames = []
    for library in measured:
        rows = table[table["library"] == library].copy()
        rows["fdr_q"] = benjamini_hochberg(rows["nom_p"].to_numpy(float))
        frames.append(rows)
    return frames


def _engine_table(ranking: pd.Series, sets: dict[str, list[str]], *, engine: str, permutations: int,
                  sample_size: int, min_size: int, max_size: int, seed: int, threads: int) -> pd.DataFrame:
    """Gene sets through one call of gseapy's compiled engine, the core of ``gseapy.prerank`` (its
    p, NES, FDR and FWER), with the leading edge computed here: gseapy's own table converts every set's
    running score to Python floats (4.5 GB and 15 s for GO BP at 22,000 genes), for nothing
    the table keeps. Equal to ``gseapy.prerank``'s table (tested)."""
    engine_module = gseapy_engine()
    genes, values = ranking.index.tolist(), ranking.to_numpy(dtype=float).tolist()
    if engine == "multilevel":
        summaries = engine_module.fgsea_rs(genes, values, sets, 1.0, min_size, max_size, sample_size, permutations,
                                           MULTILEVEL_P_FLOOR, threads, seed).summaries
    else:
        summaries = engine_module.prerank_rs(genes, values, sets, 1.0, min_size, max_size, permutations, threads,
                                             seed).summaries
    weight = np.abs(ranking.to_numpy(dtype=float))
    rows = []
    for summary in summaries:
        lead, reach = leading_edge(weight, np.asarray(summary.hits, dtype=np.int64), summary.es)
        rows.append({
            "term": summary.term, "es": summary.es, "nes": summary.nes, "nom_p": summary.pval,
            "fdr_q": summary.fdr,
            "fwer_p": summary.fwerp if engine == "permutation" else np.nan,
            "log2err": summary.log2err if engine == "multilevel" else np.nan,
            "tag_fraction": f"{len(lead)}/{len(sets[summary.term])}",
            "gene_fraction": f"{reach / len(weight):.2%}",
            "lead_genes": ";".join([genes[i] for i in lead]),
        })
    return pd.DataFrame(rows, columns=[c for c in PRERANK_COLUMNS if c not in ("library", "nes_status",
                                                                              "significance_method")])


def over_representation(
    genes: Sequence[str],
    libraries: Mapping[str, Mapping[str, list[str]]],
    background: Collection[str],
    *,
    min_size: int,
    max_size: int,
) -> pd.DataFrame:
    """Over-representation of ``genes`` in each library's sets: the one-sided hypergeometric p
    and Enrichr's odds ratio (with gseapy's Haldane-Anscombe 0.5), computed by the function
    gseapy ``enrich`` calls (``gseapy.stats.calc_pvalues``, loaded without gseapy's package,
    whose Enrichr client and plots cost 1.8 CPU s of each job to import). The symbols are
    compared as given: ``enrich`` would upper-case a query that is not mostly upper case.

    The universe is ``background`` (the genes a cohort measured) plus the query: sets are cut to
    it first, and every set with ``min_size`` to ``max_size`` universe genes is tested. gseapy
    reports only sets that share a gene with the query; the others are kept with overlap 0 and
    p = 1, so the Benjamini-Hochberg correction (within each library) counts every set tested.
    ``self_match`` marks a set that is the query itself (Jaccard index >= SELF_MATCH_JACCARD in
    the universe). Sorted by library, p, then term.
    """
    universe = set(background) | set(genes)
    query = set(genes) & universe
    frames = []
    for library, sets in libraries.items():
        tested = {
            term: cut
            for term, members in sets.items()
            if min_size <= len(cut := [g for g in members if g in universe]) <= max_size
        }
        if not tested:
            continue
        # Only the sets sharing a gene with the query: (terms, p, odds ratios, overlaps, sizes, genes).
        found = list(submodule_alone("gseapy", "stats").calc_pvalues(query=query, gene_sets=tested, background=universe))
        hit_terms, p_values, odds_ratios = found[:3] if found else ((), (), ())
        p_value, odds_ratio = dict(zip(hit_terms, p_values, strict=True)), dict(zip(hit_terms, odds_ratios, strict=True))
        terms = sorted(tested)
        shared = [sorted(query.intersection(tested[t])) for t in terms]
        frame = pd.DataFrame(
            {
                "library": library,
                "term": terms,
                "overlap": [len(genes_in_set) for genes_in_set in shared],
                "set_size_in_background": [len(tested[t]) for t in terms],
                "query_size_in_background": len(query),
                "background_size": len(universe),
                "odds_ratio": np.array([odds_ratio.get(t, 0.0) for t in terms], dtype=float),
                "p_hypergeometric": np.array([p_value.get(t, 1.0) for t in terms], dtype=float),
                "genes": [";".join(genes_in_set) for genes_in_set in shared],
                "self_match": [
                    len(query & set(tested[t])) >= SELF_MATCH_JACCARD * len(query | set(tested[t])) for t in terms
                ],
            }
        )
        frame["q_bh_within_library"] = benjamini_hochberg(frame["p_hypergeometric"])
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=ORA_COLUMNS)
    table = pd.concat(frames, ignore_index=True)[ORA_COLUMNS]
    return table.sort_values(["library", "p_hypergeometric", "term"]).reset_index(drop=True)


def nes_across_cohorts(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per ranking, library and set; each cohort's NES and FDR side by side.

    ``tables`` maps cohort -> its prerank table with a ``ranking`` column. ``n_cohorts`` counts
    the cohorts where the set was tested; ``same_sign`` is true when every one of them gives
    the NES the same sign (with one cohort, trivially true).
    """
    if not tables:
        raise ValueError("nes_across_cohorts needs at least one cohort's table")
    key = ["ranking", "library", "term"]
    parts = [
        table.set_index(key)[["nes", "fdr_q"]].rename(columns={"nes": f"nes_{c}", "fdr_q": f"fdr_q_{c}"})
        for c, table in tables.items()
    ]
    wide = pd.concat(parts, axis=1, join="outer")
    nes = wide[[f"nes_{c}" for c in tables]]
    wide["n_cohorts"] = nes.notna().sum(axis=1)
    signs = nes.apply(np.sign)
    wide["same_sign"] = (signs.max(axis=1) == signs.min(axis=1)) & (signs.abs().min(axis=1) > 0)
    wide["mean_nes"] = nes.mean(axis=1)
    wide["_order"] = -wide["mean_nes"].abs()
    wide = wide.reset_index().sort_values(["ranking", "library", "_order", "term"])
    return wide.drop(columns="_order").reset_index(drop=True)
