r"""Fitting Kaplan et al.'s L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (arXiv:2001.08361, Eq. 1.5) to runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

import math
import sys
from typing import Callable, Iterable, Mapping

from ..base.conventions import FLOPS_PER_PARAM_TOKEN, HUBER_DELTA, KAPLAN_GRID
from ..base.errors import FitError
from ..laws import KaplanLaw
from .lawfit import asymptotic_errors, fit_extra, method_text, search, weighting_text
from .objectives import HUBER_LOG, LEAST_SQUARES, OVERESTIMATE_PENALTY, KaplanObjective
from .outliers import find_outliers
from .result import FitResult, data_range, residual_stats

__all__ = ["fit_kaplan"]

#: ln of the largest float: a scale N_c or D_c beyond it has no float (math.exp raises OverflowError).
_LOG_FLOAT_MAX = math.log(sys.float_info.max)


def fit_kaplan(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, delta: float = HUBER_DELTA,
               grid: ArrayLike | None = None, polish: int = 8,
               flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, tie: Iterable = (),
               fix: Mapping[str, float] | None = None, objective: str = HUBER_LOG,
               overestimate_penalty: float = OVERESTIMATE_PENALTY, weights: ArrayLike | None = None,
               weighting: str | None = None, progress: Callable[[str, float, float], None] | None = None) -> FitResult:
    r"""Fit Kaplan et al.'s L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (arXiv:2001.08361, Eq. 1.5).

    Same objectives as :func:`fit_parametric` (default Huber δ on log L, summed) over
    θ = (log N_c, log D_c, α_N, α_D), from the 625-point :data:`KAPLAN_GRID` (over the free parameters when
    some are tied or fixed). Kaplan et al. fitted by least squares; the Huber loss is the default here for
    robustness and consistency.
    """
    import numpy as np

    param, N, D, L, starts, theta, fval, converged, n_distinct, optima = search(
        "kaplan", KaplanObjective, KAPLAN_GRID, n_params, n_tokens, loss, delta=delta, grid=grid, polish=polish,
        tie=tie, fix=fix, objective=objective, progress=progress, penalty=overestimate_penalty, weights=weights)
    x, y = np.log(N), np.log(D)
    nc, dc, aN, aD = (float(v) for v in theta)
    for name, v in (("N_c", nc), ("D_c", dc)):
        if not v < _LOG_FLOAT_MAX:   # exp would overflow: the term never varies over these runs
            raise FitError.worded(f"the Kaplan fit sent log {name} to {v:.3g}, past the largest float: its term does "
                                  "not vary over these runs, so they do not follow the Kaplan form; try "
                                  "{form_parametric}", form_parametric="fit_parametric")
    coefs = param.exact({"alpha_N": aN, "alpha_D": aD, "N_c": math.exp(nc), "D_c": math.exp(dc)})

    warnings = []
    if not converged:
        warnings.append("the final L-BFGS run did not meet its stopping test: the fit may not have converged")
    if aN <= 0 or aD <= 0:
        raise FitError.worded(f"the Kaplan fit gave a non-positive exponent (alpha_N = {aN:.3g}, alpha_D = {aD:.3g}): "
                       "these runs do not follow the Kaplan form; try {form_parametric}",
                       form_parametric="fit_parametric")
    p = aN / aD
    u1 = p * (nc - x)
    u2 = dc - y
    m = np.maximum(u1, u2)
    lse = m + np.log(np.exp(u1 - m) + np.exp(u2 - m))
    w1 = np.exp(u1 - lse)
    w2 = np.exp(u2 - lse)
    J = np.column_stack([aN * w1, aD * w2, w1 * (nc - x), lse - p * w1 * (nc - x)])
    L_hat = np.exp(aD * lse)
    se = asymptotic_errors(J, L, L_hat, objective, param, {"N_c": coefs["N_c"], "D_c": coefs["D_c"],
                                                           "alpha_N": 1.0, "alpha_D": 1.0})
    for name, v in (("log N_c", nc), ("log D_c", dc)):
        if name.replace("log ", "") not in param.fixed_coefficients and \
                v >= max(KAPLAN_GRID[name.replace(" ", "_")]) + 10:
            warnings.append(f"{name} = {v:.3g} ran far beyond the search grid: that term is poorly determined")
    law = KaplanLaw(flops_per_param_token=flops_per_param_token, **coefs)
    return FitResult(
        form="kaplan", coefficients=coefs, standard_errors={k: se[k] for k in coefs},
        standard_error_method=f"asymptotic (Gauss-Newton on {'L' if objective == LEAST_SQUARES else 'log L'}, "
                              "residual RMS)", exponents=law.exponents,
        objective=fval, n_runs=len(N), residuals=residual_stats(L, L_hat),
        data_range=data_range(N, D, flops_per_param_token), converged=converged, n_starts=len(starts),
        n_distinct_optima=n_distinct, warnings=tuple(warnings),
        method=method_text(objective, delta, param, len(starts), penalty=overestimate_penalty,
                           weighting=weighting_text(weights, weighting)),
        flops_per_param_token=flops_per_param_token, theta=tuple(map(float, theta)), optima=optima[:polish],
        extra=fit_extra(objective, delta, param, overestimate_penalty, weighting_text(weights, weighting)),
        outliers=find_outliers(L, L_hat, n_coefficients=param.n_free),
    )
