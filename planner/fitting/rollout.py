r"""Rolling back-tests: fit on the smallest sizes, predict the larger ones, expand, and see whether the error grows
with the distance of the extrapolation.

OLMo-core's ladder analysis (allenai/OLMo-core, ``ScalingLawRollout`` in ``olmo_core.model_ladder.analysis``) checks a
fit so rather than by one hold-out: the runs are grouped into levels (model sizes, or compute levels), and for
k = k₀, k₀ + 1, … the law is refitted on the runs of the k smallest levels and predicts every larger level. Each step
reports the relative error (L̂ − L)/L of the runs of the next level (the step's own forecast) and of every farther
level; over all (step, level) pairs the distance of an extrapolation is d = log₁₀(level / largest fitted level), and
the errors *grow with distance* when Spearman's rank correlation of |error| with d is positive at the 5 % level
(scipy.stats.spearmanr; the pairs share runs, so read the p-value as a description, not a test).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.errors import FitError
from ..base.records import Record, record
from .result import FitResult

__all__ = ["Rollout", "RolloutStep", "rollout", "ROLLOUT_BY"]

#: What the levels of a rolling back-test are: model sizes N, or compute C; runs whose N (or C) agree to
#: :data:`LEVEL_DIGITS` significant figures are one level (planner's choice: sizes read off a published plot, as
#: Epoch's extraction of Chinchilla's runs, scatter in the third digit).
ROLLOUT_BY = ("size", "compute")
LEVEL_DIGITS = 2


@record
class RolloutStep(Record):
    """One step: fitted on the ``n_fit`` runs of the ``k`` smallest levels (the largest is ``cutoff``); ``next_level``
    is the next level up, whose ``n_next`` runs it predicts with mean |relative error| ``next_error`` (max
    ``next_max_error``, mean signed ``next_bias``: > 0 when the law over-predicts the loss); ``far_error`` is the mean
    |relative error| over every level above the next (None at the last step). ``inside`` is how many of the next
    level's runs lie inside the fit's prediction interval, where one was asked for (else None)."""

    k: int
    cutoff: float
    n_fit: int
    next_level: float
    n_next: int
    next_error: float
    next_max_error: float
    next_bias: float
    far_error: float | None
    fit: FitResult
    inside: int | None = None


@record
class Rollout(Record):
    """A rolling back-test.

    by : ``"size"`` or ``"compute"``.  levels : the distinct levels, smallest first.  steps : one per fit.
    distances, errors : every (step, level above the cutoff) pair: log₁₀(level/cutoff) and the mean |relative error|
    of that level's runs.  rho, p_value : Spearman's rank correlation of the errors with the distances, and its
    p-value (NaN with fewer than 3 pairs).  skipped : the steps whose fit could not be made (too few runs), in words.
    """

    by: str
    levels: tuple[float, ...]
    steps: tuple[RolloutStep, ...]
    distances: tuple[float, ...]
    errors: tuple[float, ...]
    rho: float
    p_value: float
    skipped: tuple[str, ...] = ()

    @property
    def grows(self) -> bool:
        """The errors grow with the distance of the extrapolation (ρ > 0 with p < 0.05)."""
        return bool(self.rho > 0 and self.p_value < 0.05)


def levels_of(n_params, flops, by: str):
    """Each run's level (its N, or its C, to :data:`LEVEL_DIGITS` significant figures) as a float array."""
    import numpy as np

    if by not in ROLLOUT_BY:
        raise FitError(f"a rolling back-test goes by {' or '.join(ROLLOUT_BY)} (got {by!r})")
    v = np.asarray(n_params if by == "size" else flops, dtype=float)
    return np.array([float(f"{c:.{LEVEL_DIGITS}g}") for c in v])


def rollout(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, refit: Callable[..., FitResult], *,
            by: str = "size", flops: ArrayLike | None = None, min_levels: int = 3,
            flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, weights: ArrayLike | None = None,
            interval: Callable | None = None) -> Rollout:
    """Fit ``refit(N, D, L)`` on the runs of the k smallest levels, for k = ``min_levels`` … (number of levels − 1),
    (3 by default: E + A/N^α has three coefficients, which two sizes cannot pin down),
    and predict every larger level (see the module). ``weights`` (one per run) go to ``refit`` as ``weights=`` for
    the runs it fits. ``interval(fit, N, D, L, N_new, D_new, weights)`` → (low, high), if given, is a fit's
    prediction interval (:func:`planner.fitting.prediction.bootstrap_prediction_interval`): each step counts the runs
    of the next level inside it. FitError when not two steps can be fitted.
    """
    import numpy as np
    from scipy.stats import spearmanr

    N, D, L = (np.asarray(v, dtype=float).ravel() for v in (n_params, n_tokens, loss))
    C = flops_per_param_token * N * D if flops is None else np.asarray(flops, dtype=float)
    level = levels_of(N, C, by)
    levels = np.unique(level)
    if len(levels) < min_levels + 1:
        raise FitError(f"a rolling back-test by {by} needs at least {min_levels + 1} distinct "
                       f"{'model sizes' if by == 'size' else 'compute levels'}; these runs have {len(levels)}")
    steps, skipped, dist, errs = [], [], [], []
    for k in range(min_levels, len(levels)):
        cutoff = levels[k - 1]
        keep = level <= cutoff
        try:
            fit = refit(N[keep], D[keep], L[keep]) if weights is None else \
                refit(N[keep], D[keep], L[keep], weights=np.asarray(weights, float)[keep])
        except FitError as e:
            skipped.append(f"fitted on the {k} smallest levels ({int(keep.sum())} runs): {e}")
            continue
        rel = np.asarray(fit.model.loss(N, D), dtype=float) / L - 1
        per_level = [(lv, np.abs(rel[level == lv])) for lv in levels[k:]]
        for lv, level_errors in per_level:
            dist.append(float(np.log10(lv / cutoff)))
            errs.append(float(level_errors.mean()))
        nxt = level == levels[k]
        far = [e.mean() for _, e in per_level[1:]]
        n_inside = None
        if interval is not None:
            lo, hi = interval(fit, N[keep], D[keep], L[keep], N[nxt], D[nxt],
                              None if weights is None else np.asarray(weights, float)[keep])
            n_inside = int(((L[nxt] >= lo) & (L[nxt] <= hi)).sum())
        steps.append(RolloutStep(
            k=k, cutoff=float(cutoff), n_fit=int(keep.sum()), next_level=float(levels[k]), n_next=int(nxt.sum()),
            next_error=float(np.abs(rel[nxt]).mean()), next_max_error=float(np.abs(rel[nxt]).max()),
            next_bias=float(rel[nxt].mean()), far_error=float(np.mean(far)) if far else None, fit=fit,
            inside=n_inside))
    if len(steps) < 2:
        raise FitError(f"a rolling back-test needs at least two fits; {len(steps)} could be made "
                       f"({'; '.join(skipped) or 'too few levels'})")
    rho, p = (float("nan"), float("nan")) if len(errs) < 3 else (float(v) for v in spearmanr(dist, errs))
    return Rollout(by=by, levels=tuple(map(float, levels)), steps=tuple(steps), distances=tuple(dist),
                   errors=tuple(errs), rho=rho, p_value=p, skipped=tuple(skipped))
