r"""Fitting the parametric law L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, arXiv:2203.15556, Eq. 2) to runs.

As Hoffmann et al. (App. D.2) and Besiroglu et al. 2024 (arXiv:2404.10102, §2) do it: with A = e^a, B = e^b,
E = e^e, minimise over θ = (a, b, e, α, β)::

    Σ_i Huber_δ( LSE(a − α·log N_i, b − β·log D_i, e) − log L_i ),   δ = 10⁻³,

summed over runs, by L-BFGS from each point of the grid α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1},
a, b ∈ {0, 5, …, 25} (4,500 starts; :data:`planner.conventions.PARAMETRIC_GRID`), keeping the best
(:func:`planner.fitting.multistart.multistart`). ``bench/bench_fit.py`` compares it with running scipy's
L-BFGS-B from every start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

import math

from ..conventions import FLOPS_PER_PARAM_TOKEN, HUBER_DELTA, PARAMETRIC_GRID
from ..errors import FitError
from .multistart import multistart
from .objectives import ParametricObjective, grid as make_grid
from .result import FitResult, check_runs, data_range, residual_stats
from .standard_errors import gauss_newton_se

__all__ = ["fit_parametric", "parametric_coefficients"]


def parametric_coefficients(theta) -> dict[str, float]:
    a, b, e, al, be = (float(v) for v in theta)
    return {"E": math.exp(e), "A": math.exp(a), "B": math.exp(b), "alpha": al, "beta": be}


def fit_parametric(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, delta: float = HUBER_DELTA,
                   grid: ArrayLike | None = None, polish: int = 8,
                   flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN) -> FitResult:
    r"""Fit L(N, D) = E + A/N^α + B/D^β to runs (Hoffmann et al. 2022, Eq. 2; Approach 3).

    n_params, n_tokens, loss : arrays of N, D and final loss (nats/token), one per run.
    delta : Huber δ on log-loss residuals (10⁻³ as Hoffmann and Besiroglu).
    grid : (S, 5) starts over θ = (a, b, e, α, β); default the 4,500-point grid of
        :data:`PARAMETRIC_GRID`.
    polish : how many of the best distinct end points are re-converged in double precision.

    Standard errors are asymptotic: σ̂²·(JᵀJ)⁻¹ with J the Jacobian of log L̂ in θ and σ̂ the
    residual RMS, mapped to A, B, E by the delta method (dA = A·da). For robust intervals
    use :func:`bootstrap`.
    """
    import numpy as np

    N, D, L = check_runs(n_params, n_tokens, loss, 5)
    x, y, l = np.log(N), np.log(D), np.log(L)
    starts = make_grid(PARAMETRIC_GRID, ("a", "b", "e", "alpha", "beta")) if grid is None else np.asarray(grid, float)
    theta, fval, converged, n_distinct, optima = multistart(ParametricObjective, starts, (x, y, l),
                                                             delta=delta, polish=polish)
    coefs = parametric_coefficients(theta)
    a, b, e, al, be = theta
    if al <= 0 or be <= 0:
        raise FitError(f"the best fit has a non-positive exponent (alpha = {al:.3g}, beta = {be:.3g}): loss does not "
                       "fall with model size and data in these runs; check the loss column and the runs")
    t1 = np.exp(a - al * x)
    t2 = np.exp(b - be * y)
    L_hat = t1 + t2 + math.exp(e)
    J = np.column_stack([t1, t2, np.full_like(x, math.exp(e)), -t1 * x, -t2 * y]) / L_hat[:, None]
    se = gauss_newton_se(J, l - np.log(L_hat), [("A", coefs["A"]), ("B", coefs["B"]), ("E", coefs["E"]),
                                                  ("alpha", 1.0), ("beta", 1.0)])
    se = {k: se[k] for k in ("E", "A", "B", "alpha", "beta")}
    from ..laws import ParametricLaw

    law = ParametricLaw(flops_per_param_token=flops_per_param_token, **coefs)
    warnings = _parametric_warnings(theta, coefs, L, converged)
    return FitResult(
        form="parametric", coefficients=coefs, standard_errors=se,
        standard_error_method="asymptotic (Gauss-Newton on log L, residual RMS)",
        exponents=law.exponents,
        objective=fval, n_runs=len(N), residuals=residual_stats(L, L_hat), data_range=data_range(N, D, flops_per_param_token),
        converged=converged, n_starts=len(starts), n_distinct_optima=n_distinct, warnings=warnings,
        method=f"Huber (delta = {delta:g}) on log L, summed; L-BFGS from {len(starts)} starts, best kept",
        flops_per_param_token=flops_per_param_token, theta=tuple(map(float, theta)), optima=optima[:polish],
        extra={"huber_delta": delta},
    )


def _parametric_warnings(theta, coefs, L, converged) -> tuple[str, ...]:
    a, b, e, al, be = theta
    hi = PARAMETRIC_GRID
    out = []
    if not converged:
        out.append("the final L-BFGS run did not meet its stopping test: the fit may not have converged")
    for name, v in (("alpha", al), ("beta", be)):
        if v <= 0.01:
            out.append(f"{name} = {v:.3g} is at the edge of the search (an exponent near 0): "
                       "the runs do not pin this term down; add runs with a wider range of sizes and tokens")
        elif v >= max(hi[name]):
            out.append(f"{name} = {v:.3g} is at or beyond the edge of the search grid (max {max(hi[name]):g}): "
                       "treat the fit with suspicion")
    for name, v in (("a", a), ("b", b)):
        if v >= max(hi[name]):
            out.append(f"log {name.upper()} = {v:.3g} is beyond the edge of the search grid (max {max(hi[name]):g}): "
                       "that term is poorly determined")
    if coefs["E"] < 0.01 * float(min(L)):
        out.append(f"E = {coefs['E']:.3g} is at the edge of the search (the irreducible loss fell to about 0)")
    return tuple(out)
