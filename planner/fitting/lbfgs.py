"""Numerical minimisers for fitting laws: a batched L-BFGS that runs many starts at once.

Fitting a scaling law means minimising a smooth-ish objective from thousands of starting
points (4,500 for Chinchilla's Approach 3) or refitting thousands of bootstrap resamples.
Doing that one ``scipy.optimize.minimize`` call at a time spends most of its time in the
Python interpreter. :func:`lbfgs_batch` runs every start in lock-step instead: one numpy
evaluation of the objective and gradient for all still-active starts per step, with each
start keeping its own L-BFGS memory, step length and stopping test.

The method per start is textbook L-BFGS (Nocedal & Wright 2006, Algorithm 7.4, memory m)
with a weak-Wolfe bracketing line search (Lewis & Overton 2013, "Nonsmooth optimization via
quasi-Newton methods", which suits the Huber loss's kinks): expand the step while the
curvature condition fails, bisect once the sufficient-decrease condition fails.

Nothing here knows about scaling laws; numpy is imported lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..base.records import Record, record

if TYPE_CHECKING:
    import numpy

__all__ = ["BatchResult", "lbfgs_batch", "Preconditioned", "HESSIAN_STEP"]


@record
class BatchResult(Record):
    """Where each start ended.

    x : (S, P) final points.  f : (S,) objective there.  g : (S, P) gradient there.
    n_iter : (S,) iterations taken.  converged : (S,) True where a stopping test was met
    (not merely the iteration cap).  n_evals : objective evaluations (of the active subset).
    """

    x: "numpy.ndarray"
    f: "numpy.ndarray"
    g: "numpy.ndarray"
    n_iter: "numpy.ndarray"
    converged: "numpy.ndarray"
    n_evals: int


def lbfgs_batch(fg: Callable, x0, *, max_iter: int = 1000, memory: int = 10, ftol: float = 1e-13,
                gtol: float = 1e-9, max_linesearch: int = 40, c1: float = 1e-4, c2: float = 0.9,
                progress: Callable[[int, int], None] | None = None, whitened: bool = False) -> BatchResult:
    """Minimise S independent problems at once, one per row of ``x0`` (shape (S, P)).

    ``fg(x, rows)`` returns ``(f, g)`` for the points ``x`` (k, P), which are the current
    iterates of the starts ``rows`` (an index array into ``x0``; objectives may depend on
    the row, e.g. a bootstrap resample's weights). ``f`` has shape (k,), ``g`` (k, P).

    A start stops when its decrease in one step is at most ``ftol·max(|f|, |f_new|, 1)``
    (scipy's L-BFGS-B test) or its largest gradient component is at most ``gtol``, or when
    no step along its search direction decreases ``f`` (a kink or the limit of precision).
    ``progress(stopped, S)`` is called after each iteration with how many starts have stopped. ``whitened``: the
    problem's Hessian is about the identity (:class:`Preconditioned`), so the first step is −g itself rather than a
    step of unit length.
    """
    import numpy as np

    x_out = np.array(x0, dtype=float, copy=True)
    S, P = x_out.shape
    m = memory
    f_out, g_out = fg(x_out, np.arange(S))
    f_out = np.where(np.isfinite(f_out), f_out, np.inf)
    converged = np.zeros(S, bool)
    n_iter = np.zeros(S, int)
    n_evals = 1

    # State of the active starts only, compacted as starts stop (no fancy indexing of stopped rows).
    idx = np.flatnonzero(np.isfinite(f_out))
    x, f, g = x_out[idx], f_out[idx], g_out[idx]
    s_mem = np.zeros((idx.size, m, P))
    y_mem = np.zeros((idx.size, m, P))
    rho = np.zeros((idx.size, m))        # 1 / (s·y); 0 marks an empty slot. Newest pair at index m-1.
    iters = np.zeros(idx.size, int)

    for _ in range(max_iter):
        k = idx.size
        if k == 0:
            break
        # Two-loop recursion (Nocedal & Wright Alg. 7.4), vectorised over the active starts.
        q = g.copy()
        alphas = np.zeros((k, m))
        for j in range(m - 1, -1, -1):
            alphas[:, j] = rho[:, j] * np.einsum("ij,ij->i", s_mem[:, j], q)
            q -= alphas[:, j, None] * y_mem[:, j]
        yy = np.einsum("ij,ij->i", y_mem[:, -1], y_mem[:, -1])
        has_memory = rho[:, -1] > 0
        gamma = np.ones(k)
        gamma[has_memory] = 1.0 / (rho[has_memory, -1] * yy[has_memory])     # s·y / y·y
        gnorm = np.maximum(np.abs(g).max(axis=1), 1e-300)
        if not whitened:     # first step: unit length (whitened: the Hessian is about I, so −g is the Newton step)
            gamma[~has_memory] = 1.0 / gnorm[~has_memory]
        r = gamma[:, None] * q
        for j in range(m):
            beta = rho[:, j] * np.einsum("ij,ij->i", y_mem[:, j], r)
            r += s_mem[:, j] * (alphas[:, j] - beta)[:, None]
        d = -r
        slope = np.einsum("ij,ij->i", g, d)
        uphill = ~(slope < 0)
        if uphill.any():   # a stale memory: restart from steepest descent
            d[uphill] = -g[uphill] / gnorm[uphill, None]
            slope[uphill] = np.einsum("ij,ij->i", g[uphill], d[uphill])
            rho[uphill] = 0.0

        # Weak-Wolfe bracketing line search, all starts in lock-step.
        t = np.ones(k)
        lo = np.zeros(k)
        hi = np.full(k, np.inf)
        x_new, f_new, g_new = x.copy(), f.copy(), g.copy()
        moved = np.zeros(k, bool)
        pending = np.arange(k)
        for _ls in range(max_linesearch):
            xt = x[pending] + t[pending, None] * d[pending]
            ft, gt = fg(xt, idx[pending])
            n_evals += 1
            ok = np.isfinite(ft) & (ft <= f[pending] + c1 * t[pending] * slope[pending])
            # Sufficient decrease: remember it as the best acceptable point so far.
            better = ok & (ft < f_new[pending])
            sel = pending[better]
            x_new[sel], f_new[sel], g_new[sel] = xt[better], ft[better], gt[better]
            moved[sel] = True
            curv_ok = np.einsum("ij,ij->i", gt, d[pending]) >= c2 * slope[pending]
            done = ok & curv_ok
            fail = ~ok
            grow = ok & ~curv_ok
            p_fail, p_grow = pending[fail], pending[grow]
            hi[p_fail] = t[p_fail]
            lo[p_grow] = t[p_grow]
            t[p_fail] = 0.5 * (lo[p_fail] + hi[p_fail])
            t[p_grow] = np.where(np.isinf(hi[p_grow]), 4.0 * lo[p_grow], 0.5 * (lo[p_grow] + hi[p_grow]))
            pending = pending[~done]
            if pending.size == 0:
                break

        s = x_new - x
        yv = g_new - g
        sy = np.einsum("ij,ij->i", s, yv)
        upd = moved & (sy > 1e-300) & np.isfinite(sy)
        if upd.any():
            s_mem[upd] = np.roll(s_mem[upd], -1, axis=1)
            y_mem[upd] = np.roll(y_mem[upd], -1, axis=1)
            rho[upd] = np.roll(rho[upd], -1, axis=1)
            s_mem[upd, -1], y_mem[upd, -1], rho[upd, -1] = s[upd], yv[upd], 1.0 / sy[upd]
        small_step = (f - f_new) <= ftol * np.maximum(np.maximum(np.abs(f), np.abs(f_new)), 1.0)
        flat = np.abs(g_new).max(axis=1) <= gtol
        # No decrease along an L-BFGS direction: forget the memory and retry along -g once;
        # no decrease along -g either: stop (a kink, or the limit of precision).
        stuck = ~moved & has_memory & ~uphill
        rho[stuck] = 0.0
        x, f, g = x_new, f_new, g_new
        iters += 1
        stop = (~moved & ~stuck) | (moved & small_step) | flat
        if stop.any():
            out = idx[stop]
            x_out[out], f_out[out], g_out[out], n_iter[out] = x[stop], f[stop], g[stop], iters[stop]
            converged[out] = True
            keep = ~stop
            idx, x, f, g, iters = idx[keep], x[keep], f[keep], g[keep], iters[keep]
            s_mem, y_mem, rho = s_mem[keep], y_mem[keep], rho[keep]
        if progress is not None:
            progress(S - idx.size, S)

    # Starts still running at the iteration cap: report where they got to, not converged.
    x_out[idx], f_out[idx], g_out[idx], n_iter[idx] = x, f, g, iters
    return BatchResult(x=x_out, f=f_out, g=g_out, n_iter=n_iter, converged=converged, n_evals=n_evals)


#: The step of the central differences of the analytic gradient that give :class:`Preconditioned` its Hessian
#: (planner's choice: small enough to see only the Huber loss's kinks that are active at θ₀; measured with
#: bench/bench_fit.py, where 10⁻⁶ and 10⁻⁷ need 14 iterations a bootstrap refit, 10⁻³ needs 73).
HESSIAN_STEP = 1e-6


class Preconditioned:
    r"""An objective ``fg`` in whitened coordinates z, θ = θ₀ + T·z with Tᵀ·H·T = I for H the Hessian at θ₀: for
    problems that start next to θ₀ (a bootstrap's refits; the full data after a subsample's optimum), where the
    objective is nearly the quadratic H describes, so L-BFGS in z starts with the right curvature instead of learning
    it (Nocedal & Wright 2006, §6.1 and §7.2, on scaling and preconditioning quasi-Newton methods).

    H is ``scale`` times the central difference of the gradient of ``hessian_of`` (default ``fg``; called with rows
    0) at θ₀, step :data:`HESSIAN_STEP`, symmetrised; eigenvalues below 10⁻⁸ of the largest are raised to it. Where H
    is not finite T is the identity. Called as ``fg`` is: ``pre(z, rows)`` → (f, ∂f/∂z = Tᵀ·∂f/∂θ); run
    :func:`lbfgs_batch` on it with ``whitened=True``, so that its first step is the Newton step −∂f/∂z.
    """

    def __init__(self, fg, theta0, *, hessian_of=None, scale: float = 1.0):
        import numpy as np

        self.objective, self.theta0 = fg, np.asarray(theta0, float)
        P = len(self.theta0)
        hess = hessian_of or fg
        steps = np.eye(P) * HESSIAN_STEP
        zeros = np.zeros(P, int)
        H = scale * (hess(self.theta0 + steps, zeros)[1] - hess(self.theta0 - steps, zeros)[1]) / (2 * HESSIAN_STEP)
        self.T = self.T_inv = np.eye(P)
        if np.isfinite(H).all():
            w, V = np.linalg.eigh(0.5 * (H + H.T))
            if w.max() > 0:
                w = np.maximum(w, 1e-8 * w.max())
                self.T, self.T_inv = V / np.sqrt(w), (V * np.sqrt(w)).T

    def __call__(self, z, rows):
        f, g = self.objective(self.theta(z), rows)
        return f, g @ self.T

    def theta(self, z):
        return self.theta0 + z @ self.T.T

    def z(self, theta):
        return (theta - self.theta0) @ self.T_inv.T
