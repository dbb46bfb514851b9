"""Several estimators on the same runs (``plan fit --compare``): the spread between them is the message.

Estimators fitted to the same runs disagree: Besiroglu et al. 2024 (arXiv:2404.10102) find Hoffmann et al.'s
Approach 3 estimates inconsistent with their Approaches 1 and 2; Porian et al. 2024 (arXiv:2406.19146) trace Kaplan's
and Hoffmann's different exponents to choices in how the runs were made and fitted. :func:`compare_estimators` fits
the free parametric law, the same law with α = β, Kaplan's form and, where the runs form isoFLOP sweeps, Hoffmann's
Approach 2, each with a back-test on the same held-out runs, so the user sees how much the answer depends on the
choice.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

from ..base.conventions import COMPARE_HOLDOUT_FRACTION, FLOPS_PER_PARAM_TOKEN, HUBER_DELTA
from ..base.errors import FitError
from ..base.records import Record, record
from .backtest import Backtest, backtest
from .isoflop import fit_isoflop
from .kaplan import fit_kaplan
from .objectives import HUBER_LOG
from .parametric import fit_parametric
from .result import FitResult

__all__ = ["EstimatorFit", "compare_estimators", "ESTIMATORS"]

#: The estimators compared, in order: (key, label).
ESTIMATORS = (("parametric", "parametric"), ("tied", "parametric, alpha=beta"), ("kaplan", "Kaplan"),
              ("approach2", "Approach 2"))


@record
class EstimatorFit(Record):
    """One estimator's fit (or why it could not be made) and back-test (or why not)."""

    key: str
    label: str
    fit: FitResult | None
    error: str | None = None
    backtest: Backtest | None = None
    backtest_error: str | None = None


def compare_estimators(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, flops: ArrayLike | None = None,
                       budget: float | None = None, objective: str = HUBER_LOG, delta: float = HUBER_DELTA, holdout: int | None = None,
                       holdout_above: float | None = None, flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN,
                       progress: Callable[[str, float, float], None] | None = None) -> list[EstimatorFit]:
    """Fit each of :data:`ESTIMATORS` to the runs; back-test each on the same held-out runs (``holdout`` of largest
    compute, or those above ``holdout_above``; by default the top :data:`COMPARE_HOLDOUT_FRACTION` by compute).

    A fit that cannot be made is a row with its ``error`` (Approach 2: "not isoFLOP sweeps" and why). Approach 2
    predicts allocations, not losses, so it has no back-test.
    """
    import numpy as np

    N, D, L = (np.asarray(v, dtype=float).ravel() for v in (n_params, n_tokens, loss))
    k = flops_per_param_token
    C = k * N * D if flops is None else np.asarray(flops, dtype=float)
    if holdout is None and holdout_above is None:
        holdout = max(1, int(math.floor(COMPARE_HOLDOUT_FRACTION * len(N))))
    common: dict[str, Any] = dict(delta=delta, objective=objective, flops_per_param_token=k)
    fitters = {
        "parametric": lambda n, d, l, **kw: fit_parametric(n, d, l, **common, **kw),
        "tied": lambda n, d, l, **kw: fit_parametric(n, d, l, tie=["alpha=beta"], **common, **kw),
        "kaplan": lambda n, d, l, **kw: fit_kaplan(n, d, l, **common, **kw),
    }
    out = []
    for key, label in ESTIMATORS:
        if progress is not None:
            progress(label, 0, 1)
        if key == "approach2":
            try:
                fit = fit_isoflop(N, D, L, flops=C, flops_per_param_token=k)
            except FitError as e:
                out.append(EstimatorFit(key, label, None, error=f"the runs are not isoFLOP sweeps: {e}"))
                continue
            out.append(EstimatorFit(key, label, fit, backtest_error="Approach 2 predicts allocations, not losses"))
            continue
        try:
            fit = fitters[key](N, D, L)
        except FitError as e:
            out.append(EstimatorFit(key, label, None, error=str(e)))
            continue
        try:
            bt = backtest(N, D, L, fitters[key], k=holdout, above=holdout_above, flops=C, full_fit=fit, budget=budget,
                          flops_per_param_token=k)
            out.append(EstimatorFit(key, label, fit, backtest=bt))
        except FitError as e:
            out.append(EstimatorFit(key, label, fit, backtest_error=str(e)))
    return out
