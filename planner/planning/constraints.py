r"""Plans under real constraints: limited unique data, inference demand, size caps.

Each constraint comes from its paper; all of them enter one problem, so they combine.

**Limited unique data** (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models",
arXiv:2305.16264, §3). With U unique tokens, training on D > U tokens repeats them; repeated
tokens, and parameters in excess of what the unique data can use, are worth less::

    D' = U_D + U_D·R_D*·(1 − e^(−R_D/R_D*)),   R_D = max(D/U_D − 1, 0)   (effective data)
    N' = U_N + U_N·R_N*·(1 − e^(−R_N/R_N*)),   R_N = N/U_N − 1            (effective parameters)
    U_N = min(N, N_U),  N_U the compute-optimal N of the law whose D_opt is U_D
    L_U(N, D) = E + A/N'^α + B/D'^β

U_D is the unique data available (the paper's reference code requires U_D ≤ D; with less than one
epoch, D' = D). As U → ∞, D' = D and U_N = N, so L_U is the plain law. Fitted values for
muennighoff2023 are in its preset ([repetition]: R_D* = 15.387756, R_N* = 5.309743); another
parametric law borrows those R_D*, R_N*, which the caller passes in (:func:`planner.files.presets.repetition_for`
finds them, marked borrowed).

**Size caps**: N ≤ P, D ≤ D_max.

**Inference demand** (Sardana et al. 2024, "Beyond Chinchilla-Optimal", arXiv:2401.00448): serving
T tokens costs 2·N·T FLOPs, so minimise the lifetime cost k·N·D + 2·N·T at a given loss ℓ.

How they combine, for a budget C (:func:`plan_with_constraints`):

1. *compute-optimal*: the plain law's optimum, ignoring every constraint; shown for comparison,
   with its loss under L_U (what it would reach on the data you have).
2. *training-optimal*: argmin L_U(N, D) subject to k·N·D = C, N ≤ P, D ≤ D_max. Its loss ℓ is the
   best the budget buys within the constraints.
3. *inference-aware*: argmin k·N·D + 2·N·T subject to L_U(N, D) = ℓ, N ≤ P, D ≤ D_max: the same
   loss as (2) for the least lifetime FLOPs. It trains a smaller model for longer, so its
   training FLOPs exceed C while its lifetime FLOPs are lower. With T → 0 it is (2).

With a target loss instead of a budget, ℓ is given and (2) is the least training compute that
reaches it within the constraints. Without data or caps that is the law's own least compute for ℓ,
the closed form C_min(ℓ) = (K/(ℓ − E))^(1/γ) of :func:`planner.planning.whatif.min_compute_for_loss`, which
also gives (1) for a target.

The law answers the loss and its inverses D(N, ℓ), N(D, ℓ) itself: the family with unlimited data, or the
:class:`~planner.laws.repetition.RepeatedData` law it gives for U unique tokens
(:meth:`~planner.laws.questions.Questions.on_unique_data`); the one-dimensional minimiser is
:func:`planner.laws.solve.argmin_log`. The loss of one run on repeated data is :mod:`planner.planning.repeated`.

Solvers: the caps alone have a closed form (along k·N·D = C the loss is convex in log N for both
loss families, so the optimum is the unconstrained one clipped to the caps); everything else is a
one-dimensional search in log N (a grid, then golden-section), vectorised over budgets: no Python
loop over budgets. Given N, the D that reaches a loss ℓ has a closed form under L_U, so (3) is
one-dimensional too. numpy is imported only when these functions run.
"""

from __future__ import annotations

import math
from typing import Any

from ..base.conventions import INFERENCE_FLOPS_PER_PARAM_TOKEN
from ..base.errors import InfeasibleError
from ..base.records import Record, record
from ..base.units import Real, check_positive, format_count, format_flops, format_general
from ..laws.questions import asking, family_of, law_name
from ..laws.repetition import Repetition
from ..laws.solve import argmin_log
from . import checks
from .plan import Plan
from .repeated import RepeatedRun, law_on_data, quiet_floats, repeated_loss, shaped
from .whatif import min_compute_for_loss

__all__ = ["RepeatedRun", "repeated_loss", "ConstrainedPlan", "ConstrainedResult", "plan_with_constraints"]

#: The constraint arguments as the core's errors name them (the command line words them with its flags).
ARGUMENTS = {"max_params": "max_params", "max_tokens": "max_tokens", "unique_tokens": "unique_tokens"}

_BIND_TOL = 1e-7    # a plan this close (relative) to a cap sits on it: the cap binds
#: Relative slack (in log C) within which a budget at the caps' product still counts as feasible.
_CAP_ROUNDING = 1e-12


def _np() -> Any:
    import numpy as np

    return np


@record   # a subclass of a record is one (planner.base.records)
class ConstrainedPlan(Plan):
    """One plan of a :class:`ConstrainedResult`: a :class:`~planner.planning.plan.Plan` and what the constraints add;
    every field has the shape of the budgets (or targets).

    flops : training FLOPs k·N·D.  n_params, n_tokens, tokens_per_param : N, D, D/N.
    loss : under the constraints' law (L_U with limited data), nats/token.
    epochs, effective_tokens, effective_params : D/U, D', N' (None without a data constraint).
    inference_flops, lifetime_flops : 2·N·T and k·N·D + 2·N·T (None without inference demand).
    params_cap_binds, tokens_cap_binds : whether the plan sits on --max-params / --max-tokens
        because the cap stops it (None without that cap).
    """

    epochs: Real | None = None
    effective_tokens: Real | None = None
    effective_params: Real | None = None
    inference_flops: Real | None = None
    lifetime_flops: Real | None = None
    params_cap_binds: Real | None = None
    tokens_cap_binds: Real | None = None

    __repr__ = Record.__repr__   # every field, as a dataclass shows them, not the plan's short repr


@record
class ConstrainedResult(Record):
    """The plans of :func:`plan_with_constraints` and the constraints they were made under.

    compute_optimal : the plain law's optimum ignoring every constraint (None when the only
        constraint is inference demand, where it equals ``training_optimal``).
    training_optimal : the lowest loss the budget buys within data and caps (or, with a target
        loss, the least training compute that reaches it).
    inference_aware : the same loss for the least lifetime FLOPs (None without inference demand).
    flops_saving : 1 − lifetime(inference_aware) / lifetime(training_optimal).
    loss_floor : the lowest loss the law allows within the data and caps, at any compute
        (E + A/N'(P)^α + B/D'(D_max)^β with N' and D' at their limits where a cap is absent).
    """

    law_id: str
    budget: Real | None
    target_loss: Real | None
    unique_tokens: float | None
    max_params: float | None
    max_tokens: float | None
    inference_tokens: float | None
    repetition: Repetition | None
    compute_optimal: ConstrainedPlan | None
    training_optimal: ConstrainedPlan
    inference_aware: ConstrainedPlan | None
    flops_saving: Real | None = None
    loss_floor: float | None = None
    #: Why to read it with care (plans past the law's fitted range), one sentence each, as the command line prints.
    warnings: tuple[str, ...] = ()

    @property
    def plans(self) -> dict[str, ConstrainedPlan]:
        """The plans present, by name, in the order they are best read."""
        named = {"compute-optimal": self.compute_optimal, "training-optimal": self.training_optimal,
                 "inference-aware": self.inference_aware}
        return {name: p for name, p in named.items() if p is not None}


@quiet_floats
def plan_with_constraints(law: Any, flops: Real | None = None, *, target_loss: Real | None = None,
                          unique_tokens: float | None = None, max_params: float | None = None,
                          max_tokens: float | None = None, inference_tokens: float | None = None,
                          repetition: Repetition | None = None) -> ConstrainedResult:
    """Plan for budgets ``flops`` (or loss targets ``target_loss``) under the given constraints.

    See the module docstring for the problem each plan solves. ``flops`` or ``target_loss`` is a
    float or an array (one problem each); the constraints are floats or None. Raises
    :class:`InfeasibleError` naming the constraint that cannot be met: caps that leave no plan at a
    budget (C > k·P·D_max), or a target loss at or below what the law, data and caps allow.
    """
    if (flops is None) == (target_loss is None):
        raise ValueError("give flops or target_loss, not both")
    np = _np()
    model = family_of(law)
    law_id = getattr(law, "name", None) or law_name(law)
    U = None if unique_tokens is None else float(check_positive(unique_tokens, "unique_tokens"))
    P = None if max_params is None else float(check_positive(max_params, "max_params"))
    Dmax = None if max_tokens is None else float(check_positive(max_tokens, "max_tokens"))
    T = None if inference_tokens is None else float(_check_nonnegative(inference_tokens, "inference_tokens"))
    with asking(law, "constraints"):   # every step asks the family; a refusal names planning under constraints
        lm = law_on_data(law, U, repetition)
        rep = getattr(lm, "repetition", None)
        k = model.flops_per_param_token
        ctx = _Context(law_id, lm, k, U, P, Dmax)

        has_constraint = any(x is not None for x in (U, P, Dmax))
        if flops is not None:
            C = check_positive(flops, "flops")
            scalar = isinstance(C, float)
            C = np.atleast_1d(np.asarray(C, dtype=float))
            N, D = ctx.training_optimal(C, model)
            ell = lm.loss(N, D)
        else:
            assert target_loss is not None
            ell_in = check_positive(target_loss, "target_loss")
            scalar = isinstance(ell_in, float)
            ell = np.atleast_1d(np.asarray(ell_in, dtype=float))
            C = None
            # The law's own least compute for ℓ, in closed form (whatif's C_min(ℓ) = (K/(ℓ − E))^(1/γ)): it raises
            # UnreachableLossError at or below E and QuantityError for a target that needs almost no compute.
            least = _split(min_compute_for_loss(law, ell))
            if has_constraint:
                ctx.check_reachable(ell)
                N, D = ctx.lifetime_optimal(ell, 0.0)
            else:
                N, D = least    # inference demand alone: the least training compute is the law's own

        ref = None
        if has_constraint:
            # The plain law's plan ignoring the constraints: its optimum at the budget, or its least compute for ℓ.
            N0, D0 = model.compute_optimal(C) if C is not None else least
            ref = ctx.plan(N0, D0, T, scalar, capped=False)
        ctx.check_finite(N, D, C)
        train = ctx.plan(N, D, T, scalar)
        aware = saving = None
        if T is not None:
            Ni, Di = ctx.lifetime_optimal(ell, T, feasible=(N, D))
            aware = ctx.plan(Ni, Di, T, scalar)
            i = INFERENCE_FLOPS_PER_PARAM_TOKEN
            saving = shaped(1.0 - (k * Ni * Di + i * Ni * T) / (k * N * D + i * N * T), scalar)
    plans = [p for p in (ref, train, aware) if p is not None]
    checks.check_plans(law, plans)
    return ConstrainedResult(
        warnings=tuple(checks.plan_warnings(law, plans)), law_id=law_id, budget=None if C is None else shaped(C, scalar),
        target_loss=None if target_loss is None else shaped(ell, scalar),
        unique_tokens=U, max_params=P, max_tokens=Dmax, inference_tokens=T, repetition=rep,
        compute_optimal=ref, training_optimal=train, inference_aware=aware, flops_saving=saving,
        loss_floor=ctx.floor(),
    )


def _split(plan: Plan) -> tuple[Any, Any]:
    """(N, D) of a :class:`~planner.planning.plan.Plan` as float arrays."""
    np = _np()
    return np.asarray(plan.n_params, dtype=float), np.asarray(plan.n_tokens, dtype=float)


def _check_nonnegative(value: Real, name: str) -> Real:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value == 0:
        return 0.0
    return check_positive(value, name)


class _Context:
    """One planning problem's law and constraints, and the two solvers over them."""

    def __init__(self, law_id: str, lm: Any, k: float, U: float | None, P: float | None, Dmax: float | None):
        self.law_id, self.lm, self.k, self.U, self.P, self.Dmax = law_id, lm, k, U, P, Dmax

    # -- building a plan ----------------------------------------------------------------------------------------------
    def plan(self, N: Any, D: Any, T: float | None, scalar: bool, capped: bool = True) -> ConstrainedPlan:
        """The plan (N, D) with its costs; ``capped`` plans report whether they sit on a cap."""
        def s(x: Any) -> Any:
            return shaped(x, scalar)

        train = self.lm.training_flops(N, D)
        infer = None if T is None else INFERENCE_FLOPS_PER_PARAM_TOKEN * N * T
        data = self.U is not None
        if data:
            Np, Dp = self.lm.effective(N, D)   # once: the loss and the reported N', D' are the same values
            loss = self.lm.loss_at(Np, Dp)
        else:
            Np = Dp = None
            loss = self.lm.loss(N, D)
        return ConstrainedPlan(
            flops=s(train), n_params=s(N), n_tokens=s(D), tokens_per_param=s(D / N), loss=s(loss),
            epochs=s(D / self.U) if data else None,
            effective_tokens=s(Dp) if data else None,
            effective_params=s(Np) if data else None,
            inference_flops=None if T is None else s(infer),
            lifetime_flops=None if T is None else s(train + infer),
            params_cap_binds=s(N >= self.P * (1 - _BIND_TOL)) if capped and self.P is not None else None,
            tokens_cap_binds=s(D >= self.Dmax * (1 - _BIND_TOL)) if capped and self.Dmax is not None else None,
        )

    def check_finite(self, N: Any, D: Any, C: Any) -> None:
        """Refuse a plan the constraints leave without a finite N or D (a cap of 1e-300 parameters, 1e-300 unique
        tokens), naming the constraints."""
        np = _np()
        bad = ~(np.isfinite(N) & np.isfinite(D) & (N > 0) & (D > 0))
        if not np.any(bad):
            return
        i = int(np.argmax(np.ravel(bad)))
        given = [f"{{{option}}} {format_count(value)}" for option, value in (("max_params", self.P),
                 ("max_tokens", self.Dmax), ("unique_tokens", self.U)) if value is not None]
        at = f" for {format_flops(float(np.ravel(C)[i]))} FLOPs" if C is not None else ""
        raise InfeasibleError.worded(
            f"the constraints leave no finite plan{at} (N = {float(np.ravel(N)[i]):g}, D = {float(np.ravel(D)[i]):g}): "
            f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} too extreme to compute with; loosen them",
            **ARGUMENTS)

    # -- caps ---------------------------------------------------------------------------------------------------------
    def _caps_interval(self, C: Any) -> tuple[Any, Any]:
        """log N interval allowed by the caps at budget C: [ln(C/(k·D_max)), ln P]; raise if empty."""
        np = _np()
        lo = np.full_like(C, -np.inf) if self.Dmax is None else np.log(C) - math.log(self.k * self.Dmax)
        hi = np.full_like(C, np.inf) if self.P is None else np.full_like(C, math.log(self.P))
        # A budget equal to k·P·D_max leaves exactly one plan; the logarithms above may round it 1e-15 apart.
        empty = lo > hi + _CAP_ROUNDING
        if empty.any():
            i = int(np.argmax(empty))
            assert self.P is not None and self.Dmax is not None   # only two caps leave no plan
            most = self.k * self.P * self.Dmax
            raise InfeasibleError.worded(
                f"the size caps leave no plan for {format_flops(C[i])} FLOPs"
                + (f" ({int(empty.sum())} of {C.size} budgets)" if C.size > 1 else "")
                + f": with at most {format_count(self.P)} parameters and {format_count(self.Dmax)} tokens, "
                f"{self.k:g}·N·D is at most {format_flops(most)}; lower the budget or raise {{max_params}} or "
                "{max_tokens}", **ARGUMENTS)
        return np.minimum(lo, hi), hi

    def training_optimal(self, C: Any, model: Any) -> tuple[Any, Any]:
        """argmin L_U(N, C/(kN)) within the caps."""
        np = _np()
        k = self.k
        lo, hi = self._caps_interval(C)
        N0, _ = model.compute_optimal(C)
        t0 = np.log(N0)
        if self.U is None:
            # Caps only: L along the budget line is convex in ln N (a sum of exponentials in ln N for
            # both families), so the optimum is the unconstrained one clipped to the caps.
            t = np.clip(t0, lo, hi)
        else:
            # Scarce data moves the optimum towards N_U (excess parameters decay fastest) or, once the
            # repeats saturate too, towards N = C/(kU): bracket all three generously.
            t_U = math.log(self.lm.N_U)
            t_lo = np.minimum(t0, t_U) - 4.0
            t_hi = np.maximum(t0, np.log(C) - math.log(k * self.U)) + 4.0
            a, b = np.clip(t_lo, lo, hi), np.clip(t_hi, lo, hi)
            t = argmin_log(lambda t: self.lm.loss(np.exp(t), C / (k * np.exp(t))), a, b)
        return self._snap(t, lo, hi, C)

    def _snap(self, t: Any, lo: Any, hi: Any, C: Any) -> tuple[Any, Any]:
        """(N, D) at ln N = t on the budget line, exactly on a cap where t sits on it (no exp∘log round-off)."""
        np = _np()
        N = np.exp(t)
        if self.P is not None:
            N = np.where(hi - t < _BIND_TOL, self.P, N)
        D = C / (self.k * N)
        if self.Dmax is not None:
            on = t - lo < _BIND_TOL
            N, D = np.where(on, C / (self.k * self.Dmax), N), np.where(on, self.Dmax, D)
        return N, D

    # -- loss targets -------------------------------------------------------------------------------------------------
    def floor(self) -> float:
        """The infimum of the loss within data and caps: L_U(P, D_max), with ∞ for a missing cap."""
        np = _np()
        N = np.inf if self.P is None else self.P
        D = np.inf if self.Dmax is None else self.Dmax
        with np.errstate(divide="ignore"):
            return float(np.asarray(self.lm.loss(np.asarray(N, dtype=float), np.asarray(D, dtype=float))).item())

    def check_reachable(self, ell: Any) -> None:
        """Raise InfeasibleError naming the constraints if a target ℓ is at or below their loss floor."""
        np = _np()
        floor = self.floor()
        bad = ell <= floor
        if not bad.any():
            return
        target = float(ell[np.argmax(bad)])
        what = []
        if self.U is not None:
            what.append(f"{format_count(self.U)} unique tokens")
        if self.P is not None:
            what.append(f"at most {format_count(self.P)} parameters")
        if self.Dmax is not None:
            what.append(f"at most {format_count(self.Dmax)} tokens")
        fix = ("add unique data, " if self.U is not None else "") + "raise a cap or aim for a higher loss"
        below = f"{floor:.4f}" if floor < 1e6 else format_general(floor, 5)
        raise InfeasibleError(f"target loss {target:g} is out of reach: with {' and '.join(what)}, {self.law_id} "
                              f"predicts no loss below {below}; {fix}")

    def lifetime_optimal(self, ell: Any, T: float, feasible: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
        """argmin k·N·D + i·N·T (i = 2, the forward pass) subject to L_U(N, D) = ℓ within the caps; D = D(N, ℓ) in closed form.

        ``feasible`` is a plan (N, D) known to reach ℓ within the caps (the training-optimal one), used
        where ℓ sits on the loss floor to machine precision and the inverse of L_U is ill-conditioned.
        """
        np = _np()
        k, i, lm = self.k, INFERENCE_FLOPS_PER_PARAM_TOKEN, self.lm
        D_top = np.inf if self.Dmax is None else self.Dmax
        N_lo = lm.params_for_loss(np.full_like(ell, D_top), ell)   # the smallest N that reaches ℓ
        if feasible is not None:
            N_lo = np.where(np.isfinite(N_lo), np.minimum(N_lo, feasible[0]), feasible[0])
        elif not np.all(np.isfinite(N_lo)):
            raise InfeasibleError(f"target loss {float(ell[~np.isfinite(N_lo)][0]):.6g} is at the floor of what "
                                  f"{self.law_id} allows within the constraints; aim for a higher loss")
        t_lo = np.log(N_lo) + 1e-12
        t_hi = t_lo + 12.0                                     # the T = 0 optimum is within e^3 of N_lo
        if self.P is not None:
            t_hi = np.minimum(t_hi, math.log(self.P))

        def cost(t: Any) -> Any:
            N = np.exp(t)
            D = lm.tokens_for_loss(N, ell)
            ok = D <= D_top * (1 + 1e-12)
            with np.errstate(invalid="ignore", over="ignore"):
                return np.where(ok, k * N * np.minimum(D, D_top) + i * N * T, np.inf)

        t = argmin_log(cost, t_lo, t_hi)
        N = np.exp(t) if self.P is None else np.where(math.log(self.P) - t < _BIND_TOL, self.P, np.exp(t))
        D = np.minimum(lm.tokens_for_loss(N, ell), D_top)
        if feasible is not None:
            # On the loss floor (data or caps saturated) L = ℓ is ill-conditioned: never return a plan
            # that costs more over its life than the feasible one we were given.
            Nf, Df = feasible
            worse = ~(k * N * D + i * N * T <= k * Nf * Df + i * Nf * T)
            N, D = np.where(worse, Nf, N), np.where(worse, Df, D)
        return N, D
