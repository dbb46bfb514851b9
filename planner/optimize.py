"""Numeric solvers for what has no closed form. scipy is imported inside each function.

The closed forms live in :mod:`planner.laws` and :mod:`planner.whatif`; these solvers are
the fallback for a law family without one, and the tests' independent oracles use the
same ideas written out separately.
"""

from __future__ import annotations

import math

__all__ = ["optimal_loss_numeric", "min_flops_for_loss_numeric"]


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
