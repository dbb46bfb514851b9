"""The multi-start driver every grid fit shares: run all starts batched, re-converge the best distinct end points,
polish the best.

Every start of the grid runs through the batched L-BFGS of :mod:`planner.fitting.lbfgs` in single precision, with
scipy L-BFGS-B's default stopping tests (decrease ≤ 2.2·10⁻⁹·max(|f|, 1), gradient ≤ 10⁻⁵); the best ``polish`` end
points that are distinct (θ at least 0.05 apart) are re-converged in double precision with tight tolerances, and the
best one is polished once more by ``scipy.optimize.minimize(method="L-BFGS-B")`` with the analytic gradient. Every
start is run: nothing is pruned. With many runs (more than :data:`planner.base.conventions.COARSE_ROWS`) the grid runs on a
subsample spread over compute, and only the best few end points see every run (:func:`multistart`).
"""

from __future__ import annotations

from typing import Callable

from ..base.conventions import COARSE_ROWS, FULL_DATA_ITER, FULL_DATA_STARTS
from ..base.errors import FitError
from .lbfgs import Preconditioned, lbfgs_batch
from .objectives import HUBER_LOG

__all__ = ["multistart", "refine", "distinct", "spread_subsample", "columns", "rows"]


def distinct(theta, f, k: int, tol: float = 0.05):
    """Indices of up to ``k`` best end points at least ``tol`` apart (max-norm) from each other."""
    import numpy as np

    order = np.argsort(f)
    keep: list[int] = []
    for i in order:
        if not np.isfinite(f[i]):
            break
        if all(np.max(np.abs(theta[i] - theta[j])) > tol for j in keep):
            keep.append(int(i))
            if len(keep) == k:
                break
    return keep


def _count_distinct(f, rel: float = 1e-5):
    """How many distinct local optima the starts reached, told apart by objective value:
    sorted end values more than ``rel`` (relative) apart start a new optimum. A diagnostic."""
    import numpy as np

    ff = np.sort(f[np.isfinite(f)])
    if ff.size == 0:
        return 0
    return int(1 + np.sum(np.diff(ff) > rel * np.maximum(np.abs(ff[:-1]), 1e-300)))


def columns(data):
    """(x, y, l, w) of the runs: log N, log D, log L and the per-run weights (None: all 1), from ``data`` =
    (x, y, l) or (x, y, l, w)."""
    import numpy as np

    x, y, l = (np.asarray(v, float) for v in data[:3])
    w = data[3] if len(data) > 3 else None
    return x, y, l, None if w is None else np.asarray(w, float)


def rows(data, sub):
    """:func:`columns` of the runs at the indices ``sub`` (None: all)."""
    x, y, l, w = columns(data)
    if sub is None:
        return x, y, l, w
    return x[sub], y[sub], l[sub], None if w is None else w[sub]


def _identity(theta):
    return theta


def spread_subsample(x, y, m: int):
    """Indices of ``m`` of the runs spread evenly over compute: the runs sorted by log C = log N + log D + const,
    then every (n/m)-th, the smallest and the largest included. Deterministic."""
    import numpy as np

    order = np.argsort(np.asarray(x, float) + np.asarray(y, float), kind="stable")
    return np.sort(order[np.unique(np.linspace(0, len(order) - 1, m).round().astype(int))])


def multistart(objective_cls, starts, data, *, delta, polish, loss: str = HUBER_LOG, param=None,
               progress: Callable[[str, float, float], None] | None = None):
    """Run every start batched, re-converge the best distinct end points with tight tolerances,
    polish the best with scipy L-BFGS-B. Returns (theta, f, converged, n_distinct, optima).

    ``starts`` and the returned θ are in the free parameters of ``param`` (a Parametrisation, or None for the
    form's own θ). With more than :data:`COARSE_ROWS` runs, the grid and the re-convergence run on
    :func:`spread_subsample` of that many runs (the objective's shape over θ, and so its basins, barely change with
    more rows of the same runs), then the best :data:`FULL_DATA_STARTS` distinct end points are re-converged on every
    run and the best of them polished on every run: the cost grows with rows × a few starts, not rows × the grid.
    ``progress(stage, done, total)`` reports each stage.
    """
    import numpy as np

    x, y, l, w = columns(data)
    n = len(x)
    report = progress or (lambda *_: None)
    sub = spread_subsample(x, y, COARSE_ROWS) if n > COARSE_ROWS else None
    cx, cy, cl, cw = rows(data, sub)
    # The search from every start runs in single precision (about 20 % faster here, and ample to tell
    # basins apart); scipy L-BFGS-B's default stopping tests (factr = 1e7 → ftol = 1e7·2.2e-16; pgtol = 1e-5).
    coarse = objective_cls(cx, cy, cl, delta, np.float32, loss=loss, param=param, run_weights=cw)
    stage = "grid" if sub is None else f"grid on {len(cx):,} of {n:,} runs"
    first = lbfgs_batch(coarse, starts, ftol=2.220446049250313e-09, gtol=1e-5, max_iter=1000,
                        progress=lambda done, total: report(stage, done, total))
    picks = distinct(first.x, first.f, polish)
    return refine(objective_cls, first.x[picks], data, delta=delta, loss=loss, param=param, progress=progress,
                  n_distinct=_count_distinct(first.f), seeds_f=first.f[picks])


def refine(objective_cls, picks, data, *, delta, loss: str = HUBER_LOG, param=None, progress=None,
           n_distinct: int | None = None, seeds_f=None, n_seeds: int | None = None):
    """Re-converge the candidate end points ``picks`` (rows of free parameters, best first) in double precision with
    tight tolerances, then polish the best with scipy L-BFGS-B. Returns (theta, f, converged, n_distinct, optima).

    With more than :data:`COARSE_ROWS` runs the re-convergence runs on :func:`spread_subsample` of them and only the
    best :data:`FULL_DATA_STARTS` see every run. ``n_distinct`` None counts the distinct optima the picks reach;
    ``seeds_f`` (the picks' objective values before re-convergence) goes into ``optima`` beside each pick; only the
    first ``n_seeds`` picks (None: all) are distinct optima that ``optima`` lists.
    """
    import numpy as np
    from scipy.optimize import minimize

    x, y, l, w = columns(data)
    n = len(x)
    report = progress or (lambda *_: None)
    sub = spread_subsample(x, y, COARSE_ROWS) if n > COARSE_ROWS else None
    cx, cy, cl, cw = rows(data, sub)
    picks = np.asarray(picks, float)
    fine = objective_cls(cx, cy, cl, delta, np.float64, loss=loss, param=param, run_weights=cw)
    if not len(picks):
        raise FitError("the fit failed from every start (the objective is not finite anywhere on the grid); "
                       "check that the losses and sizes are in natural units")
    second = lbfgs_batch(fine, picks, ftol=1e-15, gtol=1e-10, max_iter=2000)
    if n_distinct is None:
        n_distinct = _count_distinct(second.f)
    if seeds_f is None:
        seeds_f = second.f
    order = np.argsort(second.f)
    polish_iter = 15000
    to_theta, polish_ftol = _identity, 1e-15
    if sub is not None:
        # Every run: L-BFGS preconditioned by the subsample's Hessian at its optimum, scaled by n/m (the objective is
        # a sum over runs), from the best few subsample optima: a few dozen passes over the rows, not hundreds.
        sample = fine
        fine = objective_cls(x, y, l, delta, np.float64, loss=loss, param=param, run_weights=w)
        keep = distinct(second.x, second.f, FULL_DATA_STARTS) or list(order[:1])   # distinct optima only
        fine = Preconditioned(fine, second.x[keep[0]], hessian_of=sample, scale=n / len(cx))
        to_theta = fine.theta
        report(f"all {n:,} runs", 0, 1)
        # A sum over a million runs carries rounding noise of about 1e-13 relative: a tighter decrease test only
        # makes the line search bisect that noise (tens of passes over the rows for nothing).
        polish_ftol = 1e-13
        second = lbfgs_batch(fine, fine.z(second.x[keep]), ftol=polish_ftol, gtol=1e-10, max_iter=FULL_DATA_ITER,
                             whitened=True)
        order = np.argsort(second.f)
        polish_iter = FULL_DATA_ITER
    best = second.x[order[0]]

    def fun(t):
        fv, gv = fine(t[None, :], np.zeros(1, int))
        return fv[0], gv[0]

    if sub is not None and second.converged[order[0]]:
        # Many rows: the preconditioned L-BFGS on every run met its test; scipy would only re-walk a converged point.
        theta, fval, converged = to_theta(best), float(second.f[order[0]]), True
    else:
        report("polish", 0, 1)
        res = minimize(fun, best, jac=True, method="L-BFGS-B",
                       options={"ftol": polish_ftol, "gtol": 1e-10, "maxiter": polish_iter})
        report("polish", 1, 1)
        theta, fval = (res.x, float(res.fun)) if res.fun <= second.f[order[0]] else (best, float(second.f[order[0]]))
        theta = to_theta(np.asarray(theta, float))
        # ABNORMAL_TERMINATION_IN_LNSRCH at a kink of the Huber loss is convergence to machine precision.
        converged = bool(res.success or "ABNORMAL" in str(res.message)) and bool(second.converged[order[0]]
                                                                                  or res.success)
    # The optimum first, then the other distinct grid end points as they were before polishing
    # (diverse warm starts for the bootstrap).
    optima = ((fval, tuple(map(float, theta))),) + tuple(
        (float(fs), tuple(map(float, p))) for fs, p in zip(seeds_f[1:n_seeds], picks[1:n_seeds]))
    return np.asarray(theta, float), fval, converged, n_distinct, optima
