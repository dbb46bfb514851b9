"""Numeric solvers for what has no closed form. numpy and scipy are imported inside each function.

- :func:`argmin_log`: a vectorised one-dimensional minimiser (a grid, then golden-section), elementwise over
  arrays of problems; the constraint solvers of :mod:`planner.planning.constraints` search log N with it.
- :func:`optimal_loss_numeric`, :func:`min_flops_for_loss_numeric`, :func:`flops_for_optimum_numeric`: the fallback for a law family without the
  closed forms of :mod:`planner.laws` and :mod:`planner.planning.whatif`.
- :func:`moe_optimum`: the compute-optimal N, D and granularity G of a fine-grained mixture of experts
  (:class:`~planner.laws.FineGrainedMoE`), which has no closed form.
"""

from __future__ import annotations

import math

__all__ = ["argmin_log", "optimal_loss_numeric", "min_flops_for_loss_numeric", "flops_for_optimum_numeric",
           "moe_optimum", "ARGMIN_GRID", "ARGMIN_TOL"]

#: Grid points of :func:`argmin_log` before its golden-section refinement.
ARGMIN_GRID = 40
#: Final bracket width of :func:`argmin_log` in its variable (log N: the loss is flat there, exact to ~1e-16).
ARGMIN_TOL = 1e-8


def argmin_log(f, lo, hi):
    """Minimise f(t) over t ∈ [lo, hi], elementwise over arrays of problems: a grid, then golden-section.

    ``f`` takes t of shape (S,) (S problems) and returns the same shape, with +inf where t is
    infeasible. The grid guards against a bad bracket; the
    golden-section search refines the best grid cell to ``ARGMIN_TOL`` in t.
    """
    import numpy as np

    lo, hi = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise FloatingPointError("the search interval is not finite")
    grid = lo + (hi - lo) * np.linspace(0.0, 1.0, ARGMIN_GRID)[:, None]
    # One grid point at a time: arrays of one row stay in cache (one call on the whole grid is ~2× slower).
    F = np.stack([f(row) for row in grid])
    F = np.where(np.isnan(F), np.inf, F)
    i = np.argmin(F, axis=0)
    cols = np.arange(lo.size)
    a = grid[np.maximum(i - 1, 0), cols]
    b = grid[np.minimum(i + 1, ARGMIN_GRID - 1), cols]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    width = float(np.max(b - a, initial=0.0))
    steps = max(0, math.ceil(math.log(max(width, ARGMIN_TOL) / ARGMIN_TOL) / math.log(1.0 / g)))
    for _ in range(steps):
        left = ~(fd < fc)            # keep [a, d]: the minimum is left of d
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        new = np.where(left, b - g * (b - a), a + g * (b - a))
        fnew = f(new)
        c, d, fc, fd = (np.where(left, new, d), np.where(left, c, new),
                        np.where(left, fnew, fd), np.where(left, fc, fnew))
    t = np.where(fc <= fd, c, d)
    ft = np.minimum(fc, fd)
    best_grid = F[i, cols]
    return np.where(best_grid < ft, grid[i, cols], t)



def optimal_loss_numeric(model, flops: float) -> float:
    """L_opt(C) = min over N of L(N, C/(k·N)), by bounded minimisation in log N.

    Independent of ``model.compute_optimal``: only ``model.loss`` and ``k`` are used.
    """
    from scipy.optimize import minimize_scalar

    k = model.flops_per_param_token
    log_x = math.log(flops / k)  # log(N·D)

    def f(log_n):
        return float(model.loss(math.exp(log_n), math.exp(log_x - log_n)))

    res = minimize_scalar(f, bounds=(log_x * 0.02, log_x * 0.98), method="bounded",
                          options={"xatol": 1e-12, "maxiter": 2000})
    return float(res.fun)


def min_flops_for_loss_numeric(model, target_loss: float, log10_bounds=(0.0, 60.0)) -> float:
    """The least C with L_opt(C) = ``target_loss``: Brent's method on log C.

    L_opt(C) = L(N_opt(C), D_opt(C)) decreases in C, so the root is unique when it is
    bracketed; ``log10_bounds`` bracket log10 C. Raises ValueError if the target is not
    bracketed (callers check the law's floor first).
    """
    from scipy.optimize import brentq

    def g(log_c):
        C = math.exp(log_c)
        N, D = model.compute_optimal(C)
        return math.log(float(model.loss(N, D))) - math.log(target_loss)

    lo, hi = (b * math.log(10.0) for b in log10_bounds)
    return math.exp(brentq(g, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))


def flops_for_optimum_numeric(model, key: str, value: float, log10_bounds=(-250.0, 250.0)) -> float:
    """The C at which ``model.compute_optimal(C)`` gives ``value`` for ``key`` (``"n_params"`` or ``"n_tokens"``):
    Brent's method on log X_opt(C) − log X, which increases in log C for the families planned here (X_opt ∝ C^a,
    a > 0). Independent of the families' closed-form inverses: only ``compute_optimal`` is used."""
    from scipy.optimize import brentq

    i = 0 if key == "n_params" else 1

    def g(log_c):
        return math.log(float(model.compute_optimal(math.exp(log_c))[i])) - math.log(value)

    lo, hi = (b * math.log(10.0) for b in log10_bounds)
    return math.exp(brentq(g, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500))


def moe_optimum(model, flops):
    """The (N, D, G) minimising a fine-grained MoE's L(N, D, G) subject to F(N, G)·D = C (Krajewski et al. 2024,
    §6.2), and L there, for a float or an array of budgets: a :class:`~planner.laws.moe.MoEOptimum`.

    Each G of ``model.granularities``: :func:`argmin_log` over s ∈ [0, 1], mapped to log N over
    [N_active = 1, N_active = C/c_f] (beyond which one token would exceed the budget). The loss along F = C is
    convex in log N (a decreasing power of N plus an increasing power of F per token, whose log is convex in log N),
    so the search finds its minimum; the same unit bracket for every budget makes a budget alone and the same budget
    among many give the same plan. Then the G with the lowest loss (the first of equals).
    """
    import numpy as np

    from ..laws.moe import MoEOptimum

    C = np.atleast_1d(np.asarray(flops, dtype=float))
    per_active = (8.0 * model.expansion_rate + 4.0) / 12.0   # N / N_active
    lo = np.log(per_active) + np.zeros_like(C)
    hi = np.log(per_active * C / model.flops_per_param_token)
    best = None
    for G in model.granularities:
        def on_budget(s, G=G):
            N = np.exp(lo + s * (hi - lo))
            return model.loss(N, C / model.flops_per_token(N, G), G)

        s = argmin_log(on_budget, np.zeros_like(C), np.ones_like(C))
        N = np.exp(lo + s * (hi - lo))
        D = C / model.flops_per_token(N, G)
        candidate = (N, D, np.full_like(C, G), model.loss(N, D, G))
        if best is None:
            best = candidate
        else:
            better = candidate[3] < best[3]
            best = tuple(np.where(better, new, old) for new, old in zip(candidate, best))
    if isinstance(flops, (int, float)):
        return MoEOptimum(*(float(x[0]) for x in best))
    return MoEOptimum(*(x.reshape(np.shape(flops)) for x in best))
