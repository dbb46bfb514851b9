r"""Fitting the loss-against-compute envelope L(C) = E + A·C^(−α) (:class:`~planner.laws.EnvelopeLaw`) to runs.

The points are the lowest loss at each compute (several runs of one budget keep their best), or runs that are
already each budget's compute-optimal one. With the asymptote E pinned (``fix={"E": ...}``, as marin pins
L∞ = 1.6: marin-community/marin, ``experiments/grug/moe/agent.md``) the fit is ordinary least squares of

    y = log(L − E) = log A − α·log C

closed form; with α pinned too a single point fixes A = (L − E)·C^α, marin's "recentring" through a baseline
run. With E free, the fit minimises Σ (log L_i − log L̂_i)² (scipy's least squares, from the best pinned-E fit over
a grid of E below the lowest loss).

The lack-of-fit interval marin#8096 asks for (pinned E, n ≥ 3 points): the Student-t prediction interval of y at
x₀ = log C₀ with n − 2 degrees of freedom, s² = Σ r_i²/(n − 2), r the residuals of y::

    ŷ(x₀) ± t_{n−2}·s·√(1 + 1/n + (x₀ − x̄)²/S_xx),   L = E + exp(y)

(:func:`lack_of_fit_interval`). The bootstrap (:func:`bootstrap_envelope`) resamples the points with replacement and
refits each resample the same way.
"""

from __future__ import annotations

import math
from typing import Mapping

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.errors import FitError
from .parametrisation import FIXED_EXPONENT_RANGE, TieOrFixError, check_fixed_exponent
from .result import (BootstrapResult, FitDetails, FitResult, check_resampling, resample_counts, residual_stats,
                     sample_summary)

__all__ = ["envelope_points", "fit_envelope", "bootstrap_envelope", "lack_of_fit_interval", "ENVELOPE_NAMES"]

#: The coefficients of the envelope, in order.
ENVELOPE_NAMES = ("E", "A", "alpha")
#: Points of the grid of E (below the lowest loss) that starts a free-E fit.
_E_GRID = 64


def envelope_points(flops, loss):
    """(C, L): the lowest loss at each distinct compute (budgets equal to 1e-9 relative are one), in increasing C."""
    import numpy as np

    C, L = np.asarray(flops, float), np.asarray(loss, float)
    order = np.lexsort((L, C))
    C, L = C[order], L[order]
    keep = np.ones(len(C), bool)
    keep[1:] = np.abs(np.diff(np.log(C))) > 1e-9
    starts = np.flatnonzero(keep)
    return C[starts], np.minimum.reduceat(L, starts)


def _ols(x, y, w=None, alpha=None):
    """(log A, α) of y = log A − α·x by (weighted) least squares; α given → log A alone. Rows of w: resamples."""
    import numpy as np

    w = np.ones((1, len(x))) if w is None else np.atleast_2d(w)
    n = w.sum(axis=1)
    xm, ym = (w @ x) / n, (w @ y) / n
    if alpha is not None:
        return ym + alpha * xm, np.full(len(n), float(alpha))
    sxx = (w * (x - xm[:, None]) ** 2).sum(axis=1)
    sxy = (w * (x - xm[:, None]) * (y - ym[:, None])).sum(axis=1)
    with np.errstate(all="ignore"):
        slope = sxy / sxx
    return ym - slope * xm, -slope


def _coefficients(C, L, fix: Mapping[str, float], w=None):
    """(E, A, α) arrays, one per row of ``w`` (a single fit without it)."""
    import numpy as np

    x = np.log(C)
    if "E" in fix:
        E = float(fix["E"])
        logA, alpha = _ols(x, np.log(L - E), w, fix.get("alpha"))
        return np.full(len(logA), E), np.exp(logA), alpha
    from scipy.optimize import least_squares

    rows = np.ones((1, len(C))) if w is None else np.atleast_2d(w)
    out = []
    for weights in rows:
        sw = np.sqrt(weights)

        def resid(theta):
            E, logA, a = theta
            return sw * (np.log(L) - np.log(E + np.exp(logA - a * x)))

        top = float(L[weights > 0].min())
        grid = top * (1 - np.geomspace(1e-3, 0.999, _E_GRID))
        with np.errstate(all="ignore"):   # points a resample leaves out may lie below a trial E
            starts = [(E, *(v[0] for v in _ols(x, np.log(L - E), weights, fix.get("alpha")))) for E in grid]
        best = min(starts, key=lambda t: float(np.sum(resid(t) ** 2)) if np.isfinite(t).all() else math.inf)
        if not np.isfinite(best).all():   # a resample of one budget: no slope to start from (counted as failed)
            out.append(np.full(3, math.nan))
            continue
        lo = [0.0, -np.inf, fix["alpha"] - 1e-12 if "alpha" in fix else 0.0]
        hi = [top, np.inf, fix["alpha"] + 1e-12 if "alpha" in fix else np.inf]
        x0 = np.clip(best, np.array(lo) + 1e-12, np.array(hi) - 1e-12)
        res = least_squares(resid, x0, bounds=(lo, hi), xtol=1e-14, ftol=1e-14, gtol=1e-14)
        out.append(res.x)
    E, logA, alpha = np.array(out).T
    return E, np.exp(logA), alpha


def _check(flops, loss, fix):
    import numpy as np

    C, L = envelope_points(flops, loss)
    unknown = sorted(set(fix) - set(ENVELOPE_NAMES))
    if unknown:
        raise TieOrFixError(f"the envelope has coefficients E, A, alpha; cannot fix {', '.join(unknown)}")
    if "A" in fix:
        raise TieOrFixError("the envelope fits A; fix E and/or alpha")
    if "alpha" in fix:
        check_fixed_exponent("alpha", float(fix["alpha"]))
    if not (np.isfinite(C).all() and np.isfinite(L).all() and (C > 0).all() and (L > 0).all()):
        raise FitError("the envelope needs finite positive compute and losses")
    free = 3 - len(fix)
    if len(C) < free:
        raise FitError.worded(f"{len(C)} distinct budgets cannot fit an envelope with {free} free coefficients; give "
                              f"at least {free}, or pin the asymptote ({{fix_E}})", fix_E="fix={'E': VALUE}")
    if "E" in fix and not (L > fix["E"]).all():
        raise FitError(f"every loss must lie above the pinned asymptote E = {fix['E']:g} (lowest loss "
                       f"{L.min():g})")
    return C, L


def fit_envelope(flops, loss, *, fix: Mapping[str, float] | None = None,
                 flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN) -> FitResult:
    """Fit L(C) = E + A·C^(−α) to the lowest loss per compute of ``flops``, ``loss`` (see the module docstring).

    ``fix`` pins E and/or α (not A). Returns a :class:`FitResult` of form ``"envelope"``; ``extra`` records the
    fixed coefficients, the points and, with E pinned and n ≥ 3, the residual scale of the lack-of-fit interval.
    """
    import numpy as np

    fix = dict(fix or {})
    C, L = _check(flops, loss, fix)
    E, A, alpha = (float(v[0]) for v in _coefficients(C, L, fix))
    if not all(map(math.isfinite, (E, A, alpha))):
        raise FitError(f"no envelope fits the lowest losses of these {len(C)} budgets (E, A, alpha = {E:g}, {A:g}, "
                       f"{alpha:g}); check that the loss falls with compute")
    L_hat = E + A * C ** (-alpha)
    r = np.log(L) - np.log(L_hat)
    extra = FitDetails(points=(tuple(map(float, C)), tuple(map(float, L))))
    if fix:
        extra["fixed"] = fix
    warnings = []
    if alpha < FIXED_EXPONENT_RANGE[0]:
        warnings.append(f"the fitted exponent alpha = {alpha:.3g} is below {FIXED_EXPONENT_RANGE[0]:g}: the loss does "
                        "not fall with compute over these budgets")
    return FitResult(
        form="envelope", coefficients={"E": E, "A": A, "alpha": alpha},
        standard_errors={name: math.nan for name in ENVELOPE_NAMES}, standard_error_method="none (bootstrap them)",
        exponents=(math.nan, math.nan), objective=float(np.sum(r * r)), n_runs=len(C),
        residuals=residual_stats(L, L_hat), data_range={"flops": (float(C.min()), float(C.max()))},
        warnings=tuple(warnings), flops_per_param_token=flops_per_param_token, extra=extra,
        method=("least squares on log(L - E) against log C, E pinned" if "E" in fix
                else "least squares on log L, E free") + f"; the lowest loss at each of {len(C)} budgets")


def bootstrap_envelope(fit: FitResult, *, n_resamples: int = 1000, seed: int | None = 0,
                       level: float = 95.0) -> BootstrapResult:
    """Refit ``fit``'s points on ``n_resamples`` resamples with replacement (numpy default_rng(seed)); percentile
    intervals. Pinned coefficients stay pinned."""
    import numpy as np

    check_resampling(n_resamples, level)
    fix = dict(fit.extra.get("fixed", {}))
    C, L = (np.asarray(v) for v in fit.extra["points"])
    w = resample_counts(np.random.default_rng(seed), n_resamples, len(C))
    E, A, alpha = _coefficients(C, L, fix, w)
    samples = np.column_stack([E, A, alpha])
    ok = np.isfinite(samples).all(axis=1) & (samples[:, 2] > 0)
    samples = samples[ok]
    if not len(samples):
        raise FitError("no bootstrap resample gave a valid envelope")
    intervals, ses = sample_summary(samples, ENVELOPE_NAMES, level)
    return BootstrapResult(form="envelope", names=ENVELOPE_NAMES, samples=samples, intervals=intervals,
                           standard_errors=ses, level=level, n_resamples=n_resamples, n_failed=int((~ok).sum()),
                           seed=seed, flops_per_param_token=fit.flops_per_param_token,
                           method=f"{n_resamples} resamples of the {len(C)} points with replacement (numpy "
                                  f"default_rng, seed {seed}), each refitted")


def lack_of_fit_interval(fit: FitResult, flops, level: float = 95.0):
    """(low, high) of the central ``level``% Student-t prediction interval of the loss at ``flops`` (float or
    array), n − 2 degrees of freedom, for an envelope fitted with E pinned and α free on n ≥ 3 points (module
    docstring)."""
    import numpy as np
    from scipy.stats import t as student

    fix = dict(fit.extra.get("fixed", {}))
    C, L = (np.asarray(v) for v in fit.extra["points"])
    n = len(C)
    if "E" not in fix or "alpha" in fix or n < 3:
        raise FitError("the lack-of-fit interval needs the asymptote E pinned, alpha fitted and at least 3 points "
                       f"(got {n} point(s), pinned: {', '.join(fix) or 'nothing'})")
    E, A, alpha = (fit.coefficients[k] for k in ENVELOPE_NAMES)
    x, y = np.log(C), np.log(L - E)
    r = y - (math.log(A) - alpha * x)
    s = math.sqrt(float(np.sum(r * r)) / (n - 2))
    xm, sxx = float(x.mean()), float(np.sum((x - x.mean()) ** 2))
    x0 = np.log(np.asarray(flops, float))
    half = student.ppf(0.5 + level / 200.0, n - 2) * s * np.sqrt(1 + 1 / n + (x0 - xm) ** 2 / sxx)
    y0 = math.log(A) - alpha * x0
    return E + np.exp(y0 - half), E + np.exp(y0 + half)
