r"""Hoffmann et al.'s Approach 2 (arXiv:2203.15556, §3.2) on isoFLOP sweeps as real runs have them.

1. **Budgets.** Each run belongs to one nominal budget C: from a budget column where the runs file has one, else
   by clustering the runs' C = 6·N·D in log C (:func:`group_budgets`). A budget counts the FLOPs a run really did, so
   one sweep's 6·N·D spreads around its C (0.7–1.5 × C is still one budget, :data:`BUDGET_SPREAD`). Without a
   column the nominal C is unknown, and a budget's C is its minimum's own k·N_opt·D_opt: the compute the fitted
   rule, which splits C = k·N·D, gives that N_opt.
2. **One minimum per budget** (:func:`planner.fitting.profiles.budget_minimum`), never over the whole of a wide
   sweep:

   - ``auto`` (default): one of the two below, chosen per budget from the sweep itself (the parabola unless the
     budget is dense near its minimum and the parabola does not fit there); which one is each :class:`BudgetFit`'s
     ``estimator``, and a warning names each budget where the two differ by more than the parabola's 95% interval.
   - ``parabola``: L = c₀ + c₁·u + c₂·u², u = log N − log N_best, by least squares over the sizes within
     a factor ``window`` of the best size N_best (the size of lowest loss; at least its nearest size on each side),
     so log N_opt = log N_best − c₁/(2c₂). Its standard error is the delta method's:
     Var(u*) = ∇u*ᵀ Σ ∇u*, ∇u* = (c₁/(2c₂²), −1/(2c₂)) over (c₂, c₁), Σ = s²(XᵀX)⁻¹.
   - ``akima``: Porian et al.'s (2024, arXiv:2406.19146) interpolation of log L against log N by Akima's
     piecewise cubic through every size, and its exact minimum (the roots of its derivative).

   A budget with fewer than 3 sizes, whose best size is its smallest or largest, or whose minimum falls outside the
   window, is skipped with a warning; fewer than 3 budgets left is an error.
3. **The rule.** log N_opt = log G + a·log C and log D_opt = log G_D + b·log C by least squares over the budgets
   (Hoffmann fit both; with C = 6·N·D exactly, b = 1 − a). The law is the allocation rule N_opt = G·C^a
   (:mod:`planner.fitting.allocation`, shared with Approach 1).

:func:`bootstrap_isoflop` resamples the runs within each budget and repeats steps 2–3.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..base.conventions import (BUDGET_MISMATCH, BUDGET_SPREAD, FLOPS_PER_PARAM_TOKEN, ISOFLOP_AGREEMENT_LEVEL,
                                ISOFLOP_AUTO_LEVEL, ISOFLOP_AUTO_SIDES, ISOFLOP_MIN_BUDGETS, ISOFLOP_MIN_SIZES,
                                ISOFLOP_WINDOW, SAME_BUDGET_RTOL)
from ..base.errors import FitError, literal
from ..base.records import Record, record
from ..planning.uncertainty import normal_quantile
from .allocation import (AllocationBootstrap, allocation_result, batched_slopes, check_bootstrap, coefficient_bootstrap,
                         percentile_interval, size_ids)
from .profiles import (ISOFLOP_METHODS, BudgetFit, akima_minimum, budget_minimum, log_window, parabola_minima,
                       profile_sizes)
from .result import FitResult, check_runs, resample_counts
from .runs import times_apart

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["fit_isoflop", "bootstrap_isoflop", "group_budgets", "budget_minimum", "Budgets", "BudgetFit",
           "AllocationBootstrap", "ISOFLOP_METHODS"]


@record
class Budgets(Record):
    """Runs grouped into nominal budgets.

    labels : the budget of each run (an index into ``flops``).  flops : each budget's C in FLOPs (the column's value,
    or the geometric mean of its runs' C).  source : how they were found, for the report.
    """

    labels: np.ndarray
    flops: tuple[float, ...]
    source: str


def group_budgets(flops: ArrayLike, n_params: ArrayLike, budget: ArrayLike | None = None, *,
                  spread: tuple[float, float] = BUDGET_SPREAD, column: str = "budget") -> Budgets:
    r"""Each run's nominal budget: the ``budget`` column's value where given, else clusters of log C.

    Without a column, adjacent runs in sorted log C are merged, smallest gap first (single linkage), unless the
    merged cluster would span more than ``spread[1]/spread[0]`` in C (a sweep at nominal C may have 6·N·D anywhere
    in ``spread`` × C), or unless one model size would then appear at two C more than :data:`SAME_BUDGET_RTOL`
    apart (a sweep trains each size once; its repeats share one C). A budget's C is the geometric mean of its runs'.
    """
    C = np.asarray(flops, dtype=float)
    if budget is not None:
        B = np.asarray(budget, dtype=float)
        values, labels = np.unique(B, return_inverse=True)
        return Budgets(labels=labels, flops=tuple(float(v) for v in values), source=f"from column {column!r}")
    lc = np.log(C)
    order = np.argsort(lc, kind="stable")
    x = lc[order]
    size = size_ids(np.asarray(n_params, dtype=float))[order]
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
# the fit and its bootstrap


def _method_text(method, window, fits=()):
    if method == "auto":
        used = [f for f in fits if f.used]
        n_akima = sum(f.estimator == "akima" for f in used)
        return (f"the minimum chosen per budget from the sweep: {_method_text('parabola', window)} "
                f"({len(used) - n_akima} budgets), or Akima interpolation where a budget has {ISOFLOP_AUTO_SIDES}+ "
                f"sizes on each side of its best size and the parabola's lack of fit is significant at "
                f"{ISOFLOP_AUTO_LEVEL:g} ({n_akima} budgets)")
    if method == "akima":
        return "Akima interpolation of log L against log N through every size (Porian et al. 2024), its exact minimum"
    if window is None:
        return "a parabola in log N over every size (Hoffmann et al. 2022 §3.2)"
    return (f"a parabola in log N over the sizes within a factor {window:g} of the best size's N, at least its "
            "nearest size on each side")


def _prepare(n_params, n_tokens, loss, flops, budget, k):
    N, D, L = check_runs(n_params, n_tokens, loss, 2)
    C = k * N * D if flops is None else np.asarray(flops, dtype=float).ravel()
    if len(C) != len(N) or not (np.isfinite(C) & (C > 0)).all():
        raise FitError("flops must be one finite number > 0 per run")
    if budget is not None:
        budget = np.asarray(budget, dtype=float).ravel()
        if len(budget) != len(N) or not (np.isfinite(budget) & (budget > 0)).all():
            raise FitError("budget must be one finite number > 0 (FLOPs) per run")
    return N, D, L, C, budget


def _check_budget_units(fits, k: float, column: str) -> None:
    """FitError unless every run's k·N·D lies within :data:`~planner.base.conventions.BUDGET_MISMATCH` times its
    nominal budget either way: beyond, the budget column counts something else than the runs' FLOPs (a million times
    below 6·N·D planned 25T parameters at 2.8e-6 tokens per parameter), and the fit would be against its units."""
    worst = max(fits, key=lambda f: times_apart(f.flops_ratio).max())
    if times_apart(worst.flops_ratio).max() <= BUDGET_MISMATCH:
        return
    off = max(worst.flops_ratio, key=times_apart)
    raise FitError.worded(
        f"the budget column {{column}} does not count the runs' FLOPs: at its budget of {worst.flops:.3g}, {k:g}·N·D "
        f"is {off:.3g} × the budget, beyond the {BUDGET_MISMATCH:g}× either way that real sweeps show (Chinchilla's "
        "0.23–4.3×); give the budgets in FLOPs, or pass {allow_budget_mismatch} to fit against them as they are",
        column=repr(column), allow_budget_mismatch="allow_budget_mismatch=True")


def _budget_summary(fits, shown: int = 4) -> str:
    """What the budgets found were, grouped: ``2 usable (C = 1e+18, 1e+19); 1 with fewer than 3 model sizes
    (C = 1e+20)``, at most ``shown`` budgets named per group."""
    groups: dict[str, list] = {}
    for f in fits:
        groups.setdefault("usable" if f.used else f"with {f.skipped}", []).append(f"{f.flops:.2g}")
    return "; ".join(f"{len(cs)} {what} (C = {', '.join(cs[:shown])}{', …' if len(cs) > shown else ''})"
                     for what, cs in groups.items())


def _disagreement(f: BudgetFit) -> str:
    """The warning of a budget whose two estimators disagree (``auto``)."""
    parabola, akima = (f.n_params, f.other_n_params) if f.estimator == "parabola" else (f.other_n_params, f.n_params)
    return (f"the budget at C = {f.flops:.3g}: the parabola's N_opt {parabola:.3g} and Akima's {akima:.3g} differ by "
            f"a factor {max(parabola, akima) / min(parabola, akima):.3g}, more than the budget's "
            f"{ISOFLOP_AGREEMENT_LEVEL:g}% interval of their ratio (×/÷ {f.tolerance:.3g}); {f.estimator} "
            "used (the profile's shape is uncertain here: check its sizes, or fit both methods by name)")


def fit_isoflop(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, flops: ArrayLike | None = None,
                budget: ArrayLike | None = None, method: str = "auto",
                window: float | None = ISOFLOP_WINDOW, min_budgets: int = ISOFLOP_MIN_BUDGETS,
                flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, budget_column: str = "budget",
                allow_budget_mismatch: bool = False) -> FitResult:
    r"""Hoffmann et al.'s Approach 2 (arXiv:2203.15556, §3.2): N_opt = G·C^a from isoFLOP profiles.

    ``flops`` : each run's C (default k·N·D).  ``budget`` : each run's nominal budget in FLOPs (a budget column);
    without it the runs are clustered in log C (:func:`group_budgets`).  ``method`` : ``"auto"`` (each budget's
    estimator chosen from its sweep, :func:`~planner.fitting.profiles.budget_minimum`), ``"parabola"`` over the sizes
    within a factor ``window`` of each budget's best size (None: all sizes), or ``"akima"`` (Porian et al. 2024).

    The result's ``extra`` holds ``budgets`` (a :class:`BudgetFit` per budget found), ``grouping`` (how they were
    found), ``n_opt_residuals`` (of the log N_opt regression) and the inputs the bootstrap needs; its ``residuals``
    are those of log L around each used budget's fitted curve. Raises FitError with fewer than ``min_budgets``, and
    where a run's k·N·D is more than :data:`~planner.base.conventions.BUDGET_MISMATCH` times off its ``budget`` (the
    column is in other units) unless ``allow_budget_mismatch``.
    """
    k = flops_per_param_token
    N, D, L, C, budget = _prepare(n_params, n_tokens, loss, flops, budget, k)
    if window is not None and not window > 1:
        raise FitError(f"the isoFLOP window is a factor in N above 1 (got {window:g})")
    groups = group_budgets(C, N, budget, column=budget_column)
    fits = []
    for j, Cg in enumerate(groups.flops):
        idx = np.flatnonzero(groups.labels == j)
        f = budget_minimum(N[idx], D[idx], L[idx], method=method, window=window, flops=Cg, runs=idx.tolist())
        if budget is None and f.used:  # no nominal budget: C is the minimum's own k·N·D, the law's convention
            Cg = k * f.n_params * f.n_tokens
        ratio = k * N[idx] * D[idx] / Cg
        fits.append(dataclasses.replace(f, flops=float(Cg), flops_ratio=(float(ratio.min()), float(ratio.max()))))
    if budget is not None and not allow_budget_mismatch:
        _check_budget_units(fits, k, budget_column)
    used = [f for f in fits if f.used]
    warnings = [f"the budget at C = {f.flops:.3g} ({len(f.runs)} runs) is skipped: {f.skipped}" for f in fits
                if not f.used]
    warnings += [_disagreement(f) for f in fits if f.used and f.disagrees]
    if len(used) < min_budgets:
        found = _budget_summary(fits)
        found_text = literal(f"isoFLOP fitting needs at least {min_budgets} budgets with >= {ISOFLOP_MIN_SIZES} "
                             f"model sizes and a minimum inside them; found {len(fits)} "
                             f"budget{'s' if len(fits) != 1 else ''} {groups.source}: {found}; ")
        raise FitError.worded(found_text + "train sizes on both sides of each optimum ({design}), name the budget "
                              "column with {column_budget}, or use the parametric fit",
                              design="planner.design_isoflop", column_budget="budget=")
    idx = np.concatenate([f.runs for f in used]).astype(int)
    resid = np.concatenate([np.asarray(f.residuals, dtype=float) for f in used])
    residuals = {}
    if resid.size:
        residuals = {"rms": float(np.sqrt(np.mean(resid ** 2))), "mean_abs": float(np.mean(np.abs(resid))),
                     "median": float(np.median(resid)), "max_abs": float(np.max(np.abs(resid)))}
    text = (f"Approach 2 (Hoffmann et al. 2022 §3.2): per isoFLOP budget, {_method_text(method, window, fits)}; then "
            f"log N_opt and log D_opt regressed on log C ({len(used)} of {len(fits)} budgets)")
    return allocation_result(
        np.log([f.flops for f in used]), np.log([f.n_params for f in used]), np.log([f.n_tokens for f in used]),
        N=N[idx], D=D[idx], k=k, n_runs=len(idx), method=text, warnings=warnings, residuals=residuals,
        extra={"approach": 2, "budgets": tuple(fits), "grouping": groups, "isoflop_method": method,
               "nominal_budgets": budget is not None,
               "window": window, "min_budgets": min_budgets,
               "inputs": {"n_params": N, "n_tokens": D, "loss": L, "flops": C}})


def bootstrap_isoflop(fit: FitResult, *, n_resamples: int = 4000, seed: int | None = 0, level: float = 95.0,
                      progress: Callable[[int, int], None] | None = None) -> AllocationBootstrap:
    r"""Resample each used budget's runs with replacement ``n_resamples`` times and refit (Approach 2).

    Resample r draws, for every budget the full fit used, as many of its runs as it has, with replacement, from
    ``numpy.random.default_rng(seed)`` (budget by budget, all resamples at once); each budget's minimum is found
    again by the fit's own method and window, and log N_opt, log D_opt are regressed on log C again. A budget with
    no minimum in a resample is left out of that resample's regression; a resample with fewer budgets than the fit
    needs, or with a outside (0, 1), fails (dropped). Percentile intervals at ``level``; the same seed gives the same
    samples. ``fit`` is the full-data :func:`fit_isoflop` result (its grouping is kept); with ``auto`` each budget is
    refound by the estimator the fit chose for it.
    """
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
        ids, xs, (logDs,) = profile_sizes(x, [logDb])
        counts = resample_counts(rng, R, len(order))
        estimator = f.estimator if method == "auto" else method  # auto: each budget keeps the fit's choice
        if estimator == "parabola":
            u, xb, *_, reason = parabola_minima(x, Lb, ids, xs, counts, log_window(window))
            x_opt[:, j] = np.where(reason == "", xb + u, np.nan)
        else:
            for r in range(R):
                cnt = np.bincount(ids, weights=counts[r], minlength=len(xs))
                present = cnt > 0
                sums = np.bincount(ids, weights=counts[r] * np.log(Lb), minlength=len(xs))
                xs_r, logL_r = xs[present], sums[present] / cnt[present]
                if len(xs_r) < ISOFLOP_MIN_SIZES or int(np.argmin(logL_r)) in (0, len(xs_r) - 1):
                    continue
                found = akima_minimum(xs_r, logL_r)
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
    log_G, a = batched_slopes(log_c, x_opt)
    _, b = batched_slopes(log_c, log_d)
    text = (f"{R} resamples of each budget's runs with replacement (numpy default_rng, seed {seed}); each budget's "
            f"minimum refound by the fit's method and the power laws refitted; a budget without a minimum in a "
            f"resample is left out of it")
    boot, b_interval, b_se = coefficient_bootstrap(log_G, a, b, level=level, n_resamples=R, seed=seed, method=text,
                                                   k=fit.flops_per_param_token)
    intervals = []
    for j in range(B):
        ok = np.isfinite(x_opt[:, j])
        if ok.sum() >= 2:
            lo, hi = percentile_interval(np.exp(x_opt[ok, j]), level)
            intervals.append((float(lo[0]), float(hi[0])))
        else:
            intervals.append((math.nan, math.nan))
    return AllocationBootstrap(coefficients=boot, b_interval=b_interval, b_standard_error=b_se,
                               budget_intervals=tuple(intervals))
