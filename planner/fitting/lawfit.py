"""What the loss-law fits (:func:`~planner.fitting.fit_parametric`, :func:`~planner.fitting.fit_kaplan`) share: the
search over the free parameters, the asymptotic standard errors, and how a fit names its objective."""

from __future__ import annotations

from typing import Callable, Mapping

from ..base.errors import FitError
from .multistart import multistart
from .objectives import HUBER_LOG, LEAST_SQUARES, OBJECTIVES
from .parametrisation import Parametrisation
from .result import check_runs
from .standard_errors import gauss_newton_se

__all__ = ["search", "asymptotic_errors", "objective_label", "fit_extra", "method_text"]


def objective_label(objective: str, delta: float) -> str:
    """How a report names the objective."""
    if objective == LEAST_SQUARES:
        return "least squares on L, summed (as Gadre et al. 2024)"
    return f"Huber (delta = {delta:g}) on log L, summed"


def search(form: str, objective_cls, grid_spec, n_params, n_tokens, loss, *, delta, grid, polish, tie, fix,
           objective, progress: Callable | None):
    """Validate the runs and the parametrisation, then run the multistart search.

    Returns (param, N, D, L, starts, theta, fval, converged, n_distinct, optima) with θ and the optima in the form's
    full internal parameters.
    """
    import numpy as np

    if objective not in OBJECTIVES:
        raise FitError(f"objective must be one of {', '.join(OBJECTIVES)} (got {objective!r})")
    param = Parametrisation.make(form, tie, fix)
    fewer = param.n_free - 1 if param.n_free > 1 else None
    hint = (f", or tie or fix coefficients (--tie alpha=beta leaves {fewer})" if form == "parametric"
            and not param.ties and fewer else "")
    N, D, L = check_runs(n_params, n_tokens, loss, param.n_free, hint=hint)
    starts = param.grid(grid_spec) if grid is None else np.asarray(grid, float)
    if starts.ndim != 2 or starts.shape[1] != param.n_free:
        raise FitError(f"the grid must have one column per free parameter ({', '.join(param.free_names)}); "
                       f"got shape {starts.shape}")
    phi, fval, converged, n_distinct, optima = multistart(objective_cls, starts, (np.log(N), np.log(D), np.log(L)),
                                                           delta=delta, polish=polish, loss=objective, param=param,
                                                           progress=progress)
    theta = param.full(phi)
    optima = tuple((f, tuple(map(float, param.full(np.asarray(t))))) for f, t in optima)
    return param, N, D, L, starts, theta, fval, converged, n_distinct, optima


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


def fit_extra(objective: str, delta: float, param: Parametrisation) -> dict:
    """What a FitResult records of how it was made (its ``extra``; the law file's [fit] table)."""
    out: dict = {"objective_function": objective}
    if objective == HUBER_LOG:
        out["huber_delta"] = delta
    if param.ties:
        out["tied"] = tuple(param.tie_strings)
    if param.fixed:
        out["fixed"] = dict(param.fixed)
    return out


def method_text(objective: str, delta: float, param: Parametrisation, n_starts: int) -> str:
    text = f"{objective_label(objective, delta)}; L-BFGS from {n_starts} starts, best kept"
    if not param.is_identity:
        text += "; " + ", ".join(param.describe())
    return text
