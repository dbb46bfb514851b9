r"""Hoffmann et al.'s Approach 2 (arXiv:2203.15556, §3.2): isoFLOP profiles, then N_opt = G·C^a."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

import math

from ..conventions import FLOPS_PER_PARAM_TOKEN
from ..errors import FitError
from .result import FitResult, check_runs, data_range

__all__ = ["fit_isoflop"]


def _group_budgets(C, rel_tol: float):
    """Group runs whose budgets agree within ``rel_tol`` (consecutive in sorted log C)."""
    import numpy as np

    order = np.argsort(C)
    groups, current = [], [order[0]]
    for i in order[1:]:
        if math.log(C[i]) - math.log(C[current[0]]) <= math.log1p(rel_tol):
            current.append(i)
        else:
            groups.append(current)
            current = [i]
    groups.append(current)
    return [np.array(g) for g in groups]


def fit_isoflop(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, flops: ArrayLike | None = None, rel_tol: float = 0.1, min_runs: int = 3,
                flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN) -> FitResult:
    r"""Hoffmann et al.'s Approach 2 (arXiv:2203.15556, §3.2): isoFLOP profiles.

    Runs whose budgets C = k·N·D (or the given ``flops``) agree within ``rel_tol`` form one
    isoFLOP group. In each group with at least ``min_runs`` distinct sizes, fit the parabola
    L = c₀ + c₁·log N + c₂·(log N)² by least squares; its minimum is log N_opt = −c₁/(2c₂)
    (a group whose parabola opens downwards or whose minimum lies outside its sizes is
    skipped with a warning). Then fit log N_opt = log G + a·log C by least squares: the result
    is the allocation rule N_opt = G·C^a, with D_opt = C/(k·N_opt) and b = 1 − a.

    Standard errors of G and a are the least-squares ones of that final regression.
    """
    import numpy as np

    N, D, L = check_runs(n_params, n_tokens, loss, 2)
    k = flops_per_param_token
    C = k * N * D if flops is None else np.asarray(flops, dtype=float)
    groups = _group_budgets(C, rel_tol)
    budgets, n_opt, warnings, used = [], [], [], 0
    for g in groups:
        Cg = float(np.exp(np.mean(np.log(C[g]))))
        if np.unique(N[g]).size < min_runs:
            continue
        xs = np.log(N[g])
        c2, c1, c0 = np.polyfit(xs, L[g], 2)
        if c2 <= 0:
            warnings.append(f"the isoFLOP profile at C = {Cg:.3g} curves downwards; skipped")
            continue
        x_opt = -c1 / (2 * c2)
        if not xs.min() <= x_opt <= xs.max():
            warnings.append(f"the isoFLOP minimum at C = {Cg:.3g} lies outside its model sizes; skipped "
                            "(train sizes on both sides of the optimum)")
            continue
        budgets.append(Cg)
        n_opt.append(math.exp(x_opt))
        used += len(g)
    if len(budgets) < 2:
        raise FitError(f"isoFLOP fitting needs at least 2 budgets with >= {min_runs} model sizes each and a minimum "
                       f"inside them (found {len(budgets)} among {len(groups)} budget groups); train runs on an "
                       "isoFLOP grid ('plan design') or use the parametric fit")
    lc, ln = np.log(budgets), np.log(n_opt)
    A = np.column_stack([np.ones_like(lc), lc])
    (logG, a), *_ = np.linalg.lstsq(A, ln, rcond=None)
    resid = ln - A @ np.array([logG, a])
    dof = len(lc) - 2
    if dof > 0:
        cov = float(resid @ resid) / dof * np.linalg.inv(A.T @ A)
        se_logG, se_a = np.sqrt(np.diag(cov))
    else:
        se_logG = se_a = float("nan")
        warnings.append("only two budgets: the power law passes through both exactly and has no standard errors")
    G = math.exp(logG)
    if not 0 < a < 1:
        raise FitError(f"the isoFLOP fit gave N_opt ∝ C^{a:.3g}, outside (0, 1): the budgets do not determine "
                       "the allocation; add budgets spanning more orders of magnitude")
    return FitResult(
        form="allocation", coefficients={"coefficient": G, "exponent": float(a)},
        standard_errors={"coefficient": float(G * se_logG), "exponent": float(se_a)},
        standard_error_method="least squares of log N_opt on log C",
        exponents=(float(a), float(1 - a)), objective=float(resid @ resid), n_runs=used,
        residuals={"rms": float(np.sqrt(np.mean(resid ** 2))), "max_abs": float(np.max(np.abs(resid)))},
        data_range=data_range(N, D, k), n_starts=0, n_distinct_optima=1, warnings=tuple(warnings),
        method=f"Approach 2: parabola in log N per isoFLOP budget ({len(budgets)} budgets), then N_opt = G·C^a",
        flops_per_param_token=k, theta=(float(logG), float(a)),
        extra={"model_kwargs": {"gives": "n_params"}, "budgets": tuple(budgets), "n_opt": tuple(n_opt)},
    )
