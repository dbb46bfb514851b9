r"""Fitting the two-step task laws of :mod:`planner.laws.tasks` to a model ladder.

Bhagia et al. 2024 (arXiv:2412.04403, §3, App. A), per task:

* **Step 1** on each run's *final* task loss, the mean over its last 5 checkpoints (§3.1): L(N, D) = E + A/N^α + B/D^β
  by Huber (δ = 10⁻³) on log L, L-BFGS — planner's Approach 3 fit (:func:`planner.fitting.fit_parametric`, the same
  objective from the 4,500-point grid of Hoffmann et al. App. D.2). On the OLMo ladder it reproduces Table 5's step-1
  coefficients to every printed digit, where a single start lands MMLU in a worse local minimum.
* **Step 2** on *every* checkpoint (§3.2): per run, drop the first 10% of checkpoints, then a trailing moving average of
  window 5 on task loss and accuracy (the first points average what there is); pool the runs, add the point
  (L = 0, Acc = 1), and fit Acc(L) = a/(1 + e^(−k(L − L0))) + b by least squares (scipy ``curve_fit``, a ∈ [−1, 0],
  b ∈ [0, 1]) from a grid of starts (:data:`planner.base.conventions.SIGMOID_GRID`), the best kept.

Gadre et al. 2024 (arXiv:2403.08540, §3.3) fit by Levenberg–Marquardt least squares in the loss itself:

* Eq. 4 with α = β (:func:`fit_tied_loss_law`): L(C, M) = E + (a·M^η + b·M^−η)·C^−η, M = D/N, C = 6ND; the same law
  as Eq. 3, E + A/N^α + B/D^α, with α = 2η and A = a·6^−η, B = b·6^−η (their App. A). (A minimal tie inside this
  module; :mod:`planner.fitting.parametric` fits α and β freely.)
* Eq. 5 (:func:`fit_exponential_error`): Err(L) = ε − k·exp(−γL).

The bootstrap (:func:`bootstrap_task`) resamples the ladder's *runs* with replacement and refits both steps on each
resample (step 1 from the full-data optimum and the next distinct grid end points, step 2 from its optimum), so a
sample row carries both steps' coefficients of one resample. numpy and scipy are imported when a fit runs.
"""

from __future__ import annotations

import datetime
import math
import warnings
from dataclasses import replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, cast

from .. import __version__
from ..base.conventions import (CHANCE_ACCURACY, EXPONENTIAL_ERROR_GRID, FLOPS_PER_PARAM_TOKEN,
                                LADDER_FINAL_CHECKPOINTS, SIGMOID_BOUNDS, SIGMOID_GRID, STEP2_ANCHOR,
                                STEP2_SKIP_FRACTION, STEP2_WINDOW, TIED_LOSS_GRID)
from ..base.errors import FitError, RunsError, Worded, did_you_mean
from ..base.records import Record, record
from ..laws import ParametricLaw
from ..laws.tasks import STEP1_NAMES, ExponentialError, SigmoidAccuracy, TaskLaw, TaskLaws
from ..planning.forecasting import near_chance
from .bootstrap import fit_parametrisation
from .objectives import grid
from .parametric import fit_parametric
from .task_points import backtest_task, final_task_losses, points_note, resolve_points, run_points, step1_points

if TYPE_CHECKING:
    from ..laws.tasks import TaskLaws
    from .ladder import Ladder, LadderRun
    from .result import FitResult
    from .task_points import TaskBacktest

__all__ = ["final_task_losses", "step2_points", "fit_sigmoid", "fit_exponential_error", "fit_tied_loss_law",
           "fit_task", "bootstrap_task", "fit_ladder", "TaskFit", "task_diagnostics", "moving_average"]


@record
class TaskFit(Record):
    """A task's fitted two steps (``law``) with the fit's details.

    step1 : the step-1 :class:`~planner.fitting.FitResult`.  step2_sse : step 2's residual sum of squares.
    n_points : the (L, Acc) points step 2 was fitted on (anchor included).  warnings : one line each.
    points : what step 1 was fitted on ("final" or "checkpoints", :mod:`planner.fitting.task_points`).
    backtest : the :class:`~planner.fitting.task_points.TaskBacktest` of ``holdout``, where one was asked for.
    """

    law: TaskLaw
    step1: FitResult
    step2_sse: float
    n_points: int
    warnings: tuple[str, ...] = ()
    points: str = "final"
    backtest: TaskBacktest | None = None


def moving_average(x, window: int):
    """Trailing mean over ``window`` points; the first points average the ones there are."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    c = np.cumsum(x)
    out = c.copy()
    out[window:] = c[window:] - c[:-window]
    n = np.minimum(np.arange(1, len(x) + 1), window)
    return out / n


def step2_points(runs, window: int = STEP2_WINDOW, skip: float = STEP2_SKIP_FRACTION, anchor=STEP2_ANCHOR):
    """(L, Acc) arrays of step 2 (Bhagia et al. 2024 §3.2): per run, its checkpoints after the first ⌈skip·n⌉,
    smoothed by a moving average of ``window``; pooled, with the ``anchor`` point (0, 1) appended (None for none)."""
    import numpy as np

    Ls, As = [], []
    for r in runs:
        start = int(math.ceil(skip * len(r.task_loss)))
        Ls.append(moving_average(r.task_loss[start:], window))
        As.append(moving_average(r.accuracy[start:], window))
    if anchor is not None:
        Ls.append(np.array([anchor[0]]))
        As.append(np.array([anchor[1]]))
    return np.concatenate(Ls), np.concatenate(As)


#: Function evaluations allowed from each start: the shipped ladders' fits converge in under 100, so this is
#: twenty-fold headroom, and a degenerate ladder fails in a second rather than a minute.
MAX_EVALUATIONS = 2000


def _curve_fit_best(f, x, y, starts, **kwargs):
    """The least-squares optimum of ``f`` over the starts (scipy ``curve_fit`` from each, the least SSE kept):
    (parameters, SSE), or FitError if no start converged."""
    import numpy as np
    from scipy.optimize import OptimizeWarning, curve_fit

    best = None
    for p0 in starts:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", OptimizeWarning)
                p, _ = curve_fit(f, x, y, p0=p0, maxfev=MAX_EVALUATIONS, **kwargs)
        except (RuntimeError, ValueError):
            continue
        with np.errstate(all="ignore"):
            sse = float(np.sum((f(x, *p) - y) ** 2))
        if math.isfinite(sse) and (best is None or sse < best[1]):
            best = (p, sse)
    if best is None:
        raise FitError("the least-squares fit did not converge from any start; check that the task losses and "
                       "accuracies are in their usual units (bits per byte, fractions from 0 to 1)")
    return best


def _sigmoid(L, a, L0, k, b):
    import numpy as np

    return a / (1.0 + np.exp(-k * (L - L0))) + b


def fit_sigmoid(task_loss, accuracy, starts=None) -> tuple[SigmoidAccuracy, float]:
    """Step 2 (Bhagia Eq. 2) by least squares in accuracy, bounded as App. A: (SigmoidAccuracy, SSE).

    ``starts``: rows of (a, L0, k, b); default the grid :data:`planner.base.conventions.SIGMOID_GRID`.
    """
    import numpy as np

    L, A = np.asarray(task_loss, float), np.asarray(accuracy, float)
    starts = grid(SIGMOID_GRID, ("a", "L0", "k", "b")) if starts is None else starts
    (a, L0, k, b), sse = _curve_fit_best(_sigmoid, L, A, starts, bounds=SIGMOID_BOUNDS)
    if not a < 0 or not k > 0:
        raise FitError(f"the accuracy does not fall with the task loss in these checkpoints (the sigmoid's a = {a:.3g}, "
                       f"k = {k:.3g}); check the task_loss and accuracy columns")
    return SigmoidAccuracy(a=float(a), b=float(b), k=float(k), L0=float(L0)), sse


def _exponential(L, epsilon, k, gamma):
    import numpy as np

    return epsilon - k * np.exp(-gamma * L)


def fit_exponential_error(task_loss, error, starts=None) -> tuple[ExponentialError, float]:
    """Gadre et al. 2024 Eq. 5, Err(L) = ε − k·exp(−γL), by Levenberg–Marquardt (§3.3): (ExponentialError, SSE)."""
    import numpy as np

    starts = grid(EXPONENTIAL_ERROR_GRID, ("epsilon", "k", "gamma")) if starts is None else starts
    (eps, k, gamma), sse = _curve_fit_best(_exponential, np.asarray(task_loss, float), np.asarray(error, float),
                                           starts, method="lm")
    if not (0 < eps <= 1 and k > 0 and gamma > 0):
        raise FitError(f"the error does not fall with the loss as Eq. 5 needs (ε = {eps:.3g}, k = {k:.3g}, "
                       f"γ = {gamma:.3g})")
    return ExponentialError(epsilon=float(eps), k=float(k), gamma=float(gamma)), sse


def fit_tied_loss_law(n_params, n_tokens, loss, starts=None, flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN):
    r"""Gadre et al. 2024 Eq. 4 (α = β), L(C, M) = E + (a·M^η + b·M^−η)·C^−η with C = 6ND, M = D/N, by
    Levenberg–Marquardt least squares in L (§3.3): (ParametricLaw with α = β = 2η, A = a·6^−η, B = b·6^−η; the
    fitted (E, a, b, η); SSE). ``starts``: rows of (E, a, b, η); default :data:`planner.base.conventions.TIED_LOSS_GRID`.
    """
    import numpy as np

    N, D, L = (np.asarray(v, float) for v in (n_params, n_tokens, loss))
    if len(N) < 5:
        raise FitError(f"{len(N)} runs cannot fit Eq. 4's four coefficients: give at least 5 runs")
    k6 = flops_per_param_token

    def f(X, E, a, b, eta):
        n, d = X
        C, M = k6 * n * d, d / n
        return E + (a * M**eta + b * M**-eta) * C**-eta

    starts = grid(TIED_LOSS_GRID, ("E", "a", "b", "eta")) if starts is None else starts
    (E, a, b, eta), sse = _curve_fit_best(f, (N, D), L, starts, method="lm")
    if not (eta > 0 and a > 0 and b > 0 and E >= 0):
        raise FitError(f"the loss does not fall with compute as Eq. 4 needs (E = {E:.3g}, a = {a:.3g}, b = {b:.3g}, "
                       f"η = {eta:.3g})")
    scale = k6 ** -eta
    law = ParametricLaw(E=float(E), A=float(a * scale), B=float(b * scale), alpha=float(2 * eta), beta=float(2 * eta),
                        flops_per_param_token=k6)
    return law, {"E": float(E), "a": float(a), "b": float(b), "eta": float(eta)}, sse


def fit_task(runs: Sequence[LadderRun], task_id: str, chance: float | None, *, name: str = "", task_loss_unit: str = "",
             n_last: int = LADDER_FINAL_CHECKPOINTS, window: int = STEP2_WINDOW, skip: float = STEP2_SKIP_FRACTION,
             flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, points: str = "final", tie: Sequence[str] = (),
             fix: Mapping[str, float] | None = None) -> TaskFit:
    """Both steps of one task on its ladder ``runs`` (:class:`~planner.fitting.ladder.LadderRun` s) as Bhagia et al.
    2024 do (module docstring), with the diagnostics of :func:`task_diagnostics` for the ladder itself. ``chance``
    None takes the fitted sigmoid's floor (clipped to [0, 0.99]), and a warning says so. ``points``: step 1 on each
    run's final task loss or on every checkpoint (``auto`` chooses; :mod:`planner.fitting.task_points`); ``tie`` and
    ``fix`` are step 1's, as :func:`planner.fitting.fit_parametric` takes them."""
    points = resolve_points(runs, points)
    if points == "final" and len(runs) < 6:
        raise FitError(f"task {task_id!r} has {len(runs)} runs; step 1's five coefficients need at least 6 runs "
                       "(Bhagia et al. use 16: 4 sizes × 4 token multipliers)")
    if len(runs) < 3:  # on checkpoints, D varies within runs; A and α still need sizes
        raise FitError(f"task {task_id!r} has {len(runs)} runs; step 1 on checkpoints needs at least 3 model sizes")
    allx = [float(v) for r in runs for v in r.task_loss]
    distinct = len(set(allx))
    if distinct < 4:
        raise FitError(f"task {task_id!r} has {distinct} distinct task loss{'es' if distinct != 1 else ''} across its "
                       "checkpoints; step 2's four-coefficient sigmoid needs losses that vary (are the columns right?)")
    N, D, L, _ = step1_points(runs, points, n_last, skip)
    _, _, _, A = final_task_losses(runs, n_last)
    step1 = fit_parametric(N, D, L, flops_per_param_token=flops_per_param_token, tie=tie, fix=fix)
    x, y = step2_points(runs, window, skip)
    step2, sse = fit_sigmoid(x, y)
    notes: tuple[str, ...] = (points_note(task_id, runs, points, skip),) if points == "checkpoints" else ()
    if chance is None:
        chance = min(max(float(step2.floor), 0.0), 0.99)
        notes = (Worded(f"{{task_id}}: no chance accuracy given; using the fitted sigmoid's floor {chance:.3f} (give "
                        "{chance} {task_id}=ACCURACY or a chance column)", chance="chance=", task_id=task_id),)
    law = TaskLaw(
        id=task_id, name=name, metric="accuracy", chance=float(chance), loss_law=step1.model, accuracy_law=step2,
        task_loss_unit=task_loss_unit,
        fitted_range=MappingProxyType({**step1.data_range, "task_loss": (min(allx), max(allx))}),
        step1_points=tuple((float(n), float(d), float(v)) for n, d, v in zip(N, D, L)),
        step2_points=tuple((float(v), float(a)) for v, a in zip(L, A)),
        fit=MappingProxyType({"n_runs": len(runs), "n_points": len(x), "objective": float(step1.objective),
                              "step1_rms": float(step1.residuals["rms"]),
                              "step2_rms": math.sqrt(sse / len(x)), "warnings": tuple(step1.warnings)}),
    )
    warnings = tuple(f"{task_id}: {w}" for w in step1.warnings) + notes + tuple(task_diagnostics(law, A))
    law = replace(law, fit=MappingProxyType({**law.fit, "warnings": warnings}))
    return TaskFit(law=law, step1=step1, step2_sse=sse, n_points=len(x), warnings=warnings, points=points)


def task_diagnostics(law: TaskLaw, ladder_accuracy=None) -> list[str]:
    """Warnings for a fitted task: it has not emerged in the ladder (its best run within
    :data:`~planner.base.conventions.EMERGENCE_MARGIN` of chance, :func:`planner.planning.forecasting.near_chance`). A forecast's
    own warnings (near chance at the target, step 1 far beyond the ladder) are the report's:
    :mod:`planner.report.tasks`."""
    if ladder_accuracy is None or not len(ladder_accuracy):
        return []
    warning = near_chance(law, float(max(ladder_accuracy)), "its best ladder run reaches")
    return [warning] if warning else []


def bootstrap_task(runs: Sequence[LadderRun], fit: TaskFit, n_resamples: int, seed: int = 0, *, n_last: int = LADDER_FINAL_CHECKPOINTS,
                   window: int = STEP2_WINDOW, skip: float = STEP2_SKIP_FRACTION, starts: int = 4,
                   progress: Callable[[int, int], None] | None = None) -> TaskLaw:
    """``fit.law`` with bootstrap samples of both steps: ``n_resamples`` resamples of the runs with replacement
    (numpy ``default_rng(seed)``), each refitted (step 1 by :func:`planner.fitting.fit_parametric` from the full-data
    optimum and the next ``starts`` − 1 distinct grid end points; step 2 from its full-data optimum). Resamples that
    do not fit are dropped and counted (``n_failed``). ``progress(done, total)`` is called after each."""
    import numpy as np

    if n_resamples < 2:
        raise FitError(f"a bootstrap needs at least 2 resamples (got {n_resamples})")

    rng = np.random.default_rng(seed)
    step1 = [run_points(r, fit.points, n_last, skip) for r in runs]   # each run's (D, L): resampled whole
    points = [step2_points([r], window, skip, anchor=None) for r in runs]
    param = fit_parametrisation(fit.step1)   # the fit's own ties and fixed values
    tie, fix = fit.step1.extra.get("tied", ()), fit.step1.extra.get("fixed")
    warm1 = param.free(np.array([t for _, t in fit.step1.optima[:starts]] or [fit.step1.theta], dtype=float))
    s2: Any = fit.law.accuracy_law   # the sigmoid of step 2 (fit_sigmoid fits no other form)
    warm2 = [[s2.a, s2.L0, s2.k, s2.b]]
    k = fit.law.loss_law.flops_per_param_token
    rows, failed = [], 0
    for i in range(n_resamples):
        idx = rng.integers(0, len(runs), size=len(runs))
        try:
            N = np.concatenate([np.full(len(step1[j][0]), runs[j].n_params) for j in idx])
            D = np.concatenate([step1[j][0] for j in idx])
            L = np.concatenate([step1[j][1] for j in idx])
            r1 = fit_parametric(N, D, L, grid=warm1, polish=min(2, len(warm1)), flops_per_param_token=k, tie=tie,
                                fix=fix)
            x = np.concatenate([points[j][0] for j in idx] + [[STEP2_ANCHOR[0]]])
            y = np.concatenate([points[j][1] for j in idx] + [[STEP2_ANCHOR[1]]])
            r2, _ = fit_sigmoid(x, y, starts=warm2)
            row = [r1.coefficients[n] for n in STEP1_NAMES] + [r2.a, r2.b, r2.k, r2.L0]
            if not all(math.isfinite(v) for v in row):
                raise FitError("not finite")
            rows.append(tuple(float(v) for v in row))
        except FitError:
            failed += 1
        if progress is not None:
            progress(i + 1, n_resamples)
    if len(rows) < 2:
        raise FitError(f"only {len(rows)} of {n_resamples} bootstrap resamples of {fit.law.id} could be fitted")
    uncertainty = {"method": "bootstrap", "n_resamples": n_resamples, "n_failed": failed, "seed": seed}
    return replace(fit.law, sample_names=STEP1_NAMES + ("a", "b", "k", "L0"), samples=tuple(rows),
                   uncertainty=MappingProxyType(uncertainty))


def _step1_text(fits: Sequence[TaskFit], n_last: int, skip: float) -> str:
    final = f"each run's task loss averaged over its last {n_last} checkpoints"
    points = f"every checkpoint after each run's first {100 * skip:g}% as an (N, D) point"
    kinds = {f.points for f in fits}
    if kinds == {"final"}:
        return final
    if kinds == {"checkpoints"}:
        return points
    return f"{final} ({', '.join(f.law.id for f in fits if f.points == 'final')}), or {points} (the others)"


def fit_ladder(ladder: Ladder, names: Sequence[str] = (), chance: Mapping[str, float] | None = None, *, law_id: str = "fitted",
               n_resamples: int = 0, seed: int = 0, n_last: int = LADDER_FINAL_CHECKPOINTS,
               window: int = STEP2_WINDOW, skip: float = STEP2_SKIP_FRACTION, command: str = "",
               points: str = "auto", tie: Sequence[str] = (), fix: Mapping[str, float] | None = None,
               holdout: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> tuple[list[TaskFit], TaskLaws]:
    """Fit every task of ``ladder`` (or those ``names``): ([TaskFit], the TaskLaws a task-law file holds).

    A task's chance accuracy comes from ``chance``, else the ladder's chance column, else
    :data:`planner.base.conventions.CHANCE_ACCURACY` for the tasks planner knows, else the fitted sigmoid's floor (with a
    warning). With ``n_resamples`` each task gets that many bootstrap refits (:func:`bootstrap_task`).
    ``progress(done, total)`` counts refits. (A forecast at a target warns on its own: :mod:`planner.report.tasks`.)
    ``points``, ``tie``, ``fix``: step 1's (:func:`fit_task`); ``holdout`` K: each task is also fitted without the K
    runs of largest compute and predicts them (:func:`planner.fitting.task_points.backtest_task`).
    """

    chance = dict(chance or {})
    tasks = list(names) or list(ladder.tasks)
    for name in list(tasks) + list(chance):
        if name not in ladder.tasks:
            hint = did_you_mean(name, ladder.tasks) or f"; its tasks are {', '.join(ladder.tasks)}"
            raise RunsError(f"{ladder.source} has no task {name!r}{hint}")
    fits = []
    total = n_resamples * len(tasks)
    for i, task in enumerate(tasks):
        runs = ladder.runs(task)
        given = chance.get(task, ladder.chance.get(task, CHANCE_ACCURACY.get(task)))
        def refit(kept: Sequence[LadderRun], task: str = task, given: float | None = given) -> TaskFit:
            return fit_task(kept, task, given, n_last=n_last, window=window, skip=skip, points=points, tie=tie,
                            fix=fix)

        fit = refit(runs)
        if holdout is not None:

            fit = replace(fit, backtest=backtest_task(runs, task, holdout, refit, n_last=n_last))
        law = fit.law
        if n_resamples:
            step = (lambda done, _t, i=i: progress(i * n_resamples + done, total)) if progress else None
            law = bootstrap_task(runs, fit, n_resamples, seed, n_last=n_last, window=window, skip=skip, progress=step)
        fits.append(replace(fit, law=law))
    source = getattr(ladder, "source", "ladder")
    laws = TaskLaws(
        id=law_id, title=f"Task laws fitted to {source}", tasks=tuple(f.law for f in fits),
        citation=MappingProxyType({"authors": "planner fit-tasks", "year": datetime.date.today().year,
                                   "title": f"Fit to {source}", "where": command or "plan fit-tasks"}),
        parameters="as-reported", flops_per_param_token=FLOPS_PER_PARAM_TOKEN,
        dataset=f"the pretraining data of the ladder in {source}",
        notes=(f"Fitted by planner {__version__} to {source} as Bhagia et al. 2024 fit their ladder (arXiv:2412.04403, "
               f"§3, App. A): step 1 on {_step1_text(fits, n_last, skip)}, step 2 on "
               f"every checkpoint after dropping the first {100 * skip:g}% of each run and a moving average of window "
               f"{window}, plus the point (0, 1).",
               "N counts parameters as the ladder file does; task losses and accuracies are the ladder's own."),
        fit=MappingProxyType({"source": source, "method": "planner.fitting.tasks.fit_ladder",
                              **({"command": command} if command else {}), "n_runs": max(cast(int, f.law.fit["n_runs"])
                                                                                        for f in fits),
                              **({"seed": seed} if n_resamples else {})}),
    )
    return fits, laws
