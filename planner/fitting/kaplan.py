r"""Fitting Kaplan et al.'s L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (arXiv:2001.08361, Eq. 1.5) to runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

import math

from ..conventions import FLOPS_PER_PARAM_TOKEN, HUBER_DELTA, KAPLAN_GRID
from ..errors import FitError
from .multistart import multistart
from .objectives import KaplanObjective, grid as make_grid
from .result import FitResult, check_runs, data_range, residual_stats
from .standard_errors import gauss_newton_se

__all__ = ["fit_kaplan"]


def fit_kaplan(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, delta: float = HUBER_DELTA,
               grid: ArrayLike | None = None, polish: int = 8,
               flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN) -> FitResult:
    r"""Fit Kaplan et al.'s L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (arXiv:2001.08361, Eq. 1.5).

    Same objective as :func:`fit_parametric` (Huber δ on log L, summed) over
    θ = (log N_c, log D_c, α_N, α_D), from the 625-point :data:`KAPLAN_GRID`. Kaplan et al.
    fitted by least squares; the Huber loss is used here for robustness and consistency.
    """
    import numpy as np

    N, D, L = check_runs(n_params, n_tokens, loss, 4)
    x, y, l = np.log(N), np.log(D), np.log(L)
    starts = make_grid(KAPLAN_GRID, ("log_N_c", "log_D_c", "alpha_N", "alpha_D")) if grid is None else np.asarray(grid, float)
    theta, fval, converged, n_distinct, optima = multistart(KaplanObjective, starts, (x, y, l),
                                                             delta=delta, polish=polish)
    nc, dc, aN, aD = (float(v) for v in theta)
    coefs = {"alpha_N": aN, "alpha_D": aD, "N_c": math.exp(nc), "D_c": math.exp(dc)}
    from ..laws import KaplanLaw

    warnings = []
    if not converged:
        warnings.append("the final L-BFGS run did not meet its stopping test: the fit may not have converged")
    if aN <= 0 or aD <= 0:
        raise FitError(f"the Kaplan fit gave a non-positive exponent (alpha_N = {aN:.3g}, alpha_D = {aD:.3g}): "
                       "these runs do not follow the Kaplan form; try --form parametric")
    p = aN / aD
    u1 = p * (nc - x)
    u2 = dc - y
    m = np.maximum(u1, u2)
    lse = m + np.log(np.exp(u1 - m) + np.exp(u2 - m))
    w1 = np.exp(u1 - lse)
    w2 = np.exp(u2 - lse)
    J = np.column_stack([aN * w1, aD * w2, w1 * (nc - x), lse - p * w1 * (nc - x)])
    L_hat = np.exp(aD * lse)
    se = gauss_newton_se(J, l - aD * lse, [("N_c", coefs["N_c"]), ("D_c", coefs["D_c"]), ("alpha_N", 1.0),
                                            ("alpha_D", 1.0)])
    for name, v in (("log N_c", nc), ("log D_c", dc)):
        if v >= max(KAPLAN_GRID[name.replace(" ", "_")]) + 10:
            warnings.append(f"{name} = {v:.3g} ran far beyond the search grid: that term is poorly determined")
    law = KaplanLaw(flops_per_param_token=flops_per_param_token, **coefs)
    return FitResult(
        form="kaplan", coefficients=coefs, standard_errors={k: se[k] for k in coefs},
        standard_error_method="asymptotic (Gauss-Newton on log L, residual RMS)", exponents=law.exponents,
        objective=fval, n_runs=len(N), residuals=residual_stats(L, L_hat),
        data_range=data_range(N, D, flops_per_param_token), converged=converged, n_starts=len(starts),
        n_distinct_optima=n_distinct, warnings=tuple(warnings),
        method=f"Huber (delta = {delta:g}) on log L, summed; L-BFGS from {len(starts)} starts, best kept",
        flops_per_param_token=flops_per_param_token, theta=tuple(map(float, theta)), optima=optima[:polish],
        extra={"huber_delta": delta},
    )
