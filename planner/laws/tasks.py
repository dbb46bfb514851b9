r"""Benchmark accuracy from scale, in two steps: (N, D) → task loss → accuracy, and back.

Bhagia et al. 2024 (arXiv:2412.04403, §3) predict one task's accuracy from a model's size N and data D in two fitted
steps, each of which extrapolates better than a single power law in accuracy (their §C.5):

* **Step 1** (Bhagia Eq. 1): the *task loss* of the model falls as a power law in N and D,
  ``L(N, D) = E + A/N^α + B/D^β``: a :class:`~planner.laws.parametric.ParametricLaw`, with its closed-form
  compute-optimal split and least compute for a loss (:func:`planner.planning.whatif.min_compute_for_loss`). For Bhagia the
  task loss is the negative log-likelihood of the correct answer per byte (bits per byte, §2.2); for Gadre et al. 2024
  (arXiv:2403.08540, Eq. 3–4 with α = β) it is the C4-eval loss in nats/token.
* **Step 2** maps the task loss to the metric:

  - :class:`SigmoidAccuracy` (Bhagia Eq. 2): ``Acc(L) = a/(1 + e^(−k(L − L0))) + b`` with a ∈ [−1, 0), k > 0
    (Bhagia App. A fits a ∈ [−1, 0], b ∈ [0, 1]). Accuracy falls from b (L → −∞) to a + b (L → ∞). Its inverse::

        L(Acc) = L0 − ln(a/(Acc − b) − 1)/k,    a + b < Acc < b

  - :class:`ExponentialError` (Gadre Eq. 5): average top-1 error ``Err(L) = ε − k·e^(−γL)``, accuracy 1 − Err.
    Its inverse::

        L(Err) = −ln((ε − Err)/k)/γ,    Err < ε

A :class:`TaskLaw` is one task's two steps with its metric and chance accuracy; :class:`TaskLaws` a task-law file's
tasks with their source and conventions (read and validated by :mod:`planner.files.lawfile`). Both steps take floats or
numpy arrays (coefficients too, for bootstrap draws) and nothing here imports numpy at import time.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from types import MappingProxyType
from typing import Any, ClassVar, Iterable, Mapping, Union

from ..base.errors import UnknownTaskError, UnreachableAccuracyError, did_you_mean
from ..base.records import Record, record
from ..base.units import Real
from .law import short_citation
from .parametric import ParametricLaw

__all__ = ["SigmoidAccuracy", "ExponentialError", "TaskLaw", "TaskLaws", "STEP2_FORMS", "METRICS",
           "STEP1_NAMES", "AccuracyLaw"]

#: The metrics a task law predicts: accuracy itself, or an error rate (accuracy = 1 − error).
METRICS = ("accuracy", "top-1 error")
#: Step 1's coefficient names (Bhagia Eq. 1 = Hoffmann et al. 2022 Eq. 2).
STEP1_NAMES = ParametricLaw.coefficient_names

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _exp(x: Real) -> Real:
    if isinstance(x, (int, float)):
        return math.exp(x) if x < 709.0 else math.inf
    import numpy as np

    with np.errstate(over="ignore"):
        y: Real = np.exp(x)
    return y


def _log(x: Real) -> Real:
    if isinstance(x, (int, float)):
        return math.log(x)
    import numpy as np

    y: Real = np.log(x)
    return y


@record
class SigmoidAccuracy(Record):
    r"""Bhagia et al. 2024, Eq. 2: ``Acc(L) = a/(1 + e^(−k(L − L0))) + b``.

    a : the (negative) span of the sigmoid, a ∈ [−1, 0).  b : its ceiling, reached as L → −∞.
    k : steepness > 0.  L0 : the task loss at the midpoint, where Acc = a/2 + b.
    """

    a: Real
    b: Real
    k: Real
    L0: Real

    form: ClassVar[str] = "sigmoid"
    coefficient_names: ClassVar[tuple[str, ...]] = ("a", "b", "k", "L0")
    metric: ClassVar[str] = "accuracy"

    def __call__(self, task_loss: Real) -> Real:
        """The metric (accuracy) at ``task_loss``."""
        return self.a / (1.0 + _exp(-self.k * (task_loss - self.L0))) + self.b

    def accuracy(self, task_loss: Real) -> Real:
        return self(task_loss)

    def formula(self) -> str:
        """Its formula with its coefficients, as reports print it."""
        return f"{self.a:.4g}/(1 + e^(-{self.k:.4g}(L - {self.L0:.4g}))) + {self.b:.4g}"

    @property
    def floor(self) -> Real:
        """The accuracy as L → ∞: a + b."""
        return self.a + self.b

    @property
    def ceiling(self) -> Real:
        """The accuracy as L → −∞: b."""
        return self.b

    def task_loss(self, accuracy: Real) -> Real:
        """The task loss at which the sigmoid gives ``accuracy`` (a + b < accuracy < b): L0 − ln(a/(Acc − b) − 1)/k."""
        return self.L0 - _log(self.a / (accuracy - self.b) - 1.0) / self.k


@record
class ExponentialError(Record):
    r"""Gadre et al. 2024, Eq. 5: the average top-1 error ``Err(L) = ε − k·e^(−γL)``; accuracy = 1 − Err.

    epsilon : the error as L → ∞ (ε ≤ 1).  k : scale > 0.  gamma : rate γ > 0.
    """

    epsilon: Real
    k: Real
    gamma: Real

    form: ClassVar[str] = "exponential"
    coefficient_names: ClassVar[tuple[str, ...]] = ("epsilon", "k", "gamma")
    metric: ClassVar[str] = "top-1 error"

    def __call__(self, task_loss: Real) -> Real:
        """The metric (the error) at ``task_loss``."""
        return self.epsilon - self.k * _exp(-self.gamma * task_loss)

    def accuracy(self, task_loss: Real) -> Real:
        """1 − Err(L)."""
        return 1.0 - self(task_loss)

    def formula(self) -> str:
        """Its formula with its coefficients, as reports print it."""
        return f"err = {self.epsilon:.4g} - {self.k:.4g}·e^(-{self.gamma:.4g}·L)"

    @property
    def floor(self) -> Real:
        """The accuracy as L → ∞: 1 − ε."""
        return 1.0 - self.epsilon

    @property
    def ceiling(self) -> float:
        """No ceiling below 1 from step 2 itself (the error falls below 0 as L → −∞)."""
        return 1.0

    def task_loss(self, accuracy: Real) -> Real:
        """The task loss at which the error is 1 − ``accuracy``: −ln((ε − Err)/k)/γ."""
        return -_log((self.epsilon - (1.0 - accuracy)) / self.k) / self.gamma


#: A step-2 law: task loss → metric.
AccuracyLaw = Union[SigmoidAccuracy, ExponentialError]
#: Step 2's ``form`` in a task-law file → its class.
STEP2_FORMS = {cls.form: cls for cls in (SigmoidAccuracy, ExponentialError)}


@record
class TaskLaw(Record):
    """One task's two steps: (N, D) → task loss (``loss_law``) → accuracy (``accuracy_law``).

    id : the task's id (``mmlu``).  name : how it is shown (``MMLU``).  metric : ``accuracy`` or ``top-1 error``
    (the metric step 2 predicts; accuracies are reported either way, as 1 − error for an error).
    chance : the accuracy of guessing.  task_loss_unit : what step 1's loss is (bits per byte of the correct answer...).
    fitted_range : ``n_params``, ``n_tokens``, ``flops``, ``task_loss`` → (low, high) of the ladder it was fitted on.
    sample_names, samples : bootstrap refits of both steps (rows over step 1's then step 2's coefficient names).
    uncertainty : how the samples were made (method, n_resamples, n_failed, seed).
    step1_points : the ladder's (N, D, task loss) the step-1 law was fitted on.  step2_points : (task loss, accuracy)
    points of the ladder for figures (step 2 may be fitted on many more).  fit : how it was fitted.
    """

    id: str
    metric: str
    chance: float
    loss_law: ParametricLaw
    accuracy_law: AccuracyLaw
    name: str = ""
    task_loss_unit: str = ""
    fitted_range: Mapping[str, tuple[float, float]] = field(default_factory=lambda: _EMPTY)
    sample_names: tuple[str, ...] = ()
    samples: tuple[tuple[float, ...], ...] = ()
    uncertainty: Mapping[str, object] = field(default_factory=lambda: _EMPTY)
    step1_points: tuple[tuple[float, float, float], ...] = ()
    step2_points: tuple[tuple[float, float], ...] = ()
    notes: tuple[str, ...] = ()
    fit: Mapping[str, object] = field(default_factory=lambda: _EMPTY)

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def coefficients(self) -> dict[str, float]:
        """Both steps' coefficients under the papers' names (step 1's E, A, B, alpha, beta, then step 2's)."""
        out = {n: getattr(self.loss_law, n) for n in STEP1_NAMES}
        out.update({n: getattr(self.accuracy_law, n) for n in self.accuracy_law.coefficient_names})
        return out

    def task_loss(self, n_params: Real, n_tokens: Real) -> Real:
        """Step 1: the task loss of a model of N parameters trained on D tokens."""
        return self.loss_law.loss(n_params, n_tokens)

    def accuracy(self, task_loss: Real) -> Real:
        """Step 2: the accuracy at a task loss (1 − error for an error metric)."""
        return self.accuracy_law.accuracy(task_loss)

    def metric_value(self, task_loss: Real) -> Real:
        """Step 2 in the task's own metric (accuracy, or the error)."""
        return self.accuracy_law(task_loss)

    def accuracy_range(self) -> tuple[float, float]:
        """(low, high): the accuracies a target may ask for. Above chance and above step 2's floor; below the
        accuracy at step 1's irreducible task loss E, which no amount of compute goes beyond."""
        low = max(float(self.chance), float(self.accuracy_law.floor))
        high = float(min(self.accuracy(self.loss_law.E), self.accuracy_law.ceiling))
        return low, high

    def loss_for_accuracy(self, accuracy: float) -> float:
        """The task loss at which step 2 gives ``accuracy``; :class:`UnreachableAccuracyError` saying the reachable
        range where the two steps cannot reach it (at or below chance, at or beyond the accuracy of infinite compute)."""
        low, high = self.accuracy_range()
        if not low < accuracy < high:
            why = ("at or below chance" if accuracy <= float(self.chance) else
                   "at or below the sigmoid's floor" if accuracy <= low else
                   "at or beyond what infinite compute reaches")
            raise UnreachableAccuracyError(
                f"target accuracy {accuracy:g} for {self.id} is {why}: the two-step law reaches accuracies from "
                f"{low:.4g} to {high:.4g} (the latter at task loss E = {float(self.loss_law.E):.4g}); choose a target "
                "inside that range")
        return float(self.accuracy_law.task_loss(accuracy))

    def drawn(self) -> "tuple[ParametricLaw, AccuracyLaw] | None":
        """This task with each coefficient an (S, 1) column of its bootstrap samples: (loss law, accuracy law), or
        None without samples."""
        if not self.samples:
            return None
        import numpy as np

        values = np.asarray(self.samples, dtype=float)
        cols = {name: values[:, j, None] for j, name in enumerate(self.sample_names)}
        step1 = dataclasses.replace(self.loss_law, **{n: cols[n] for n in STEP1_NAMES if n in cols})  # type: ignore
        drawn2 = {n: cols[n] for n in self.accuracy_law.coefficient_names if n in cols}
        step2 = dataclasses.replace(self.accuracy_law, **drawn2)  # type: ignore[arg-type]
        return step1, step2


@record
class TaskLaws(Record):
    """A task-law file: its tasks, with the source and conventions they share.

    parameters : what N counts in every task's step 1 (``non-embedding`` for the OLMo ladder, ``total`` for Gadre).
    flops_per_param_token : k in C = k·N·D (6).  dataset : the pretraining data of the ladder.
    """

    id: str
    title: str
    tasks: tuple[TaskLaw, ...]
    citation: Mapping[str, str | int]
    parameters: str = "total"
    flops_per_param_token: float = 6.0
    dataset: str = ""
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fit: Mapping[str, object] = field(default_factory=lambda: _EMPTY)
    source: str = ""

    form: ClassVar[str] = "tasks"

    @property
    def task_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tasks)

    @property
    def short_citation(self) -> str:
        return short_citation(self.citation)

    def task(self, name: str) -> TaskLaw:
        """The task with id ``name`` (case-insensitive); UnknownTaskError naming the closest ids otherwise."""
        key = name.strip().lower()
        for t in self.tasks:
            if t.id == key:
                return t
        hint = did_you_mean(key, self.task_ids) or f"; its tasks are {', '.join(self.task_ids)}"
        raise UnknownTaskError(f"unknown task {name!r} in {self.id}{hint}")

    def select(self, names: "Iterable[str]" = ()) -> tuple[TaskLaw, ...]:
        """The tasks named (each once, in the order given), or every task when none is named."""
        if not names:
            return self.tasks
        return tuple({t.id: t for t in (self.task(n) for n in names)}.values())

    def __repr__(self) -> str:
        return f"TaskLaws({self.id!r}: {', '.join(self.task_ids)}; {self.short_citation})"
