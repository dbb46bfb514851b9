r"""Fitting scaling laws to your own training runs → :class:`FitResult`.

Pure: arrays in, small frozen dataclasses out; no files, no printing. numpy and scipy are
imported inside the functions that need them.

The parametric law (Hoffmann et al. 2022, arXiv:2203.15556, Eq. 2)::

    L(N, D) = E + A/N^α + B/D^β

is fitted as Hoffmann et al. (App. D.2) and Besiroglu et al. 2024 (arXiv:2404.10102, §2)
do: with A = e^a, B = e^b, E = e^e, minimise over θ = (a, b, e, α, β)::

    Σ_i Huber_δ( LSE(a − α·log N_i, b − β·log D_i, e) − log L_i ),   δ = 10⁻³,

summed over runs (Hoffmann averaged, which stops L-BFGS early: Besiroglu et al. §3), with
L-BFGS from each point of the grid α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1},
a, b ∈ {0, 5, …, 25} (4,500 starts), keeping the best.

How it is computed here (:func:`fit_parametric`): all 4,500 starts run at once through the
batched L-BFGS of :mod:`planner.lbfgs` in single precision, with scipy L-BFGS-B's default
stopping tests (decrease ≤ 2.2·10⁻⁹·max(|f|, 1), gradient ≤ 10⁻⁵); the best ``polish`` end
points that are distinct (θ at least 0.05 apart) are then re-converged in double precision
with tight tolerances
and the best one is polished once more by ``scipy.optimize.minimize(method="L-BFGS-B")``
with the analytic gradient. Every start is run: nothing is pruned. The result is the
best of these, so its objective is never above the best polished batched end point.
``bench/bench_fit.py`` compares it with running scipy's L-BFGS-B from every start.

The Kaplan form (Kaplan et al. 2020, arXiv:2001.08361, Eq. 1.5) is fitted the same way
(Huber on log L, batched L-BFGS from a grid) by :func:`fit_kaplan`; Hoffmann's Approach 2
(isoFLOP parabolas, then power laws in C) by :func:`fit_isoflop`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from .errors import FitError

__all__ = [
    "FitResult", "BootstrapResult", "IsoflopDesign", "HUBER_DELTA", "PARAMETRIC_GRID",
    "fit_parametric", "fit_kaplan", "fit_isoflop", "bootstrap", "design_isoflop", "huber",
]

#: Huber threshold δ on log-loss residuals (Hoffmann et al. 2022, App. D.2; Besiroglu et al. 2024, §2).
HUBER_DELTA = 1e-3

#: Hoffmann's / Besiroglu's initialisation grid (Hoffmann App. D.2; Besiroglu §2): 5·5·5·6·6 = 4,500 starts.
PARAMETRIC_GRID = {
    "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
    "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
    "e": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "a": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "b": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
}

#: A grid for the Kaplan form over θ = (log N_c, log D_c, α_N, α_D); Kaplan's own values
#: (log 6.4e13 ≈ 31.8, log 1.8e13 ≈ 30.5, 0.076, 0.103; Table 2) lie inside it. 5⁴ = 625 starts.
KAPLAN_GRID = {
    "log_N_c": (15.0, 20.0, 25.0, 30.0, 35.0),
    "log_D_c": (15.0, 20.0, 25.0, 30.0, 35.0),
    "alpha_N": (0.03, 0.06, 0.12, 0.25, 0.5),
    "alpha_D": (0.03, 0.06, 0.12, 0.25, 0.5),
}

_CHUNK_ELEMENTS = 32768   # θ-rows × runs per numpy block: keeps temporaries in cache (measured fastest here)
_CLIP = 700.0         # |exponent| cap: exp(±700) is finite in double precision


def huber(r, delta: float = HUBER_DELTA):
    """Huber_δ(r) = r²/2 for |r| ≤ δ, δ·(|r| − δ/2) otherwise (Huber 1964; scipy.special.huber)."""
    import numpy as np

    r = np.asarray(r, dtype=float)
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


# ---------------------------------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class FitResult:
    """A fitted law and how far to trust it.

    form : ``"parametric"``, ``"kaplan"`` or ``"allocation"`` (isoFLOP fits).
    coefficients : the law's coefficients under the paper's names (``E, A, B, alpha, beta``).
    standard_errors : one per coefficient; ``standard_error_method`` says how they were got.
    exponents : (a, b) with N_opt ∝ C^a and D_opt ∝ C^b.
    objective : the minimised Huber sum (isoFLOP fits: residual sum of squares of log N_opt).
    n_runs : runs used.  n_starts : optimiser starts.  n_distinct_optima : distinct end points.
    residuals : statistics of log L_i − log L̂_i (``rms``, ``mean_abs``, ``max_abs``, ``median``)
        and of L_i − L̂_i in nats (``rms_loss``).
    data_range : ``n_params``, ``n_tokens``, ``flops`` → (low, high) of the runs.
    converged : the final local optimisation met its stopping test.
    warnings : one line each; a fit on the edge of the search or not converged says so here.
    theta : the optimum in the fit's internal parametrisation (parametric: a, b, e, α, β).
    optima : (objective, theta) of the optimum, then of the next best grid end points that are
        distinct from it and each other (θ at least 0.05 apart, before polishing): the warm
        starts of :func:`bootstrap`.
    """

    form: str
    coefficients: Mapping[str, float]
    standard_errors: Mapping[str, float]
    standard_error_method: str
    exponents: tuple[float, float]
    objective: float
    n_runs: int
    residuals: Mapping[str, float]
    data_range: Mapping[str, tuple[float, float]]
    converged: bool = True
    n_starts: int = 1
    n_distinct_optima: int = 1
    warnings: tuple[str, ...] = ()
    method: str = ""
    flops_per_param_token: float = 6.0
    theta: tuple[float, ...] = ()
    optima: tuple[tuple[float, tuple[float, ...]], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def model(self):
        """The fitted law family: ParametricLaw, KaplanLaw or AllocationRule (isoFLOP)."""
        from .laws import FORMS

        return FORMS[self.form](flops_per_param_token=self.flops_per_param_token, **self.extra.get("model_kwargs", {}),
                                **self.coefficients)


@dataclass(frozen=True)
class BootstrapResult:
    """Refits on resamples of the runs (with replacement), and percentile intervals.

    names : coefficient names, the columns of ``samples``.
    samples : (n_ok, len(names)) array of refitted coefficients, one row per resample that fitted.
    intervals : name → (low, high), the central ``level`` % percentile interval.
    standard_errors : name → sample standard deviation.
    n_resamples : resamples drawn; ``n_failed`` of them gave no valid fit (dropped).
    seed : the seed of numpy's default_rng that drew the resamples.
    """

    form: str
    names: tuple[str, ...]
    samples: Any
    intervals: Mapping[str, tuple[float, float]]
    standard_errors: Mapping[str, float]
    level: float
    n_resamples: int
    n_failed: int
    seed: int | None
    method: str
    flops_per_param_token: float = 6.0

    def plan_intervals(self, flops: float) -> dict[str, tuple[float, float]]:
        """Percentile intervals of the compute-optimal plan at ``flops`` over the samples.

        Keys ``n_params``, ``n_tokens``, ``tokens_per_param`` and, for laws with a loss, ``loss``.
        The samples go through :func:`planner.uncertainty.plan_intervals` as bootstrap draws, the
        one place that pushes coefficient draws through a law's closed form.
        """
        from .laws import FORMS
        from .uncertainty import CoefficientSamples, plan_intervals

        # Any member of the family will do: plan_intervals replaces every sampled coefficient by its column.
        model = FORMS[self.form](flops_per_param_token=self.flops_per_param_token,
                                 **dict(zip(self.names, map(float, self.samples[0]))))
        draws = CoefficientSamples(self.names, self.samples, "bootstrap", f"{len(self.samples)} bootstrap refits")
        iv = plan_intervals(model, flops, self.level, draws)
        keys = ("n_params", "n_tokens", "tokens_per_param") + (("loss",) if model.has_loss else ())
        return {k: (float(getattr(iv, f"{k}_lo")), float(getattr(iv, f"{k}_hi"))) for k in keys}


def _percentiles(level: float) -> tuple[float, float]:
    return (50.0 - level / 2.0, 50.0 + level / 2.0)


# ---------------------------------------------------------------------------------------------------------------------
# validation of the runs


def _check_runs(n_params, n_tokens, loss, n_coefficients: int):
    import numpy as np

    arrays = []
    for name, v in (("n_params", n_params), ("n_tokens", n_tokens), ("loss", loss)):
        a = np.asarray(v, dtype=float).ravel()
        bad = ~(np.isfinite(a) & (a > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FitError(f"{name} must be finite numbers > 0; run {i} (counting from 0) has {float(a[i]):g}")
        arrays.append(a)
    N, D, L = arrays
    if not (len(N) == len(D) == len(L)):
        raise FitError(f"n_params, n_tokens and loss must have the same length (got {len(N)}, {len(D)}, {len(L)})")
    if len(N) <= n_coefficients:
        raise FitError(f"{len(N)} runs cannot fit a law with {n_coefficients} coefficients: "
                       f"give at least {n_coefficients + 1} runs")
    for name, a, fix in (("model size", N, "train at least two model sizes"),
                         ("token count", D, "train for at least two token counts")):
        if np.unique(a).size < 2:
            raise FitError(f"every run has the same {name} ({a[0]:g}), so the law cannot be identified: {fix}")
    return N, D, L


def _data_range(N, D, k):
    C = k * N * D
    return {"n_params": (float(N.min()), float(N.max())), "n_tokens": (float(D.min()), float(D.max())),
            "flops": (float(C.min()), float(C.max()))}


def _residual_stats(L, L_hat):
    import numpy as np

    r = np.log(L) - np.log(L_hat)
    return {"rms": float(np.sqrt(np.mean(r * r))), "mean_abs": float(np.mean(np.abs(r))),
            "median": float(np.median(r)), "max_abs": float(np.max(np.abs(r))),
            "rms_loss": float(np.sqrt(np.mean((L - L_hat) ** 2)))}


# ---------------------------------------------------------------------------------------------------------------------
# objectives: Huber on log-loss residuals, value and analytic gradient, many θ at once


def _huber_psi(r, delta, W):
    """Σ Huber_δ(r) per row and ψ = Huber_δ'(r) = clip(r, −δ, δ), both weighted by W.

    Uses Huber_δ(r) = ψ·(r − ψ/2), which is r²/2 for |r| ≤ δ and δ·(|r| − δ/2) beyond.
    ``r`` is overwritten.
    """
    import numpy as np

    psi = np.clip(r, -delta, delta)
    r -= 0.5 * psi
    r *= psi
    if W is not None:
        r *= W
        psi *= W
    return r.sum(axis=1, dtype=float), psi


class _Objective:
    """Σ_i w_i·Huber_δ(pred_i(θ) − log L_i) for a batch of θ, blockwise over rows.

    ``weights`` is None (every run once), or an (R, n) array of per-row run counts (bootstrap
    resamples) indexed by the row numbers the optimiser passes.
    """

    def __init__(self, x, y, l, delta, dtype, weights=None):
        import numpy as np

        self.dtype = dtype
        self.x = np.asarray(x, dtype=dtype)
        self.y = np.asarray(y, dtype=dtype)
        self.l = np.asarray(l, dtype=dtype)
        self.delta = delta
        self.weights = None if weights is None else np.asarray(weights, dtype=dtype)
        self.row_map = None     # optimiser row → weights row

    def __call__(self, theta, rows):
        import numpy as np

        theta = np.asarray(theta, dtype=float)
        f = np.empty(len(theta))
        G = np.empty_like(theta)
        step = max(16, _CHUNK_ELEMENTS // len(self.x))
        for i in range(0, len(theta), step):
            W = None
            if self.weights is not None:
                r = rows[i:i + step]
                W = self.weights[r if self.row_map is None else self.row_map[r]]
            with np.errstate(over="ignore"):     # a wild trial point overflows float32: f = inf, rejected
                T = theta[i:i + step].astype(self.dtype)
            f[i:i + step], G[i:i + step] = self.block(T, W)
        bad = ~np.isfinite(f) | ~np.isfinite(G).all(axis=1)
        f[bad] = np.inf
        G[bad] = 0.0
        return f, G


class _ParametricObjective(_Objective):
    """θ = (a, b, e, α, β); pred = log(e^(a − α·x) + e^(b − β·y) + e^e), x = log N, y = log D."""

    def block(self, T, W):
        import numpy as np

        a, b, e, al, be = T.T
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            u1 = np.outer(-al, self.x)
            u1 += a[:, None]
            u2 = np.outer(-be, self.y)
            u2 += b[:, None]
            # No clipping: an overflow gives f = inf, which the line search rejects.
            e1 = np.exp(u1, out=u1)
            e2 = np.exp(u2, out=u2)
            e3 = np.exp(np.clip(e, -_CLIP, _CLIP))[:, None]
            s = e1 + e2
            s += e3
            r = np.log(s)
            r -= self.l
            f, psi = _huber_psi(r, self.delta, W)
            psi /= s
            e1 *= psi
            e2 *= psi
            G = np.empty((len(T), 5))
            G[:, 0] = e1.sum(axis=1, dtype=float)
            G[:, 1] = e2.sum(axis=1, dtype=float)
            G[:, 2] = psi.sum(axis=1, dtype=float) * e3[:, 0]
            G[:, 3] = -(e1 @ self.x)
            G[:, 4] = -(e2 @ self.y)
        return f, G


class _KaplanObjective(_Objective):
    r"""θ = (n_c, d_c, α_N, α_D) with n_c = log N_c, d_c = log D_c; p = α_N/α_D;
    pred = α_D · log(e^(p·(n_c − x)) + e^(d_c − y))   (log of Kaplan Eq. 1.5)."""

    def block(self, T, W):
        import numpy as np

        nc, dc, aN, aD = T.T
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p = aN / aD
            z = nc[:, None] - self.x                    # n_c − x
            u1 = p[:, None] * z
            u2 = dc[:, None] - self.y
            m = np.maximum(u1, u2)
            e1 = np.exp(u1 - m)
            e2 = np.exp(u2 - m)
            s = e1 + e2
            lse = np.log(s) + m
            r = aD[:, None] * lse - self.l
            f, psi = _huber_psi(r, self.delta, W)
            w1 = e1 / s
            w2 = e2 / s
            G = np.empty((len(T), 4))
            G[:, 0] = (psi * w1).sum(axis=1, dtype=float) * aN
            G[:, 1] = (psi * w2).sum(axis=1, dtype=float) * aD
            G[:, 2] = (psi * w1 * z).sum(axis=1, dtype=float)
            G[:, 3] = (psi * lse).sum(axis=1, dtype=float) - p * G[:, 2]
        return f, G


def _grid(spec: Mapping[str, Sequence[float]], order: Sequence[str]):
    import itertools

    import numpy as np

    return np.array(list(itertools.product(*(spec[k] for k in order))), dtype=float)


# ---------------------------------------------------------------------------------------------------------------------
# multi-start driver shared by the forms


def _distinct(theta, f, k: int, tol: float = 0.05):
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


def _multistart(objective_cls, starts, data, *, delta, polish):
    """Run every start batched, re-converge the best distinct end points with tight tolerances,
    polish the best with scipy L-BFGS-B. Returns (theta, f, converged, n_distinct, optima)."""
    import numpy as np
    from scipy.optimize import minimize

    from .lbfgs import lbfgs_batch

    x, y, l = data
    # The search from every start runs in single precision (about 20 % faster here, and ample to tell
    # basins apart); scipy L-BFGS-B's default stopping tests (factr = 1e7 → ftol = 1e7·2.2e-16; pgtol = 1e-5).
    coarse = objective_cls(x, y, l, delta, np.float32)
    first = lbfgs_batch(coarse, starts, ftol=2.220446049250313e-09, gtol=1e-5, max_iter=1000)
    fine = objective_cls(x, y, l, delta, np.float64)
    n_distinct = _count_distinct(first.f)
    picks = _distinct(first.x, first.f, polish)
    if not picks:
        raise FitError("the fit failed from every start (the objective is not finite anywhere on the grid); "
                       "check that the losses and sizes are in natural units")
    second = lbfgs_batch(fine, first.x[picks], ftol=1e-15, gtol=1e-10, max_iter=2000)
    order = np.argsort(second.f)
    best = second.x[order[0]]

    def fun(t):
        fv, gv = fine(t[None, :], np.zeros(1, int))
        return fv[0], gv[0]

    res = minimize(fun, best, jac=True, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 15000})
    theta, fval = (res.x, float(res.fun)) if res.fun <= second.f[order[0]] else (best, float(second.f[order[0]]))
    # ABNORMAL_TERMINATION_IN_LNSRCH at a kink of the Huber loss is convergence to machine precision.
    converged = bool(res.success or "ABNORMAL" in str(res.message)) and bool(second.converged[order[0]] or res.success)
    # The optimum first, then the other distinct grid end points as they were before polishing
    # (diverse warm starts for the bootstrap).
    optima = ((fval, tuple(map(float, theta))),) + tuple(
        (float(first.f[i]), tuple(map(float, first.x[i]))) for i in picks[1:])
    return np.asarray(theta, float), fval, converged, n_distinct, optima


# ---------------------------------------------------------------------------------------------------------------------
# parametric law


def _parametric_coefs(theta) -> dict[str, float]:
    a, b, e, al, be = (float(v) for v in theta)
    return {"E": math.exp(e), "A": math.exp(a), "B": math.exp(b), "alpha": al, "beta": be}


def _gauss_newton_se(J, r, names_scale):
    """σ̂²·(JᵀJ)⁻¹ standard errors, σ̂² = Σr²/(n − p); then the delta method per coefficient."""
    import numpy as np

    n, p = J.shape
    sigma2 = float(r @ r) / max(n - p, 1)
    try:
        cov = sigma2 * np.linalg.inv(J.T @ J)
        se_theta = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se_theta = np.full(p, np.nan)
    return {name: float(scale * se) for (name, scale), se in zip(names_scale, se_theta)}


def fit_parametric(n_params, n_tokens, loss, *, delta: float = HUBER_DELTA, grid=None, polish: int = 8,
                   flops_per_param_token: float = 6.0) -> FitResult:
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

    N, D, L = _check_runs(n_params, n_tokens, loss, 5)
    x, y, l = np.log(N), np.log(D), np.log(L)
    starts = _grid(PARAMETRIC_GRID, ("a", "b", "e", "alpha", "beta")) if grid is None else np.asarray(grid, float)
    theta, fval, converged, n_distinct, optima = _multistart(_ParametricObjective, starts, (x, y, l),
                                                             delta=delta, polish=polish)
    coefs = _parametric_coefs(theta)
    a, b, e, al, be = theta
    if al <= 0 or be <= 0:
        raise FitError(f"the best fit has a non-positive exponent (alpha = {al:.3g}, beta = {be:.3g}): loss does not "
                       "fall with model size and data in these runs; check the loss column and the runs")
    t1 = np.exp(a - al * x)
    t2 = np.exp(b - be * y)
    L_hat = t1 + t2 + math.exp(e)
    J = np.column_stack([t1, t2, np.full_like(x, math.exp(e)), -t1 * x, -t2 * y]) / L_hat[:, None]
    se = _gauss_newton_se(J, l - np.log(L_hat), [("A", coefs["A"]), ("B", coefs["B"]), ("E", coefs["E"]),
                                                  ("alpha", 1.0), ("beta", 1.0)])
    se = {k: se[k] for k in ("E", "A", "B", "alpha", "beta")}
    from .laws import ParametricLaw

    law = ParametricLaw(flops_per_param_token=flops_per_param_token, **coefs)
    warnings = _parametric_warnings(theta, coefs, L, converged)
    return FitResult(
        form="parametric", coefficients=coefs, standard_errors=se,
        standard_error_method="asymptotic (Gauss-Newton on log L, residual RMS)",
        exponents=law.exponents,
        objective=fval, n_runs=len(N), residuals=_residual_stats(L, L_hat), data_range=_data_range(N, D, flops_per_param_token),
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


# ---------------------------------------------------------------------------------------------------------------------
# Kaplan form


def fit_kaplan(n_params, n_tokens, loss, *, delta: float = HUBER_DELTA, grid=None, polish: int = 8,
               flops_per_param_token: float = 6.0) -> FitResult:
    r"""Fit Kaplan et al.'s L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D (arXiv:2001.08361, Eq. 1.5).

    Same objective as :func:`fit_parametric` (Huber δ on log L, summed) over
    θ = (log N_c, log D_c, α_N, α_D), from the 625-point :data:`KAPLAN_GRID`. Kaplan et al.
    fitted by least squares; the Huber loss is used here for robustness and consistency.
    """
    import numpy as np

    N, D, L = _check_runs(n_params, n_tokens, loss, 4)
    x, y, l = np.log(N), np.log(D), np.log(L)
    starts = _grid(KAPLAN_GRID, ("log_N_c", "log_D_c", "alpha_N", "alpha_D")) if grid is None else np.asarray(grid, float)
    theta, fval, converged, n_distinct, optima = _multistart(_KaplanObjective, starts, (x, y, l),
                                                             delta=delta, polish=polish)
    nc, dc, aN, aD = (float(v) for v in theta)
    coefs = {"alpha_N": aN, "alpha_D": aD, "N_c": math.exp(nc), "D_c": math.exp(dc)}
    from .laws import KaplanLaw

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
    se = _gauss_newton_se(J, l - aD * lse, [("N_c", coefs["N_c"]), ("D_c", coefs["D_c"]), ("alpha_N", 1.0),
                                            ("alpha_D", 1.0)])
    for name, v in (("log N_c", nc), ("log D_c", dc)):
        if v >= max(KAPLAN_GRID[name.replace(" ", "_")]) + 10:
            warnings.append(f"{name} = {v:.3g} ran far beyond the search grid: that term is poorly determined")
    law = KaplanLaw(flops_per_param_token=flops_per_param_token, **coefs)
    return FitResult(
        form="kaplan", coefficients=coefs, standard_errors={k: se[k] for k in coefs},
        standard_error_method="asymptotic (Gauss-Newton on log L, residual RMS)", exponents=law.exponents,
        objective=fval, n_runs=len(N), residuals=_residual_stats(L, L_hat),
        data_range=_data_range(N, D, flops_per_param_token), converged=converged, n_starts=len(starts),
        n_distinct_optima=n_distinct, warnings=tuple(warnings),
        method=f"Huber (delta = {delta:g}) on log L, summed; L-BFGS from {len(starts)} starts, best kept",
        flops_per_param_token=flops_per_param_token, theta=tuple(map(float, theta)), optima=optima[:polish],
        extra={"huber_delta": delta},
    )


# ---------------------------------------------------------------------------------------------------------------------
# bootstrap


_FORMS = {
    "parametric": (_ParametricObjective, ("E", "A", "B", "alpha", "beta"), 5),
    "kaplan": (_KaplanObjective, ("alpha_N", "alpha_D", "N_c", "D_c"), 4),
}


def _theta_to_coefs(form, T):
    """(R, P) internal parameters → (R, P) coefficients in the order of ``_FORMS[form][1]``."""
    import numpy as np

    if form == "parametric":
        a, b, e, al, be = T.T
        return np.column_stack([np.exp(e), np.exp(a), np.exp(b), al, be])
    nc, dc, aN, aD = T.T
    return np.column_stack([aN, aD, np.exp(nc), np.exp(dc)])


def bootstrap(n_params, n_tokens, loss, *, n_resamples: int = 4000, seed: int | None = 0, fit: FitResult | None = None,
              form: str = "parametric", level: float = 95.0, delta: float = HUBER_DELTA, starts_per_resample: int = 2,
              batch: int = 500, progress: Callable[[int, int], None] | None = None) -> BootstrapResult:
    r"""Resample the runs with replacement ``n_resamples`` times, refit each, take percentiles.

    As Besiroglu et al. 2024 (§4: 4,000 resamples, each refitted). A resample is drawn by
    ``numpy.random.default_rng(seed)`` as n indices with replacement, which is the same as
    weighting each run by how often it was drawn: the refit minimises Σ_i c_i·Huber_δ(r_i).

    Each refit starts from ``starts_per_resample`` points: the full-data optimum and the next
    best distinct local optima of the full-data grid fit (``fit.optima``); all resamples and
    starts run at once in the batched L-BFGS of :mod:`planner.lbfgs` (double precision,
    tight tolerances), ``batch`` resamples at a time, and each keeps its best end point. This
    does not rerun the 4,500-start grid per resample: it assumes a resample's optimum lies in
    the basin of one of the full data's best local optima, which holds when the fit is well
    identified (it reproduces Besiroglu et al.'s intervals; see tests/test_fit.py).

    ``progress(done, total)`` is called after each batch. Returns a :class:`BootstrapResult`.
    """
    import numpy as np

    from .lbfgs import lbfgs_batch

    if form not in _FORMS:
        raise FitError(f"bootstrap supports forms {', '.join(_FORMS)} (got {form!r})")
    objective_cls, names, P = _FORMS[form]
    N, D, L = _check_runs(n_params, n_tokens, loss, P)
    if n_resamples < 1:
        raise FitError(f"n_resamples must be >= 1 (got {n_resamples})")
    if not 0 < level < 100:
        raise FitError(f"level must be between 0 and 100 (got {level:g})")
    if fit is None:
        fit = fit_parametric(N, D, L, delta=delta) if form == "parametric" else fit_kaplan(N, D, L, delta=delta)
    if fit.form != form:
        raise FitError(f"the full-data fit is {fit.form!r} but the bootstrap form is {form!r}")
    n = len(N)
    rng = np.random.default_rng(seed)
    warm = np.array([t for _, t in fit.optima[:starts_per_resample]] or [fit.theta], dtype=float)
    K = len(warm)
    objective = objective_cls(np.log(N), np.log(D), np.log(L), delta, np.float64)
    thetas = np.empty((n_resamples, P))
    values = np.empty(n_resamples)
    done = 0
    while done < n_resamples:
        R = min(batch, n_resamples - done)
        draws = rng.integers(0, n, size=(R, n))
        counts = np.zeros((R, n))
        np.add.at(counts, (np.repeat(np.arange(R), n), draws.ravel()), 1.0)
        objective.weights = counts
        objective.row_map = np.repeat(np.arange(R), K)
        res = lbfgs_batch(objective, np.tile(warm, (R, 1)), ftol=1e-15, gtol=1e-10, max_iter=2000)
        f = res.f.reshape(R, K)
        pick = np.argmin(f, axis=1)
        thetas[done:done + R] = res.x.reshape(R, K, P)[np.arange(R), pick]
        values[done:done + R] = f[np.arange(R), pick]
        done += R
        if progress is not None:
            progress(done, n_resamples)
    coefs = _theta_to_coefs(form, thetas)
    ok = np.isfinite(values) & np.isfinite(coefs).all(axis=1)
    if form == "parametric":
        ok &= (coefs[:, 3] > 0) & (coefs[:, 4] > 0)
    else:
        ok &= (coefs[:, 0] > 0) & (coefs[:, 1] > 0)
    samples = coefs[ok]
    if len(samples) == 0:
        raise FitError("no bootstrap resample gave a valid fit")
    q = _percentiles(level)
    intervals = {name: tuple(float(v) for v in np.percentile(samples[:, j], q)) for j, name in enumerate(names)}
    ses = {name: float(np.std(samples[:, j], ddof=1)) if len(samples) > 1 else float("nan")
           for j, name in enumerate(names)}
    return BootstrapResult(
        form=form, names=names, samples=samples, intervals=intervals, standard_errors=ses, level=level,
        n_resamples=n_resamples, n_failed=int((~ok).sum()), seed=seed,
        method=(f"{n_resamples} resamples of the {n} runs with replacement (numpy default_rng, seed {seed}); each refitted "
                f"by L-BFGS from the full-data optimum" + (f" and the next {K - 1} best distinct grid end points" if K > 1 else "")
                + ", all resamples batched; each keeps its best end point"),
        flops_per_param_token=fit.flops_per_param_token,
    )


# ---------------------------------------------------------------------------------------------------------------------
# Hoffmann's Approach 2: isoFLOP profiles


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


def fit_isoflop(n_params, n_tokens, loss, *, flops=None, rel_tol: float = 0.1, min_runs: int = 3,
                flops_per_param_token: float = 6.0) -> FitResult:
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

    N, D, L = _check_runs(n_params, n_tokens, loss, 2)
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
        data_range=_data_range(N, D, k), n_starts=0, n_distinct_optima=1, warnings=tuple(warnings),
        method=f"Approach 2: parabola in log N per isoFLOP budget ({len(budgets)} budgets), then N_opt = G·C^a",
        flops_per_param_token=k, theta=(float(logG), float(a)),
        extra={"model_kwargs": {"gives": "n_params"}, "budgets": tuple(budgets), "n_opt": tuple(n_opt)},
    )


# ---------------------------------------------------------------------------------------------------------------------
# designing an isoFLOP grid


@dataclass(frozen=True)
class IsoflopDesign:
    """Runs to train for an isoFLOP fit: flat arrays, one entry per run (budget-major)."""

    flops: Any
    n_params: Any
    n_tokens: Any


def design_isoflop(budgets, *, prior=None, n_models: int = 9, span: float = 16.0) -> IsoflopDesign:
    r"""An isoFLOP grid: for each budget C, ``n_models`` sizes log-spaced over a factor ``span``
    centred (geometrically) on the ``prior`` law's N_opt(C), with D = C/(k·N).

    Hoffmann et al. (§3.2, Fig. 3) trained 9 budgets from 6·10¹⁸ to 3·10²¹ FLOPs with sizes on
    both sides of the optimum; a span of 16 (N_opt/4 to 4·N_opt) keeps the minimum inside the
    profile even if the prior's N_opt is off by a factor of 3. ``prior`` is a Law or law family
    with ``compute_optimal`` (default: the default preset).
    """
    import numpy as np

    from .plan import model_of

    if prior is None:
        from .presets import DEFAULT_PRESET, load_preset

        prior = load_preset(DEFAULT_PRESET)
    model = model_of(prior)
    if n_models < 3:
        raise FitError(f"an isoFLOP profile needs at least 3 model sizes per budget (got {n_models})")
    if not span > 1:
        raise FitError(f"span must be > 1 (got {span:g})")
    C = np.asarray([float(b) for b in budgets], dtype=float)
    if C.size == 0 or not (np.isfinite(C) & (C > 0)).all():
        raise FitError("give at least one budget, each a finite number of FLOPs > 0")
    k = model.flops_per_param_token
    steps = np.linspace(-0.5, 0.5, n_models) * math.log(span)
    Ns, Cs = [], []
    for c in C:
        n_opt, _ = model.compute_optimal(float(c))
        Ns.append(n_opt * np.exp(steps))
        Cs.append(np.full(n_models, c))
    Nv, Cv = np.concatenate(Ns), np.concatenate(Cs)
    return IsoflopDesign(flops=Cv, n_params=Nv, n_tokens=Cv / (k * Nv))
