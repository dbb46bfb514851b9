r"""The allocation rule N_opt = G·C^a fitted from compute-optimal points, as Hoffmann et al.'s Approaches 1 and 2
(arXiv:2203.15556, §3.1–3.2) both end: log N_opt = log G + a·log C and log D_opt = log G_D + b·log C by least squares
(:func:`power_law`, :func:`allocation_result`), batched over bootstrap resamples (:func:`batched_slopes`,
:func:`coefficient_bootstrap`, :class:`AllocationBootstrap`); and the model sizes both approaches group runs by
(:func:`size_ids`). Approach 1 is :mod:`planner.fitting.curves`, Approach 2 :mod:`planner.fitting.isoflop`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..base.conventions import SAME_SIZE_RTOL
from ..base.errors import FitError
from ..base.records import Record, record
from ..planning.uncertainty import central_interval
from .result import BootstrapResult, FitResult, check_resampling, data_range, sample_summary

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["AllocationBootstrap", "size_ids", "power_law", "batched_slopes", "allocation_result", "check_bootstrap",
           "coefficient_bootstrap", "percentile_interval"]


@record
class AllocationBootstrap(Record):
    """The bootstrap of an allocation rule fitted from runs (Approach 1 or 2).

    coefficients : a :class:`BootstrapResult` over ``("coefficient", "exponent")`` (G and a), as a law file keeps it.
    b_interval, b_standard_error : of b in D_opt ∝ C^b, fitted separately.
    budget_intervals : Approach 2: each used budget's ``level``% interval of N_opt, in the order of the fit's used
    budgets.
    """

    coefficients: BootstrapResult
    b_interval: tuple[float, float]
    b_standard_error: float
    budget_intervals: tuple[tuple[float, float], ...] = ()

    @property
    def level(self) -> float:
        return self.coefficients.level


def size_ids(N: np.ndarray) -> np.ndarray:
    """Model sizes: parameter counts within :data:`SAME_SIZE_RTOL` of the previous (sorted) one share an id."""
    order = np.argsort(N, kind="stable")
    ids = np.empty(len(N), dtype=int)
    current, last = 0, None
    for i in order:
        if last is not None and N[i] > last * (1 + SAME_SIZE_RTOL):
            current += 1
        ids[i] = current
        last = N[i]
    return ids


def power_law(log_c: np.ndarray, log_y: np.ndarray) -> tuple[float, float, float, float, np.ndarray]:
    """Least squares of log y = log G + e·log C: (log G, e, se(log G), se(e), residuals); NaN errors at 2 points."""
    A = np.column_stack([np.ones_like(log_c), log_c])
    theta, *_ = np.linalg.lstsq(A, log_y, rcond=None)
    resid = log_y - A @ theta
    dof = len(log_c) - 2
    if dof > 0:
        se = np.sqrt(np.diag(float(resid @ resid) / dof * np.linalg.inv(A.T @ A)))
    else:
        se = np.array([math.nan, math.nan])
    return float(theta[0]), float(theta[1]), float(se[0]), float(se[1]), resid


def batched_slopes(log_c: ArrayLike, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares (intercept, slope) of each row of Y (NaN = missing) on log_c (one row, or one per row of Y),
    batched; NaN rows with < 2."""
    w = (np.isfinite(Y) & np.isfinite(log_c)).astype(float)
    y = np.where(w > 0, Y, 0.0)
    log_c = np.where(w > 0, log_c, 0.0)
    s0, s1, s2 = w.sum(1), (w * log_c).sum(1), (w * log_c ** 2).sum(1)
    t0, t1 = y.sum(1), (y * log_c).sum(1)
    det = s0 * s2 - s1 ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (s0 * t1 - s1 * t0) / det
        intercept = (t0 - slope * s1) / s0
    return intercept, slope


def allocation_result(log_c, log_n, log_d, *, N, D, k, n_runs, method, warnings, extra, residuals, what="budgets"):
    """The :class:`FitResult` of an allocation rule N_opt = G·C^a fitted to optima (log C, log N_opt, log D_opt)."""
    logG, a, se_logG, se_a, resid = power_law(log_c, log_n)
    logGd, b, *_ = power_law(log_c, log_d)
    if not 0 < a < 1:
        raise FitError(f"the fit gave N_opt ∝ C^{a:.3g}, outside (0, 1): these {what} do not determine the "
                       "allocation; add budgets spanning more orders of magnitude")
    G = math.exp(logG)
    return FitResult(
        form="allocation", coefficients={"coefficient": G, "exponent": a},
        standard_errors={"coefficient": G * se_logG, "exponent": se_a},
        standard_error_method=f"least squares of log N_opt on log C over the {len(log_c)} {what}",
        exponents=(a, b), objective=float(resid @ resid), n_runs=n_runs, residuals=residuals,
        data_range=data_range(N, D, k), n_starts=0, n_distinct_optima=1, warnings=tuple(warnings), method=method,
        flops_per_param_token=k, theta=(logG, a),
        extra={"model_kwargs": {"gives": "n_params"}, "d_coefficient": math.exp(logGd),
               "n_opt_residuals": {"rms": float(np.sqrt(np.mean(resid ** 2))), "max_abs": float(np.max(np.abs(resid)))},
               **extra})


def percentile_interval(samples: ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level``% interval of ``samples`` along their first axis, as (low, high) arrays of at least one
    element."""
    lo, hi = central_interval(samples, level, axis=0)
    return np.atleast_1d(lo), np.atleast_1d(hi)


def check_bootstrap(fit: FitResult, approach: int, n_resamples: int, level: float) -> None:
    """FitError unless ``fit`` is Approach ``approach``'s result, ``n_resamples`` >= 1 and 0 < ``level`` < 100."""
    if fit.extra.get("approach") != approach:
        name = {1: "fit_curves", 2: "fit_isoflop"}[approach]
        raise FitError(f"the bootstrap of Approach {approach} needs the result of {name}")
    check_resampling(n_resamples, level)


def coefficient_bootstrap(log_G, a, b, *, level, n_resamples, seed, method, k) -> tuple[BootstrapResult, tuple, float]:
    """The :class:`BootstrapResult` over (coefficient, exponent) of resampled fits, and b's interval and error."""
    ok = np.isfinite(log_G) & np.isfinite(a) & (a > 0) & (a < 1) & np.isfinite(b)
    if not ok.any():
        raise FitError("no bootstrap resample gave a valid fit")
    samples = np.column_stack([np.exp(log_G[ok]), a[ok]])
    names = ("coefficient", "exponent")
    intervals, ses = sample_summary(samples, names, level)
    boot = BootstrapResult(
        form="allocation", names=names, samples=samples, intervals=intervals, standard_errors=ses, level=level, n_resamples=n_resamples, n_failed=int((~ok).sum()), seed=seed, method=method,
        flops_per_param_token=k)
    b_lo, b_hi = percentile_interval(b[ok], level)
    return boot, (float(b_lo[0]), float(b_hi[0])), float(np.std(b[ok], ddof=1)) if ok.sum() > 1 else math.nan
