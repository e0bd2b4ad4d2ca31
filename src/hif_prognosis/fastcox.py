"""The project's Cox engine (numpy): many covariate columns fitted at once, one multivariable
model, and survival 3.x's proportional-hazards test.

``cox_columns`` serves the random-signature null and genome-wide gene screens, where thousands of
one-covariate models share the same survival times; ``cox_model`` fits one model with several
covariates by the same Newton-Raphson, and ``proportional_hazards_test`` tests it.

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
from numba import get_num_threads
from scipy.stats import chi2, norm

from hif_prognosis.kaplan_meier import product_limit
from hif_prognosis.kernels import compiled_threads, efron_column, newton_columns

FLAG_OK, FLAG_CONSTANT, FLAG_NOT_CONVERGED = "ok", "constant", "not_converged"
# |beta| beyond which a covariate on the scale of its SD is taken as diverging (HR > e^25).
DIVERGENCE_BETA = 25.0


@dataclass(frozen=True)
class CoxColumns:
    """Per-column estimates; arrays of length m (number of columns)."""

    beta: np.ndarray
    se: np.ndarray
    p_wald: np.ndarray
    p_lrt: np.ndarray
    loglik: np.ndarray
    iterations: np.ndarray
    flag: np.ndarray  # FLAG_OK, FLAG_CONSTANT or FLAG_NOT_CONVERGED


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
    """Column j's model: x_j (centred) plus the shared covariates z; rows in sorted order. The
    design is built in the compiled Newton-Raphson's layout (columns x rows x covariates)."""
    x = x - x.mean(axis=0)
    if z.shape[1]:  # what is left of x_j once z is accounted for: x_j minus its projection on z
        basis = np.linalg.qr(z)[0]
        residual = x - basis @ (basis.T @ x)
    else:
        residual = x
    constant = np.ptp(residual, axis=0) <= 1e-10 * np.maximum(np.ptp(x, axis=0), 1e-300)
    x[:, constant] = 0.0
    design = np.empty((x.shape[1], x.shape[0], 1 + z.shape[1]))
    design[:, :, 0] = x.T
    design[:, :, 1:] = z
    fit = _newton(structure, design, max_iterations, tolerance, skip=constant)
    flag = np.where(constant, FLAG_CONSTANT, fit.flag)
    ok = flag == FLAG_OK
    beta = np.where(ok, fit.beta, np.nan)
    se = np.where(ok, fit.se, np.nan)
    loglik0 = fit.loglik0 if loglik_reduced is None else loglik_reduced
    with np.errstate(divide="ignore", invalid="ignore"):
        p_wald = np.where(ok, 2 * norm.sf(np.abs(beta / se)), np.nan)
    p_lrt = np.where(ok, chi2.sf(np.maximum(2 * (fit.loglik - loglik0), 0.0), df=1), np.nan)
    return CoxColumns(beta, se, p_wald, p_lrt, fit.loglik, fit.iterations, flag)


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
) -> _NewtonFit:
    """Newton-Raphson for every column's model (design m x n x p, rows sorted), with step
    halving where the likelihood fell (coxph's safeguard), compiled (kernels.newton_columns).
    Columns in ``skip`` are not fitted."""
    m = design.shape[0]
    skip = np.zeros(m, dtype=bool) if skip is None else skip
    beta, loglik, loglik0, iterations, converged, information, scale = newton_columns(
        np.ascontiguousarray(design), structure.risk_end, structure.ties, structure.event_rows,
        structure.event_group_start, skip, max_iterations, tolerance, DIVERGENCE_BETA, 8 * get_num_threads(),
    )
    fitted = ~skip
    variance = np.full(m, np.nan)
    variance[fitted] = _inverse_first(information[fitted])
    diverged = fitted & (
        ~converged
        | (np.abs(beta) * scale > DIVERGENCE_BETA).any(axis=1)
        | ~(variance > 0)
        | ~(1 / variance > 1e-10 * max(structure.n_events, 1))
    )
    flag = np.where(diverged, FLAG_NOT_CONVERGED, FLAG_OK)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(variance)
    return _NewtonFit(beta[:, 0], se, loglik, loglik0, iterations, flag, beta, information)


def _inverse_first(information: np.ndarray) -> np.ndarray:
    """[information^-1]_00 per column (the variance of the first coefficient); NaN if singular."""
    if information.shape[1] == 1:
        with np.errstate(divide="ignore"):
            return 1.0 / information[:, 0, 0]
    out = np.full(len(information), np.nan)
    regular = np.linalg.cond(information) < 1e12
    out[regular] = np.linalg.inv(information[regular])[:, 0, 0]
    return out


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
        return 2 * norm.sf(np.abs(self.coefficients / self.se))


def cox_model(
    time: np.ndarray, event: np.ndarray, design: np.ndarray, *, max_iterations: int = 50, tolerance: float = 1e-12
) -> CoxModel:
    """Fit ``h(t) = h0(t) exp(beta' x)`` for the n x p ``design`` by the same Newton-Raphson as
    every column of ``cox_columns`` (R ``coxph(ties = "efron")``). A model whose likelihood
    has no finite maximum, or whose information is singular, is flagged, with NaN estimates."""
    time, event, x = (np.asarray(a, dtype=float) for a in (time, event, design))
    x = x.reshape(len(time), -1)
    if not all(np.isfinite(a).all() for a in (time, event, x)):
        raise ValueError("cox_model needs complete data: drop missing values first")
    structure = _EventStructure(time, event)
    x = x[structure.order] - x.mean(axis=0)
    fit = _newton(structure, x[None], max_iterations, tolerance)
    information = fit.information[0]
    p = x.shape[1]
    if fit.flag[0] != FLAG_OK or np.linalg.cond(information) >= 1e12:
        return CoxModel(np.full(p, np.nan), np.full((p, p), np.nan), np.nan, float(fit.loglik0[0]), FLAG_NOT_CONVERGED)
    return CoxModel(
        fit.coefficients[0], np.linalg.inv(information), float(fit.loglik[0]), float(fit.loglik0[0]), FLAG_OK
    )


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
            structure.event_group_start, weights, score, information, np.empty(3 * p + 2 * p * p),
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
    return ProportionalHazardsTest(chisq, chi2.sf(chisq, df=1), global_chisq, float(chi2.sf(global_chisq, df=p)))
