"""Distillation: a student's loss from its teacher, and the compute-optimal way to distil a student of given size
(Busbridge et al. 2025, "Distillation Scaling Laws", arXiv:2502.08606, Eq. 8-10, Table 2).

A law with a ``[distillation]`` table (``busbridge2025``) carries two laws: its supervised law L(N, D) (Eq. 1) and
the distillation law L_S(N_S, D_S, L_T) (Eq. 8, :class:`~planner.laws.DistillationLaw`), which needs the student's
supervised loss L̃_S = L(N_S, D_S). Compute is Eq. 9 with F(N) = 2N forward FLOPs per token::

    FLOPs = 3·F(N_S)·D_S + F(N_T)·(δ_Lgt·D_S + δ_Pre·3·D_T) = 6·N_S·D_S + 2·N_T·δ_Lgt·D_S + 6·N_T·δ_Pre·D_T

with (δ_Lgt, δ_Pre) from the scenario (Table 2, :data:`planner.base.conventions.DISTILLATION_SCENARIOS`).

Compute-optimal distillation (Eq. 10): for a student of N_S parameters and a budget C, the D_S, N_T and D_T of least
L_S subject to FLOPs = C. The teacher is parametrised by its size N_T and its loss above its own floor,
L_T = L(N_T, ∞) + r (its tokens D_T then follow in closed form), and the budget gives D_S; a grid over (log N_T,
log r), then Nelder-Mead from the best point (the paper uses SLSQP on the constrained problem; the tests check the
two agree). In the *best case* the teacher costs nothing and only its loss matters: a search over L_T. Beside each
optimum: the same student trained supervised on the whole budget, L̃ = L(N_S, C/(6·N_S)).

The core opens no file and prints nothing; numpy and scipy are imported inside the functions.
"""

from __future__ import annotations

import math
from typing import Any

from ..base.conventions import DISTILLATION_SCENARIOS, FLOPS_PER_PARAM_TOKEN, INFERENCE_FLOPS_PER_PARAM_TOKEN
from ..base.errors import InfeasibleError, UnsupportedLawError
from ..base.records import Record, record
from ..base.units import check_finite, check_positive
from ..laws.questions import family_of

__all__ = ["DistilledRun", "DistillationPlan", "distill", "compute_optimal_distillation", "distillation_flops",
           "supervised_floor", "teacher_tokens_for", "SCENARIOS", "require_distillation"]

#: The compute scenarios of Table 2, in the paper's order.
SCENARIOS = tuple(DISTILLATION_SCENARIOS)

#: Teachers searched from 1/1000 to 1000 times the student's size; their loss from 1e-8 to 10 nats above their floor.
_TEACHER_SPAN = math.log(1e3)
_EXCESS_RANGE = (math.log(1e-8), math.log(10.0))
_GRID = 41


def require_distillation(law: Any) -> Any:
    """The law's :class:`~planner.laws.DistillationLaw`; UnsupportedLawError naming the preset to use if none."""
    table = getattr(law, "distillation", None)
    if table is None:
        name = getattr(law, "id", "this law")
        raise UnsupportedLawError.worded(f"{name} has no distillation law ([distillation] table); use "
                                         "{preset_busbridge2025} (Busbridge et al. 2025, Eq. 8)",
                                         preset_busbridge2025="the preset 'busbridge2025'")
    return table


def _supervised(law: Any) -> Any:
    return family_of(law)


def supervised_floor(law: Any, n_params: Any) -> Any:
    """L(N, ∞) = E + (A/N^α)^γ: the lowest loss N parameters reach by supervised training (Eq. 35 of the paper)."""
    return _supervised(law).loss(n_params, math.inf)


def teacher_tokens_for(law: Any, n_params: Any, loss: Any) -> Any:
    """The D with L(N, D) = ``loss`` (the supervised law's D(N, ℓ)); inf at or below N's floor."""
    import numpy as np

    D = _supervised(law).tokens_for_loss(n_params, loss)
    return float(D) if np.ndim(D) == 0 else D


def distillation_flops(n_params: float, n_tokens: float, teacher_params: float | None, teacher_tokens: float | None,
                       scenario: str) -> tuple[float, float, float]:
    """(student training, teacher logits, teacher training) FLOPs of Eq. 9 in ``scenario``, F(N) = 2N: 6·N_S·D_S,
    δ_Lgt·2·N_T·D_S and δ_Pre·6·N_T·D_T (a teacher term is 0 where the scenario does not count it)."""
    lgt, pre = DISTILLATION_SCENARIOS[scenario]
    f = INFERENCE_FLOPS_PER_PARAM_TOKEN   # F(N)/N = 2
    student = 3.0 * f * n_params * n_tokens
    logits = lgt * f * teacher_params * n_tokens if lgt and teacher_params is not None else 0.0
    teacher = (pre * 3.0 * f * teacher_params * teacher_tokens
               if pre and teacher_params is not None and teacher_tokens is not None else 0.0)
    return student, logits, teacher


@record
class DistilledRun(Record):
    """A student of ``n_params`` distilled on ``n_tokens`` from a teacher of loss ``teacher_loss``, beside the same
    student trained supervised on the same tokens.

    loss : L_S (Eq. 8).  supervised_loss : L̃_S = L(N_S, D_S) (Eq. 1).  teacher_params, teacher_tokens : the
    teacher's N_T and D_T when it was given by them (L_T = L(N_T, D_T)), else None.
    student_flops : 6·N_S·D_S.  teacher_logit_flops : 2·N_T·D_S, the teacher's forward passes (None without N_T).
    """

    n_params: float
    n_tokens: float
    teacher_loss: float
    loss: float
    supervised_loss: float
    teacher_params: float | None = None
    teacher_tokens: float | None = None
    student_flops: float | None = None
    teacher_logit_flops: float | None = None


def distill(law: Any, n_params: float, n_tokens: float, *, teacher_loss: float | None = None,
            teacher_params: float | None = None, teacher_tokens: float | None = None) -> DistilledRun:
    """L_S of a student (N_S = ``n_params``, D_S = ``n_tokens``) distilled from a teacher given by its loss, or by
    its size and tokens (L_T = L(N_T, D_T), the supervised law), and L̃_S beside it."""
    table = require_distillation(law)
    m = _supervised(law)
    N = check_positive(float(n_params), "student params")
    D = check_positive(float(n_tokens), "student tokens")
    if (teacher_loss is None) == (teacher_params is None or teacher_tokens is None):
        raise ValueError("give teacher_loss, or teacher_params and teacher_tokens")
    if teacher_loss is None:
        assert teacher_params is not None and teacher_tokens is not None
        teacher_params = check_positive(float(teacher_params), "teacher params")
        teacher_tokens = check_positive(float(teacher_tokens), "teacher tokens")
        L_T = float(m.loss(teacher_params, teacher_tokens))
    else:
        L_T = check_positive(float(teacher_loss), "teacher loss")
        if L_T <= m.E:
            name = getattr(law, "id", "the law")
            raise InfeasibleError(f"a teacher loss of {L_T:g} is at or below the irreducible loss E = {m.E:g} of "
                                  f"{name}'s data: no teacher reaches it; give a teacher loss above {m.E:g}")
    supervised = float(m.loss(N, D))
    loss = float(table.loss(N, D, L_T, supervised))
    student, logits, _ = distillation_flops(N, D, teacher_params, teacher_tokens, "inference")
    student = check_finite(student, "the student's FLOPs 6·N_S·D_S", f"student params {N:g} and tokens {D:g}")
    if teacher_params is not None:
        logits = check_finite(logits, "the teacher's logit FLOPs 2·N_T·D_S",
                              f"teacher params {teacher_params:g} and student tokens {D:g}")
    return DistilledRun(n_params=N, n_tokens=D, teacher_loss=L_T, loss=loss, supervised_loss=supervised,
                        teacher_params=teacher_params, teacher_tokens=teacher_tokens,
                        student_flops=student, teacher_logit_flops=logits if teacher_params is not None else None)


@record
class DistillationPlan(Record):
    """The compute-optimal distillation of a student of ``n_params`` in ``scenario`` for ``flops`` (Eq. 10), and the
    same student trained supervised on the whole budget.

    n_tokens : D_S*.  teacher_params : N_T* (None in the best case, where any teacher of loss ``teacher_loss`` will
    do).  teacher_tokens : D_T* where the teacher's training is counted, else None (without a cost the optimum
    trains the teacher towards its infinite-data loss L(N_T, ∞)).  teacher_loss : L_T*.  loss : L_S*.
    supervised_tokens, supervised_loss : C/(6·N_S) and L(N_S, C/(6·N_S)).
    student_flops, teacher_logit_flops, teacher_training_flops : the terms of Eq. 9 (they sum to ``flops``, except
    in the best case, where the teacher's are not counted and are 0).
    """

    scenario: str
    flops: float
    n_params: float
    n_tokens: float
    teacher_params: float | None
    teacher_tokens: float | None
    teacher_loss: float
    loss: float
    supervised_tokens: float
    supervised_loss: float
    student_flops: float
    teacher_logit_flops: float
    teacher_training_flops: float

    @property
    def loss_advantage(self) -> float:
        """L̃ − L_S*: positive where distillation reaches a lower loss than supervised training on the same budget."""
        return self.supervised_loss - self.loss

    @property
    def better(self) -> str:
        """``"distillation"``, ``"supervised"`` or ``"neither"`` (equal losses)."""
        d = self.loss_advantage
        return "distillation" if d > 0 else "supervised" if d < 0 else "neither"


def compute_optimal_distillation(law: Any, flops: float, n_params: float, scenario: str) -> DistillationPlan:
    """D_S*, N_T*, D_T* minimising L_S for a student of ``n_params`` under ``flops`` FLOPs of Eq. 9 in ``scenario``
    (one of :data:`SCENARIOS`), with the supervised student of the same budget beside it (module docstring)."""
    table = require_distillation(law)
    if scenario not in DISTILLATION_SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)} (got {scenario!r})")
    m = _supervised(law)
    C = check_positive(float(flops), "flops")
    N_S = check_positive(float(n_params), "student params")
    k = FLOPS_PER_PARAM_TOKEN
    sup_tokens = C / (k * N_S)
    lgt, pre = DISTILLATION_SCENARIOS[scenario]
    if not (lgt or pre):
        L_T, D_S = _best_teacher(law, table, N_S, sup_tokens)
        N_T = D_T = None
    else:
        N_T, L_T = _teacher(law, table, N_S, C, lgt, pre)
        D_T = teacher_tokens_for(law, N_T, L_T)
        D_S = _student_tokens(N_S, N_T, D_T, C, lgt, pre)
    loss = float(table.loss(N_S, D_S, L_T, float(m.loss(N_S, D_S))))
    student, logits, teacher = distillation_flops(N_S, D_S, N_T, D_T, scenario)
    if not pre:
        D_T = None   # its training is not counted: any teacher of N_T parameters and loss L_T will do
    return DistillationPlan(scenario=scenario, flops=C, n_params=N_S, n_tokens=D_S, teacher_params=N_T,
                            teacher_tokens=D_T, teacher_loss=float(L_T), loss=loss, supervised_tokens=sup_tokens,
                            supervised_loss=float(m.loss(N_S, sup_tokens)), student_flops=student,
                            teacher_logit_flops=logits, teacher_training_flops=teacher)


def _student_tokens(N_S: Any, N_T: Any, D_T: Any, C: float, lgt: float, pre: float) -> Any:
    """D_S from the budget (Eq. 9 solved for it): (C − δ_Pre·6·N_T·D_T) / (6·N_S + δ_Lgt·2·N_T); ≤ 0 if infeasible."""
    f = INFERENCE_FLOPS_PER_PARAM_TOKEN
    return (C - pre * 3.0 * f * N_T * D_T) / (3.0 * f * N_S + lgt * f * N_T)


def _best_teacher(law: Any, table: Any, N_S: float, D_S: float) -> tuple[float, float]:
    """(L_T*, D_S) of the best case: the teacher loss minimising L_S at D_S = C/(6·N_S), searched in log(L_T − E)."""
    import numpy as np
    from scipy.optimize import minimize_scalar

    m = _supervised(law)
    L_sup = float(m.loss(N_S, D_S))

    def student(u: Any) -> Any:
        return table.loss(N_S, D_S, m.E + np.exp(u), L_sup)

    grid = np.linspace(*_EXCESS_RANGE, _GRID)
    i = int(np.argmin(student(grid)))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, _GRID - 1)]
    res = minimize_scalar(lambda u: float(student(u)), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-10, "maxiter": 500})
    return m.E + math.exp(res.x), D_S


def _teacher(law: Any, table: Any, N_S: float, C: float, lgt: float, pre: float) -> tuple[float, float]:
    """(N_T*, L_T*) for a scenario that prices the teacher: a grid over (log N_T, log r), L_T = L(N_T, ∞) + r, then
    Nelder-Mead from the best grid point, within the grid's bounds."""
    import numpy as np
    from scipy.optimize import minimize

    m = _supervised(law)
    t0 = math.log(N_S)

    def objective(t: Any, v: Any) -> Any:
        N_T = np.exp(t)
        L_T = supervised_floor(law, N_T) + np.exp(v)
        D_T = teacher_tokens_for(law, N_T, L_T)
        D_S = _student_tokens(N_S, N_T, D_T, C, lgt, pre)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            ok = D_S > 0
            D = np.where(ok, D_S, 1.0)
            L = table.loss(N_S, D, L_T, m.loss(N_S, D))
        return np.where(ok & np.isfinite(L), L, np.inf)

    ts = t0 + np.linspace(-_TEACHER_SPAN, _TEACHER_SPAN, _GRID)
    vs = np.linspace(*_EXCESS_RANGE, _GRID)
    T, V = np.meshgrid(ts, vs, indexing="ij")
    values = objective(T, V)
    if not np.isfinite(values).any():
        raise InfeasibleError(f"a budget of {C:.3g} FLOPs cannot pay for training any teacher in the search (1/1000 "
                              "to 1000 times the student's size) and the student's own training; raise the budget")
    i, j = np.unravel_index(int(np.argmin(values)), values.shape)
    bounds = [(ts[0], ts[-1]), (vs[0], vs[-1])]
    res = minimize(lambda x: float(objective(x[0], x[1])), x0=[ts[i], vs[j]], method="Nelder-Mead", bounds=bounds,
                   options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 4000, "maxfev": 8000})
    t, v = (res.x if res.fun <= values[i, j] else (ts[i], vs[j]))
    N_T = math.exp(t)
    return N_T, float(supervised_floor(law, N_T)) + math.exp(v)
