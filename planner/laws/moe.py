"""Fine-grained mixture of experts: loss in total parameters, data and granularity, with routing-aware FLOPs
(Krajewski, Ludziejewski et al. 2024, "Scaling Laws for Fine-Grained Mixture of Experts", arXiv:2402.07871)."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple, NoReturn

from ..base.conventions import (MOE_FLOPS_PER_PARAM_TOKEN, MOE_GRANULARITIES, MOE_ROUTING_FLOPS,
                           MOE_WIDTH_PER_BLOCK)
from ..base.errors import UnansweredError
from ..base.records import Record, record
from ..base.units import Real
from .questions import REMEDIES, Questions, refusal
from .repetition import Repetition
from .solve import argmin_log

__all__ = ["FineGrainedMoE", "MoEOptimum"]


class MoEOptimum(NamedTuple):
    """The compute-optimal (N, D, G) of a budget and its loss; floats, or arrays the shape of the budgets."""

    n_params: Real
    n_tokens: Real
    granularity: Real
    loss: Real


@record
class FineGrainedMoE(Record, Questions):
    r"""Krajewski et al.'s joint law for fine-grained MoE (arXiv:2402.07871, Eq. 9)::

        L(N, D, G) = c + (g/G^γ + a)·N^(−α) + b·D^(−β)

    N counts *total* non-embedding parameters (all experts; §5), D training tokens, G the granularity
    d_ff / d_expert (§4: each token goes to G experts of width d_ff/G, so active parameters do not change with G).
    The expansion rate E = N_MoE / N_ff (experts' parameters per dense feed-forward layer) is fixed per fit:
    E = 64 for Table 1, E = 16 for Table 8.

    Compute counts *active* parameters plus routing (Eq. 10, App. E)::

        F = (12·d_model²·c_f + d_model·E·G·c_r)·n_blocks·D,   c_f = 6, c_r = 14

    with the paper's shape assumption d_model = 64·n_blocks (§6.1), so that
    N = d_model²·(8E + 4)·n_blocks and N_active = 12·d_model²·n_blocks (§6.1, App. E)::

        d_model = (64·N / (8E + 4))^(1/3),   N_active = 12·N / (8E + 4)

    The compute-optimal split minimises L over N, D and G subject to F = C (§6.2); it has no closed form, so it is
    a numeric search (:meth:`optimum`: for each G of ``granularities`` a one-dimensional search in log N, then the
    best G); :func:`planner.planning.plan.compute_optimal` returns it as a :class:`~planner.planning.plan.MoEPlan`.
    The questions planned on k·N·D with one N (a what-if, an exact run, a target loss, the inverses, repeated data)
    it refuses with :class:`~planner.base.errors.UnansweredError`: its loss needs G and its compute counts routing.

    Parameters
    ----------
    a, alpha, b, beta, g, gamma, c : Eq. 9's coefficients under Table 1's names (c the irreducible loss).
    expansion_rate : E.  granularities : the G searched.  routing_flops : c_r.  width_per_block : d_model/n_blocks.
    flops_per_param_token : c_f, FLOPs per active parameter and token (forward 2, backward 4).
    """

    a: Real
    alpha: Real
    b: Real
    beta: Real
    g: Real
    gamma: Real
    c: Real
    expansion_rate: float = 64.0
    granularities: tuple[float, ...] = MOE_GRANULARITIES
    routing_flops: float = MOE_ROUTING_FLOPS
    width_per_block: float = MOE_WIDTH_PER_BLOCK
    flops_per_param_token: float = MOE_FLOPS_PER_PARAM_TOKEN

    form: ClassVar[str] = "moe"
    coefficient_names: ClassVar[tuple[str, ...]] = ("a", "alpha", "b", "beta", "g", "gamma", "c")
    #: Positive scales, whose uncertainty is skewed: drawn in log space (planner.planning.uncertainty).
    scale_names: ClassVar[tuple[str, ...]] = ("a", "b", "g")
    #: Coefficients that may be zero (the irreducible loss); the rest must be > 0.
    nonnegative_names: ClassVar[tuple[str, ...]] = ("c",)
    has_loss: ClassVar[bool] = True
    #: N counts every expert, compute only the active ones: plans carry N_active, G and FLOPs per token.
    routed: ClassVar[bool] = True
    plan_fields: ClassVar[tuple[str, ...]] = ("n_active_params", "granularity", "flops_per_token")

    def loss(self, n_params: Real, n_tokens: Real, granularity: Real) -> Real:
        """L(N, D, G) in nats/token (Eq. 9); the arguments broadcast against each other."""
        N, D, G = n_params, n_tokens, granularity
        return self.c + (self.g / G**self.gamma + self.a) / N**self.alpha + self.b / D**self.beta

    # -- shapes and compute (§6.1, App. E) -----------------------------------------------------------------------------

    @property
    def _params_per_width_cubed(self) -> float:
        """N / d_model³ = (8E + 4) / 64 under d_model = 64·n_blocks."""
        return (8.0 * self.expansion_rate + 4.0) / self.width_per_block

    def d_model(self, n_params: Real) -> Real:
        """d_model = (64·N / (8E + 4))^(1/3), the width the shape assumption gives N total parameters."""
        return (n_params / self._params_per_width_cubed) ** (1.0 / 3.0)

    def n_blocks(self, n_params: Real) -> Real:
        """n_blocks = d_model / 64 (not rounded: the paper's optimisation is continuous)."""
        return self.d_model(n_params) / self.width_per_block

    def active_params(self, n_params: Real) -> Real:
        """N_active = 12·d_model²·n_blocks = 12·N / (8E + 4): attention 4·d² and the G experts' 8·d² per block."""
        return 12.0 * n_params / (8.0 * self.expansion_rate + 4.0)

    def flops_per_token(self, n_params: Real, granularity: Real) -> Real:
        """(12·d_model²·c_f + d_model·E·G·c_r)·n_blocks = c_f·N_active + c_r·E·G·d_model·n_blocks (Eq. 10)."""
        d = self.d_model(n_params)
        routing = self.routing_flops * self.expansion_rate * granularity * d * (d / self.width_per_block)
        return self.flops_per_param_token * self.active_params(n_params) + routing

    def flops_rule(self, each: bool = False) -> str:
        """Eq. 10 on active parameters and routing, as a sentence (``each``: E left a symbol)."""
        experts = "" if each else f"E = {self.expansion_rate:g}, "
        active = "12·N/(8E + 4)" if each else f"12·N/{8 * self.expansion_rate + 4:g}"
        return (f"C = (12·d_model²·{self.flops_per_param_token:g} + d_model·E·G·{self.routing_flops:g})·n_blocks·D "
                f"FLOPs (Eq. 10), i.e. {self.flops_per_param_token:g}·N_active·D plus routing, with {experts}"
                f"d_model = {self.width_per_block:g}·n_blocks and N_active = {active}")

    def flops_rule_symbols(self) -> dict[str, float]:
        """E, the one coefficient the shared rule leaves a symbol."""
        return {"E": self.expansion_rate}

    def describe(self) -> dict[str, Any]:
        """Its ``[moe]`` table."""
        return {"moe": {"expansion_rate": self.expansion_rate, "granularities": list(self.granularities),
                        "routing_flops": self.routing_flops, "width_per_block": self.width_per_block}}

    def largest_granularity(self) -> float:
        """The largest G searched: an optimum there may want a finer one."""
        return max(self.granularities)

    # -- the questions it answers: its optimum, numerically (§6.2) -----------------------------------------------------

    @property
    def irreducible(self) -> Real:
        """c: the loss no compute goes below."""
        return self.c

    def search(self, flops: Real) -> MoEOptimum:
        """The (N, D, G) minimising L(N, D, G) subject to F(N, G)·D = C (§6.2), and L there, for a float or an array
        of budgets.

        Each G of ``granularities``: :func:`~planner.laws.solve.argmin_log` over s ∈ [0, 1], mapped to log N over
        [N_active = 1, N_active = C/c_f] (beyond which one token would exceed the budget). The loss along F = C is
        convex in log N (a decreasing power of N plus an increasing power of F per token, whose log is convex in
        log N), so the search finds its minimum; the same unit bracket for every budget makes a budget alone and the
        same budget among many give the same plan. Then the G with the lowest loss (the first of equals).
        """
        import numpy as np

        C = np.atleast_1d(np.asarray(flops, dtype=float))
        per_active = (8.0 * self.expansion_rate + 4.0) / 12.0   # N / N_active
        lo = np.log(per_active) + np.zeros_like(C)
        hi = np.log(per_active * C / self.flops_per_param_token)
        best: tuple[Any, ...] | None = None
        for G in self.granularities:
            def on_budget(s: Any, G: float = G) -> Any:
                N = np.exp(lo + s * (hi - lo))
                return self.loss(N, C / self.flops_per_token(N, G), G)

            s = argmin_log(on_budget, np.zeros_like(C), np.ones_like(C))
            N = np.exp(lo + s * (hi - lo))
            D = C / self.flops_per_token(N, G)
            candidate = (N, D, np.full_like(C, G), self.loss(N, D, G))
            if best is None:
                best = candidate
            else:
                better = candidate[3] < best[3]
                best = tuple(np.where(better, new, old) for new, old in zip(candidate, best))
        assert best is not None
        if isinstance(flops, (int, float)):
            return MoEOptimum(*(float(x[0]) for x in best))
        return MoEOptimum(*(x.reshape(np.shape(flops)) for x in best))

    def compute_optimal(self, flops: Real) -> tuple[Real, Real]:
        """(N_opt, D_opt) of the search."""
        opt = self.search(flops)
        return opt.n_params, opt.n_tokens

    def optimum(self, flops: Real) -> tuple[Real, Real, Real | None]:
        """(N_opt, D_opt, L_opt) of the search."""
        opt = self.search(flops)
        return opt.n_params, opt.n_tokens, opt.loss

    def optimal_loss(self, flops: Real) -> Real:
        """L_opt(C) of the search."""
        return self.search(flops).loss

    def optimal_plan(self, flops: Real) -> tuple[Real, Real, Real | None, dict[str, Real]]:
        """(N, D, L) of the search, and what its plans add: active parameters, G, FLOPs per token."""
        N, D, G, L = self.search(flops)
        return N, D, L, {"n_active_params": self.active_params(N), "granularity": G,
                         "flops_per_token": self.flops_per_token(N, G)}

    # -- the questions it refuses: they are planned on k·N·D with one N ----------------------------------------------

    @staticmethod
    def _refuse() -> UnansweredError:
        return refusal("{question} is not available for {law}, a mixture-of-experts law: its N counts every expert, "
                        "its loss needs the granularity G and its compute counts active parameters and routing "
                        "(Eq. 10); ask for its compute-optimal N, D and G with {flops}", flops=REMEDIES["flops"])

    def training_flops(self, n_params: Real, n_tokens: Real, granularity: Real | None = None) -> Real:
        """F = FLOPs per token × D (Eq. 10); refused without the granularity G."""
        if granularity is None:
            raise self._refuse()
        return self.flops_per_token(n_params, granularity) * n_tokens

    def tokens_for_flops(self, n_params: Real, flops: Real) -> NoReturn:
        raise self._refuse()

    def params_for_flops(self, n_tokens: Real, flops: Real) -> NoReturn:
        raise self._refuse()

    def reducible(self, n_params: Real, n_tokens: Real) -> NoReturn:
        raise self._refuse()

    def least_compute(self, loss: Real) -> NoReturn:
        raise self._refuse()

    def log_least_compute(self, loss: Real) -> NoReturn:
        raise self._refuse()

    def flops_for_params(self, n_params: Real) -> NoReturn:
        raise self._refuse()

    def flops_for_tokens(self, n_tokens: Real) -> NoReturn:
        raise self._refuse()

    def tokens_for_loss(self, n_params: Real, loss: Real) -> NoReturn:
        raise self._refuse()

    def params_for_loss(self, n_tokens: Real, loss: Real) -> NoReturn:
        raise self._refuse()

    def on_unique_data(self, unique_tokens: Real | None, repetition: Repetition | None = None) -> Any:
        """Itself with unlimited data; refused otherwise (planning under constraints needs one N)."""
        raise self._refuse()

