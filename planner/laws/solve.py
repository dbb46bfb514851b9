"""The one numeric fallback for what a law family has no closed form for. numpy and scipy are imported inside each
function, so the command line's scalar path stays fast.

- :func:`argmin_log`: a vectorised one-dimensional minimiser (a grid, then golden-section), elementwise over arrays of
  problems; the constraint solvers of :mod:`planner.planning.constraints` and the mixture of experts' optimum
  (:meth:`planner.laws.moe.FineGrainedMoE.optimum`) search log N with it.
- :func:`optimal_loss_numeric`, :func:`min_flops_for_loss_numeric`, :func:`flops_for_optimum_numeric`: L_opt(C),
  C_min(ℓ) and the budget at which an N (or a D) is optimal, from a family's ``loss`` and ``compute_optimal`` alone,
  for a family without the closed forms (:class:`planner.laws.questions.LossQuestions`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["argmin_log", "optimal_loss_numeric", "min_flops_for_loss_numeric", "flops_for_optimum_numeric",
           "ARGMIN_GRID", "ARGMIN_TOL"]

#: Grid points of :func:`argmin_log` before its golden-section refinement.
ARGMIN_GRID = 40
#: Final bracket width of :func:`argmin_log` in its variable (log N: the loss is flat there, exact to ~1e-16).
ARGMIN_TOL = 1e-8


class _Split(Protocol):
    """What the numeric fallback needs of a family: its FLOPs per parameter and token, its loss, its optimum."""

    @property
    def flops_per_param_token(self) -> float: ...

    def loss(self, n_params: Any, n_tokens: Any) -> Any: ...

    def compute_optimal(self, flops: Any) -> tuple[Any, Any]: ...


def argmin_log(f: Callable[[NDArray[Any]], NDArray[Any]], lo: Any, hi: Any) -> NDArray[Any]:
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
    out: NDArray[Any] = np.where(best_grid < ft, grid[i, cols], t)
    return out


def optimal_loss_numeric(model: _Split, flops: float) -> float:
    """L_opt(C) = min over N of L(N, C/(k·N)), by bounded minimisation in log N.

    Independent of ``model.compute_optimal``: only ``model.loss`` and ``k`` are used.
    """
    from scipy.optimize import minimize_scalar

    k = model.flops_per_param_token
    log_x = math.log(flops / k)  # log(N·D)

    def f(log_n: float) -> float:
        return float(model.loss(math.exp(log_n), math.exp(log_x - log_n)))

    res = minimize_scalar(f, bounds=(log_x * 0.02, log_x * 0.98), method="bounded",
                          options={"xatol": 1e-12, "maxiter": 2000})
    return float(res.fun)


def min_flops_for_loss_numeric(model: _Split, target_loss: float,
                               log10_bounds: tuple[float, float] = (0.0, 60.0)) -> float:
    """The least C with L_opt(C) = ``target_loss``: Brent's method on log C.

    L_opt(C) = L(N_opt(C), D_opt(C)) decreases in C, so the root is unique when it is
    bracketed; ``log10_bounds`` bracket log10 C. Raises ValueError if the target is not
    bracketed (callers check the law's floor first).
    """
    from scipy.optimize import brentq

    def g(log_c: float) -> float:
        C = math.exp(log_c)
        N, D = model.compute_optimal(C)
        return math.log(float(model.loss(N, D))) - math.log(target_loss)

    lo, hi = (b * math.log(10.0) for b in log10_bounds)
    return math.exp(float(brentq(g, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)))


def flops_for_optimum_numeric(model: _Split, key: str, value: float,
                              log10_bounds: tuple[float, float] = (-250.0, 250.0)) -> float:
    """The C at which ``model.compute_optimal(C)`` gives ``value`` for ``key`` (``"n_params"`` or ``"n_tokens"``):
    Brent's method on log X_opt(C) − log X, which increases in log C for the families planned here (X_opt ∝ C^a,
    a > 0). Independent of the families' closed-form inverses: only ``compute_optimal`` is used."""
    from scipy.optimize import brentq

    i = 0 if key == "n_params" else 1

    def g(log_c: float) -> float:
        return math.log(float(model.compute_optimal(math.exp(log_c))[i])) - math.log(value)

    lo, hi = (b * math.log(10.0) for b in log10_bounds)
    return math.exp(float(brentq(g, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)))
