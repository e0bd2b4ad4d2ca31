"""The project's Cox engine (numpy): many covariate columns fitted at once, one multivariable
model, and survival 3.x's proportional-hazards test.

``cox_columns`` serves the random-signature null and genome-wide gene screens, where thousands of
one-covariate models share the same survival times; ``cox_model`` fits one model with several
covariates by the same Newton-Raphson, optionally with a ridge penalty, and
``proportional_hazards_test`` tests it.

Each column j gets its own coefficient by Newton-Raphson on Efron's approximation of the partial
likelihood for tied event times (R ``coxph``'s and lifelines' default), with step halving when
the log-likelihood falls, as ``coxph`` does.
Estimates agree with lifelines and R to well below 1e-6 (tests).

Columns are flagged instead of given a fake hazard ratio:
- ``constant``: no variance (no information about the hazard);
- ``not_converged``: the likelihood keeps rising as |beta| grows (monotone likelihood, e.g.
  perfect separation of events by the covariate): the estimate is infinite, reported as NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numba import get_num_threads, njit, prange

# exp and log are inlined into this module's cached kernels, and numba's cache checks only this
# file's stamp: a change to them must touch this file too, or old kernels keep the old arithmetic.
from hif_prognosis.compiled import compiled_threads, exp, log
from hif_prognosis.distributions import chi2_sf, normal_sf
from hif_prognosis.survival.kaplan_meier import product_limit

FLAG_OK, FLAG_CONSTANT, FLAG_NOT_CONVERGED = "ok", "constant", "not_converged"
# |beta| beyond which a covariate on the scale of its SD is taken as diverging (HR > e^25).
DIVERGENCE_BETA = 25.0
# The condition number from which an information matrix is taken as singular (no variance, no step).
SINGULAR_CONDITION = 1e12
# Columns fitted in lockstep: each row's and event's work is vectorised over them, and a pass
# keeps one row of them at a time, so the block need not shrink as the samples grow (at 10,000
# samples 256 fitted 1,024 columns a fifth faster than 64 or 128; 512 was no faster).
LOCKSTEP_BLOCK = 256


@dataclass(frozen=True)
class CoxColumns:
    """Per-column estimates; arrays of length m (number of columns). The p-values are computed
    when read: the random-signature null reads only the coefficients of millions of fits."""

    beta: np.ndarray
    se: np.ndarray
    loglik: np.ndarray
    loglik0: np.ndarray  # of the model without the column (at beta = 0, or with the adjustment alone)
    iterations: np.ndarray
    flag: np.ndarray  # FLAG_OK, FLAG_CONSTANT or FLAG_NOT_CONVERGED

    @property
    def p_wald(self) -> np.ndarray:
        """Two-sided Wald p of each column's coefficient."""
        ok = self.flag == FLAG_OK
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(ok, 2 * normal_sf(np.abs(self.beta / self.se)), np.nan)

    @property
    def p_lrt(self) -> np.ndarray:
        """Likelihood-ratio p of each column against the model without it (1 df)."""
        ok = self.flag == FLAG_OK
        return np.where(ok, chi2_sf(np.maximum(2 * (self.loglik - self.loglik0), 0.0), 1), np.nan)


class _EventStructure:
    """Sorting and tie structure of the survival data, shared by every column."""

    def __init__(self, time: np.ndarray, event: np.ndarray) -> None:
        order = np.lexsort((-event, -time))  # time descending; events first within a time
        self.order = order
        sorted_time, sorted_event = time[order], event[order].astype(bool)
        # Risk set of an event time t: everyone with time >= t = a prefix of the sorted data.
        _, first = np.unique(-sorted_time, return_index=True)
        last = np.append(first[1:], len(sorted_time)) - 1
        event_counts = np.add.reduceat(sorted_event.astype(int), first)
        has_events = event_counts > 0
        self.risk_end = last[has_events]
        self.ties = event_counts[has_events]
        # Events are the first rows of their time group: rows [start, start + ties).
        self.event_rows = np.flatnonzero(sorted_event)
        self.event_group_start = np.concatenate([[0], np.cumsum(self.ties)[:-1]])
        self.tied = np.flatnonzero(self.ties > 1)  # event times with tied events
        self.n_events = int(sorted_event.sum())


def cox_columns(
    time: np.ndarray,
    event: np.ndarray,
    covariates: np.ndarray,
    adjust: np.ndarray | None = None,
    *,
    max_iterations: int = 50,
    tolerance: float = 1e-12,
    threads: int = 1,
    chunk_columns: int = 4096,
) -> CoxColumns:
    """Fit ``h(t) = h0(t) exp(beta_j x_j + gamma_j' z)`` for every column j of ``covariates``
    (n x m), where ``adjust`` (n x q, optional) holds adjustment covariates z shared by every
    column's model (each column gets its own gamma). Reported: beta_j, its SE, Wald p, and the
    likelihood-ratio p against the model with z alone.

    ``time``, ``event`` (1/0) and the covariates must have no missing values. Columns are
    centred internally (beta is unchanged by centring). Columns are fitted in chunks of
    ``chunk_columns`` (memory-sized), each by the compiled Newton-Raphson on ``threads`` threads
    (the estimates do not depend on the number).
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=float)
    x = np.asarray(covariates, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    z = np.empty((len(time), 0)) if adjust is None else np.asarray(adjust, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    if not all(np.isfinite(a).all() for a in (time, event, x, z)):
        raise ValueError("cox_columns needs complete data: drop missing values first")
    structure = _EventStructure(time, event)
    x, z = x[structure.order], z[structure.order] - z.mean(axis=0)
    if z.shape[1]:
        reduced = _newton(structure, z[None], max_iterations, tolerance)
        if reduced.flag[0] != FLAG_OK:
            raise ValueError("the adjustment covariates alone give no finite Cox fit")
        loglik_reduced = float(reduced.loglik[0])
    else:
        loglik_reduced = None
    chunks = [x[:, start:start + chunk_columns] for start in range(0, x.shape[1], chunk_columns)]

    def fit(chunk: np.ndarray) -> CoxColumns:
        return _fit_columns(structure, chunk, z, loglik_reduced, max_iterations, tolerance)

    with compiled_threads(threads):
        results = [fit(chunk) for chunk in chunks]
    return CoxColumns(
        *(np.concatenate([getattr(r, f.name) for r in results]) for f in fields(CoxColumns))
    )


def _fit_columns(
    structure: _EventStructure,
    x: np.ndarray,
    z: np.ndarray,
    loglik_reduced: float | None,
    max_iterations: int,
    tolerance: float,
) -> CoxColumns:
    """Column j's model: x_j (centred) plus the shared covariates z; rows in sorted order. ``x``
    is cox_columns' own copy, centred in place."""
    x -= x.mean(axis=0)
    if z.shape[1]:  # what is left of x_j once z is accounted for: x_j minus its projection on z
        basis = np.linalg.qr(z)[0]
        residual = x - basis @ (basis.T @ x)
    else:
        residual = x
    constant = np.ptp(residual, axis=0) <= 1e-10 * np.maximum(np.ptp(x, axis=0), 1e-300)
    x[:, constant] = 0.0
    fit = _newton_shared(structure, x, z, max_iterations, tolerance, skip=constant)
    flag = np.where(constant, FLAG_CONSTANT, fit.flag)
    ok = flag == FLAG_OK
    beta = np.where(ok, fit.beta, np.nan)
    se = np.where(ok, fit.se, np.nan)
    loglik0 = fit.loglik0 if loglik_reduced is None else np.full(len(beta), loglik_reduced)
    return CoxColumns(beta, se, fit.loglik, loglik0, fit.iterations, flag)


@dataclass(frozen=True)
class _NewtonFit:
    beta: np.ndarray  # first coefficient of each column's model
    se: np.ndarray
    loglik: np.ndarray
    loglik0: np.ndarray  # at beta = 0
    iterations: np.ndarray
    flag: np.ndarray
    coefficients: np.ndarray  # m x p: every coefficient of each column's model
    information: np.ndarray  # m x p x p, at the estimate


def _newton(
    structure: _EventStructure,
    design: np.ndarray,
    max_iterations: int,
    tolerance: float,
    skip: np.ndarray | None = None,
    ridge: float = 0.0,
) -> _NewtonFit:
    """Newton-Raphson for every column's model (design m x n x p, rows sorted), with step
    halving where the likelihood fell (coxph's safeguard), compiled (newton_columns), of the
    likelihood less ``ridge``/2 |beta|^2. Columns in ``skip`` are not fitted."""
    m = design.shape[0]
    skip = np.zeros(m, dtype=bool) if skip is None else skip
    fitted = newton_columns(
        np.ascontiguousarray(design), structure.risk_end, structure.ties, structure.event_rows,
        structure.event_group_start, skip, max_iterations, tolerance, DIVERGENCE_BETA, 8 * get_num_threads(), ridge,
        np.zeros(design.shape[::2]),
    )
    return _newton_fit(structure, skip, *fitted)


def _newton_shared(
    structure: _EventStructure, x: np.ndarray, z: np.ndarray, max_iterations: int, tolerance: float, skip: np.ndarray
) -> _NewtonFit:
    """What ``_newton`` gives for the models (x_j, z) of every column j of ``x`` (n x m, rows
    sorted) with the covariates ``z`` (n x q) shared, to the bit, by Newton-Raphson in lockstep
    across blocks of columns (newton_lockstep)."""
    fitted = newton_lockstep(
        np.ascontiguousarray(x), np.ascontiguousarray(z), structure.risk_end, structure.ties, structure.event_rows,
        structure.event_group_start, skip, max_iterations, tolerance, DIVERGENCE_BETA, LOCKSTEP_BLOCK,
    )
    return _newton_fit(structure, skip, *fitted)


def _newton_fit(
    structure: _EventStructure, skip: np.ndarray, beta: np.ndarray, loglik: np.ndarray, loglik0: np.ndarray,
    iterations: np.ndarray, converged: np.ndarray, information: np.ndarray, scale: np.ndarray,
) -> _NewtonFit:
    """The Newton-Raphson kernels' output, with each column's variance and flag."""
    m = len(beta)
    fitted = ~skip
    variance = np.full(m, np.nan)
    variance[fitted] = _inverse_first(information[fitted])
    diverged = fitted & (
        _unsettled(beta, converged, scale)
        | ~(variance > 0)
        | ~(1 / variance > 1e-10 * max(structure.n_events, 1))
    )
    flag = np.where(diverged, FLAG_NOT_CONVERGED, FLAG_OK)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(variance)
    return _NewtonFit(beta[:, 0], se, loglik, loglik0, iterations, flag, beta, information)


def _unsettled(beta: np.ndarray, converged: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Per column: the Newton-Raphson did not converge, or a coefficient times its covariate's SD
    passed DIVERGENCE_BETA (the likelihood has no finite maximum)."""
    return ~converged | (np.abs(beta) * scale > DIVERGENCE_BETA).any(axis=1)


def _inverse_first(information: np.ndarray) -> np.ndarray:
    """[information^-1]_00 per column (the variance of the first coefficient); NaN if singular."""
    if information.shape[1] == 1:
        with np.errstate(divide="ignore"):
            return 1.0 / information[:, 0, 0]
    out = np.full(len(information), np.nan)
    regular = _condition_below(information, SINGULAR_CONDITION)
    out[regular] = np.linalg.inv(information[regular])[:, 0, 0]
    return out


def _condition_below(matrices: np.ndarray, limit: float) -> np.ndarray:
    """Whether each matrix's 2-norm condition number (numpy's ``cond``) is below ``limit``, as
    ``cond`` decides it. A 2 x 2 matrix's singular values in closed form decide where they put it
    a factor 10 or more from the limit, which their rounding cannot reach; ``cond`` (an SVD per
    matrix, a tenth of a null's Cox fits) decides the rest, and larger matrices."""
    if matrices.shape[1:] != (2, 2):
        return np.linalg.cond(matrices) < limit
    a, b, c, d = matrices[:, 0, 0], matrices[:, 0, 1], matrices[:, 1, 0], matrices[:, 1, 1]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        squares, determinant = a * a + b * b + c * c + d * d, np.abs(a * d - b * c)
        largest = (squares + np.sqrt(np.maximum(squares * squares - 4 * determinant * determinant, 0))) / 2
        condition = largest / determinant  # the largest singular value squared over their product
    below = condition < limit
    near = ~((condition < limit / 10) | (condition > limit * 10))
    below[near] = np.linalg.cond(matrices[near]) < limit
    return below


@dataclass(frozen=True)
class CoxModel:
    """One multivariable Cox model (Efron ties): every coefficient and their covariance."""

    coefficients: np.ndarray  # p
    variance: np.ndarray  # p x p, the inverse information at the estimate
    loglik: float
    loglik0: float  # at coefficients 0
    flag: str  # FLAG_OK or FLAG_NOT_CONVERGED

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.variance))

    @property
    def p_wald(self) -> np.ndarray:
        """Two-sided Wald p of each coefficient."""
        return 2 * normal_sf(np.abs(self.coefficients / self.se))


def _sorted_design(time: np.ndarray, event: np.ndarray, design: np.ndarray, caller: str) -> tuple[_EventStructure, np.ndarray]:
    """The event structure of one model's data and its n x p design, rows sorted as the kernels
    want, each covariate centred; missing values refused, naming ``caller``."""
    time, event, x = (np.asarray(a, dtype=float) for a in (time, event, design))
    x = x.reshape(len(time), -1)
    if not all(np.isfinite(a).all() for a in (time, event, x)):
        raise ValueError(f"{caller} needs complete data: drop missing values first")
    structure = _EventStructure(time, event)
    return structure, x[structure.order] - x.mean(axis=0)


def cox_model(
    time: np.ndarray, event: np.ndarray, design: np.ndarray, *, max_iterations: int = 50, tolerance: float = 1e-12,
    ridge: float = 0.0,
) -> CoxModel:
    """Fit ``h(t) = h0(t) exp(beta' x)`` for the n x p ``design`` by the same Newton-Raphson as
    every column of ``cox_columns`` (R ``coxph(ties = "efron")``). A model whose likelihood
    has no finite maximum, or whose information is singular, is flagged, with NaN estimates.

    ``ridge`` > 0 maximises the log partial likelihood less ``ridge``/2 |beta|^2 instead
    (scikit-survival's ``CoxPHSurvivalAnalysis(alpha=ridge, ties="efron")``; R's
    ``coxph(Surv(time, event) ~ ridge(x, theta = ridge, scale = FALSE))``); ``loglik`` and
    ``variance`` are then the penalised likelihood and the inverse of its information."""
    structure, x = _sorted_design(time, event, design, "cox_model")
    fit = _newton(structure, x[None], max_iterations, tolerance, ridge=ridge)
    information = fit.information[0]
    p = x.shape[1]
    if fit.flag[0] != FLAG_OK or np.linalg.cond(information) >= SINGULAR_CONDITION:
        return CoxModel(np.full(p, np.nan), np.full((p, p), np.nan), np.nan, float(fit.loglik0[0]), FLAG_NOT_CONVERGED)
    return CoxModel(
        fit.coefficients[0], np.linalg.inv(information), float(fit.loglik[0]), float(fit.loglik0[0]), FLAG_OK
    )


def ridge_path(
    time: np.ndarray, event: np.ndarray, design: np.ndarray, penalties: np.ndarray, *, max_iterations: int = 50,
    tolerance: float = 1e-12,
) -> np.ndarray:
    """Coefficients (penalties x p) of the ridge Cox models of the n x p ``design`` at each
    penalty (cox_model's ``ridge``), fitted from the strongest penalty to the weakest, each
    starting from the estimate of the one before (warm starts: a few steps each, where a
    start from zero takes many at weak penalties). A penalty whose fit does not converge gets
    NaN and the next starts from the last estimate that did. No variance: cross-validation
    needs only the coefficients. With more covariates than patients (a signature's genes in a
    training cohort) the same Newton iterates are taken in the patients' dimension
    (_ridge_in_patients): equal to cox_model's fits to 1e-8 and scikit-survival's to 1e-9 (tested),
    in a fraction of the work."""
    structure, x = _sorted_design(time, event, design, "ridge_path")
    if x.shape[1] > x.shape[0]:
        return _ridge_in_patients(structure, x, np.asarray(penalties, dtype=float), max_iterations, tolerance)
    x = np.ascontiguousarray(x[None])
    coefficients = np.full((len(penalties), x.shape[2]), np.nan)
    start = np.zeros((1, x.shape[2]))
    for k in np.argsort(-np.asarray(penalties), kind="stable"):
        beta, _, _, _, converged, _, scale = newton_columns(
            x, structure.risk_end, structure.ties, structure.event_rows, structure.event_group_start,
            np.zeros(1, dtype=bool), max_iterations, tolerance, DIVERGENCE_BETA, 1, float(penalties[k]), start,
        )
        if np.isfinite(beta).all() and not _unsettled(beta, converged, scale)[0]:
            coefficients[k], start = beta[0], beta
    return coefficients


def _ridge_in_patients(
    structure: _EventStructure, x: np.ndarray, penalties: np.ndarray, max_iterations: int, tolerance: float
) -> np.ndarray:
    """ridge_path of a sorted, centred n x p design with p > n. The ridge estimate lies in the
    span of the patients' rows (beta = x'a: the penalised score x'g - ridge beta vanishes
    there), and so does every Newton step from such a start: the covariates' step
    (x'Hx + ridge I)^-1 (x'g - ridge x'a) is x' (Hxx' + ridge I)^-1 (g - ridge a), with g and H
    the likelihood's gradient and negative Hessian in the linear predictor. Each step solves
    an n x n system instead of p x p, and the information's O(n p^2) is gone; the iterates,
    step halving and stopping rules are newton_columns', read on beta = x'a."""
    x = np.ascontiguousarray(x)
    scale = np.empty((1, x.shape[1]))
    _population_sds(x[None], 0, scale[0])
    gram = x @ x.T
    coefficients = np.full((len(penalties), x.shape[1]), np.nan)
    start = np.zeros(x.shape[0])
    for k in np.argsort(-penalties, kind="stable"):
        dual, beta, converged = _ridge_newton_in_patients(
            x, gram, structure.risk_end, structure.ties, structure.event_rows, structure.event_group_start,
            penalties[k], start, max_iterations, tolerance, DIVERGENCE_BETA, scale[0],
        )
        if np.isfinite(beta).all() and not _unsettled(beta[None], np.array([converged]), scale)[0]:
            coefficients[k], start = beta, dual
    return coefficients


@njit(cache=True)
def _ridge_newton_in_patients(
    x: np.ndarray, gram: np.ndarray, risk_end: np.ndarray, ties: np.ndarray, event_rows: np.ndarray,
    event_start: np.ndarray, ridge: float, start: np.ndarray, max_iterations: int, tolerance: float,
    divergence: float, scale: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """newton_columns' ridge iterates for beta = x'a, taken in a (see _ridge_in_patients): the
    final a, beta, and whether it converged (or diverged, as newton_columns counts it)."""
    n = x.shape[0]
    gradient, hessian = np.empty(n), np.empty((n, n))
    trial_gradient, trial_hessian = np.empty(n), np.empty((n, n))
    dual = start.copy()
    beta = x.T @ dual
    current = _efron_in_predictor(x @ beta, risk_end, ties, event_rows, event_start, gradient, hessian)
    current -= ridge / 2 * (beta @ beta)
    iterations, converged = 0, False
    while not converged and iterations < max_iterations:
        system = hessian @ gram
        for i in range(n):
            system[i, i] += ridge
        candidate = dual + np.linalg.solve(system, gradient - ridge * dual)
        for halvings in range(31):
            trial = x.T @ candidate
            new = _efron_in_predictor(x @ trial, risk_end, ties, event_rows, event_start, trial_gradient, trial_hessian)
            new -= ridge / 2 * (trial @ trial)
            if _taken(new, current) or halvings == 30:
                break
            candidate = (dual + candidate) / 2
        converged = _settled(new, current, trial, beta, scale, tolerance, divergence)
        dual, beta, current = candidate, trial, new
        gradient, trial_gradient = trial_gradient, gradient
        hessian, trial_hessian = trial_hessian, hessian
        iterations += 1
    return dual, beta, converged


@njit(cache=True, error_model="numpy")
def _efron_in_predictor(
    eta: np.ndarray, risk_end: np.ndarray, ties: np.ndarray, event_rows: np.ndarray, event_start: np.ndarray,
    gradient: np.ndarray, hessian: np.ndarray,
) -> float:
    """Efron's log partial likelihood of the linear predictor ``eta`` (rows sorted as
    efron_column wants), its gradient and its negative Hessian in eta (into ``gradient`` and
    ``hessian``): per tied event's step, a risk set whose tied events weigh (1 - step/ties)."""
    n = len(eta)
    w, weighted = np.empty(n), np.empty(n)
    for i in range(n):
        w[i] = exp(eta[i])
    gradient[:] = 0.0
    hessian[:, :] = 0.0
    loglik, total, row = 0.0, 0.0, 0
    for k in range(len(risk_end)):
        while row <= risk_end[k]:
            total += w[row]
            row += 1
        d, tied = ties[k], 0.0
        for e in range(event_start[k], event_start[k] + d):
            tied += w[event_rows[e]]
            loglik += eta[event_rows[e]]
            gradient[event_rows[e]] += 1.0
        for step in range(d):
            fraction = step / d
            a0 = total - fraction * tied
            loglik -= log(a0)
            weighted[:row] = w[:row] / a0
            for e in range(event_start[k], event_start[k] + d):
                weighted[event_rows[e]] *= 1.0 - fraction
            for i in range(row):
                gradient[i] -= weighted[i]
                hessian[i, i] += weighted[i]
                for j in range(row):
                    hessian[i, j] -= weighted[i] * weighted[j]
    return loglik


@dataclass(frozen=True)
class ProportionalHazardsTest:
    """Score tests of beta_j(t) = beta_j + gamma_j g(t): per covariate (1 df) and global (p df)."""

    chisq: np.ndarray  # p
    p: np.ndarray  # p
    global_chisq: float
    global_p: float


def proportional_hazards_test(
    time: np.ndarray, event: np.ndarray, design: np.ndarray, coefficients: np.ndarray
) -> ProportionalHazardsTest:
    """R survival 3.x ``cox.zph(fit, transform = "km", terms = FALSE)`` for a fit of ``design``
    with estimate ``coefficients`` (survival's noweb/zph.Rnw and zph1.c).

    Each covariate x_j gains a partner g(t) x_j, with g(t) = 1 - S(t-) the left-continuous
    Kaplan-Meier estimate of the event distribution, centred on its mean over the events. The
    score U and information H of the expanded model are computed at (beta-hat, 0), with Efron's
    ties; since beta-hat's own score is 0, the test of covariate j is U' H^-1 U over the
    coefficients (beta, gamma_j), and the global test uses every gamma. This is an exact score
    test, not the Grambsch-Therneau approximation of survival < 3.0 (and lifelines), which
    assumes the covariates' variance constant over time."""
    time, event, x = (np.asarray(a, dtype=float) for a in (time, event, design))
    x = x.reshape(len(time), -1)
    beta = np.asarray(coefficients, dtype=float)
    p = len(beta)
    transform = 1 - product_limit(time, event, time, left_limit=True)
    transform = transform - transform[event == 1].mean()
    structure = _EventStructure(time, event)
    sorted_design = np.ascontiguousarray((x[structure.order] - x.mean(axis=0))[None, :, :])
    at_event_times = transform[structure.order][structure.event_rows[structure.event_group_start]]

    def score_and_information(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        score, information = np.empty(p), np.empty((p, p))
        efron_column(
            sorted_design, 0, beta, structure.risk_end, structure.ties, structure.event_rows,
            structure.event_group_start, weights, score, information, np.empty(4 * p + 2 * p * p),
        )
        return score, information

    _, information = score_and_information(np.ones(len(structure.ties)))
    score_g, information_g = score_and_information(at_event_times)
    _, information_gg = score_and_information(at_event_times**2)
    u = np.concatenate([np.zeros(p), score_g])
    h = np.block([[information, information_g], [information_g.T, information_gg]])
    chisq = np.empty(p)
    for j in range(p):
        keep = np.r_[np.arange(p), p + j]
        chisq[j] = u[keep] @ np.linalg.solve(h[np.ix_(keep, keep)], u[keep])
    global_chisq = float(u @ np.linalg.solve(h, u))
    return ProportionalHazardsTest(chisq, chi2_sf(chisq, 1), global_chisq, float(chi2_sf(global_chisq, p)))


# Compiled kernels: Efron's partial likelihood and the Newton-Raphson steps.


@njit(cache=True, inline="always")
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """a . b as a plain loop (numba's np.dot calls BLAS, costly for a handful of values)."""
    total = 0.0
    for i in range(len(a)):
        total += a[i] * b[i]
    return total


@njit(cache=True)
def efron_column(
    design: np.ndarray, j: int, beta: np.ndarray, risk_end: np.ndarray, ties: np.ndarray,
    event_rows: np.ndarray, event_start: np.ndarray, time_weights: np.ndarray,
    score: np.ndarray, information: np.ndarray, scratch: np.ndarray,
) -> float:
    """Efron's log partial likelihood of column j's model at ``beta``; its score and information
    are written into ``score`` (p) and ``information`` (p x p). ``design`` is m x n x p with rows
    sorted by time descending, events first within a time; event time k's risk set is rows
    0..risk_end[k], its ties[k] events rows event_rows[event_start[k]:][:ties[k]]. Each event
    time's terms are weighted by time_weights[k] (ones for the likelihood itself). ``scratch``
    is working space of 4 p + 2 p^2 values (no allocation here: the kernel runs per column)."""
    p = design.shape[2]
    x = design[j]  # n x p, contiguous
    loglik = 0.0
    score[:] = 0.0
    information[:] = 0.0
    s1, e1, total, mean = scratch[:p], scratch[p:2 * p], scratch[2 * p:3 * p], scratch[3 * p:4 * p]
    s2 = scratch[4 * p:4 * p + p * p].reshape(p, p)
    e2 = scratch[4 * p + p * p:4 * p + 2 * p * p].reshape(p, p)
    s0 = 0.0
    s1[:] = 0.0
    s2[:] = 0.0
    row = 0
    for k in range(len(risk_end)):
        while row <= risk_end[k]:
            w = exp(_dot(x[row], beta))
            s0 += w
            for a in range(p):
                s1[a] += w * x[row, a]
                for b in range(p):
                    s2[a, b] += w * x[row, a] * x[row, b]
            row += 1
        g, d = time_weights[k], ties[k]
        e0 = 0.0
        e1[:] = 0.0
        e2[:] = 0.0
        total[:] = 0.0
        for i in range(event_start[k], event_start[k] + d):
            r = event_rows[i]
            w = exp(_dot(x[r], beta))
            e0 += w
            for a in range(p):
                total[a] += x[r, a]
                e1[a] += w * x[r, a]
                for b in range(p):
                    e2[a, b] += w * x[r, a] * x[r, b]
        loglik += g * _dot(total, beta)
        for a in range(p):
            score[a] += g * total[a]
        for step in range(d):
            fraction = step / d
            a0 = s0 - fraction * e0
            loglik -= g * log(a0)
            for a in range(p):
                mean[a] = (s1[a] - fraction * e1[a]) / a0
                score[a] -= g * mean[a]
            for a in range(p):
                for b in range(p):
                    information[a, b] += g * ((s2[a, b] - fraction * e2[a, b]) / a0 - mean[a] * mean[b])
    return loglik


@njit(cache=True)
def _symmetric_eigen(matrix: np.ndarray, values: np.ndarray, vectors: np.ndarray, a: np.ndarray) -> None:
    """Eigenvalues (into ``values``) and eigenvectors (columns of ``vectors``) of a small
    symmetric matrix by cyclic Jacobi rotations (accurate to rounding; no LAPACK, so compiled
    code that uses it can be cached). ``a`` is working space of the matrix's shape."""
    p = len(values)
    a[:] = matrix
    vectors[:] = 0.0
    for i in range(p):
        vectors[i, i] = 1.0
    for _ in range(100):
        off = 0.0
        for i in range(p):
            for k in range(i + 1, p):
                off += a[i, k] * a[i, k]
        if off <= 1e-300 or off <= (1e-17 * np.abs(a).max()) ** 2:
            break
        for i in range(p - 1):
            for k in range(i + 1, p):
                if a[i, k] == 0.0:
                    continue
                theta = (a[k, k] - a[i, i]) / (2.0 * a[i, k])
                t = np.sign(theta) / (abs(theta) + np.sqrt(theta * theta + 1.0)) if theta != 0.0 else 1.0
                c = 1.0 / np.sqrt(t * t + 1.0)
                sn = t * c
                for r in range(p):  # columns i and k of a, then rows
                    ari, ark = a[r, i], a[r, k]
                    a[r, i], a[r, k] = c * ari - sn * ark, sn * ari + c * ark
                for r in range(p):
                    air, akr = a[i, r], a[k, r]
                    a[i, r], a[k, r] = c * air - sn * akr, sn * air + c * akr
                for r in range(p):
                    vri, vrk = vectors[r, i], vectors[r, k]
                    vectors[r, i], vectors[r, k] = c * vri - sn * vrk, sn * vri + c * vrk
    for i in range(p):
        values[i] = a[i, i]


@njit(cache=True)
def _newton_step(information: np.ndarray, score: np.ndarray, step: np.ndarray, work: np.ndarray) -> None:
    """information^-1 score into ``step``; zero where the information is singular: its
    condition number (largest / smallest absolute eigenvalue, as numpy's 2-norm ``cond`` of a
    symmetric matrix) is SINGULAR_CONDITION or more, or, in one dimension, it is not positive. ``work``:
    (2 p + 1) x p values of working space."""
    p = len(score)
    if p == 1:
        step[0] = score[0] / information[0, 0] if information[0, 0] > 0 else 0.0
        return
    vectors, a, values = work[:p], work[p:2 * p], work[2 * p]
    _symmetric_eigen(information, values, vectors, a)
    size = np.abs(values)
    if not size.min() * SINGULAR_CONDITION > size.max():
        step[:] = 0.0
        return
    step[:] = 0.0
    for k in range(p):
        projection = 0.0
        for r in range(p):
            projection += vectors[r, k] * score[r]
        for r in range(p):
            step[r] += vectors[r, k] * projection / values[k]


@njit(cache=True)
def _cholesky_step(information: np.ndarray, score: np.ndarray, step: np.ndarray, lower: np.ndarray) -> None:
    """information^-1 score into ``step`` by Cholesky factorisation (``lower``: p x p working
    space), for a penalised information, positive definite by construction (O(p^3 / 3): a ridge
    model of hundreds of genes, where the eigen-decomposition of _newton_step would take
    seconds a step); zero if it is not positive definite after all."""
    p = len(score)
    for i in range(p):
        for k in range(i + 1):
            total = information[i, k]
            for r in range(k):
                total -= lower[i, r] * lower[k, r]
            if i == k:
                if not total > 0:
                    step[:] = 0.0
                    return
                lower[i, i] = np.sqrt(total)
            else:
                lower[i, k] = total / lower[k, k]
    for i in range(p):  # forward: L y = score
        total = score[i]
        for r in range(i):
            total -= lower[i, r] * step[r]
        step[i] = total / lower[i, i]
    for i in range(p - 1, -1, -1):  # back: L' step = y
        total = step[i]
        for r in range(i + 1, p):
            total -= lower[r, i] * step[r]
        step[i] = total / lower[i, i]


@njit(cache=True, inline="always")
def _population_sds(design: np.ndarray, j: int, out: np.ndarray) -> None:
    """Each covariate's population SD in column ``j``'s model."""
    for a in range(design.shape[2]):
        _sd(design[j, :, a], out, a)


@njit(cache=True, inline="always")
def _halve(old: np.ndarray, candidate: np.ndarray) -> None:
    """The candidate step halved towards ``old``, in place."""
    for a in range(len(old)):
        candidate[a] = (old[a] + candidate[a]) / 2


@njit(cache=True, inline="always")
def _penalised(
    loglik: float, beta: np.ndarray, ridge: float, score: np.ndarray, information: np.ndarray
) -> float:
    """The log-likelihood less ridge/2 |beta|^2, its score and information penalised in place
    (untouched, to the bit, without a penalty)."""
    if ridge == 0.0:
        return loglik
    for a in range(len(beta)):
        loglik -= ridge / 2 * beta[a] * beta[a]
        score[a] -= ridge * beta[a]
        information[a, a] += ridge
    return loglik


@njit(cache=True, parallel=True)
def newton_columns(
    design: np.ndarray, risk_end: np.ndarray, ties: np.ndarray, event_rows: np.ndarray, event_start: np.ndarray,
    skip: np.ndarray, max_iterations: int, tolerance: float, divergence: float, n_chunks: int, ridge: float,
    start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newton-Raphson on Efron's likelihood for every column's model (design m x n x p, sorted
    as efron_column wants), with step halving where the likelihood fell, as R coxph does. A
    column stops when the likelihood's relative change is below ``tolerance`` and no
    coefficient moved by more than 1e-8 (relative), or when a coefficient times its covariate's
    SD (population SD, m x p) exceeds ``divergence``. Columns in ``skip`` are not fitted. The
    likelihood maximised is Efron's less ``ridge``/2 |beta|^2.
    Returns coefficients (m x p), log-likelihood, at beta = 0, iterations, converged, the
    information (m x p x p) at the estimate, and the covariates' SDs."""
    m, p = design.shape[0], design.shape[2]
    beta = np.zeros((m, p))
    loglik, loglik0 = np.empty(m), np.empty(m)
    iterations = np.zeros(m, dtype=np.int64)
    converged = skip.copy()
    information, scale = np.empty((m, p, p)), np.empty((m, p))
    ones = np.ones(len(risk_end))
    bounds = np.linspace(0, m, n_chunks + 1).astype(np.int64)
    for chunk in prange(n_chunks):  # working space once per chunk, not per column
        # One column at a time through newton_lockstep's steps (_propose, _advance): a block of one.
        pending, halvings = np.zeros(1, dtype=np.int64), np.empty(1, dtype=np.int64)
        old, candidate, score, new_score = np.empty((1, p)), np.empty((1, p)), np.empty((1, p)), np.empty((1, p))
        new_information, new, current = np.empty((1, p, p)), np.empty(1), np.empty(1)
        scratch, step, work = np.empty(4 * p + 2 * p * p), np.empty(p), np.empty((2 * p + 1, p))
        for j in range(bounds[chunk], bounds[chunk + 1]):
            _population_sds(design, j, scale[j])
            old[0], candidate[0], halvings[0] = start[j], start[j], -1
            current[0] = _penalised(efron_column(design, j, old[0], risk_end, ties, event_rows, event_start, ones,
                                                 score[0], information[j], scratch), old[0], ridge, score[0],
                                    information[j])
            loglik0[j] = current[0]
            count = _propose(pending, 1, j, converged, iterations, max_iterations, information, score, old,
                             candidate, halvings, step, work, ridge)
            while count:
                new[0] = _penalised(efron_column(design, j, candidate[0], risk_end, ties, event_rows, event_start,
                                                 ones, new_score[0], new_information[0], scratch), candidate[0],
                                    ridge, new_score[0], new_information[0])
                _advance(pending, 1, j, new, new_score, new_information, current, old, candidate, score, halvings,
                         information, iterations, converged, scale, tolerance, divergence)
                count = _propose(pending, 1, j, converged, iterations, max_iterations, information, score, old,
                                 candidate, halvings, step, work, ridge)
            beta[j] = old[0]
            loglik[j] = current[0]
    return beta, loglik, loglik0, iterations, converged, information, scale


@njit(cache=True, error_model="numpy")  # no Python division checks: they would keep the loops scalar
def _efron_block(
    x: np.ndarray, z: np.ndarray, lo: int, pending: np.ndarray, c: int, beta: np.ndarray, risk_end: np.ndarray,
    ties: np.ndarray, event_rows: np.ndarray, event_start: np.ndarray, loglik: np.ndarray, score: np.ndarray,
    information: np.ndarray, at_zero: bool,
) -> None:
    """efron_column for the models (x_j, z) of the block's first ``c`` pending columns (column
    j = lo + pending[t], at coefficients beta[pending[t]]; results in row t), with rows outermost
    and columns innermost, so that one pass over the data serves every column in loops the
    compiler vectorises. Each column's operations are efron_column's, in its order (the results
    are equal to the bit). A row's values and weight are formed as the pass reaches it and
    added to the risk sums, and to the event sums if it is one of the time's events (the first
    rows of its time group): the pass holds one row's values, not the block's (which at 10,000
    samples left the cache); at coefficients all zero (``at_zero``) the weights are 1."""
    p = z.shape[1] + 1
    values, coefficients = np.empty((p, c)), np.empty((p, c))
    for t in range(c):
        coefficients[:, t] = beta[pending[t]]
    w, eta = np.ones(c), np.empty(c)
    risk, events = np.zeros((1 + p + p * p, c)), np.empty((1 + 2 * p + p * p, c))
    total, mean, a0 = np.zeros(c), np.empty((p, c)), np.empty(c)
    ll, sc, inf = np.zeros(c), np.zeros((p, c)), np.zeros((p, p, c))
    row = 0
    for k in range(len(risk_end)):
        events[:] = 0.0
        d = ties[k]
        first_event = event_rows[event_start[k]]  # the time's events are rows first_event .. + d - 1
        while row <= risk_end[k]:
            for t in range(c):
                values[0, t] = x[row, lo + pending[t]]
            for a in range(1, p):
                values[a, :] = z[row, a - 1]
            if not at_zero:
                eta[:] = 0.0
                for a in range(p):
                    for t in range(c):
                        eta[t] += values[a, t] * coefficients[a, t]
                for t in range(c):
                    w[t] = exp(eta[t])
            _accumulate(risk, values, w, p, c)
            if row - first_event < d and row >= first_event:
                for a in range(p):
                    for t in range(c):
                        events[1 + p + p * p + a, t] += values[a, t]
                _accumulate(events, values, w, p, c)
            row += 1
        total[:] = 0.0
        for a in range(p):
            for t in range(c):
                total[t] += events[1 + p + p * p + a, t] * coefficients[a, t]
        for t in range(c):
            ll[t] += 1.0 * total[t]
        for a in range(p):
            for t in range(c):
                sc[a, t] += 1.0 * events[1 + p + p * p + a, t]
        for step in range(d):
            _tied_event(risk, events, step / d, p, c, a0, mean, ll, sc, inf)
    for t in range(c):
        loglik[t] = ll[t]
        score[t] = sc[:, t]
        information[t] = inf[:, :, t]


@njit(cache=True, inline="always")
def _accumulate(sums: np.ndarray, values: np.ndarray, w: np.ndarray, p: int, c: int) -> None:
    """Add a row's weight, weight x v and weight x v v' to each column's sums (rows: s0, s1 (p),
    s2 (p x p))."""
    for t in range(c):
        sums[0, t] += w[t]
    for a in range(p):
        for t in range(c):
            sums[1 + a, t] += w[t] * values[a, t]
    for a in range(p):
        for b in range(p):
            for t in range(c):
                sums[1 + p + a * p + b, t] += w[t] * values[a, t] * values[b, t]


@njit(cache=True, inline="always")
def _tied_event(
    risk: np.ndarray, events: np.ndarray, fraction: float, p: int, c: int, a0: np.ndarray, mean: np.ndarray,
    loglik: np.ndarray, score: np.ndarray, information: np.ndarray,
) -> None:
    """One of an event time's tied events (Efron's ``fraction`` of the tied events' sums taken
    from the risk set's), for every column."""
    for t in range(c):
        a0[t] = risk[0, t] - fraction * events[0, t]
    for t in range(c):
        loglik[t] -= 1.0 * log(a0[t])
    for a in range(p):
        for t in range(c):
            mean[a, t] = (risk[1 + a, t] - fraction * events[1 + a, t]) / a0[t]
            score[a, t] -= 1.0 * mean[a, t]
    for a in range(p):
        for b in range(p):
            for t in range(c):
                information[a, b, t] += 1.0 * (
                    (risk[1 + p + a * p + b, t] - fraction * events[1 + p + a * p + b, t]) / a0[t]
                    - mean[a, t] * mean[b, t]
                )


@njit(cache=True, parallel=True)
def newton_lockstep(
    x: np.ndarray, z: np.ndarray, risk_end: np.ndarray, ties: np.ndarray, event_rows: np.ndarray,
    event_start: np.ndarray, skip: np.ndarray, max_iterations: int, tolerance: float, divergence: float, block: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """newton_columns for the models (x_j, z) of every column j of ``x`` (n x m; z n x q shared,
    rows sorted as efron_column wants), without a ridge: each column takes the same steps,
    halvings and stopping rule, so the results are newton_columns' to the bit. The columns of a
    block advance together: each pass evaluates the likelihood of every column still moving at
    its own trial coefficients (_efron_block); then each column's step is taken, halved or
    ended as newton_columns would."""
    m, p = x.shape[1], z.shape[1] + 1
    beta = np.zeros((m, p))
    loglik, loglik0 = np.empty(m), np.empty(m)
    iterations = np.zeros(m, dtype=np.int64)
    converged = skip.copy()
    information, scale = np.empty((m, p, p)), np.empty((m, p))
    shared_sds = np.empty(p)
    for a in range(1, p):
        _sd(z[:, a - 1], shared_sds, a)
    for j in range(m):
        _sd(x[:, j], scale[j], 0)
        for a in range(1, p):  # not a slice assignment: outside prange numba makes it a parallel region per column
            scale[j, a] = shared_sds[a]
    n_blocks = (m + block - 1) // block
    for chunk in prange(n_blocks):
        lo = chunk * block
        b = min(m, lo + block) - lo
        old, candidate = np.zeros((b, p)), np.zeros((b, p))
        score, new_score = np.empty((b, p)), np.empty((b, p))
        new_information, new = np.empty((b, p, p)), np.empty(b)
        current, halvings = np.empty(b), np.full(b, -1, dtype=np.int64)
        step, work = np.empty(p), np.empty((2 * p + 1, p))
        pending = np.arange(b)  # every column's likelihood at zero, skipped ones too, as newton_columns has them
        _efron_block(x, z, lo, pending, b, candidate, risk_end, ties, event_rows, event_start, new, new_score,
                     new_information, True)
        for local in range(b):
            current[local], loglik0[lo + local] = new[local], new[local]
            score[local], information[lo + local] = new_score[local], new_information[local]
        count = _propose(pending, b, lo, converged, iterations, max_iterations, information, score, old, candidate,
                         halvings, step, work, 0.0)
        while count:
            _efron_block(x, z, lo, pending, count, candidate, risk_end, ties, event_rows, event_start, new,
                         new_score, new_information, False)
            _advance(pending, count, lo, new, new_score, new_information, current, old, candidate, score, halvings,
                     information, iterations, converged, scale, tolerance, divergence)
            count = _propose(pending, count, lo, converged, iterations, max_iterations, information, score, old,
                             candidate, halvings, step, work, 0.0)
        beta[lo:lo + b] = old
        loglik[lo:lo + b] = current
    return beta, loglik, loglik0, iterations, converged, information, scale


@njit(cache=True, inline="always")
def _sd(values: np.ndarray, out: np.ndarray, a: int) -> None:
    """The population SD of ``values`` (two passes) into out[a]."""
    n = len(values)
    mean, squares = 0.0, 0.0
    for i in range(n):
        mean += values[i]
    mean /= n
    for i in range(n):
        squares += (values[i] - mean) ** 2
    out[a] = np.sqrt(squares / n)


@njit(cache=True)
def _advance(
    pending: np.ndarray, count: int, lo: int, new: np.ndarray, new_score: np.ndarray, new_information: np.ndarray,
    current: np.ndarray, old: np.ndarray, candidate: np.ndarray, score: np.ndarray, halvings: np.ndarray,
    information: np.ndarray, iterations: np.ndarray, converged: np.ndarray, scale: np.ndarray, tolerance: float,
    divergence: float,
) -> None:
    """Each pending column's evaluated trial: halved towards its last estimate while the
    likelihood fell or is not a number (at most 30 times), else taken as newton_columns takes it (halvings then
    -1: the column needs a new step)."""
    for t in range(count):
        local = pending[t]
        if not _taken(new[t], current[local]) and halvings[local] < 30:
            halvings[local] += 1
            _halve(old[local], candidate[local])
            continue
        j = lo + local
        converged[j] = _settled(new[t], current[local], candidate[local], old[local], scale[j], tolerance, divergence)
        for a in range(old.shape[1]):
            old[local, a] = candidate[local, a]
            score[local, a] = new_score[t, a]
        current[local] = new[t]
        information[j] = new_information[t]
        iterations[j] += 1
        halvings[local] = -1


@njit(cache=True, inline="always")
def _taken(new: float, current: float) -> bool:
    """Whether a trial is taken rather than halved: its likelihood did not fall (beyond 1e-12
    relative). A trial whose likelihood overflowed to NaN is never taken."""
    return new >= current - 1e-12 * abs(current)


@njit(cache=True, inline="always")
def _settled(
    new: float, current: float, candidate: np.ndarray, old: np.ndarray, scale: np.ndarray, tolerance: float,
    divergence: float,
) -> bool:
    """Whether a taken step from ``old`` to ``candidate`` ends the Newton-Raphson: the
    likelihood's relative change below ``tolerance`` and no coefficient moved by more than 1e-8
    (relative), or a coefficient times its covariate's SD past ``divergence``."""
    change = abs(new - current) / max(abs(new), 1e-300)
    moved, largest, diverging = 0.0, 0.0, False
    for a in range(len(candidate)):
        moved = max(moved, abs(candidate[a] - old[a]))
        largest = max(largest, abs(candidate[a]))
        diverging = diverging or abs(candidate[a]) * scale[a] > divergence
    return (change < tolerance and moved < 1e-8 * max(1.0, largest)) or diverging


@njit(cache=True)
def _propose(
    pending: np.ndarray, count: int, lo: int, converged: np.ndarray, iterations: np.ndarray, max_iterations: int,
    information: np.ndarray, score: np.ndarray, old: np.ndarray, candidate: np.ndarray, halvings: np.ndarray,
    step: np.ndarray, work: np.ndarray, ridge: float,
) -> int:
    """The next Newton step of each of the first ``count`` pending columns that needs one
    (halvings -1), unless it has converged or used its iterations. The columns with a trial to
    evaluate (a halved trial among them) are moved to the front of ``pending``; returns their
    number. A penalised information (``ridge`` > 0) is solved by Cholesky."""
    kept = 0
    for t in range(count):
        local = pending[t]
        j = lo + local
        if halvings[local] < 0:
            if converged[j] or iterations[j] >= max_iterations:
                continue
            if ridge > 0:
                _cholesky_step(information[j], score[local], step, work)
            else:
                _newton_step(information[j], score[local], step, work)
            for a in range(len(step)):
                candidate[local, a] = old[local, a] + step[a]
            halvings[local] = 0
        pending[kept] = local
        kept += 1
    return kept
