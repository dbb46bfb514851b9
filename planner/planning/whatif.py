"""What-if plans, exact runs and target losses, compared with the compute-optimal split.

Symbols follow the papers: N parameters, D tokens, C = k·N·D FLOPs, L loss in nats/token.
Every function takes floats or numpy arrays (broadcasting) and returns the same shape.

The loss of the compute-optimal split is a power law in C with a floor, for both loss families::

    L_opt(C) = E + K·C^(−γ)

* Parametric (Hoffmann et al. 2022 Eq. 2 at the optimum of Eq. 4): with x = C/k,
  N_opt = G·x^a and D_opt = x^b/G, both terms scale as x^(−γ) because a·α = b·β = αβ/(α+β) = γ::

      L_opt = E + (A·G^(−α) + B·G^β)·x^(−γ)   ⇒  K = (A·G^(−α) + B·G^β)·k^γ

* Kaplan (Kaplan et al. 2020 Eq. 1.5), p = α_N/α_D: at the optimum the data term is p times the
  parameter term, so the bracket is (1+p)·(N_c·k·D_c/(p·C))^(p/(1+p)) and, with E = 0::

      L_opt = (1+p)^α_D · (N_c·k·D_c/p)^γ · C^(−γ),   γ = α_D·p/(1+p)

Each family's N_opt(C) and D_opt(C) are power laws in C, so a model size (or a data budget) names the one budget
at which it is compute-optimal: C(N) with N_opt(C(N)) = N, in closed form per family (``flops_for_params``,
``flops_for_tokens`` of :mod:`planner.laws`; :func:`optimal_for_params`, :func:`optimal_for_tokens`).

Inverting L_opt gives the least compute that reaches a loss ℓ > E::

    C_min(ℓ) = (K / (ℓ − E))^(1/γ)

and the compute efficiency of a run (N, D) with C = k·N·D is the fraction of C the optimal split
needs to reach the run's loss::

    η = C_min(L(N, D)) / C = ((L_opt(C) − E) / (L(N, D) − E))^(1/γ)   ∈ (0, 1]

(written with the reducible losses so neither side overflows). Each family answers these itself
(:mod:`planner.laws.questions`): closed forms where it has them, the numeric fallback of :mod:`planner.laws.solve`
otherwise; a family that cannot answer (a mixture of experts asked a question planned on k·N·D with one N) refuses.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Any, cast

from ..base.errors import NoLossModelError, QuantityError, UnreachableLossError, literal
from ..base.records import Record, record
from ..base.units import QUANTITY_RANGE, Real, as_floats, check_positive
from ..laws import Frontier
from ..laws.questions import REMEDIES, asking, family_of, law_name, map_scalar
from . import checks
from .plan import Plan, compute_optimal, unchecked_optimum

__all__ = ["Frontier", "WhatIf", "frontier", "optimal_loss", "evaluate", "plan_with_params", "plan_with_tokens",
           "compute_efficiency", "min_compute_for_loss", "optimal_for_params", "optimal_for_tokens"]

#: ln of the largest float: a compute whose log exceeds this cannot be represented.
LOG_MAX = math.log(1.7e308)
#: ln of the least compute planned: below it C/k underflows towards 0 and the split is not a number.
LOG_MIN = math.log(1e-300)


@record
class WhatIf(Record):
    """A run of given size and data, set beside the compute-optimal run of the same budget.

    flops, n_params, n_tokens, tokens_per_param, loss : the run (C = k·N·D); loss None without a loss model.
    optimum : the compute-optimal :class:`~planner.planning.plan.Plan` at the same C.
    loss_gap : L(N, D) − L_opt(C) ≥ 0, nats/token (None without a loss model).
    compute_efficiency : C_min(L(N, D)) / C ∈ (0, 1]: the fraction of the budget the optimal split
        needs to reach the same loss (None without a loss model).
    """

    flops: Real
    n_params: Real
    n_tokens: Real
    tokens_per_param: Real
    loss: Real | None
    optimum: Plan
    loss_gap: Real | None
    compute_efficiency: Real | None
    #: The law it was planned with: the source of its :attr:`warnings`.
    planned_with: object = field(default=None, repr=False, compare=False)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why to read it with care, one sentence each, as the command line prints them beside it: an extrapolation
        past the law's fitted range, a model far too large for its data."""
        if self.planned_with is None:
            return ()
        law = self.planned_with
        return tuple(checks.plan_warnings(law, [self]) + checks.undertrained_warnings(
            law, as_floats(self.tokens_per_param), as_floats(self.optimum.tokens_per_param)))


def _maximum(x: Any, y: float) -> Any:
    if isinstance(x, (int, float)):
        return max(x, y)
    import numpy as np

    return np.maximum(x, y)


def _minimum(x: Any, y: float) -> Any:
    if isinstance(x, (int, float)):
        return min(x, y)
    import numpy as np

    return np.minimum(x, y)


def frontier(law: Any) -> Frontier | None:
    """The closed-form L_opt(C) of ``law`` (see the module docstring), or None if its family has none.

    The family computes it (:attr:`planner.laws.ParametricLaw.frontier`, :attr:`~planner.laws.KaplanLaw.frontier`),
    from the same K as its own optimal loss.
    """
    f: Frontier | None = getattr(family_of(law), "frontier", None)
    return f


def _require_loss(law: Any, what: str) -> Any:
    m = family_of(law)
    if not m.has_loss:
        name = literal(repr(law_name(law)))
        error = NoLossModelError.worded(
            what + " needs a loss model, but " + name + " is an allocation rule that predicts no loss; use a law with "
            "one, e.g. {preset_besiroglu2024} or kaplan2020", preset_besiroglu2024=REMEDIES["preset_besiroglu2024"])
        setattr(error, "question", "loss")   # answered: the asking() around it leaves it as it is
        raise error
    return m


def optimal_loss(law: Any, flops: Real) -> Real:
    """L_opt(C): the predicted loss of the compute-optimal split, closed form where there is one."""
    m = _require_loss(law, "an optimal loss")
    C = check_positive(flops, "flops")
    loss: Real = m.optimal_loss(C)
    return loss


def compute_efficiency(law: Any, n_params: Real, n_tokens: Real) -> Real:
    """η = C_min(L(N, D)) / (k·N·D): the fraction of the run's compute the optimal split needs
    to reach the run's loss (1 at the optimum, smaller the further the run is from it)."""
    with asking(law, "compute_efficiency"):
        m = _require_loss(law, "compute efficiency")
        N = check_positive(n_params, "n_params")
        D = check_positive(n_tokens, "n_tokens")
        return _gap_and_efficiency(m, N, D, _run_flops(m, N, D))[1]


def _gap_and_efficiency(m: Any, N: Real, D: Real, C: Real) -> tuple[Real, Real]:
    """(L(N, D) − L_opt(C), η) for a law with a loss model, from reducible losses on both sides (they keep their
    digits when the losses are close to E): η = C_min(L(N, D)) / C."""
    f = m.frontier
    if f is not None:
        run, best = m.reducible(N, D), f.reducible(C)
        # Rounding can put the optimum a hair above a run that is the optimum itself: clip.
        return _maximum(run - best, 0.0), _minimum((best / run) ** (1.0 / f.gamma), 1.0)
    loss = m.loss(N, D)
    return _maximum(loss - m.optimal_loss(C), 0.0), map_scalar(lambda L, c: m.least_compute(L) / c, loss, C)


def _run_flops(m: Any, N: Real, D: Real) -> Real:
    C = m.training_flops(N, D)
    try:
        spent: Real = check_positive(C, "flops")
        _check_range(spent)
        return spent
    except QuantityError:
        raise QuantityError(
            f"the run's compute {m.flops_per_param_token:g}·N·D is not a finite positive number of FLOPs "
            "(N or D too large or too small); give N and D whose product lies within about 1e-300..1e300"
        ) from None


def _is_array(*xs: Any) -> bool:
    return any(not isinstance(x, (int, float)) for x in xs)


def _check_range(C: Real) -> None:
    """QuantityError unless every C lies in QUANTITY_RANGE (beyond it C/k under- or overflows)."""
    lo, hi = QUANTITY_RANGE
    c: Any = C
    if not (lo <= (c if not _is_array(c) else c.min()) and (c if not _is_array(c) else c.max()) <= hi):
        raise QuantityError("out of range")


def evaluate(law: Any, n_params: Real, n_tokens: Real) -> WhatIf:
    """The exact run (N, D): its compute C = k·N·D, predicted loss, and the optimum at that C."""
    with asking(law, "exact_run"):
        N = check_positive(n_params, "n_params")
        D = check_positive(n_tokens, "n_tokens")
        return _against_optimum(law, N, D, _run_flops(family_of(law), N, D))


def _against_optimum(law: Any, N: Real, D: Real, C: Real) -> WhatIf:
    """The run (N, D) of compute C = k·N·D beside the optimum at C (C passed in to keep a given budget exact)."""
    m = family_of(law)
    if not m.splits:   # a run's split against the optimum's: a law that splits no C refuses, in its own words
        m.compute_optimal(C)
    with checks.guard(law):
        optimum = unchecked_optimum(law, C)
        if not m.has_loss:
            run = WhatIf(C, N, D, D / N, None, optimum, None, None, planned_with=law)
        else:
            gap, efficiency = _gap_and_efficiency(m, N, D, C)
            run = WhatIf(C, N, D, D / N, m.loss(N, D), optimum, gap, efficiency, planned_with=law)
    checks.check_plans(law, [run], what="run")
    checks.check_plans(law, [optimum], what="optimum")
    return run


def plan_with_params(law: Any, flops: Real, n_params: Real) -> WhatIf:
    """Spend ``flops`` on a model of ``n_params`` parameters: D = C / (k·N)."""
    with asking(law, "what_if_params"):
        C = check_positive(flops, "flops")
        N = check_positive(n_params, "n_params")
        D = family_of(law).tokens_for_flops(N, C)
        return _against_optimum(law, N, _derived(D, "n_tokens", "C/(k·N)"), C)


def plan_with_tokens(law: Any, flops: Real, n_tokens: Real) -> WhatIf:
    """Spend ``flops`` on ``n_tokens`` training tokens: N = C / (k·D)."""
    with asking(law, "what_if_tokens"):
        C = check_positive(flops, "flops")
        D = check_positive(n_tokens, "n_tokens")
        N = family_of(law).params_for_flops(D, C)
        return _against_optimum(law, _derived(N, "n_params", "C/(k·D)"), D, C)


def _derived(x: Real, name: str, formula: str) -> Real:
    try:
        return check_positive(x, name)
    except QuantityError:
        raise QuantityError(f"{name} = {formula} is not a finite positive number; "
                            "the budget and the quantity given are too far apart") from None


def min_compute_for_loss(law: Any, target_loss: Real) -> Plan:
    """The least compute C that reaches ``target_loss`` (nats/token), with its optimal N and D.

    The family's C_min(ℓ) (:meth:`~planner.laws.questions.LossQuestions.least_compute`): closed form
    C = (K / (ℓ − E))^(1/γ) where it has one, numeric otherwise. A target at or below the irreducible loss raises
    :class:`UnreachableLossError`; a law without a loss model raises :class:`NoLossModelError`. ``plan.loss`` is
    the law's loss at the returned split.
    """
    with asking(law, "target_loss"):
        m = _require_loss(law, "a target loss")
        target = check_positive(target_loss, "target loss")
        log_c = m.log_least_compute(target)
    floor, name = m.irreducible, law_name(law)
    worst = target if not _is_array(target) else float(cast(Any, target).min())
    if worst <= floor:
        raise UnreachableLossError(
            f"target loss {worst:g} is at or below the irreducible loss E = {floor:g} nats/token of {name!r}: "
            f"no amount of compute reaches it; choose a target above {floor:g}"
        )
    biggest = log_c if not _is_array(log_c) else float(cast(Any, log_c).max())
    if biggest > LOG_MAX:
        raise UnreachableLossError(
            f"target loss {worst:g} is so close to the irreducible loss E = {floor:g} of {name!r} that it needs "
            "more than 1e308 FLOPs; choose a higher target"
        )
    smallest = log_c if not _is_array(log_c) else float(cast(Any, log_c).min())
    if smallest < LOG_MIN:
        raise QuantityError(
            f"target loss {target if not _is_array(target) else float(cast(Any, target).max()):g} is so far above the losses "
            f"{name!r} predicts that it needs less than 1e-300 FLOPs; choose a lower target"
        )
    return compute_optimal(law, m.least_compute(target))


def optimal_for_params(law: Any, n_params: Real) -> Plan:
    """The compute-optimal plan whose N is ``n_params``: the budget C with N_opt(C) = N, its D_opt and loss.

    "I have a 7B model: how many tokens?" The family inverts N_opt(C) (``flops_for_params``: closed form, or a
    numerical root of log N_opt(C) = log N, :mod:`planner.laws.solve`).
    """
    return _optimal_for(law, check_positive(n_params, "n_params"), "n_params")


def optimal_for_tokens(law: Any, n_tokens: Real) -> Plan:
    """The compute-optimal plan whose D is ``n_tokens``: the budget C with D_opt(C) = D, its N_opt and loss."""
    return _optimal_for(law, check_positive(n_tokens, "n_tokens"), "n_tokens")


def _optimal_for(law: Any, value: Real, key: str) -> Plan:
    m = family_of(law)
    with asking(law, "optimal_for_params" if key == "n_params" else "optimal_for_tokens"):
        C = m.flops_for_params(value) if key == "n_params" else m.flops_for_tokens(value)
    symbol = "N" if key == "n_params" else "D"
    try:
        _check_range(check_positive(C, "flops"))
    except QuantityError:
        raise QuantityError(f"the budget at which this {symbol} is compute-optimal under "
                            f"{law_name(law)!r} is not a finite number of FLOPs within 1e-300..1e300; "
                            f"give a {symbol} nearer the law's range") from None
    plan = compute_optimal(law, C)
    # The given value exactly (the inverse and the forward map agree to rounding; the user's number is the one shown).
    return Plan(flops=plan.flops, n_params=value if key == "n_params" else plan.n_params,
                n_tokens=value if key == "n_tokens" else plan.n_tokens, tokens_per_param=plan.tokens_per_param,
                loss=plan.loss, planned_with=law)
