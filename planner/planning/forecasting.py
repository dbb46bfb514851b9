r"""Forecasts of benchmark accuracy from scale, and the least compute for a target accuracy.

Chains the two steps of a :class:`~planner.laws.tasks.TaskLaw` (Bhagia et al. 2024, arXiv:2412.04403, §3.3):

* :func:`forecast`: (N, D) → task loss L(N, D) (step 1) → accuracy Acc(L) (step 2).
* :func:`forecast_intervals`: the same for every bootstrap sample of both steps, and its central percentiles.
* :func:`least_compute_for_accuracy`: invert step 2 for the task loss the target needs, L* = Acc⁻¹(target), then the
  least compute whose compute-optimal split of step 1 reaches it, C = (K/(L* − E))^(1/γ)
  (:func:`planner.planning.whatif.min_compute_for_loss`), with that split's N and D.

Takes laws and numbers; opens no file and prints nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.conventions import EMERGENCE_MARGIN, EXTRAPOLATION_WARNING
from ..base.errors import NoUncertaintyError
from ..base.records import Record, record
from ..base.units import Real, check_positive
from .uncertainty import central_interval
from .whatif import min_compute_for_loss

if TYPE_CHECKING:
    from ..laws.tasks import TaskLaw

__all__ = ["Forecast", "TaskTarget", "ForecastIntervals", "forecast", "forecast_intervals",
           "least_compute_for_accuracy", "near_chance", "extrapolation"]


@record
class Forecast(Record):
    """A task's forecast for a model of ``n_params`` trained on ``n_tokens``: its ``task_loss`` (step 1) and
    ``accuracy`` (step 2; for an error metric, 1 − ``error``)."""

    task: str
    metric: str
    n_params: Real
    n_tokens: Real
    task_loss: Real
    accuracy: Real
    chance: float
    error: Real | None = None


@record
class ForecastIntervals(Record):
    """Central intervals, at ``level`` percent, of a forecast over the task law's bootstrap samples (``n_samples``
    kept)."""

    level: float
    task_loss_lo: float
    task_loss_hi: float
    accuracy_lo: float
    accuracy_hi: float
    n_samples: int
    note: str


@record
class TaskTarget(Record):
    """The least compute that reaches ``target_accuracy`` on a task: the ``task_loss`` it needs, and step 1's
    compute-optimal ``flops``, ``n_params`` and ``n_tokens`` for that loss."""

    task: str
    target_accuracy: float
    task_loss: float
    flops: float
    n_params: float
    n_tokens: float


def forecast(task: TaskLaw, n_params: Real, n_tokens: Real) -> Forecast:
    """Both steps of ``task`` (a :class:`~planner.laws.tasks.TaskLaw`) at (N, D): floats or arrays."""
    N = check_positive(n_params, "n_params")
    D = check_positive(n_tokens, "n_tokens")
    L = task.task_loss(N, D)
    acc = task.accuracy(L)
    err = task.metric_value(L) if task.metric != "accuracy" else None
    return Forecast(task=task.id, metric=task.metric, n_params=N, n_tokens=D, task_loss=L, accuracy=acc,
                    chance=task.chance, error=err)


def forecast_intervals(task: TaskLaw, n_params: float, n_tokens: float, level: float) -> ForecastIntervals:
    """Central intervals, at ``level`` percent, of the task loss and accuracy at (N, D) from the task's bootstrap
    samples (each sample's two steps chained); NoUncertaintyError if the task law has none."""
    import numpy as np

    drawn = task.drawn()
    if drawn is None:
        raise NoUncertaintyError(f"task {task.id!r} publishes no bootstrap samples, so its forecast has no interval")
    step1, step2 = drawn
    with np.errstate(all="ignore"):
        L = step1.loss(n_params, n_tokens)          # (S, 1): one task loss per sample
        A = np.ravel(step2.accuracy(L))             # the same sample's step 2 at its own loss
        L = np.ravel(L)
    ok = np.isfinite(L) & np.isfinite(A)
    (l_lo, a_lo), (l_hi, a_hi) = (central_interval(np.column_stack([L[ok], A[ok]]), level, axis=0))
    n = int(ok.sum())
    note = f"{n} bootstrap refits of both steps ({task.uncertainty.get('method', 'bootstrap')}" + (
        f", seed {task.uncertainty['seed']})" if "seed" in task.uncertainty else ")") + "; percentile intervals"
    return ForecastIntervals(level=float(level), task_loss_lo=float(l_lo), task_loss_hi=float(l_hi),
                             accuracy_lo=float(a_lo), accuracy_hi=float(a_hi), n_samples=n, note=note)


def least_compute_for_accuracy(task: TaskLaw, target_accuracy: float) -> TaskTarget:
    """The least compute that reaches ``target_accuracy`` on ``task``: the task loss step 2 needs, then step 1's
    compute-optimal split for it. UnreachableAccuracyError (stating the reachable range) where the two steps cannot
    reach it."""
    L = task.loss_for_accuracy(float(target_accuracy))
    plan = min_compute_for_loss(task.loss_law, L)
    return TaskTarget(task=task.id, target_accuracy=float(target_accuracy), task_loss=L, flops=float(plan.flops),
                      n_params=float(plan.n_params), n_tokens=float(plan.n_tokens))


def near_chance(task: TaskLaw, accuracy: float, what: str) -> str | None:
    """A warning where ``accuracy`` (``what``: "its best ladder run reaches", "the forecast is") lies within
    :data:`~planner.base.conventions.EMERGENCE_MARGIN` of the task's chance: the task has not emerged there (Wei et al.
    2022, arXiv:2206.07682), so step 2 rests on near-random points."""
    if accuracy >= task.chance + EMERGENCE_MARGIN:
        return None
    return (f"{task.id}: {what} accuracy {100 * accuracy:.1f}%, within {100 * EMERGENCE_MARGIN:g} points of chance "
            f"({100 * task.chance:.1f}%): the task has not emerged at that scale and its forecasts are unreliable")


def extrapolation(task: TaskLaw, flops: float) -> float | None:
    """How many times the compute of the task's largest ladder run ``flops`` is, where it is more than
    :data:`~planner.base.conventions.EXTRAPOLATION_WARNING`; None within that (or without a fitted range)."""
    top = task.fitted_range.get("flops", (None, None))[1]
    if not top or flops <= EXTRAPOLATION_WARNING * top:
        return None
    return flops / top
