"""locked-model validation: gene weights and direction learned in one cohort, applied unchanged to
another.

A score re-fitted in every cohort can look prognostic everywhere for different reasons. Here,
for each signature and each ordered pair of cohorts (training, test) sharing an endpoint:

- the weights come from the training cohort alone, on the signature genes both cohorts measure:
  ``cox``: each gene's univariable Cox log HR per SD for that endpoint (fast engine), so the
  score points towards higher risk by construction (a one-gene signature keeps its training
  sign); ``pc1``: the genes' first principal component loadings (z-scores), oriented as the
  ``pc1`` scoring method orients them, so that the component correlates positively with the
  mean of the genes' z-scores (down genes sign-flipped): the signature's own direction, never a
  training hazard ratio near 1 whose sign is chance (one gene: its direction, +1 or -1);
  ``multivariable_cox``: the coefficients of one Cox model (Efron) of all the genes' z-scores,
  the locked risk model of most prognosis papers; refused below ``min_events_per_variable``
  training events per gene, and not estimable where the model has no finite maximum;
  ``ridge_cox`` and ``lasso_cox``: penalised Cox models of the same z-scores (the ridge: the
  fast engine's Efron likelihood less alpha/2 |w|^2, scikit-survival's
  ``CoxPHSurvivalAnalysis(alpha, ties="efron")`` and R's ``coxph(ridge(theta = alpha))``, which
  the tests hold it to; the LASSO: scikit-survival's ``CoxnetSurvivalAnalysis(l1_ratio=1)``,
  glmnet's path of 50 penalties down to 1% of the largest, Breslow ties), the penalty chosen by CV_FOLDS-fold cross-validation in the training cohort (folds shuffled from
  the config's seed): the one with the highest mean Harrell's C on the held-out folds, the
  strongest of those tied; reported in ``penalty``. A LASSO that keeps no gene is not estimable;
  ``published``, for a signature with a weight file only: its coefficients as published, on
  its ``weighted_scale`` (z-scores as below, or the log2 values of every gene measured in both
  cohorts, as a model published on log2 expression is applied); the training cohort then gives
  only the median that splits the test cohort;
- in the test cohort the genes are z-scored within the cohort (platforms differ in scale; the
  weights and their signs are not touched), the score is sum(w z) / sum(|w|), and a univariable
  Cox model (Efron, per SD) and Harrell's C are computed there, and the test cohort is split at
  the **training** cohort's median score (high: above it), as papers validate a locked model,
  with the log-rank test of the split. ``status`` says ``estimated`` or why not (no gene
  measured in both cohorts, a refused or inestimable training model, or no finite Cox estimate
  in the test cohort).
- the time-dependent AUC of the test cohort's score at each of ``auc_years`` is timeROC's
  estimator (``discrimination.time_dependent_auc``), in a long table of its own.

The claim under test is directional, so besides the two-sided Wald p the table gives the
one-sided p for HR > 1 in the test cohort.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

import numpy as np
import pandas as pd

from hif_prognosis.data.clinical import endpoint_data, endpoint_names
from hif_prognosis.survival.discrimination import AUC_COLUMNS, time_dependent_auc
from hif_prognosis.data.expression import gene_zscores
from hif_prognosis.survival.fastcox import FLAG_OK, cox_columns, cox_model, ridge_path
from hif_prognosis.survival.stats import harrell_c, harrell_c_columns, set_rng
from hif_prognosis.survival.cox import cox_per_sd
from hif_prognosis.survival.kaplan_meier import AT_RISK_COLUMNS, numbers_at_risk, split_logrank

WEIGHTINGS = ("cox", "pc1", "multivariable_cox", "ridge_cox", "lasso_cox")
CV_FOLDS = 5
RIDGE_PENALTIES = np.logspace(-2, 4, 25)  # scikit-survival's alpha: none to overwhelming at n = 50-300
KEY_COLUMNS = ["signature", "endpoint", "weights", "training_cohort", "test_cohort"]
LOCKED_COLUMNS = [
    *KEY_COLUMNS, "genes", "status", "penalty", "training_log_hr", "training_median_score", "n", "events", "hr",
    "hr_ci_low", "hr_ci_high", "log_hr", "se_log_hr", "p_wald", "p_one_sided_hr_above_1", "c_index",
    "direction_replicated", "n_high", "n_low", "logrank_chisq", "logrank_p",
]
LOCKED_AUC_COLUMNS = [*KEY_COLUMNS, *AUC_COLUMNS[AUC_COLUMNS.index("years"):]]
LOCKED_AT_RISK_COLUMNS = [*KEY_COLUMNS, *AT_RISK_COLUMNS]
LOCKED_SCORE_COLUMNS = [*KEY_COLUMNS, "sample_id", "score", "group"]


@dataclass(frozen=True)
class LockedTables:
    """The check's tables: one row per signature x endpoint x weighting x ordered pair
    (LOCKED_COLUMNS); the test cohort's time-dependent AUC (LOCKED_AUC_COLUMNS); the numbers
    at risk of its split at the training median score (LOCKED_AT_RISK_COLUMNS); and each test
    sample's locked score and its group in that split (LOCKED_SCORE_COLUMNS), which the
    Kaplan-Meier figures draw."""

    table: pd.DataFrame
    auc: pd.DataFrame
    at_risk: pd.DataFrame
    scores: pd.DataFrame


@dataclass(frozen=True)
class Cohort:
    """What the check needs of one cohort."""

    matrix: pd.DataFrame  # gene symbols x samples
    coverage: pd.DataFrame  # signature_coverage.tsv
    clinical: pd.DataFrame  # clinical.tsv


def measured_symbols(coverage: pd.DataFrame, signature: str) -> pd.DataFrame:
    """Signature symbol -> the cohort's gene it was matched to (``matched_as``), its
    ``direction`` (+1 up, -1 down) and its ``weight`` in the signature (a weight file's
    coefficient, else the direction), for measured genes."""
    rows = coverage[(coverage["signature"] == signature) & coverage["present"].astype(bool)]
    rows = rows.drop_duplicates("symbol").set_index("symbol")
    direction = np.where(rows["direction"] == "down", -1.0, 1.0)
    weight = rows["weight"].astype(float) if "weight" in rows else direction
    return pd.DataFrame({"matched_as": rows["matched_as"], "direction": direction, "weight": weight})


def published_scale(coverage: pd.DataFrame, signature: str) -> str | None:
    """The scale a signature's weight-file coefficients multiply (``zscore`` or ``log2``), or
    None for a signature without a weight file."""
    rows = coverage[coverage["signature"] == signature]
    if "weight_from" not in rows or not (rows["weight_from"] == "weights_file").any():
        return None
    return str(rows["weighted_scale"].iloc[0])


class NotEstimable(Exception):
    """A training model that is refused or has no estimate; the message says which and why."""


def cross_validation_folds(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """CV_FOLDS folds of ``n`` samples, shuffled from ``rng``: (fitting rows, held-out rows)
    pairs, exactly scikit-learn's ``KFold(CV_FOLDS, shuffle=True, random_state=seed).split``
    (seed drawn from ``rng``; a test holds the two equal), without importing scikit-learn."""
    order = np.arange(n)
    np.random.RandomState(int(rng.integers(2**31 - 1))).shuffle(order)
    sizes = np.full(CV_FOLDS, n // CV_FOLDS)
    sizes[: n % CV_FOLDS] += 1
    folds = []
    for start, size in zip(np.cumsum(sizes) - sizes, sizes, strict=True):
        held_out = np.zeros(n, dtype=bool)
        held_out[order[start:start + size]] = True
        folds.append((np.flatnonzero(~held_out), np.flatnonzero(held_out)))
    return folds


RiskScores = Callable[[np.ndarray, np.ndarray], list[np.ndarray]]


def _lasso_path(z: np.ndarray, time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray, RiskScores]:
    """The LASSO's penalties and weights (genes x penalties) from its path on all training data
    (scikit-survival's coxnet), and the risk scores of each penalty for held-out rows from the
    path fitted on the other rows."""
    from sksurv.linear_model import CoxnetSurvivalAnalysis  # here: scikit-survival costs a second of start-up
    from sksurv.util import Surv

    y = Surv.from_arrays(event.astype(bool), time)
    full_path = CoxnetSurvivalAnalysis(l1_ratio=1.0, n_alphas=50, alpha_min_ratio=0.01).fit(z, y)
    penalties = full_path.alphas_

    def risk_scores(fit_rows: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
        path = CoxnetSurvivalAnalysis(l1_ratio=1.0, alphas=penalties).fit(z[fit_rows], y[fit_rows])
        held_out = z[rows]
        if not np.array_equal(path.alphas_, penalties):  # a path cut short: predict interpolates
            return [path.predict(held_out, alpha=penalty) for penalty in penalties]
        # Each penalty is the path's own, so predict's arithmetic is its column's product;
        # predict validated its input on every call: 7-8 ms a fold, against 0.12.
        return [np.dot(held_out, path.coef_[:, k]) - path.offset_[k] for k in range(len(penalties))]

    return penalties, full_path.coef_, risk_scores


def penalised_weights(
    z: np.ndarray, time: np.ndarray, event: np.ndarray, weighting: str, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Coefficients of a ridge or LASSO Cox model (see the module's docstring) at the penalty
    chosen by cross-validated Harrell's C, and that penalty."""
    folds = cross_validation_folds(len(time), rng)
    if weighting == "lasso_cox":
        penalties, path_weights, risk_scores = _lasso_path(z, time, event)
    else:
        penalties = RIDGE_PENALTIES

        def risk_scores(fit_rows: np.ndarray, rows: np.ndarray) -> list[np.ndarray]:
            """Each penalty's risk scores of ``rows`` from ridge models fitted on ``fit_rows``."""
            return list(ridge_path(time[fit_rows], event[fit_rows], z[fit_rows], penalties) @ z[rows].T)

    c = np.array([  # every penalty's held-out C in one call a fold
        harrell_c_columns(time[held_out], event[held_out], np.column_stack(risk_scores(fit_rows, held_out)))
        for fit_rows, held_out in folds
    ])
    mean_c = np.nanmean(c, axis=0)
    best = float(max(p for p, m in zip(penalties, mean_c, strict=True) if m == np.nanmax(mean_c)))
    if weighting == "lasso_cox":
        weights = path_weights[:, list(penalties).index(best)]
        if not np.any(weights):
            raise NotEstimable(f"not estimable: at the cross-validated penalty {best:.3g} the LASSO keeps no gene")
        return weights, best
    weights = ridge_path(time, event, z, np.array([best]))[0]
    if not np.isfinite(weights).all():
        raise NotEstimable(f"not estimable: the ridge model at the cross-validated penalty {best:.3g} has no finite estimate")
    return weights, best


def training_weights(
    z: pd.DataFrame, direction: np.ndarray, time: np.ndarray, event: np.ndarray, weighting: str,
    min_events_per_variable: float, rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """The weighting's gene weights learned in the training cohort, and its penalty (NaN for
    the unpenalised ones)."""
    if weighting in ("ridge_cox", "lasso_cox"):
        return penalised_weights(z.to_numpy(), time, event, weighting, rng)
    return _unpenalised_weights(z, direction, time, event, weighting, min_events_per_variable), np.nan


def _unpenalised_weights(
    z: pd.DataFrame, direction: np.ndarray, time: np.ndarray, event: np.ndarray, weighting: str,
    min_events_per_variable: float,
) -> np.ndarray:
    if weighting == "cox":
        return cox_columns(time, event, z.to_numpy()).beta
    if weighting == "multivariable_cox":
        epv = event.sum() / z.shape[1]
        if epv < min_events_per_variable:
            raise NotEstimable(
                f"refused: {epv:.1f} training events per gene < {min_events_per_variable:g} "
                "(the minimum events per variable set in the config)"
            )
        model = cox_model(time, event, z.to_numpy())
        if model.flag != FLAG_OK:
            raise NotEstimable("not estimable: the training model has no finite estimate (genes collinear or separating the events)")
        return model.coefficients
    values = z.to_numpy()
    _, _, vt = np.linalg.svd(values - values.mean(axis=0), full_matrices=False)
    loadings = vt[0]
    signed_mean = values @ direction / len(direction)
    return loadings if np.corrcoef(values @ loadings, signed_mean)[0, 1] >= 0 else -loadings


@dataclass(frozen=True)
class _Pair:
    """One signature and endpoint shared by a training and a test cohort: the genes measured
    in both (their rows in each cohort's coverage), the z-scores of those that vary in both
    over each cohort's samples with the endpoint, and the genes' directions."""

    signature: str
    endpoint: str
    train: str
    test: str
    a: Cohort
    b: Cohort
    in_a: pd.DataFrame
    in_b: pd.DataFrame
    shared: pd.Index
    out_a: pd.DataFrame
    out_b: pd.DataFrame
    z_a: pd.DataFrame
    z_b: pd.DataFrame
    usable: np.ndarray
    direction: np.ndarray


def _pairs(cohorts: Mapping[str, Cohort]) -> Iterator[_Pair]:
    """Every signature x ordered cohort pair x endpoint both cohorts record."""
    signatures = pd.unique(pd.concat([c.coverage["signature"] for c in cohorts.values()]))
    for signature in signatures:
        for train, test in permutations(cohorts, 2):
            a, b = cohorts[train], cohorts[test]
            in_a, in_b = measured_symbols(a.coverage, signature), measured_symbols(b.coverage, signature)
            shared = in_a.index.intersection(in_b.index)
            for endpoint in [e for e in endpoint_names(a.clinical) if e in endpoint_names(b.clinical)]:
                out_a, out_b = endpoint_data(a.clinical, endpoint), endpoint_data(b.clinical, endpoint)
                z_a = gene_zscores(a.matrix.loc[in_a.loc[shared, "matched_as"], out_a.index]).T
                z_b = gene_zscores(b.matrix.loc[in_b.loc[shared, "matched_as"], out_b.index]).T
                usable = z_a.notna().all().to_numpy() & z_b.notna().all().to_numpy()
                yield _Pair(
                    signature, endpoint, train, test, a, b, in_a, in_b, shared, out_a, out_b,
                    z_a.loc[:, usable], z_b.loc[:, usable], usable, in_a.loc[shared, "direction"].to_numpy()[usable],
                )


LockedWeights = tuple[pd.DataFrame, pd.DataFrame, np.ndarray, float]  # values summed in each cohort, weights, penalty


def _locked_weights(
    pair: _Pair, weighting: str, scale: str | None, min_events_per_variable: float, seed: int
) -> tuple[int, LockedWeights | str]:
    """The number of genes; and the values each cohort's score sums, the weights learned in
    the training cohort (or as published, on their scale) and the penalty, or why none can be
    learned."""
    values_a, values_b, genes = pair.z_a, pair.z_b, int(pair.usable.sum())
    if weighting == "published":  # the coefficients as published, on their scale
        kept = pair.shared if scale == "log2" else pair.shared[pair.usable]  # log2: every shared gene
        if scale == "log2":
            values_a = pair.a.matrix.loc[pair.in_a.loc[kept, "matched_as"], pair.out_a.index].T
            values_b = pair.b.matrix.loc[pair.in_b.loc[kept, "matched_as"], pair.out_b.index].T
        genes = len(kept)
    if not genes:
        return genes, f"not estimable: no gene of {pair.signature} varies in both cohorts"
    if weighting == "published":
        return genes, (values_a, values_b, pair.in_a.loc[kept, "weight"].to_numpy(), np.nan)
    try:
        w, penalty = training_weights(
            pair.z_a, pair.direction, pair.out_a["time"].to_numpy(), pair.out_a["event"].to_numpy(), weighting,
            min_events_per_variable, set_rng(seed, "locked", str(pair.signature), pair.endpoint, pair.train, weighting),
        )
    except NotEstimable as reason:
        return genes, str(reason)
    return genes, (values_a, values_b, w, penalty)


@dataclass
class _Collected:
    rows: list[dict[str, object]] = field(default_factory=list)
    auc_rows: list[dict[str, object]] = field(default_factory=list)
    at_risk: list[pd.DataFrame] = field(default_factory=list)
    scores: list[pd.DataFrame] = field(default_factory=list)


def _validate(pair: _Pair, key: dict[str, Any], weights: LockedWeights, auc_years: Sequence[float], out: _Collected) -> None:
    """The locked score in the test cohort: its Cox fit, C, split at the training median, and
    time-dependent AUCs, added to ``out``."""
    values_a, values_b, w, penalty = weights
    out_a, out_b = pair.out_a, pair.out_b
    train_score = pd.Series(values_a.to_numpy() @ w / np.abs(w).sum(), index=out_a.index)
    test_score = pd.Series(values_b.to_numpy() @ w / np.abs(w).sum(), index=out_b.index)
    trained = cox_per_sd(out_a["time"], out_a["event"], train_score)
    tested = cox_per_sd(out_b["time"], out_b["event"], test_score)
    if not np.isfinite(tested.log_hr):
        out.rows.append(key | {"status": f"not estimable: no finite Cox estimate in {pair.test}"})
        return
    low, high = tested.hr_ci()
    one_sided = tested.p_wald / 2 if tested.log_hr > 0 else 1 - tested.p_wald / 2
    threshold = float(train_score.median())
    above = (test_score > threshold).to_numpy()
    chisq, p_logrank, n_high, n_low = split_logrank(out_b["time"], out_b["event"], above)
    groups = pd.Series(np.where(above, "high", "low"), index=out_b.index)
    out.at_risk.append(numbers_at_risk(out_b["time"], out_b["event"], groups).assign(**key))
    out.scores.append(pd.DataFrame({
        "sample_id": out_b.index, "score": test_score.to_numpy(), "group": groups.to_numpy(),
    }).assign(**key))
    out.rows.append(key | {
        "status": "estimated", "penalty": penalty,
        "training_log_hr": trained.log_hr, "training_median_score": threshold,
        "n": tested.n, "events": tested.events,
        "hr": tested.hr, "hr_ci_low": low, "hr_ci_high": high, "log_hr": tested.log_hr,
        "se_log_hr": tested.se_log_hr, "p_wald": tested.p_wald,
        "p_one_sided_hr_above_1": one_sided,
        "c_index": harrell_c(out_b["time"], out_b["event"], test_score),
        "direction_replicated": bool(tested.log_hr > 0),
        "n_high": n_high, "n_low": n_low, "logrank_chisq": chisq, "logrank_p": p_logrank,
    })
    for years in auc_years:
        cases, controls, auc, status = time_dependent_auc(
            out_b["time"].to_numpy(), out_b["event"].to_numpy(), test_score.to_numpy(), 12 * years
        )
        out.auc_rows.append(key | {
            "years": years, "months": 12 * years, "cases": cases, "controls": controls, "auc": auc, "status": status,
        })


def locked_model_table(
    cohorts: Mapping[str, Cohort], *, auc_years: Sequence[float] = (1, 3, 5), min_events_per_variable: float = 10,
    seed: int = 0,
) -> LockedTables:
    """Every signature x shared endpoint x weighting x ordered cohort pair; for the estimated
    ones, the test cohort's time-dependent AUC at each of ``auc_years`` and the numbers at risk
    of its split at the training median score. The penalised models' folds are drawn from
    ``seed``."""
    out = _Collected()
    for pair in _pairs(cohorts):
        scale = published_scale(pair.a.coverage, pair.signature)
        for weighting in [*WEIGHTINGS, "published"] if scale else WEIGHTINGS:
            genes, weights = _locked_weights(pair, weighting, scale, min_events_per_variable, seed)
            key: dict[str, Any] = {
                "signature": pair.signature, "endpoint": pair.endpoint, "weights": weighting,
                "training_cohort": pair.train, "test_cohort": pair.test, "genes": genes,
            }
            if isinstance(weights, str):
                out.rows.append(key | {"status": weights})
            else:
                _validate(pair, key, weights, auc_years, out)
    at_risk_table = (
        pd.concat(out.at_risk, ignore_index=True)[LOCKED_AT_RISK_COLUMNS] if out.at_risk
        else pd.DataFrame(columns=LOCKED_AT_RISK_COLUMNS)
    )
    score_table = (
        pd.concat(out.scores, ignore_index=True)[LOCKED_SCORE_COLUMNS] if out.scores
        else pd.DataFrame(columns=LOCKED_SCORE_COLUMNS)
    )
    return LockedTables(
        pd.DataFrame(out.rows, columns=LOCKED_COLUMNS), pd.DataFrame(out.auc_rows, columns=LOCKED_AUC_COLUMNS),
        at_risk_table, score_table,
    )
