r"""What step 1 of a task law is fitted on, and a back-test of a task law on a ladder's largest runs.

Bhagia et al. 2024 (arXiv:2412.04403, §3.1) fit step 1, L(N, D) = E + A/N^α + B/D^β, on each run's final task loss:
their ladder trains each size to several token multipliers, so its final points vary in N and in D. A ladder whose
every size is trained to one token count, with checkpoints along the way, as public suites publish them, has final
points at one D only: there E + B/D^β is one number, so the final losses identify A and α but not E, B and β apart.
Its checkpoints are (N, D) points at other D (``checkpoints``: every checkpoint after the first ⌈skip·n⌉ of its
run, each its own point), and those separate them, with two costs stated in the report:

* the D variation is within runs: a checkpoint's loss carries its run's learning-rate schedule, and before a decaying
  schedule's end it is above what a run set for that D reaches (Hoffmann et al. 2022, arXiv:2203.15556, App. B), so B
  and β describe this schedule's checkpoints rather than separately trained runs, and E is read off their trend;
* a run's checkpoints are correlated, so they count as one run, not as many: the bootstrap and the back-test resample
  and hold out whole runs.

``auto`` (the default) takes the checkpoints exactly when every run ends at one token count (within
:data:`~planner.base.conventions.SAME_SIZE_RTOL`), else the final losses.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from ..base.conventions import FLOPS_PER_PARAM_TOKEN, LADDER_FINAL_CHECKPOINTS, SAME_SIZE_RTOL, TASK_STEP1_POINTS
from ..base.errors import FitError
from ..base.records import Record, record
from .backtest import holdout_mask

if TYPE_CHECKING:
    from .ladder import LadderRun

__all__ = ["final_task_losses", "same_token_count", "resolve_points", "run_points", "step1_points", "points_note",
           "TaskBacktest", "backtest_task"]


def final_task_losses(runs, n_last: int = LADDER_FINAL_CHECKPOINTS):
    """(N, D, L, Acc) arrays, one per run: its size, its last checkpoint's tokens, and the mean task loss and accuracy
    over its last ``n_last`` checkpoints (Bhagia et al. 2024 §3.1)."""
    import numpy as np

    N = np.array([r.n_params for r in runs], dtype=float)
    D = np.array([float(r.n_tokens[-1]) for r in runs])
    L = np.array([float(np.mean(r.task_loss[-n_last:])) for r in runs])
    A = np.array([float(np.mean(r.accuracy[-n_last:])) for r in runs])
    return N, D, L, A


def same_token_count(runs: Sequence[LadderRun]) -> bool:
    """Whether every run ends at one token count (the largest final D within SAME_SIZE_RTOL of the smallest)."""
    finals = [float(r.n_tokens[-1]) for r in runs]
    return len(finals) > 1 and max(finals) <= min(finals) * (1 + SAME_SIZE_RTOL)


def resolve_points(runs: Sequence[LadderRun], points: str) -> str:
    """``final`` or ``checkpoints``: ``points`` itself, or for ``auto`` what the ladder needs (module docstring)."""
    if points not in TASK_STEP1_POINTS:
        raise FitError(f"unknown step-1 points {points!r}; expected one of {', '.join(TASK_STEP1_POINTS)}")
    if points == "auto":
        return "checkpoints" if same_token_count(runs) else "final"
    return points


def run_points(run: LadderRun, points: str, n_last: int, skip: float):
    """(D, L) of one run's step-1 points: its last checkpoint's D and mean task loss over its last ``n_last``
    (``final``), or each checkpoint after the first ⌈skip·n⌉ (``checkpoints``)."""
    import numpy as np

    if points == "final":
        return np.array([float(run.n_tokens[-1])]), np.array([float(np.mean(run.task_loss[-n_last:]))])
    start = int(math.ceil(skip * len(run.n_tokens)))
    return np.asarray(run.n_tokens[start:], dtype=float), np.asarray(run.task_loss[start:], dtype=float)


def step1_points(runs: Sequence[LadderRun], points: str, n_last: int, skip: float):
    """(N, D, L, run index) arrays of step 1's points over ``runs`` (``points``: ``final`` or ``checkpoints``)."""
    import numpy as np

    parts = [run_points(r, points, n_last, skip) for r in runs]
    N = np.concatenate([np.full(len(d), r.n_params) for r, (d, _) in zip(runs, parts)])
    owner = np.concatenate([np.full(len(d), i) for i, (d, _) in enumerate(parts)])
    return N, np.concatenate([d for d, _ in parts]), np.concatenate([v for _, v in parts]), owner


def points_note(task_id: str, runs: Sequence[LadderRun], points: str, skip: float) -> str:
    """The note of a step 1 fitted on checkpoints: why, and what it does to the coefficients."""
    why = (f"every run ends at {float(runs[0].n_tokens[-1]):.3g} tokens, where final losses cannot tell E, B and β "
           "apart" if same_token_count(runs) else "as asked")
    return (f"{task_id}: step 1 fitted on every checkpoint after each run's first {100 * skip:g}% as an (N, D) point "
            f"({why}); B and β then describe the runs' learning-rate schedule at their checkpoints, not separately "
            "trained runs, and the bootstrap resamples whole runs")


@record
class TaskBacktest(Record):
    """A task law fitted without a ladder's largest runs, and its predictions of them.

    rows : one per held-out run (largest compute first): run, n_params, n_tokens, flops, task_loss (its final task
    loss, as step 1 defines it), predicted_task_loss, relative_error, accuracy (mean over the same last checkpoints),
    predicted_accuracy (step 2 at the predicted loss), accuracy_error.  n_kept : runs fitted on.  rule : in words.
    """

    task: str
    rows: tuple[Mapping[str, Any], ...]
    n_kept: int
    rule: str


def backtest_task(runs: Sequence[LadderRun], task_id: str, k: int, refit: Callable[[Sequence[LadderRun]], Any], *,
                  n_last: int, flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN) -> TaskBacktest:
    """Hold out the ``k`` runs of largest final compute k·N·D (:func:`planner.fitting.backtest.holdout_mask`, as
    ``plan fit --holdout``), fit both steps on the rest (``refit(kept_runs)``: a
    :class:`~planner.fitting.tasks.TaskFit`, as :func:`planner.fitting.tasks.fit_task` gives) and predict each
    held-out run's final task loss and accuracy."""
    import numpy as np

    C = np.array([flops_per_param_token * r.n_params * float(r.n_tokens[-1]) for r in runs])
    held = holdout_mask(C, k=k)
    kept = [r for r, h in zip(runs, held) if not h]
    out = [runs[i] for i in np.argsort(-C, kind="stable") if held[i]]
    rule = f"the {k} run{'s' if k > 1 else ''} of largest compute"
    try:
        fit = refit(kept)
    except FitError as e:
        raise FitError(f"the back-test of {task_id} holds out {rule}, which leaves {len(kept)} to fit: {e}") from None
    N, D, L, A = final_task_losses(out, n_last)
    rows = []
    for r, n, d, loss, acc in zip(out, N, D, L, A):
        predicted = float(fit.law.task_loss(float(n), float(d)))
        predicted_acc = float(fit.law.accuracy(predicted))
        rows.append({"task": task_id, "run": r.name, "n_params": float(n), "n_tokens": float(d),
                     "flops": flops_per_param_token * float(n) * float(d), "task_loss": float(loss),
                     "predicted_task_loss": predicted, "relative_error": (predicted - float(loss)) / float(loss),
                     "accuracy": float(acc), "predicted_accuracy": predicted_acc,
                     "accuracy_error": predicted_acc - float(acc)})
    return TaskBacktest(task=task_id, rows=tuple(rows), n_kept=len(kept), rule=rule)
