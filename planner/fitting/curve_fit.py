r"""Fitting a loss-curve law (:mod:`planner.laws.curve_laws`) to one or more runs' curves, coefficients shared.

As both papers fit (Luo et al. 2025, arXiv:2503.12811, §4 and their ``src/fitting.py``; Tissue et al. 2024,
arXiv:2408.11029, §3): the Huber loss with δ = 10⁻³ on log residuals, summed over every logged step of every curve::

    f(θ) = Σ_curves Σ_t Huber_δ(log L_t − log L̂_t(θ))

minimised from a grid of starts. Here every start's objective is evaluated and the :data:`KEEP` best are run to
convergence by scipy's trust-region reflective least squares with its Huber loss at scale δ (which minimises
Σ 2·δ²·ρ(r²/δ²) = 2·Σ Huber_δ(r), the same minimiser) and the analytic Jacobian, within bounds keeping the
coefficients positive and L0 below the lowest loss; the lowest end point wins. (Gauss–Newton steps converge in tens
of iterations where L-BFGS takes hundreds.) The runs must share one model size: the laws carry no N.
"""

from __future__ import annotations

import itertools
import math
from typing import Callable, Sequence

from ..base.conventions import HUBER_DELTA
from ..base.errors import FitError
from ..base.records import Record, record
from ..laws.curve_laws import CURVE_LAWS, MAX_DROPS, Curve, MultiPowerLaw, TissueLaw, make_law
from .objectives import huber

__all__ = ["CurveFit", "fit_curve_law", "curve_objective", "KEEP"]

#: Starts run to convergence, the best of the grid by objective value.
KEEP = 4
#: Loss-drop terms per curve while fitting (neighbouring rate changes merged past it; see Curve.drops).
FIT_DROPS = 600


@record
class CurveFit(Record):
    """A fitted curve law: ``law`` (a MultiPowerLaw or TissueLaw), the objective at the optimum, the number of
    logged points and curves, the RMS of the log residuals, whether L-BFGS-B converged, and the starts tried."""

    family: str
    law: "MultiPowerLaw | TissueLaw"
    objective: float
    n_points: int
    n_curves: int
    rms_log_residual: float
    converged: bool
    n_starts: int

    def predict(self, curve: Curve):
        """The law's loss at ``curve``'s logged steps."""
        return self.law.loss(curve)


def curve_objective(family: str, theta: Sequence[float], curves: Sequence[Curve], *, delta: float = HUBER_DELTA,
                    max_drops: int = MAX_DROPS, gradient: bool = True):
    """f(θ) (see the module docstring) and, with ``gradient``, ∂f/∂θ."""
    import numpy as np

    law = make_law(family, theta)
    f, g = 0.0, np.zeros(len(theta))
    for c in curves:
        pred, J = law.value_and_jacobian(c, max_drops, jacobian=gradient)
        if not np.all(np.isfinite(pred)) or np.any(pred <= 0):
            return (math.inf, g) if gradient else math.inf
        r = np.log(c.loss) - np.log(pred)
        f += float(huber(r, delta).sum())
        if gradient:
            g += -(np.clip(r, -delta, delta) / pred) @ J
    return (f, g) if gradient else f


def _residuals(family, theta, curve, max_drops):
    """r = log L − log L̂(θ) at the curve's logged steps and ∂r/∂θ (clamped where L̂ ≤ 0, which the bounds avoid)."""
    import numpy as np

    pred, J = make_law(family, theta).value_and_jacobian(curve, max_drops)
    pred = np.maximum(pred, 1e-12)
    return np.log(curve.loss) - np.log(pred), -J / pred[:, None]


def _starts(family: str, curves: Sequence[Curve]):
    """The grid of starts, scaled to the data: L0 a fraction of the lowest loss, A matching the median checkpoint of
    the first curve, the loss-drop amplitude B a fraction of L/η_max (Luo et al.'s fits have B·η_max ≈ 0.06·L), and
    Tissue's C·S2 at the end a fraction of L."""
    import numpy as np

    L_min = min(float(c.loss.min()) for c in curves)
    eta = max(c.peak for c in curves)
    c0 = curves[0]
    mid = len(c0.at) // 2
    out: list[tuple[float, ...]] = []
    if family == "tissue":
        S1 = c0.annealing()[0][mid]
        S2 = max(float(np.max(c.annealing()[1])) for c in curves)
        for f0, alpha in itertools.product((0.5, 0.7, 0.85), (0.3, 0.5, 0.8)):
            L0 = f0 * L_min
            A = (float(c0.loss[mid]) - L0) * S1 ** alpha
            for C in ((0.02 * L_min / S2, 0.1 * L_min / S2) if S2 > 0 else (0.0,)):
                out.append((L0, A, alpha, C))
        return out
    X = float(c0.area()[mid])
    for f0, alpha in itertools.product((0.6, 0.8, 0.9), (0.3, 0.5)):
        L0 = f0 * L_min
        A = (float(c0.loss[mid]) - L0) * X ** alpha
        for b, cc in itertools.product((0.02, 0.08), (0.3, 3.0)):
            out.append((L0, A, alpha, b * L_min / eta, cc * eta ** -0.5 * 0.1, 0.5, 0.5))
    return out


def _bounds(family: str, L_min: float):
    big = math.inf
    if family == "tissue":
        return [(1e-6, L_min * 0.999), (1e-12, big), (1e-3, 3.0), (0.0, big)]
    return [(1e-6, L_min * 0.999), (1e-12, big), (1e-3, 3.0), (0.0, big), (1e-12, big), (1e-3, 5.0), (0.0, 3.0)]


def fit_curve_law(family: str, curves: Sequence[Curve], *, delta: float = HUBER_DELTA,
                  starts: Sequence[Sequence[float]] | None = None,
                  max_drops: int = FIT_DROPS, keep: int = KEEP,
                  progress: Callable[[int, int], None] | None = None) -> CurveFit:
    """Fit ``family`` ("multi-power" or "tissue") to ``curves`` (one model size), coefficients shared."""
    import numpy as np
    from scipy.optimize import least_squares

    if family not in CURVE_LAWS:
        raise FitError(f"unknown curve law '{family}'; expected one of {', '.join(CURVE_LAWS)}")
    names = CURVE_LAWS[family].names
    n_points = sum(len(c.at) for c in curves)
    if n_points < 2 * len(names):
        raise FitError(f"the {family} law has {len(names)} coefficients: fit it on at least {2 * len(names)} logged "
                       f"points (got {n_points})")
    L_min = min(float(c.loss.min()) for c in curves)
    grid = list(starts) if starts is not None else _starts(family, curves)
    values = [curve_objective(family, s, curves, delta=delta, max_drops=max_drops, gradient=False) for s in grid]
    order = np.argsort(values)[:keep]
    lo, hi = np.array(_bounds(family, L_min)).T
    best = None
    for i, j in enumerate(order):
        x0 = np.clip(np.asarray(grid[j], float), lo + 1e-12 * np.maximum(1, np.abs(lo)), hi * (1 - 1e-9))

        def residuals(theta):
            return np.concatenate([_residuals(family, theta, c, max_drops)[0] for c in curves])

        def jacobian(theta):
            return np.vstack([_residuals(family, theta, c, max_drops)[1] for c in curves])

        res = least_squares(residuals, x0, jac=jacobian, bounds=(lo, hi), loss="huber", f_scale=delta,
                            method="trf", x_scale="jac", max_nfev=400, ftol=1e-12, xtol=1e-12, gtol=1e-12)
        f = curve_objective(family, res.x, curves, delta=delta, max_drops=max_drops, gradient=False)
        if best is None or f < best[0]:
            best = (float(f), res.x, bool(res.status > 0))
        if progress is not None:
            progress(i + 1, len(order))
    if best is None or not math.isfinite(best[0]):
        raise FitError(f"the {family} law could not be fitted: every start gave a non-finite objective")
    law = make_law(family, best[1])
    r = np.concatenate([np.log(c.loss) - np.log(law.loss(c)) for c in curves])
    return CurveFit(family=family, law=law, objective=best[0], n_points=n_points, n_curves=len(curves),
                    rms_log_residual=float(np.sqrt(np.mean(r * r))), converged=best[2], n_starts=len(grid))
