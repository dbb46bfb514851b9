"""What the loss-law fits (:func:`~planner.fitting.fit_parametric`, :func:`~planner.fitting.fit_kaplan`) share: the
search over the free parameters, the asymptotic standard errors, and how a fit names its objective."""

from __future__ import annotations

import functools
import math
from typing import Callable, Mapping

from ..base.errors import FitError
from .multistart import multistart
from .objectives import ASYMMETRIC, HUBER_LOG, LEAST_SQUARES, OBJECTIVES, OVERESTIMATE_PENALTY, robust_psi
from .parametrisation import Parametrisation
from .result import FitDetails, check_runs
from .standard_errors import gauss_newton_se
from .varpro import varpro_search

__all__ = ["search", "asymptotic_errors", "objective_label", "fit_extra", "method_text", "check_penalty",
           "run_weights", "weighting_text"]


def objective_label(objective: str, delta: float, penalty: float = OVERESTIMATE_PENALTY) -> str:
    """How a report names the objective."""
    if objective == LEAST_SQUARES:
        return "least squares on L, summed (as Gadre et al. 2024)"
    if objective == ASYMMETRIC:
        return (f"asymmetric Huber (delta = {delta:g}) on log L, over-predictions counted {penalty:g} times "
                "(as OLMo-core's ladder analysis), summed")
    return f"Huber (delta = {delta:g}) on log L, summed"


def search(form: str, objective_cls, grid_spec, n_params, n_tokens, loss, *, delta, grid, polish, tie, fix,
           objective, progress: Callable | None, varpro: bool = False, penalty: float = OVERESTIMATE_PENALTY,
           weights=None):
    """Validate the runs and the parametrisation, then run the search: the multistart from every point of the grid,
    or with ``varpro`` (the parametric law, no grid given) variable projection over the exponents
    (:mod:`planner.fitting.varpro`), whose ``starts`` are then the exponent grid.

    Returns (param, N, D, L, starts, theta, fval, converged, n_distinct, optima) with θ and the optima in the form's
    full internal parameters.
    """
    import numpy as np

    if objective not in OBJECTIVES:
        raise FitError(f"objective must be one of {', '.join(OBJECTIVES)} (got {objective!r})")
    param = Parametrisation.make(form, tie, fix)
    fewer = param.n_free - 1 if param.n_free > 1 else None
    hint = (f", or tie or fix coefficients ({{tie_alpha_beta}} leaves {fewer})" if form == "parametric"
            and not param.ties and fewer else "")
    N, D, L = check_runs(n_params, n_tokens, loss, param.n_free, hint=hint)
    w = run_weights(weights, len(N))
    data = (np.log(N), np.log(D), np.log(L), w)
    objective_cls = functools.partial(objective_cls, penalty=check_penalty(penalty))
    if varpro and grid is None:
        k = penalty if objective == ASYMMETRIC else 1.0
        psi = None if objective == LEAST_SQUARES else (lambda r: robust_psi(r, delta, k))
        starts, phi, fval, converged, n_distinct, optima = varpro_search(
            objective_cls, data, delta=delta, polish=polish, loss=objective, param=param, psi=psi, progress=progress)
        return _full(param, N, D, L, starts, phi, fval, converged, n_distinct, optima)
    starts = param.grid(grid_spec) if grid is None else np.asarray(grid, float)
    if starts.ndim != 2 or starts.shape[1] != param.n_free:
        raise FitError(f"the grid must have one column per free parameter ({', '.join(param.free_names)}); "
                       f"got shape {starts.shape}")
    phi, fval, converged, n_distinct, optima = multistart(objective_cls, starts, data, delta=delta, polish=polish,
                                                           loss=objective, param=param, progress=progress)
    return _full(param, N, D, L, starts, phi, fval, converged, n_distinct, optima)


def _full(param, N, D, L, starts, phi, fval, converged, n_distinct, optima):
    """The search's result with θ and the optima in the form's full internal parameters."""
    import numpy as np

    theta = param.full(phi)
    optima = tuple((f, tuple(map(float, param.full(np.asarray(t))))) for f, t in optima)
    return param, N, D, L, starts, theta, fval, converged, n_distinct, optima


def check_penalty(penalty: float) -> float:
    """The asymmetric objective's over-prediction penalty, refused (FitError) unless finite and >= 1."""
    p = float(penalty)
    if not (math.isfinite(p) and p >= 1):
        raise FitError(f"the over-prediction penalty must be a finite number >= 1 (got {penalty!r}); 1 is the plain "
                       "Huber objective")
    return p


def run_weights(weights, n: int):
    """Per-run weights as a float array scaled to mean 1 (so the objective keeps the scale of an unweighted sum, as
    OLMo-core normalises them), or None; FitError unless there are ``n`` of them, finite, >= 0 and not all 0."""
    import numpy as np

    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n:
        raise FitError(f"there are {len(w)} weights for {n} runs; give one weight per run")
    bad = ~(np.isfinite(w) & (w >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise FitError(f"weights must be finite numbers >= 0; run {i} (counting from 0) has {float(w[i]):g}")
    if not w.sum() > 0:
        raise FitError("every weight is 0: give some run a positive weight")
    return w * (n / w.sum())


def weighting_text(weights, weighting: str | None) -> str | None:
    """How the runs were weighted, in words: ``weighting``, or "given weights" for weights without a name."""
    if weights is None:
        return None
    return weighting or "given weights"


def asymptotic_errors(J_log, L, L_hat, objective: str, param: Parametrisation, scales: Mapping[str, float]):
    """Asymptotic standard errors of the coefficients: σ̂²·(JᵀJ)⁻¹ over the free parameters, mapped to θ by M and to
    the coefficients by the delta method (dA = A·da for a coefficient that is the exp of its parameter).

    ``J_log`` is ∂log L̂/∂θ (n × P). On log L (Huber) the residuals are log L − log L̂; on L (least squares) they are
    L − L̂ and the Jacobian is L̂·∂log L̂/∂θ. Fixed coefficients get 0.
    """
    import numpy as np

    if objective == LEAST_SQUARES:
        J, r = J_log * L_hat[:, None], L - L_hat
    else:
        J, r = J_log, np.log(L) - np.log(L_hat)
    M, _ = param.matrix()
    names_scale = [(coef, scales[coef]) for _, coef, _ in param.spec]
    return gauss_newton_se(J, r, names_scale, M)


def fit_extra(objective: str, delta: float, param: Parametrisation, penalty: float = OVERESTIMATE_PENALTY,
              weighting: str | None = None) -> FitDetails:
    """What a FitResult records of how it was made (its ``extra``; the law file's [fit] table). ``weighting`` says
    in words how the runs were weighted (None: equally)."""
    out = FitDetails(objective_function=objective)
    if objective in (HUBER_LOG, ASYMMETRIC):
        out["huber_delta"] = delta
    if objective == ASYMMETRIC:
        out["overestimate_penalty"] = penalty
    if weighting:
        out["weights"] = weighting
    if param.ties:
        out["tied"] = tuple(param.tie_strings)
    if param.fixed:
        out["fixed"] = dict(param.fixed)
    return out


def method_text(objective: str, delta: float, param: Parametrisation, n_starts: int, varpro: bool = False,
                penalty: float = OVERESTIMATE_PENALTY, weighting: str | None = None) -> str:
    search_text = (f"variable projection over the exponents ({n_starts} grid points), then L-BFGS in all coefficients"
                   if varpro else f"L-BFGS from {n_starts} starts, best kept")
    text = f"{objective_label(objective, delta, penalty)}; {search_text}"
    if weighting:
        text += f"; runs weighted by {weighting}"
    if not param.is_identity:
        text += "; " + ", ".join(param.describe())
    return text
