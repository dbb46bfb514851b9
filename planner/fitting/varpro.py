r"""Variable projection: the parametric law's search over its exponents only, the rest solved exactly.

For fixed exponents (α, β) the law L̂_i = E + A·N_i^(−α) + B·D_i^(−β) is linear in c = (E, A, B) (Golub & Pereyra
1973, "The differentiation of pseudo-inverses and nonlinear least squares problems whose variables separate"), so
the five-dimensional fit (Hoffmann et al. 2022, arXiv:2203.15556, App. D.2) becomes a search over two::

    f*(α, β) = min_c f(c; α, β)

- least squares on L (Gadre et al. 2024, arXiv:2403.08540, §3.1): the inner problem min_c ½·Σ w_i·(Φ_i·c − L_i)²,
  Φ_i = (N_i^(−α), D_i^(−β), 1), is linear least squares, solved exactly by its normal equations;
- Huber on log L (and the asymmetric Huber, :data:`planner.fitting.objectives.ASYMMETRIC`): the inner problem min_c Σ w_i·ρ(log Φ_i·c − log L_i) is solved by
  Gauss–Newton with iteratively reweighted least squares (IRLS; Holland & Welsch 1977): from the relative least
  squares min_c Σ w_i·((Φ_i·c − L_i)/L_i)², each step solves Σ w_i·h_i·(r_i + J_i·Δc)² with r_i = log L̂_i − log L_i,
  J_i = Φ_i/L̂_i and h_i = ρ'(r_i)/r_i (for Huber_δ: min(1, δ/|r_i|); times the penalty where r_i > 0 for the
  asymmetric objective). Per-run weights w_i multiply every term.

f* is evaluated on a grid of exponents (:data:`EXPONENT_GRID`, for every free exponent: one for α = β tied, none
when both are fixed); the grid's local minima, best first, are then re-converged in all the free coefficients
jointly by the batched L-BFGS and the best is polished by scipy (:func:`planner.fitting.multistart.refine`), so the
optimum is a stationary point of the full objective, not of the grid. Tied and fixed coefficients enter as they do
everywhere (:mod:`planner.fitting.parametrisation`): a tied pair of scales shares one column of Φ (their bases
summed), a fixed scale moves to the left-hand side. Coefficients must stay positive (they are fitted as logs): a
projected one whose term is below :data:`_FLOOR` of the mean loss is clamped there, which the joint polish then corrects.
"""

from __future__ import annotations

import itertools
from typing import Callable

from ..base.conventions import COARSE_ROWS
from ..base.errors import FitError
from .multistart import columns, refine, rows, spread_subsample

__all__ = ["EXPONENT_GRID", "project", "varpro_search"]

#: planner's choice: each free exponent (α, β) is searched over −1, −0.5, −0.2 and 0.1, 0.2, …, 2.5 (28 values;
#: the grid of Hoffmann et al. App. D.2 starts L-BFGS at 0 to 2 in steps of 0.5). Exponent 0 is left out: N⁰ = 1 is
#: the same column as E. The negative values let a fit find that loss does not fall with size (which the fit then
#: refuses) as the 4,500-start search does. bench/bench_fit.py measures that the optima are those of that search.
EXPONENT_GRID = (-1.0, -0.5, -0.2) + tuple(round(0.1 * k, 1) for k in range(1, 26))
#: Gauss–Newton/IRLS steps of the inner problem on the grid (the joint polish finishes the job; planner's choice,
#: bench/bench_fit.py measures that the optimum reached is the one of the 4,500-start search).
IRLS_STEPS = 4
_FLOOR = 1e-9


def _structure(param):
    """Which free parameters are the scales (a, b, e: linear in the law) and which the exponents (α, β)."""
    linear = [j for j, col in enumerate(param.columns) if col[0] < 3]
    exponents = [j for j, col in enumerate(param.columns) if col[0] >= 3]
    return linear, exponents


def project(x, y, l, exponents, param, *, psi=None, weights=None, steps: int = IRLS_STEPS):
    """The free scales that minimise the objective for each row of ``exponents`` (the free exponents, (G, k)).

    x, y, l : log N, log D, log L of the runs. ``psi`` None solves least squares on L exactly; otherwise
    ``psi(r)`` is ρ'(r) of the objective on log-residuals r (Huber: clip(r, −δ, δ)) and the inner problem is solved
    by ``steps`` Gauss–Newton/IRLS steps. ``weights``: one per run (None: all 1). Returns (G, n_free) rows of the
    free parameters φ, exponents included.
    """
    import numpy as np

    M, c = param.matrix()
    linear, free_exp = _structure(param)
    exponents = np.asarray(exponents, float)
    k = len(free_exp)
    points = exponents.shape[0] if exponents.ndim == 2 else (exponents.size // k if k else 1)   # k = 0: all fixed
    exponents = exponents.reshape(points, k)
    G, n = len(exponents), len(x)
    ab = exponents @ M[3:5, free_exp].T + c[3:5]                      # (G, 2): α, β of each grid point
    basis = np.empty((G, 3, n))                                        # (grid point, basis, run)
    np.exp(-np.outer(ab[:, 0], x), out=basis[:, 0])
    np.exp(-np.outer(ab[:, 1], y), out=basis[:, 1])
    basis[:, 2] = 1.0
    Phi = np.einsum("gin,ij->gjn", basis, M[:3, linear])               # a tied pair of scales: bases summed
    fixed = [i for i in range(3) if not M[i].any()]
    offset = np.exp(c[fixed]) @ basis[:, fixed] if fixed else np.zeros((G, n))
    L = np.exp(l)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    scale = np.sqrt(np.mean(Phi * Phi, axis=2)) + 1e-300               # column scales, for conditioning
    Phi /= scale[:, :, None]
    floor = _FLOOR * np.mean(L)
    k = len(linear)
    ridge = 1e-12 * np.eye(k)

    def solve(X, target, h):
        """min_c Σ h·(X·c − target)² per grid point (normal equations; the columns have unit RMS)."""
        Xh = X * h[:, None, :]
        A = Xh @ X.transpose(0, 2, 1)
        b = Xh @ target[:, :, None]
        A_ridge = A + ridge * np.trace(A, axis1=1, axis2=2)[:, None, None]   # guards a singular A only:
        try:
            c = np.linalg.solve(A_ridge, b)
            for _ in range(2):                             # iterative refinement removes the ridge's bias
                c += np.linalg.solve(A_ridge, b - A @ c)
        except np.linalg.LinAlgError:
            # a grid point whose normal equations left the floats (extreme fixed coefficients) makes the batch
            # singular: least squares through the pseudo-inverse, NaN where even that fails (rejected later)
            with np.errstate(all="ignore"):
                finite = np.isfinite(A_ridge).all(axis=(1, 2)) & np.isfinite(b).all(axis=(1, 2))
                c = np.full(b.shape, np.nan)
                if finite.any():
                    c[finite] = np.linalg.pinv(A_ridge[finite]) @ b[finite]
        return c[..., 0]

    if k == 0:
        coef = np.zeros((G, 0))
    elif psi is None:
        coef = solve(Phi, np.broadcast_to(L, (G, n)) - offset, np.broadcast_to(w, (G, n)))
    else:
        coef = solve(Phi / L, 1.0 - offset / L, np.broadcast_to(w, (G, n)))   # relative least squares
        for _ in range(steps):
            coef = np.maximum(coef, floor)
            L_hat = offset + (coef[:, None, :] @ Phi)[:, 0]
            r = np.log(L_hat) - l
            safe = np.where(r == 0, 1.0, r)
            h = np.where(r == 0, 1.0, psi(safe) / safe) * w
            coef = coef + solve(Phi / L_hat[:, None, :], -r, h)
    coef = np.maximum(coef, floor)
    phi = np.empty((G, param.n_free))
    phi[:, linear] = np.log(coef / scale)
    phi[:, free_exp] = exponents
    return phi


def _local_minima(f, shape):
    """Indices of the grid points whose reduced objective is no larger than any neighbour's (8-neighbourhood in 2-D),
    best first."""
    import numpy as np
    from scipy.ndimage import minimum_filter

    grid = np.where(np.isfinite(f), f, np.inf).reshape(shape)
    low = minimum_filter(grid, size=3, mode="constant", cval=np.inf)
    idx = np.flatnonzero((grid <= low).ravel() & np.isfinite(grid).ravel())
    return idx[np.argsort(f[idx], kind="stable")]


def varpro_search(objective_cls, data, *, delta, polish, loss, param, psi=None,
                  progress: Callable[[str, float, float], None] | None = None):
    """Evaluate the reduced objective f*(α, β) on :data:`EXPONENT_GRID` (on a spread subsample of
    :data:`COARSE_ROWS` runs when there are more), then re-converge its best ``polish`` local minima jointly and
    polish the best (:func:`planner.fitting.multistart.refine`).

    Returns (starts, φ, f, converged, n_distinct, optima) as :func:`planner.fitting.multistart.multistart` does,
    with ``starts`` the exponent grid and n_distinct the number of local minima of f* on it.
    """
    import numpy as np

    x, y, l, w = columns(data)
    report = progress or (lambda *_: None)
    if len(x) > COARSE_ROWS:
        x, y, l, w = rows(data, spread_subsample(x, y, COARSE_ROWS))
    _, free_exp = _structure(param)
    # one row per grid point: with every exponent fixed, one empty row (the linear problem alone)
    exps = np.array(list(itertools.product(EXPONENT_GRID, repeat=len(free_exp))), float).reshape(
        len(EXPONENT_GRID) ** len(free_exp), len(free_exp))
    stage = "grid" if len(x) == len(data[0]) else f"grid on {len(x):,} of {len(data[0]):,} runs"
    report(stage, 0, 1)
    phi = project(x, y, l, exps, param, psi=psi, weights=w)
    f, _ = objective_cls(x, y, l, delta, np.float64, loss=loss, param=param, run_weights=w)(phi, np.zeros(len(phi), int))
    report(stage, 1, 1)
    minima = _local_minima(f, (len(EXPONENT_GRID),) * len(free_exp))
    if not len(minima):     # every grid point's objective left the floats: nothing to start from
        raise FitError(f"no point of the exponent grid gives a finite objective on these {len(x)} runs (losses "
                       f"{float(np.exp(l.min())):.3g} to {float(np.exp(l.max())):.3g}): too extreme to fit; check the "
                       "loss column's units (nats per token)")
    # A non-positive exponent (a law whose loss does not fall) is tried only where it fits better than every
    # positive one by more than the objective's noise: 1e-9 relative, or 1e-14 per run (log-residuals of 1e-7).
    positive = (exps[minima] > 0).all(axis=1)
    good = minima[positive]
    if len(good) and (~positive).any():
        tol = 1e-9 * abs(f[good[0]]) + 1e-14 * len(x)
        bad = minima[~positive]
        if f[bad[0]] < f[good[0]] - tol:
            good = np.concatenate([bad[:1], good])
    picks = (good if len(good) else minima)[:polish]
    n_seeds = len(picks)
    # The rest of the ``polish`` starts: the next best grid points (in the best basins, re-converged from other
    # sides: at a kink of the Huber loss the end points of L-BFGS differ in the last digits, and the best is kept).
    taken, negative_ok = set(picks.tolist()), not (exps[picks[0]] > 0).all()
    rest = [i for i in np.argsort(f, kind="stable")
            if i not in taken and np.isfinite(f[i]) and (negative_ok or (exps[i] > 0).all())]
    picks = np.concatenate([picks, np.asarray(rest, int)[:max(0, polish - len(picks))]]).astype(int)
    out = refine(objective_cls, phi[picks], data, delta=delta, loss=loss, param=param, progress=progress,
                 n_distinct=max(1, len(minima)), seeds_f=f[picks], n_seeds=n_seeds)
    return (exps,) + out
