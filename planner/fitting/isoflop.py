r"""Hoffmann et al.'s Approach 2 (arXiv:2203.15556, §3.2) on isoFLOP sweeps as real runs have them.

1. **Budgets.** Each run belongs to one nominal budget C: from a budget column where the runs file has one, else
   by clustering the runs' C = 6·N·D in log C (:func:`group_budgets`). A budget counts the FLOPs a run really did, so
   one sweep's 6·N·D spreads around its C (0.7–1.5 × C is still one budget, :data:`BUDGET_SPREAD`). Without a
   column the nominal C is unknown, and a budget's C is its minimum's own k·N_opt·D_opt: the compute the fitted
   rule, which splits C = k·N·D, gives that N_opt.
2. **One minimum per budget** (:func:`budget_minimum`), never over the whole of a wide sweep:

   - ``parabola`` (default): L = c₀ + c₁·u + c₂·u², u = log N − log N_best, by least squares over the sizes within
     a factor ``window`` of the best size N_best (the size of lowest loss; at least its nearest size on each side),
     so log N_opt = log N_best − c₁/(2c₂). Its standard error is the delta method's:
     Var(u*) = ∇u*ᵀ Σ ∇u*, ∇u* = (c₁/(2c₂²), −1/(2c₂)) over (c₂, c₁), Σ = s²(XᵀX)⁻¹.
   - ``akima``: Porian et al.'s (2024, arXiv:2406.19146) interpolation of log L against log N by Akima's
     piecewise cubic through every size, and its exact minimum (the roots of its derivative).

   A budget with fewer than 3 sizes, whose best size is its smallest or largest, or whose minimum falls outside the
   window, is skipped with a warning; fewer than 3 budgets left is an error.
3. **The rule.** log N_opt = log G + a·log C and log D_opt = log G_D + b·log C by least squares over the budgets
   (Hoffmann fit both; with C = 6·N·D exactly, b = 1 − a). The law is the allocation rule N_opt = G·C^a.

:func:`bootstrap_isoflop` resamples the runs within each budget and repeats steps 2–3.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    import numpy
    from numpy.typing import ArrayLike

from ..base.conventions import (BUDGET_SPREAD, FLOPS_PER_PARAM_TOKEN, ISOFLOP_MIN_BUDGETS, ISOFLOP_MIN_SIZES,
                           ISOFLOP_WINDOW, SAME_BUDGET_RTOL, SAME_SIZE_RTOL)
from ..base.errors import FitError
from .result import BootstrapResult, FitResult, check_resampling, check_runs, data_range, resample_counts, sample_summary

__all__ = ["fit_isoflop", "bootstrap_isoflop", "group_budgets", "budget_minimum", "Budgets", "BudgetFit",
           "AllocationBootstrap", "ISOFLOP_METHODS"]

#: How each budget's minimum is found: a parabola over a window around the best size, or Akima interpolation.
ISOFLOP_METHODS = ("parabola", "akima")


@dataclass(frozen=True)
class Budgets:
    """Runs grouped into nominal budgets.

    labels : the budget of each run (an index into ``flops``).  flops : each budget's C in FLOPs (the column's value,
    or the geometric mean of its runs' C).  source : how they were found, for the report.
    """

    labels: "numpy.ndarray"
    flops: tuple[float, ...]
    source: str


@dataclass(frozen=True)
class BudgetFit:
    """One budget's isoFLOP profile and its minimum.

    flops : its C.  runs : indices of its runs.  n_sizes : distinct model sizes.  flops_ratio : (low, high) of its
    runs' C = 6·N·D over the budget's C.  skipped : why it was left out ("" if used).
    n_params, n_tokens, loss : N_opt, D_opt (tokens at N_opt along the sweep) and the loss there.
    log_se : standard error of ln N_opt (delta method; NaN for Akima, or with no degree of freedom).
    window : (low, high) N of the sizes the minimum was found from; window_runs : how many runs those are.
    residuals : log L_i − log L̂(N_i) of those runs around the fitted curve (empty for Akima, which passes through
    every size).  curve : (N, L) points of the fitted curve over the window, for figures.
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

    @property
    def used(self) -> bool:
        return not self.skipped


@dataclass(frozen=True)
class AllocationBootstrap:
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


# ---------------------------------------------------------------------------------------------------------------------
# 1. budgets


def _size_ids(N):
    """Model sizes: parameter counts within :data:`SAME_SIZE_RTOL` of the previous (sorted) one share an id."""
    import numpy as np

    order = np.argsort(N, kind="stable")
    ids = np.empty(len(N), dtype=int)
    current, last = 0, None
    for i in order:
        if last is not None and N[i] > last * (1 + SAME_SIZE_RTOL):
            current += 1
        ids[i] = current
        last = N[i]
    return ids


def group_budgets(flops: ArrayLike, n_params: ArrayLike, budget: ArrayLike | None = None, *,
                  spread: tuple[float, float] = BUDGET_SPREAD, column: str = "budget") -> Budgets:
    r"""Each run's nominal budget: the ``budget`` column's value where given, else clusters of log C.

    Without a column, adjacent runs in sorted log C are merged, smallest gap first (single linkage), unless the
    merged cluster would span more than ``spread[1]/spread[0]`` in C (a sweep at nominal C may have 6·N·D anywhere
    in ``spread`` × C), or unless one model size would then appear at two C more than :data:`SAME_BUDGET_RTOL`
    apart (a sweep trains each size once; its repeats share one C). A budget's C is the geometric mean of its runs'.
    """
    import numpy as np

    C = np.asarray(flops, dtype=float)
    if budget is not None:
        B = np.asarray(budget, dtype=float)
        values, labels = np.unique(B, return_inverse=True)
        return Budgets(labels=labels, flops=tuple(float(v) for v in values), source=f"from column {column!r}")
    lc = np.log(C)
    order = np.argsort(lc, kind="stable")
    x = lc[order]
    size = _size_ids(np.asarray(n_params, dtype=float))[order]
    n = len(x)
    parent = list(range(n))
    first, last = list(range(n)), list(range(n))            # sorted positions spanned by each cluster (at its root)
    sizes = [{int(size[i]): (x[i], x[i])} for i in range(n)]  # size → (lowest, highest) log C in the cluster
    max_width = math.log(spread[1] / spread[0]) + 1e-12
    same_budget = math.log1p(SAME_BUDGET_RTOL)

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in np.argsort(np.diff(x), kind="stable"):
        a, b = root(int(i)), root(int(i) + 1)
        if x[last[b]] - x[first[a]] > max_width:
            continue
        small, big = sorted((sizes[a], sizes[b]), key=len)
        if any(s in big and max(hi, big[s][1]) - min(lo, big[s][0]) > same_budget for s, (lo, hi) in small.items()):
            continue
        for s, (lo, hi) in small.items():
            big[s] = (min(lo, big[s][0]), max(hi, big[s][1])) if s in big else (lo, hi)
        parent[b] = a
        first[a], last[a], sizes[a] = first[a], last[b], big
    roots = sorted({root(i) for i in range(n)}, key=lambda r: first[r])
    index = {r: j for j, r in enumerate(roots)}
    labels = np.empty(n, dtype=int)
    labels[order] = [index[root(i)] for i in range(n)]
    budgets = tuple(float(np.exp(np.mean(lc[labels == j]))) for j in range(len(roots)))
    lo, hi = spread
    return Budgets(labels=labels, flops=budgets,
                   source=f"by clustering C = 6·N·D in log C (one budget spans at most {lo:g}–{hi:g} × its C and "
                          "trains each size once; its C is 6·N·D at its minimum)")


# ---------------------------------------------------------------------------------------------------------------------
# 2. one minimum per budget


def _sizes(x, values):
    """Distinct sizes of a budget (x = log N, sorted), and the mean of ``values`` (rows: one per run) at each."""
    import numpy as np

    ids = _size_ids(np.exp(x))
    S = ids.max() + 1
    onehot = np.zeros((len(x), S))
    onehot[np.arange(len(x)), ids] = 1.0
    count = onehot.sum(axis=0)
    xs = (x @ onehot) / count
    return ids, xs, [(np.asarray(v) @ onehot) / count for v in values]


def _parabola_minima(x, L, ids, xs, counts, log_window):
    r"""Parabola minima of one budget for each row of ``counts`` (how often each run is drawn): batched over rows.

    Returns (u*, x_best, lo, hi, reason): the minimum u* = −c₁/(2c₂) relative to the best size x_best, the window's
    lowest and highest log N, and per row the reason it failed ("" where it did not). All in natural logs.
    """
    import numpy as np

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
    inside = np.abs(xs[None, :] - x_best[:, None]) <= log_window + 1e-9
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


def _akima_minimum(xs, logL):
    """(x*, log L*) of the Akima interpolant of log L over the sizes ``xs``, or None where it lies at an end."""
    import numpy as np
    from scipy.interpolate import Akima1DInterpolator

    f = Akima1DInterpolator(xs, logL)
    roots = f.derivative().roots(extrapolate=False)
    candidates = np.concatenate([xs, np.atleast_1d(roots)])
    candidates = candidates[np.isfinite(candidates)]
    values = f(candidates)
    i = int(np.argmin(values))
    if candidates[i] <= xs[0] or candidates[i] >= xs[-1]:
        return None
    return float(candidates[i]), float(values[i]), f


def budget_minimum(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, method: str = "parabola",
                   window: float | None = ISOFLOP_WINDOW, flops: float = math.nan, runs: Sequence[int] = ()) -> BudgetFit:
    """The minimum of one budget's isoFLOP profile (see the module docstring): a :class:`BudgetFit`, with
    ``skipped`` saying why where there is none. ``window`` is the factor in N around the best size (None: every
    size)."""
    import numpy as np

    N, D, L = (np.asarray(v, dtype=float) for v in (n_params, n_tokens, loss))
    order = np.argsort(N, kind="stable")
    x, logD, L = np.log(N[order]), np.log(D[order]), L[order]
    ids, xs, (logLs, logDs) = _sizes(x, [np.log(L), logD])
    # flops_ratio is the caller's to fill in (fit_isoflop: k·N·D / C over the budget's runs).
    base = dict(flops=float(flops), runs=tuple(int(r) for r in runs) or tuple(range(len(N))), n_sizes=len(xs),
                flops_ratio=(math.nan, math.nan))
    if method == "akima":
        if len(xs) < ISOFLOP_MIN_SIZES:
            return BudgetFit(**base, skipped=f"fewer than {ISOFLOP_MIN_SIZES} model sizes")
        best = int(np.argmin(logLs))
        if best in (0, len(xs) - 1):
            return BudgetFit(**base, skipped="its lowest loss is at its smallest or largest size")
        found = _akima_minimum(xs, logLs)
        if found is None:
            return BudgetFit(**base, skipped="its interpolated minimum lies at its smallest or largest size")
        x_opt, logL_opt, f = found
        grid = np.linspace(xs[0], xs[-1], 60)
        return BudgetFit(**base, n_params=math.exp(x_opt), n_tokens=math.exp(float(np.interp(x_opt, xs, logDs))),
                         loss=math.exp(logL_opt), window=(math.exp(xs[0]), math.exp(xs[-1])), window_runs=len(x),
                         curve=(tuple(np.exp(grid)), tuple(np.exp(f(grid)))))
    if method != "parabola":
        raise FitError(f"unknown isoFLOP method {method!r}; expected one of {', '.join(ISOFLOP_METHODS)}")
    log_window = math.inf if window is None else math.log(window)
    u_opt, x_best, lo, hi, c, reason = _parabola_minima(x, L, ids, xs, np.ones((1, len(x))), log_window)
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
                     curve=(tuple(np.exp(grid + x_best)), tuple(c0 + c1 * grid + c2 * grid ** 2)))


# ---------------------------------------------------------------------------------------------------------------------
# 3. the power laws


def power_law(log_c: ArrayLike, log_y: ArrayLike):
    """Least squares of log y = log G + e·log C: (log G, e, se(log G), se(e), residuals); NaN errors at 2 points."""
    import numpy as np

    A = np.column_stack([np.ones_like(log_c), log_c])
    theta, *_ = np.linalg.lstsq(A, log_y, rcond=None)
    resid = log_y - A @ theta
    dof = len(log_c) - 2
    if dof > 0:
        se = np.sqrt(np.diag(float(resid @ resid) / dof * np.linalg.inv(A.T @ A)))
    else:
        se = np.array([math.nan, math.nan])
    return float(theta[0]), float(theta[1]), float(se[0]), float(se[1]), resid


def _batched_slopes(log_c, Y):
    """Least-squares (intercept, slope) of each row of Y (NaN = missing) on log_c (one row, or one per row of Y),
    batched; NaN rows with < 2."""
    import numpy as np

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
    import numpy as np

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


# ---------------------------------------------------------------------------------------------------------------------
# the fit and its bootstrap


def _method_text(method, window):
    if method == "akima":
        return "Akima interpolation of log L against log N through every size (Porian et al. 2024), its exact minimum"
    if window is None:
        return "a parabola in log N over every size (Hoffmann et al. 2022 §3.2)"
    return (f"a parabola in log N over the sizes within a factor {window:g} of the best size's N, at least its "
            "nearest size on each side")


def _prepare(n_params, n_tokens, loss, flops, budget, k):
    import numpy as np

    N, D, L = check_runs(n_params, n_tokens, loss, 2)
    C = k * N * D if flops is None else np.asarray(flops, dtype=float).ravel()
    if len(C) != len(N) or not (np.isfinite(C) & (C > 0)).all():
        raise FitError("flops must be one finite number > 0 per run")
    if budget is not None:
        budget = np.asarray(budget, dtype=float).ravel()
        if len(budget) != len(N) or not (np.isfinite(budget) & (budget > 0)).all():
            raise FitError("budget must be one finite number > 0 (FLOPs) per run")
    return N, D, L, C, budget


def _budget_summary(fits, shown: int = 4) -> str:
    """What the budgets found were, grouped: ``2 usable (C = 1e+18, 1e+19); 1 with fewer than 3 model sizes
    (C = 1e+20)``, at most ``shown`` budgets named per group."""
    groups: dict[str, list] = {}
    for f in fits:
        groups.setdefault("usable" if f.used else f"with {f.skipped}", []).append(f"{f.flops:.2g}")
    return "; ".join(f"{len(cs)} {what} (C = {', '.join(cs[:shown])}{', …' if len(cs) > shown else ''})"
                     for what, cs in groups.items())


def fit_isoflop(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, flops: ArrayLike | None = None,
                budget: ArrayLike | None = None, method: str = "parabola",
                window: float | None = ISOFLOP_WINDOW, min_budgets: int = ISOFLOP_MIN_BUDGETS,
                flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, budget_column: str = "budget") -> FitResult:
    r"""Hoffmann et al.'s Approach 2 (arXiv:2203.15556, §3.2): N_opt = G·C^a from isoFLOP profiles.

    ``flops`` : each run's C (default k·N·D).  ``budget`` : each run's nominal budget in FLOPs (a budget column);
    without it the runs are clustered in log C (:func:`group_budgets`).  ``method`` : ``"parabola"`` over the sizes
    within a factor ``window`` of each budget's best size (None: all sizes), or ``"akima"`` (Porian et al. 2024).

    The result's ``extra`` holds ``budgets`` (a :class:`BudgetFit` per budget found), ``grouping`` (how they were
    found), ``n_opt_residuals`` (of the log N_opt regression) and the inputs the bootstrap needs; its ``residuals``
    are those of log L around each used budget's fitted curve. Raises FitError with fewer than ``min_budgets``.
    """
    import numpy as np

    k = flops_per_param_token
    N, D, L, C, budget = _prepare(n_params, n_tokens, loss, flops, budget, k)
    if window is not None and not window > 1:
        raise FitError(f"the isoFLOP window is a factor in N above 1 (got {window:g})")
    groups = group_budgets(C, N, budget, column=budget_column)
    fits = []
    for j, Cg in enumerate(groups.flops):
        idx = np.flatnonzero(groups.labels == j)
        f = budget_minimum(N[idx], D[idx], L[idx], method=method, window=window, flops=Cg, runs=idx)
        if budget is None and f.used:  # no nominal budget: C is the minimum's own k·N·D, the law's convention
            Cg = k * f.n_params * f.n_tokens
        ratio = k * N[idx] * D[idx] / Cg
        fits.append(dataclasses.replace(f, flops=float(Cg), flops_ratio=(float(ratio.min()), float(ratio.max()))))
    used = [f for f in fits if f.used]
    warnings = [f"the budget at C = {f.flops:.3g} ({len(f.runs)} runs) is skipped: {f.skipped}" for f in fits
                if not f.used]
    if len(used) < min_budgets:
        found = _budget_summary(fits)
        raise FitError(f"isoFLOP fitting needs at least {min_budgets} budgets with >= {ISOFLOP_MIN_SIZES} model "
                       f"sizes and a minimum inside them; found {len(fits)} budget{'s' if len(fits) != 1 else ''} "
                       f"{groups.source}: {found}; train "
                       "sizes on both sides of each optimum ('plan design'), name the budget column with "
                       "--budget-column, or use the parametric fit")
    idx = np.concatenate([f.runs for f in used]).astype(int)
    resid = np.concatenate([f.residuals for f in used]) if method == "parabola" else np.array([])
    residuals = {}
    if resid.size:
        residuals = {"rms": float(np.sqrt(np.mean(resid ** 2))), "mean_abs": float(np.mean(np.abs(resid))),
                     "median": float(np.median(resid)), "max_abs": float(np.max(np.abs(resid)))}
    text = (f"Approach 2 (Hoffmann et al. 2022 §3.2): per isoFLOP budget, {_method_text(method, window)}; then "
            f"log N_opt and log D_opt regressed on log C ({len(used)} of {len(fits)} budgets)")
    return allocation_result(
        np.log([f.flops for f in used]), np.log([f.n_params for f in used]), np.log([f.n_tokens for f in used]),
        N=N[idx], D=D[idx], k=k, n_runs=len(idx), method=text, warnings=warnings, residuals=residuals,
        extra={"approach": 2, "budgets": tuple(fits), "grouping": groups, "isoflop_method": method,
               "nominal_budgets": budget is not None,
               "window": window, "min_budgets": min_budgets,
               "inputs": {"n_params": N, "n_tokens": D, "loss": L, "flops": C}})


def _percentiles(samples, level):
    import numpy as np

    from ..planning.uncertainty import central_interval

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
    import numpy as np

    ok = np.isfinite(log_G) & np.isfinite(a) & (a > 0) & (a < 1) & np.isfinite(b)
    if not ok.any():
        raise FitError("no bootstrap resample gave a valid fit")
    samples = np.column_stack([np.exp(log_G[ok]), a[ok]])
    names = ("coefficient", "exponent")
    intervals, ses = sample_summary(samples, names, level)
    boot = BootstrapResult(
        form="allocation", names=names, samples=samples, intervals=intervals, standard_errors=ses, level=level, n_resamples=n_resamples, n_failed=int((~ok).sum()), seed=seed, method=method,
        flops_per_param_token=k)
    b_lo, b_hi = _percentiles(b[ok], level)
    return boot, (float(b_lo[0]), float(b_hi[0])), float(np.std(b[ok], ddof=1)) if ok.sum() > 1 else math.nan


def bootstrap_isoflop(fit: FitResult, *, n_resamples: int = 4000, seed: int | None = 0, level: float = 95.0,
                      progress: Callable[[int, int], None] | None = None) -> AllocationBootstrap:
    r"""Resample each used budget's runs with replacement ``n_resamples`` times and refit (Approach 2).

    Resample r draws, for every budget the full fit used, as many of its runs as it has, with replacement, from
    ``numpy.random.default_rng(seed)`` (budget by budget, all resamples at once); each budget's minimum is found
    again by the fit's own method and window, and log N_opt, log D_opt are regressed on log C again. A budget with
    no minimum in a resample is left out of that resample's regression; a resample with fewer budgets than the fit
    needs, or with a outside (0, 1), fails (dropped). Percentile intervals at ``level``; the same seed gives the same
    samples. ``fit`` is the full-data :func:`fit_isoflop` result (its grouping is kept).
    """
    import numpy as np

    check_bootstrap(fit, 2, n_resamples, level)
    inp = fit.extra["inputs"]
    N, D, L = inp["n_params"], inp["n_tokens"], inp["loss"]
    method, window = fit.extra["isoflop_method"], fit.extra["window"]
    used = [f for f in fit.extra["budgets"] if f.used]
    rng = np.random.default_rng(seed)
    R, B = n_resamples, len(used)
    x_opt = np.full((R, B), np.nan)
    log_d = np.full((R, B), np.nan)
    for j, f in enumerate(used):
        idx = np.asarray(f.runs)
        order = idx[np.argsort(N[idx], kind="stable")]
        x, Lb, logDb = np.log(N[order]), L[order], np.log(D[order])
        ids, xs, (logDs,) = _sizes(x, [logDb])
        counts = resample_counts(rng, R, len(order))
        if method == "parabola":
            u, xb, *_, reason = _parabola_minima(x, Lb, ids, xs, counts,
                                                 math.inf if window is None else math.log(window))
            x_opt[:, j] = np.where(reason == "", xb + u, np.nan)
        else:
            for r in range(R):
                cnt = np.bincount(ids, weights=counts[r], minlength=len(xs))
                present = cnt > 0
                sums = np.bincount(ids, weights=counts[r] * np.log(Lb), minlength=len(xs))
                xs_r, logL_r = xs[present], sums[present] / cnt[present]
                if len(xs_r) < ISOFLOP_MIN_SIZES or int(np.argmin(logL_r)) in (0, len(xs_r) - 1):
                    continue
                found = _akima_minimum(xs_r, logL_r)
                if found is not None:
                    x_opt[r, j] = found[0]
        log_d[:, j] = np.interp(x_opt[:, j], xs, logDs)
        if progress is not None:
            progress(round(R * (j + 1) / B), R)
    if fit.extra["nominal_budgets"]:
        log_c = np.broadcast_to(np.log([f.flops for f in used]), x_opt.shape)
    else:  # each resample's budgets are its minima's own k·N·D, as in the fit
        log_c = math.log(fit.flops_per_param_token) + x_opt + log_d
    enough = np.isfinite(x_opt).sum(axis=1) >= fit.extra["min_budgets"]
    x_opt[~enough] = np.nan
    log_d[~enough] = np.nan
    log_G, a = _batched_slopes(log_c, x_opt)
    _, b = _batched_slopes(log_c, log_d)
    text = (f"{R} resamples of each budget's runs with replacement (numpy default_rng, seed {seed}); each budget's "
            f"minimum refound by the fit's method and the power laws refitted; a budget without a minimum in a "
            f"resample is left out of it")
    boot, b_interval, b_se = coefficient_bootstrap(log_G, a, b, level=level, n_resamples=R, seed=seed, method=text,
                                                   k=fit.flops_per_param_token)
    intervals = []
    for j in range(B):
        ok = np.isfinite(x_opt[:, j])
        if ok.sum() >= 2:
            lo, hi = _percentiles(np.exp(x_opt[ok, j]), level)
            intervals.append((float(lo[0]), float(hi[0])))
        else:
            intervals.append((math.nan, math.nan))
    return AllocationBootstrap(coefficients=boot, b_interval=b_interval, b_standard_error=b_se,
                               budget_intervals=tuple(intervals))
