"""Back-tests: fit on the smaller runs, predict the largest ones, and see how far the plan moves.

The only evidence that a law fitted on a small ladder deserves trust 100× beyond it is how well such a law predicts
runs it did not see. Gadre et al. 2024 (arXiv:2403.08540, §4) judge their fits exactly so: fit on small runs, report
the relative error of the prediction of each larger held-out run, |L̂ − L|/L. :func:`backtest` holds out the K runs of
largest compute (or those above a compute), refits the same law on the rest, and reports each held-out run's loss,
prediction and relative error (signed here: (L̂ − L)/L), and how much N_opt at a budget moves between the fit on
every run and the fit without the held-out ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import numpy
    from numpy.typing import ArrayLike

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.errors import FitError
from ..base.records import Record, record
from .result import FitResult

__all__ = ["Backtest", "holdout_mask", "backtest"]


@record
class Backtest(Record):
    """A back-test of a fit.

    n_params, n_tokens, flops, loss : the held-out runs (largest compute first).
    predicted_loss : the held-out fit's L̂ for each.  relative_error : (L̂ − L)/L for each.
    fit : the law fitted on the other ``n_kept`` runs.  rule : which runs were held out, in words.
    budget : the budget N_opt is compared at (or None); n_opt_all / n_opt_kept : N_opt there of the fit on every run
    and of the fit without the held-out runs.
    pi_low, pi_high : the held-out fit's prediction interval for each held-out run
    (:mod:`planner.fitting.prediction`), where one was asked for.
    """

    n_params: "numpy.ndarray"
    n_tokens: "numpy.ndarray"
    flops: "numpy.ndarray"
    loss: "numpy.ndarray"
    predicted_loss: "numpy.ndarray"
    relative_error: "numpy.ndarray"
    fit: FitResult
    n_kept: int
    rule: str
    budget: float | None = None
    n_opt_all: float | None = None
    n_opt_kept: float | None = None
    pi_low: "numpy.ndarray | None" = None
    pi_high: "numpy.ndarray | None" = None

    @property
    def inside(self) -> "numpy.ndarray | None":
        """Whether each held-out run's loss lies inside the held-out fit's prediction interval (None: none asked)."""
        if self.pi_low is None or self.pi_high is None:
            return None
        return (self.loss >= self.pi_low) & (self.loss <= self.pi_high)

    @property
    def mean_abs_relative_error(self) -> float:
        import numpy as np

        return float(np.mean(np.abs(self.relative_error)))

    @property
    def max_abs_relative_error(self) -> float:
        import numpy as np

        return float(np.max(np.abs(self.relative_error)))

    @property
    def n_opt_ratio(self) -> float | None:
        """N_opt of the held-out fit over N_opt of the fit on every run (1 = no move)."""
        if self.n_opt_all is None or self.n_opt_kept is None:
            return None
        return self.n_opt_kept / self.n_opt_all


def holdout_mask(flops: ArrayLike, *, k: int | None = None, above: float | None = None) -> "numpy.ndarray":
    """Which runs to hold out: the ``k`` of largest compute (ties broken by order), or those with C > ``above``."""
    import numpy as np

    C = np.asarray(flops, dtype=float)
    if (k is None) == (above is None):
        raise FitError("hold out either the K runs of largest compute or those above a compute, not both")
    mask = np.zeros(len(C), bool)
    if k is not None:
        if not 1 <= k < len(C):
            raise FitError(f"cannot hold out {k} of {len(C)} runs: hold out at least 1 and leave some to fit")
        mask[np.argsort(-C, kind="stable")[:k]] = True
        return mask
    mask = C > above
    if not mask.any():
        raise FitError.worded(f"no run has more than {above:.3g} FLOPs (the largest has {C.max():.3g}): nothing to "
                              "hold out; give a smaller {holdout_above}", holdout_above="above")
    if mask.all():
        raise FitError.worded(f"every run has more than {above:.3g} FLOPs (the smallest has {C.min():.3g}): nothing "
                              "is left to fit; give a larger {holdout_above}", holdout_above="above")
    return mask


def backtest(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, refit: Callable[..., FitResult], *,
             k: int | None = None, above: float | None = None, flops: ArrayLike | None = None,
             full_fit: FitResult | None = None, budget: float | None = None,
             flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, weights: ArrayLike | None = None,
             interval: Callable | None = None) -> Backtest:
    """Hold out runs by compute (:func:`holdout_mask`), ``refit(N, D, L)`` on the rest, predict the held-out ones.

    ``flops`` defaults to k·N·D. With ``full_fit`` (the fit on every run) and ``budget``, also N_opt at ``budget`` of
    both fits. ``weights`` (one per run) are passed on to ``refit`` as ``weights=`` for the runs it fits.
    ``interval(fit, N, D, L, N_new, D_new, weights)`` → (low, high), if given, is the prediction interval of the
    held-out runs from the fit on the others (:func:`planner.fitting.prediction.bootstrap_prediction_interval`). A
    refit that cannot be made (too few runs left) is a FitError saying so.
    """
    import numpy as np

    N, D, L = (np.asarray(v, dtype=float).ravel() for v in (n_params, n_tokens, loss))
    C = flops_per_param_token * N * D if flops is None else np.asarray(flops, dtype=float)
    held = holdout_mask(C, k=k, above=above)
    keep = ~held
    rule = (f"the {int(held.sum())} run{'s' if held.sum() > 1 else ''} of largest compute" if k is not None
            else f"the {int(held.sum())} run{'s' if held.sum() > 1 else ''} above {above:.3g} FLOPs")
    try:
        fit = refit(N[keep], D[keep], L[keep]) if weights is None else \
            refit(N[keep], D[keep], L[keep], weights=np.asarray(weights, float)[keep])
    except FitError as e:
        raise FitError(f"the back-test holds out {rule}, which leaves {int(keep.sum())} to fit: {e}") from None
    order = np.argsort(-C[held], kind="stable")
    Nh, Dh, Ch, Lh = (v[held][order] for v in (N, D, C, L))
    pred = np.asarray(fit.model.loss(Nh, Dh), dtype=float)
    n_all = n_kept = None
    if full_fit is not None and budget is not None:
        n_all = float(full_fit.model.compute_optimal(budget)[0])
        n_kept = float(fit.model.compute_optimal(budget)[0])
    lo = hi = None
    if interval is not None:
        lo, hi = interval(fit, N[keep], D[keep], L[keep], Nh, Dh,
                          None if weights is None else np.asarray(weights, float)[keep])
    return Backtest(n_params=Nh, n_tokens=Dh, flops=Ch, loss=Lh, predicted_loss=pred, relative_error=pred / Lh - 1,
                    fit=fit, n_kept=int(keep.sum()), rule=rule, budget=budget, n_opt_all=n_all, n_opt_kept=n_kept,
                    pi_low=lo, pi_high=hi)
