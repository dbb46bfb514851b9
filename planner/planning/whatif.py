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

(written with the reducible losses so neither side overflows). A law family without this closed
form falls back to the numeric solvers of :mod:`planner.planning.optimize`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from ..base.errors import NoLossModelError, QuantityError, UnreachableLossError
from ..laws import Frontier
from .plan import Plan, compute_optimal, model_of, require_dense
from ..base.units import QUANTITY_RANGE, Real, check_positive

__all__ = ["Frontier", "WhatIf", "frontier", "optimal_loss", "evaluate", "plan_with_params", "plan_with_tokens",
           "compute_efficiency", "min_compute_for_loss", "optimal_for_params", "optimal_for_tokens"]

#: ln of the largest float: a compute whose log exceeds this cannot be represented.
_LOG_MAX = math.log(1.7e308)
#: ln of the least compute planned: below it C/k underflows towards 0 and the split is not a number.
_LOG_MIN = math.log(1e-300)


@dataclass(frozen=True)
class WhatIf:
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


def _is_array(*xs) -> bool:
    return any(not isinstance(x, (int, float)) for x in xs)


def _float_or_numpy(scalar_fn, numpy_name: str):
    """``scalar_fn`` for a float (numpy stays unimported on the scalar path), ``numpy.<numpy_name>`` otherwise."""
    def fn(x, *args):
        if isinstance(x, (int, float)):
            return scalar_fn(x, *args)
        import numpy as np

        return getattr(np, numpy_name)(x, *args)

    return fn


_log = _float_or_numpy(math.log, "log")
_exp = _float_or_numpy(math.exp, "exp")
_maximum = _float_or_numpy(max, "maximum")
_minimum = _float_or_numpy(min, "minimum")


def frontier(law) -> Frontier | None:
    """The closed-form L_opt(C) of ``law`` (see the module docstring), or None if its family has none.

    The family computes it (:attr:`planner.laws.ParametricLaw.frontier`, :attr:`~planner.laws.KaplanLaw.frontier`),
    from the same K as its own optimal loss.
    """
    return getattr(model_of(law), "frontier", None)


def _require_loss(law, what: str):
    m = model_of(law)
    if not m.has_loss:
        name = getattr(law, "id", m.form)
        raise NoLossModelError(
            f"{what} needs a loss model, but {name!r} is an allocation rule that predicts no loss; "
            "use a law with one, e.g. --preset besiroglu2024 or kaplan2020"
        )
    return m


def _reducible(m, N, D):
    """L(N, D) − E, computed without subtracting (no cancellation for huge N and D)."""
    if m.form == "parametric":
        return m.A / N**m.alpha + m.B / D**m.beta
    if m.form == "kaplan":
        return m.loss(N, D)
    return m.loss(N, D) - _floor(m)


def _floor(m) -> float:
    """The irreducible loss: L_opt(C) → floor as C → ∞."""
    f = frontier(m)
    if f is not None:
        return f.E
    return getattr(m, "E", 0.0)


def optimal_loss(law, flops: Real) -> Real:
    """L_opt(C): the predicted loss of the compute-optimal split, closed form where there is one."""
    m = _require_loss(law, "an optimal loss")
    C = check_positive(flops, "flops")
    if getattr(m, "routed", False):
        return compute_optimal(law, C).loss   # numeric over N and G (planner.laws.moe)
    f = frontier(m)
    if f is not None:
        return f.loss(C)
    from .optimize import optimal_loss_numeric

    return _map(lambda c: optimal_loss_numeric(m, c), C)


def compute_efficiency(law, n_params: Real, n_tokens: Real) -> Real:
    """η = C_min(L(N, D)) / (k·N·D): the fraction of the run's compute the optimal split needs
    to reach the run's loss (1 at the optimum, smaller the further the run is from it)."""
    require_dense(law, "compute efficiency")
    m = _require_loss(law, "compute efficiency")
    N = check_positive(n_params, "n_params")
    D = check_positive(n_tokens, "n_tokens")
    return _gap_and_efficiency(m, N, D, _run_flops(m, N, D))[1]


def _gap_and_efficiency(m, N, D, C):
    """(L(N, D) − L_opt(C), η) for a law with a loss model."""
    f = frontier(m)
    if f is not None:
        # Reducible parts on both sides keep their digits when the losses are close to E.
        run, best = _reducible(m, N, D), f.reducible(C)
        # Rounding can put the optimum a hair above a run that is the optimum itself: clip.
        return _maximum(run - best, 0.0), _minimum((best / run) ** (1.0 / f.gamma), 1.0)
    from .optimize import min_flops_for_loss_numeric, optimal_loss_numeric

    loss = m.loss(N, D)
    gap = loss - _map(lambda c: optimal_loss_numeric(m, c), C)
    return _maximum(gap, 0.0), _map(lambda L, c: min_flops_for_loss_numeric(m, L) / c, loss, C)


def _map(fn, *args):
    if not _is_array(*args):
        return fn(*args)
    import numpy as np

    return np.vectorize(fn, otypes=[float])(*args)


def _run_flops(m, N, D):
    C = m.flops_per_param_token * N * D
    try:
        C = check_positive(C, "flops")
        _check_range(C)
        return C
    except QuantityError:
        raise QuantityError(
            f"the run's compute {m.flops_per_param_token:g}·N·D is not a finite positive number of FLOPs "
            "(N or D too large or too small); give N and D whose product lies within about 1e-300..1e300"
        ) from None


def _check_range(C) -> None:
    """QuantityError unless every C lies in QUANTITY_RANGE (beyond it C/k under- or overflows)."""
    lo, hi = QUANTITY_RANGE
    if not (lo <= (C if not _is_array(C) else C.min()) and (C if not _is_array(C) else C.max()) <= hi):
        raise QuantityError("out of range")


def evaluate(law, n_params: Real, n_tokens: Real) -> WhatIf:
    """The exact run (N, D): its compute C = k·N·D, predicted loss, and the optimum at that C."""
    require_dense(law, "an exact run (--params with --tokens)")
    m = model_of(law)
    N = check_positive(n_params, "n_params")
    D = check_positive(n_tokens, "n_tokens")
    return _against_optimum(law, N, D, _run_flops(m, N, D))


def _against_optimum(law, N, D, C) -> WhatIf:
    """The run (N, D) of compute C = k·N·D beside the optimum at C (C passed in to keep a given budget exact)."""
    m = model_of(law)
    optimum = compute_optimal(law, C)
    if not m.has_loss:
        return WhatIf(C, N, D, D / N, None, optimum, None, None)
    gap, efficiency = _gap_and_efficiency(m, N, D, C)
    return WhatIf(C, N, D, D / N, m.loss(N, D), optimum, gap, efficiency)


def plan_with_params(law, flops: Real, n_params: Real) -> WhatIf:
    """Spend ``flops`` on a model of ``n_params`` parameters: D = C / (k·N)."""
    require_dense(law, "a what-if (--params)")
    m = model_of(law)
    C = check_positive(flops, "flops")
    N = check_positive(n_params, "n_params")
    D = C / (m.flops_per_param_token * N)
    return _against_optimum(law, N, _derived(D, "n_tokens", "C/(k·N)"), C)


def plan_with_tokens(law, flops: Real, n_tokens: Real) -> WhatIf:
    """Spend ``flops`` on ``n_tokens`` training tokens: N = C / (k·D)."""
    require_dense(law, "a what-if (--tokens)")
    m = model_of(law)
    C = check_positive(flops, "flops")
    D = check_positive(n_tokens, "n_tokens")
    N = C / (m.flops_per_param_token * D)
    return _against_optimum(law, _derived(N, "n_params", "C/(k·D)"), D, C)


def _derived(x, name, formula):
    try:
        return check_positive(x, name)
    except QuantityError:
        raise QuantityError(f"{name} = {formula} is not a finite positive number; "
                            "the budget and the quantity given are too far apart") from None


def min_compute_for_loss(law, target_loss: Real) -> Plan:
    """The least compute C that reaches ``target_loss`` (nats/token), with its optimal N and D.

    Closed form C = (K / (ℓ − E))^(1/γ) where the family has one, numeric otherwise. A target
    at or below the irreducible loss raises :class:`UnreachableLossError`; a law without a loss
    model raises :class:`NoLossModelError`. ``plan.loss`` is the law's loss at the returned split.
    """
    require_dense(law, "a target loss (--target-loss)")
    m = _require_loss(law, "a target loss")
    target = check_positive(target_loss, "target loss")
    floor = _floor(m)
    name = getattr(law, "id", m.form)
    worst = target if not _is_array(target) else float(target.min())
    if worst <= floor:
        raise UnreachableLossError(
            f"target loss {worst:g} is at or below the irreducible loss E = {floor:g} nats/token of {name!r}: "
            f"no amount of compute reaches it; choose a target above {floor:g}"
        )
    f = frontier(m)
    if f is not None:
        log_c = (_log(f.K) - _log(target - f.E)) / f.gamma
        biggest = log_c if not _is_array(log_c) else float(log_c.max())
        if biggest > _LOG_MAX:
            raise UnreachableLossError(
                f"target loss {worst:g} is so close to the irreducible loss E = {floor:g} of {name!r} that it needs "
                "more than 1e308 FLOPs; choose a higher target"
            )
        smallest = log_c if not _is_array(log_c) else float(log_c.min())
        if smallest < _LOG_MIN:
            raise QuantityError(
                f"target loss {target if not _is_array(target) else float(target.max()):g} is so far above the losses "
                f"{name!r} predicts that it needs less than 1e-300 FLOPs; choose a lower target"
            )
        C = _exp(log_c)
    else:
        from .optimize import min_flops_for_loss_numeric

        C = _map(lambda t: min_flops_for_loss_numeric(m, t), target)
    return compute_optimal(law, C)


def optimal_for_params(law, n_params: Real) -> Plan:
    """The compute-optimal plan whose N is ``n_params``: the budget C with N_opt(C) = N, its D_opt and loss.

    "I have a 7B model: how many tokens?" The family inverts N_opt(C) in closed form (``flops_for_params``); a
    family without one falls back to a numerical root of log N_opt(C) = log N (:mod:`planner.planning.optimize`).
    """
    return _optimal_for(law, check_positive(n_params, "n_params"), "n_params")


def optimal_for_tokens(law, n_tokens: Real) -> Plan:
    """The compute-optimal plan whose D is ``n_tokens``: the budget C with D_opt(C) = D, its N_opt and loss."""
    return _optimal_for(law, check_positive(n_tokens, "n_tokens"), "n_tokens")


def _optimal_for(law, value, key: str) -> Plan:
    require_dense(law, f"a plan for a given {'model size (--params' if key == 'n_params' else 'data budget (--tokens'} "
                       "alone)")
    m = model_of(law)
    method = getattr(m, "flops_for_params" if key == "n_params" else "flops_for_tokens", None)
    if method is not None:
        C = method(value)
    else:
        from .optimize import flops_for_optimum_numeric

        C = _map(lambda x: flops_for_optimum_numeric(m, key, x), value)
    symbol = "N" if key == "n_params" else "D"
    try:
        _check_range(check_positive(C, "flops"))
    except QuantityError:
        raise QuantityError(f"the budget at which this {symbol} is compute-optimal under "
                            f"{getattr(law, 'id', m.form)!r} is not a finite number of FLOPs within 1e-300..1e300; "
                            f"give a {symbol} nearer the law's range") from None
    plan = compute_optimal(law, C)
    # The given value exactly (the inverse and the forward map agree to rounding; the user's number is the one shown).
    return Plan(flops=plan.flops, n_params=value if key == "n_params" else plan.n_params,
                n_tokens=value if key == "n_tokens" else plan.n_tokens, tokens_per_param=plan.tokens_per_param,
                loss=plan.loss)
