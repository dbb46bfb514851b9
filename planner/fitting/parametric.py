r"""Fitting the parametric law L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, arXiv:2203.15556, Eq. 2) to runs.

As Hoffmann et al. (App. D.2) and Besiroglu et al. 2024 (arXiv:2404.10102, §2) do it: with A = e^a, B = e^b,
E = e^e, minimise over θ = (a, b, e, α, β)::

    Σ_i Huber_δ( LSE(a − α·log N_i, b − β·log D_i, e) − log L_i ),   δ = 10⁻³,

summed over runs, by L-BFGS from each point of the grid α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1},
a, b ∈ {0, 5, …, 25} (4,500 starts; :data:`planner.base.conventions.PARAMETRIC_GRID`), keeping the best
(:func:`planner.fitting.multistart.multistart`). ``bench/bench_fit.py`` compares it with running scipy's
L-BFGS-B from every start. Coefficients can be tied (α = β, as Gadre et al. 2024 and Muennighoff et al. 2023 fit
it) or fixed (:mod:`planner.fitting.parametrisation`); the objective can be least squares on L instead
(:mod:`planner.fitting.objectives`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

import math
from typing import Callable, Iterable, Mapping

from ..base.conventions import FLOPS_PER_PARAM_TOKEN, HUBER_DELTA, IRREDUCIBLE_MARGIN, PARAMETRIC_GRID
from ..base.errors import FitError, Worded
from ..laws import ParametricLaw
from .lawfit import asymptotic_errors, fit_extra, method_text, search, weighting_text
from .objectives import HUBER_LOG, LEAST_SQUARES, OVERESTIMATE_PENALTY, ParametricObjective
from .outliers import find_outliers
from .result import FitResult, data_range, residual_stats

__all__ = ["fit_parametric", "parametric_coefficients", "log_jacobian", "ENGINES"]

#: How the optimum is searched for: ``"varpro"``, variable projection over the exponents
#: (:mod:`planner.fitting.varpro`), or ``"grid"``, L-BFGS in all coefficients from every point of
#: :data:`PARAMETRIC_GRID` (4,500 starts; the engine of planner before variable projection, kept for comparison).
ENGINES = ("varpro", "grid")

#: planner's threshold: a term A/N^α or B/D^β below this fraction of the lowest loss at every run has vanished from
#: the fit (the runs say nothing about it), and the fit says so.
VANISHING_TERM = 1e-4


def parametric_coefficients(theta) -> dict[str, float]:
    a, b, e, al, be = (float(v) for v in theta)
    return {"E": math.exp(e), "A": math.exp(a), "B": math.exp(b), "alpha": al, "beta": be}


def fit_parametric(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, delta: float = HUBER_DELTA,
                   grid: ArrayLike | None = None, polish: int = 8,
                   flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, tie: Iterable = (),
                   fix: Mapping[str, float] | None = None, objective: str = HUBER_LOG, engine: str = "varpro",
                   overestimate_penalty: float = OVERESTIMATE_PENALTY, weights: ArrayLike | None = None,
                   weighting: str | None = None, progress: Callable[[str, float, float], None] | None = None) -> FitResult:
    r"""Fit L(N, D) = E + A/N^α + B/D^β to runs (Hoffmann et al. 2022, Eq. 2; Approach 3).

    n_params, n_tokens, loss : arrays of N, D and final loss (nats/token), one per run.
    delta : Huber δ on log-loss residuals (10⁻³ as Hoffmann and Besiroglu).
    grid : (S, k) starts over the k free parameters of θ = (a, b, e, α, β); default the grid of
        :data:`PARAMETRIC_GRID` over them (4,500 starts with nothing tied or fixed).
    polish : how many of the best distinct end points are re-converged in double precision.
    tie : pairs of coefficients fitted as one, e.g. ``["alpha=beta"]`` (Gadre et al. 2024, Eq. 3; Muennighoff
        et al. 2023). fix : coefficient → value held fixed, e.g. ``{"E": 1.69}``. A fit needs more runs than
        free coefficients.
    objective : ``"huber-log"`` (Hoffmann et al.), ``"least-squares"`` on L (Gadre et al. 2024) or ``"asymmetric"``
        (Huber on log L with over-predictions counted ``overestimate_penalty`` times, as OLMo-core's ladder analysis).
    weights : one weight per run (None: all 1), scaled to mean 1; ``weighting`` says how they were chosen, in words
        (default "given weights").
    engine : ``"varpro"`` (variable projection, :mod:`planner.fitting.varpro`) or ``"grid"`` (L-BFGS from every
        point of the grid; planner's engine before variable projection). A ``grid`` given always runs the latter.
    progress : ``progress(stage, done, total)``, called as the search goes.

    Standard errors are asymptotic: σ̂²·(JᵀJ)⁻¹ with J the Jacobian of log L̂ (of L̂ for least squares) in the
    free parameters and σ̂ the residual RMS, mapped to A, B, E by the delta method (dA = A·da). For robust
    intervals use :func:`bootstrap`.
    """
    param, N, D, L, starts, theta, fval, converged, n_distinct, optima = search(
        "parametric", ParametricObjective, PARAMETRIC_GRID, n_params, n_tokens, loss, delta=delta, grid=grid,
        polish=polish, tie=tie, fix=fix, objective=objective, progress=progress, varpro=_engine(engine) == "varpro",
        penalty=overestimate_penalty, weights=weights)
    coefs = param.exact(parametric_coefficients(theta))
    al, be = theta[3], theta[4]
    if al <= 0 or be <= 0:
        raise FitError(f"the best fit has a non-positive exponent (alpha = {al:.3g}, beta = {be:.3g}): loss does not "
                       "fall with model size and data in these runs; check the loss column and the runs")
    L_hat, J, terms = log_jacobian(theta, N, D)
    se = asymptotic_errors(J, L, L_hat, objective, param, {"A": coefs["A"], "B": coefs["B"], "E": coefs["E"],
                                                           "alpha": 1.0, "beta": 1.0})
    se = {k: se[k] for k in ("E", "A", "B", "alpha", "beta")}

    law = ParametricLaw(flops_per_param_token=flops_per_param_token, **coefs)
    warnings = _parametric_warnings(theta, coefs, L, converged, param, terms)
    return FitResult(
        form="parametric", coefficients=coefs, standard_errors=se,
        standard_error_method=f"asymptotic (Gauss-Newton on {'L' if objective == LEAST_SQUARES else 'log L'}, "
                              "residual RMS)",
        exponents=law.exponents,
        objective=fval, n_runs=len(N), residuals=residual_stats(L, L_hat), data_range=data_range(N, D, flops_per_param_token),
        converged=converged, n_starts=len(starts), n_distinct_optima=n_distinct, warnings=warnings,
        method=method_text(objective, delta, param, len(starts), varpro=grid is None and engine == "varpro",
                           penalty=overestimate_penalty, weighting=weighting_text(weights, weighting)),
        flops_per_param_token=flops_per_param_token, theta=tuple(map(float, theta)), optima=optima[:polish],
        extra=fit_extra(objective, delta, param, overestimate_penalty, weighting_text(weights, weighting)),
        outliers=find_outliers(L, L_hat, n_coefficients=param.n_free),
    )


def _engine(engine: str) -> str:
    if engine not in ENGINES:
        raise FitError(f"engine must be one of {', '.join(ENGINES)} (got {engine!r})")
    return engine


def log_jacobian(theta, N, D):
    """At θ = (a, b, e, α, β) = (ln A, ln B, ln E, α, β): L̂ = A/N^α + B/D^β + E over the runs, ∂log L̂/∂θ (n × 5),
    and L̂'s two terms (A/N^α, B/D^β). The one home of the law's Jacobian, for a fit's standard errors and a joint
    fit's (:mod:`planner.fitting.joint`)."""
    import numpy as np

    a, b, e, al, be = theta
    x, y = np.log(N), np.log(D)
    t1, t2 = np.exp(a - al * x), np.exp(b - be * y)
    L_hat = t1 + t2 + math.exp(e)
    return L_hat, np.column_stack([t1, t2, np.full_like(x, math.exp(e)), -t1 * x, -t2 * y]) / L_hat[:, None], (t1, t2)


def _parametric_warnings(theta, coefs, L, converged, param, terms) -> tuple[str, ...]:
    import numpy as np

    a, b, e, al, be = theta
    L_min = float(np.min(L))
    hi = PARAMETRIC_GRID
    fixed = param.fixed_coefficients
    out = []
    if not converged:
        out.append("the final L-BFGS run did not meet its stopping test: the fit may not have converged")
    for name, v in (("alpha", al), ("beta", be)):
        if name in fixed:
            continue
        if v <= 0.01:
            out.append(f"{name} = {v:.3g} is at the edge of the search (an exponent near 0): "
                       "the runs do not pin this term down; add runs with a wider range of sizes and tokens")
        elif v >= max(hi[name]):
            out.append(f"{name} = {v:.3g} is at or beyond the edge of the search grid (max {max(hi[name]):g}): "
                       "treat the fit with suspicion")
    for name, v in (("a", a), ("b", b)):
        if name.upper() not in fixed and v >= max(hi[name]):
            out.append(f"log {name.upper()} = {v:.3g} is beyond the edge of the search grid (max {max(hi[name]):g}): "
                       "that term is poorly determined")
    for name, term, size in (("A", terms[0], "N^alpha"), ("B", terms[1], "D^beta")):
        if name not in fixed and float(np.max(term)) < VANISHING_TERM * L_min:
            out.append(f"the term {name}/{size} is at the edge of the search (below {VANISHING_TERM:g} of the loss at "
                       f"every run): the runs do not pin it down; add runs with a wider range of "
                       f"{'sizes' if name == 'A' else 'tokens'}")
    if "E" in fixed and coefs["E"] >= (1 - IRREDUCIBLE_MARGIN) * L_min:
        out.append(f"the fixed E = {coefs['E']:.4g} is at or above the lowest observed loss ({L_min:.4g}): the law "
                   "cannot come down to the runs below it, and predicts a loss of about E wherever the other terms "
                   "fade; fix E below the lowest loss, or let the fit find it")
    elif "E" not in fixed:
        if coefs["E"] < 0.01 * L_min:
            out.append(f"E = {coefs['E']:.3g} is at the edge of the search (the irreducible loss fell to about 0)")
        elif coefs["E"] >= (1 - IRREDUCIBLE_MARGIN) * L_min:
            out.append(Worded(f"E = {coefs['E']:.4g} is at or above the lowest observed loss ({L_min:.4g}): the "
                              "irreducible loss is not pinned down (a law whose floor the runs already reach says "
                              "nothing about larger runs); add runs at larger compute, or fix E ({fix_E})",
                              fix_E="fix={'E': VALUE}"))
    return tuple(out)
