r"""One minimum per isoFLOP budget (step 2 of Hoffmann et al.'s Approach 2, arXiv:2203.15556 §3.2), never over the
whole of a wide sweep:

- ``parabola``: L = c₀ + c₁·u + c₂·u², u = ln N − ln N_best, by least squares over the sizes within a factor
  ``window`` of the best size N_best (the size of lowest loss; at least its nearest size on each side), so
  ln N_opt = ln N_best − c₁/(2c₂). Its standard error is the delta method's:
  Var(u*) = ∇u*ᵀ Σ ∇u*, ∇u* = (c₁/(2c₂²), −1/(2c₂)) over (c₂, c₁), Σ = s²(XᵀX)⁻¹. The window is compared in natural
  logs (:func:`log_window`), by the fit and its bootstrap alike.
- ``akima``: Porian et al.'s (2024, arXiv:2406.19146) interpolation of log L against log N by Akima's piecewise cubic
  through every size, and its exact minimum (the roots of its derivative).

- ``auto`` (default): one of the two, chosen from the budget itself. The parabola, unless the budget is dense near
  its minimum (at least :data:`~planner.base.conventions.ISOFLOP_AUTO_SIDES` sizes on each side of the best size
  inside the window, which Akima's slopes need) *and* the parabola does not fit there: its lack of fit
  (:func:`lack_of_fit`, the F-test of a cubic term) is significant at
  :data:`~planner.base.conventions.ISOFLOP_AUTO_LEVEL`. Then the profile is not parabolic over the window (an
  asymmetric profile, which biases the parabola's vertex) and the sizes are dense enough to interpolate: Akima.
  Where the parabola fits (noise dominates, or too few sizes to tell), its least squares average the noise that an
  interpolant passes through. Both are computed; :attr:`BudgetFit.disagrees` says when a dense budget's two minima
  differ by more than the budget's own 95% interval of that difference, ±√((1.96·se_P)² + h_A²) in ln N_opt: the
  parabola's delta-method error, and half the central 95% range of Akima's minima under the runs' scatter around a
  cubic (:func:`akima_minima`, a Monte Carlo through the interpolant, whose heavy tails 1.96 standard errors would
  cut short); on a sparse budget Akima through a few noisy sizes is no check on the parabola.
  ``bench/bench_isoflop_estimators.py`` measures the rule on simulated and real sweeps.

A budget with fewer than 3 sizes, whose best size is its smallest or largest, or whose minimum falls outside the
window, has no minimum; :class:`BudgetFit` says why.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np
from scipy.interpolate import Akima1DInterpolator

from ..base.conventions import (ISOFLOP_AGREEMENT_LEVEL, ISOFLOP_AKIMA_DRAWS, ISOFLOP_AUTO_LEVEL, ISOFLOP_AUTO_SIDES,
                                ISOFLOP_METHODS, ISOFLOP_MIN_SIZES, ISOFLOP_WINDOW)
from ..base.errors import FitError
from ..base.records import Record, record
from ..planning.uncertainty import normal_quantile
from .allocation import size_ids

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["BudgetFit", "budget_minimum", "ISOFLOP_METHODS", "log_window", "profile_sizes", "parabola_minima",
           "akima_minimum", "lack_of_fit", "akima_minima", "half_range", "SE_LEVEL"]



@record
class BudgetFit(Record):
    """One budget's isoFLOP profile and its minimum.

    flops : its C.  runs : indices of its runs.  n_sizes : distinct model sizes.  flops_ratio : (low, high) of its
    runs' C = 6·N·D over the budget's C.  skipped : why it was left out ("" if used).
    n_params, n_tokens, loss : N_opt, D_opt (tokens at N_opt along the sweep) and the loss there.
    log_se : standard error of ln N_opt (the parabola's delta method; for Akima, its Monte Carlo error where ``auto``
    chose it, else NaN; NaN with no degree of freedom).
    window : (low, high) N of the sizes the minimum was found from; window_runs : how many runs those are.
    residuals : log L_i − log L̂(N_i) of those runs around the fitted curve (empty for Akima, which passes through
    every size).  curve : (N, L) points of the fitted curve over the window, for figures.
    estimator : which estimator gave the minimum ("parabola" or "akima").  With ``auto`` only: lack_of_fit_p, the
    p-value of the parabola's lack of fit; other_n_params, the N_opt of the estimator not chosen; parabola_log_se,
    the parabola's standard error of ln N_opt; akima_log_se, Akima's (half the central :data:`SE_LEVEL`% range of
    :func:`akima_minima`, with the runs' scatter around a cubic as the noise); agreement, the half-width in ln N_opt
    of the 95% interval of the two minima's difference, √((1.96·se_parabola)² + h_Akima²), h_Akima half the central
    95% range of :func:`akima_minima` (:attr:`tolerance` as a factor); disagrees, whether the two N_opt of a dense
    budget differ by more than that.
    """

    flops: float
    runs: tuple[int, ...]
    n_sizes: int
    flops_ratio: tuple[float, float]
    skipped: str = ""
    n_params: float = math.nan
    n_tokens: float = math.nan
    loss: float = math.nan
    log_se: float = math.nan
    window: tuple[float, float] = (math.nan, math.nan)
    window_runs: int = 0
    residuals: tuple[float, ...] = ()
    curve: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())
    estimator: str = ""
    lack_of_fit_p: float = math.nan
    other_n_params: float = math.nan
    parabola_log_se: float = math.nan
    akima_log_se: float = math.nan
    agreement: float = math.nan
    disagrees: bool = False

    @property
    def used(self) -> bool:
        return not self.skipped

    @property
    def tolerance(self) -> float:
        """exp(agreement): the factor (×/÷) within which the two estimators' N_opt agree; NaN without both."""
        return math.exp(self.agreement)


def log_window(window: float | None) -> float:
    """The isoFLOP window, a factor in N around the best size (None: every size), as a half-width in ln N: the one
    estimator the fit and its bootstrap share."""
    return math.inf if window is None else math.log(window)


def profile_sizes(x: np.ndarray, values: Sequence[ArrayLike]
                  ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Distinct sizes of a budget (x = log N, sorted), and the mean of ``values`` (rows: one per run) at each."""
    ids = size_ids(np.exp(x))
    S = ids.max() + 1
    onehot = np.zeros((len(x), S))
    onehot[np.arange(len(x)), ids] = 1.0
    count = onehot.sum(axis=0)
    xs = (x @ onehot) / count
    return ids, xs, [(np.asarray(v) @ onehot) / count for v in values]


def parabola_minima(x: np.ndarray, L: np.ndarray, ids: np.ndarray, xs: np.ndarray, counts: np.ndarray,
                    half_width: float) -> tuple[Any, ...]:
    r"""Parabola minima of one budget for each row of ``counts`` (how often each run is drawn): batched over rows.

    ``half_width`` is the window in ln N (:func:`log_window`). Returns (u*, x_best, lo, hi, c, reason): the minimum u* = −c₁/(2c₂) relative to the best size x_best, the window's
    lowest and highest log N, and per row the reason it failed ("" where it did not). All in natural logs.
    """
    R, S = counts.shape[0], len(xs)
    onehot = np.zeros((len(x), S))
    onehot[np.arange(len(x)), ids] = 1.0
    size_count = counts @ onehot
    present = size_count > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, (counts * L) @ onehot / size_count, np.inf)
    best = np.argmin(mean, axis=1)
    s = np.arange(S)
    prev = np.where(present & (s < best[:, None]), s, -1).max(axis=1)
    nxt = np.where(present & (s > best[:, None]), s, S).min(axis=1)
    reason = np.full(R, "", dtype=object)
    reason[present.sum(axis=1) < ISOFLOP_MIN_SIZES] = f"fewer than {ISOFLOP_MIN_SIZES} model sizes"
    edge = (prev < 0) | (nxt >= S)
    reason[(reason == "") & edge] = "its lowest loss is at its smallest or largest size"
    x_best = xs[best]
    inside = np.abs(xs[None, :] - x_best[:, None]) <= half_width + 1e-9
    window = present & (inside | (s == prev[:, None]) | (s == nxt[:, None]))
    lo = np.where(window, xs, np.inf).min(axis=1)
    hi = np.where(window, xs, -np.inf).max(axis=1)
    w = counts * window[:, ids]
    u = x[None, :] - x_best[:, None]
    moments = [np.sum(w * u ** k, axis=1) for k in range(5)]
    targets = [np.sum(w * u ** k * L, axis=1) for k in range(3)]
    M = np.stack([np.stack(moments[i:i + 3], axis=-1) for i in range(3)], axis=1)
    T = np.stack(targets, axis=-1)
    ok = reason == ""
    c = np.full((R, 3), np.nan)
    if ok.any():
        c[ok] = np.linalg.solve(M[ok], T[ok][..., None])[..., 0]
    c0, c1, c2 = c.T
    reason[ok & ~(c2 > 0)] = "its profile curves downwards (the loss is not convex in log N there)"
    with np.errstate(invalid="ignore", divide="ignore"):
        u_opt = -c1 / (2 * c2)
    outside = (reason == "") & ~((x_best + u_opt >= lo) & (x_best + u_opt <= hi))
    reason[outside] = "its parabola's minimum lies outside the sizes it was fitted on"
    return u_opt, x_best, lo, hi, c, reason


def akima_minimum(xs: np.ndarray, logL: np.ndarray) -> tuple[float, float, Any] | None:
    """(x*, log L*, the interpolant) of the Akima interpolant of log L over the sizes ``xs``, or None where it lies at an end."""
    f = Akima1DInterpolator(xs, logL)
    roots = f.derivative().roots(extrapolate=False)
    candidates = np.concatenate([xs, np.atleast_1d(roots)])
    candidates = candidates[np.isfinite(candidates)]
    values = f(candidates)
    i = int(np.argmin(values))
    if candidates[i] <= xs[0] or candidates[i] >= xs[-1]:
        return None
    return float(candidates[i]), float(values[i]), f


def _akima_fit(base: dict[str, Any], xs: np.ndarray, logLs: np.ndarray, logDs: np.ndarray, n_runs: int) -> BudgetFit:
    if len(xs) < ISOFLOP_MIN_SIZES:
        return BudgetFit(**base, skipped=f"fewer than {ISOFLOP_MIN_SIZES} model sizes")
    best = int(np.argmin(logLs))
    if best in (0, len(xs) - 1):
        return BudgetFit(**base, skipped="its lowest loss is at its smallest or largest size")
    found = akima_minimum(xs, logLs)
    if found is None:
        return BudgetFit(**base, skipped="its interpolated minimum lies at its smallest or largest size")
    x_opt, logL_opt, f = found
    grid = np.linspace(xs[0], xs[-1], 60)
    return BudgetFit(**base, n_params=math.exp(x_opt), n_tokens=math.exp(float(np.interp(x_opt, xs, logDs))),
                     loss=math.exp(logL_opt), window=(math.exp(xs[0]), math.exp(xs[-1])), window_runs=n_runs,
                     curve=(tuple(np.exp(grid)), tuple(np.exp(f(grid)))), estimator="akima")


def _parabola_fit(base: dict[str, Any], x: np.ndarray, L: np.ndarray, ids: np.ndarray, xs: np.ndarray,
                  logDs: np.ndarray, window: float | None) -> BudgetFit:
    u_opt, x_best, lo, hi, c, reason = parabola_minima(x, L, ids, xs, np.ones((1, len(x))), log_window(window))
    if reason[0]:
        return BudgetFit(**base, skipped=str(reason[0]))
    u_opt, x_best, lo, hi, (c0, c1, c2) = float(u_opt[0]), float(x_best[0]), float(lo[0]), float(hi[0]), c[0]
    in_window = (x >= lo - 1e-12) & (x <= hi + 1e-12)
    u = x[in_window] - x_best
    X = np.column_stack([np.ones_like(u), u, u * u])
    fitted = X @ np.array([c0, c1, c2])
    dof = len(u) - 3
    log_se = math.nan
    if dof > 0:
        s2 = float(np.sum((L[in_window] - fitted) ** 2)) / dof
        cov = s2 * np.linalg.inv(X.T @ X)
        grad = np.array([0.0, -1 / (2 * c2), c1 / (2 * c2 ** 2)])
        log_se = float(math.sqrt(max(grad @ cov @ grad, 0.0)))
    x_opt = x_best + u_opt
    grid = np.linspace(lo, hi, 60) - x_best
    return BudgetFit(**base, n_params=math.exp(x_opt), n_tokens=math.exp(float(np.interp(x_opt, xs, logDs))),
                     loss=float(c0 + c1 * u_opt + c2 * u_opt ** 2), log_se=log_se, window=(math.exp(lo), math.exp(hi)),
                     window_runs=int(in_window.sum()), residuals=tuple(np.log(L[in_window] / fitted)),
                     curve=(tuple(np.exp(grid + x_best)), tuple(c0 + c1 * grid + c2 * grid ** 2)),
                     estimator="parabola")


def budget_minimum(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, method: str = "auto",
                   window: float | None = ISOFLOP_WINDOW, flops: float = math.nan,
                   runs: Iterable[int] = ()) -> BudgetFit:
    """The minimum of one budget's isoFLOP profile (see the module docstring): a :class:`BudgetFit`, with
    ``skipped`` saying why where there is none. ``window`` is the factor in N around the best size (None: every
    size)."""
    N, D, L = (np.asarray(v, dtype=float) for v in (n_params, n_tokens, loss))
    order = np.argsort(N, kind="stable")
    x, logD, L = np.log(N[order]), np.log(D[order]), L[order]
    ids, xs, (logLs, logDs) = profile_sizes(x, [np.log(L), logD])
    # flops_ratio is the caller's to fill in (fit_isoflop: k·N·D / C over the budget's runs).
    base: dict[str, Any] = dict(flops=float(flops), runs=tuple(int(r) for r in runs) or tuple(range(len(N))),
                                n_sizes=len(xs), flops_ratio=(math.nan, math.nan))
    if method == "akima":
        return _akima_fit(base, xs, logLs, logDs, len(x))
    if method == "parabola":
        return _parabola_fit(base, x, L, ids, xs, logDs, window)
    if method != "auto":
        raise FitError(f"unknown isoFLOP method {method!r}; expected one of {', '.join(ISOFLOP_METHODS)}")
    parabola = _parabola_fit(base, x, L, ids, xs, logDs, window)
    if not parabola.used:
        return parabola
    akima = _akima_fit(base, xs, logLs, logDs, len(x))
    p_value, noise = lack_of_fit(x, L, parabola.window)
    dense = _sides(xs, logLs, parabola.window) >= ISOFLOP_AUTO_SIDES
    chosen = akima if akima.used and dense and p_value < ISOFLOP_AUTO_LEVEL else parabola
    other = parabola if chosen is akima else akima
    gap, akima_se, akima_half = math.nan, math.nan, math.nan
    if akima.used:
        gap = abs(math.log(akima.n_params / parabola.n_params))
        counts = np.bincount(ids, minlength=len(xs))
        if math.isfinite(noise):
            minima = akima_minima(xs, logLs, noise / np.sqrt(counts))
            akima_se, akima_half = half_range(minima, SE_LEVEL), half_range(minima, ISOFLOP_AGREEMENT_LEVEL)
    if chosen is akima:  # its own error, as the parabola has its delta method's
        chosen = dataclasses.replace(akima, log_se=akima_se)
    # Akima's share of the interval is its Monte Carlo's own central range, not 1.96 standard errors: its minima have
    # heavy tails, and a normal's 95% range under them flagged 12% of unbiased noisy budgets (bench_isoflop_estimators)
    agreement = math.hypot(normal_quantile(ISOFLOP_AGREEMENT_LEVEL) * parabola.log_se, akima_half)
    return dataclasses.replace(chosen, lack_of_fit_p=p_value, other_n_params=other.n_params,
                               disagrees=bool(dense and gap > agreement), agreement=agreement,
                               parabola_log_se=parabola.log_se, akima_log_se=akima_se)


def akima_minima(xs: np.ndarray, logLs: np.ndarray, sigma: np.ndarray, draws: int = ISOFLOP_AKIMA_DRAWS,
                 seed: int = 0) -> "np.ndarray | None":
    r"""The Akima minimum's ln N_opt under independent noise σᵢ in each size's log L: the minima of ``draws``
    interpolants through log L + σ·ε (numpy ``default_rng(seed)``, so the same data give the same draws), those with
    a minimum inside the sizes; None where fewer than half have one. A Monte Carlo, not the delta method: Akima's
    slopes weight neighbours by |differences of slopes|, so its minimum is not smooth in the data once the noise is
    comparable to those differences, and its spread has heavy tails."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((draws, len(xs))) * np.asarray(sigma, dtype=float)
    minima = [found[0] for e in noise if (found := akima_minimum(xs, logLs + e)) is not None]
    return np.array(minima) if len(minima) >= max(2, draws // 2) else None


#: The central range (%) whose half is one standard error (±1 standard deviation of a normal).
SE_LEVEL = 68.27


def half_range(draws: "np.ndarray | None", level: float) -> float:
    """Half the central ``level``% range of ``draws`` (NaN for None): at :data:`SE_LEVEL`, a standard error that the
    heavy tails of :func:`akima_minima` do not inflate, as they do a standard deviation."""
    if draws is None:
        return math.nan
    lo, hi = np.percentile(draws, [50 - level / 2, 50 + level / 2])
    return float(hi - lo) / 2


def _sides(xs: np.ndarray, logLs: np.ndarray, window: tuple[float, float]) -> int:
    """How many sizes the budget has inside ``window`` (N) on its sparser side of the best size."""
    best = xs[int(np.argmin(logLs))]
    inside = (xs >= math.log(window[0]) - 1e-12) & (xs <= math.log(window[1]) + 1e-12)
    return int(min(np.sum(inside & (xs < best)), np.sum(inside & (xs > best))))


def lack_of_fit(x: np.ndarray, L: np.ndarray, window: tuple[float, float]) -> tuple[float, float]:
    r"""A parabola's lack of fit over the runs in ``window`` (N): (p, σ). p is the p-value of the F-test of a
    cubic term, F = (SSR₂ − SSR₃) / (SSR₃ / (n − 4)) against F(1, n − 4) (the extra-sum-of-squares F-test of nested
    least squares); σ the runs' scatter in log L around the cubic, √(SSR₃/(n − 4)) / L̄, the noise with the profile's
    asymmetry taken out. (1, NaN) where there are fewer than 6 runs (no degree of freedom to test with)."""
    from scipy.stats import f as f_distribution

    inside = (x >= math.log(window[0]) - 1e-12) & (x <= math.log(window[1]) + 1e-12)
    u, y = x[inside] - np.mean(x[inside]), L[inside]
    n = len(u)
    if n < 6:
        return 1.0, math.nan
    ssr = []
    for degree in (2, 3):
        X = np.vander(u, degree + 1)
        r = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        ssr.append(float(r @ r))
    sigma = math.sqrt(ssr[1] / (n - 4)) / float(np.mean(y))
    if ssr[1] <= 0:
        return (0.0 if ssr[0] > 0 else 1.0), sigma
    F = (ssr[0] - ssr[1]) / (ssr[1] / (n - 4))
    return float(f_distribution.sf(F, 1, n - 4)), sigma
