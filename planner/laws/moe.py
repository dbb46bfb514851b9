"""Fine-grained mixture of experts: loss in total parameters, data and granularity, with routing-aware FLOPs
(Krajewski, Ludziejewski et al. 2024, "Scaling Laws for Fine-Grained Mixture of Experts", arXiv:2402.07871)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from ..base.conventions import (MOE_FLOPS_PER_PARAM_TOKEN, MOE_GRANULARITIES, MOE_ROUTING_FLOPS,
                           MOE_WIDTH_PER_BLOCK)
from ..base.units import Real

__all__ = ["FineGrainedMoE", "MoEOptimum"]


class MoEOptimum(NamedTuple):
    """The compute-optimal (N, D, G) of a budget and its loss; floats, or arrays the shape of the budgets."""

    n_params: Real
    n_tokens: Real
    granularity: Real
    loss: Real


@dataclass(frozen=True)
class FineGrainedMoE:
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

    The compute-optimal split minimises L over N, D and G subject to F = C (§6.2); it has no closed form, so the
    numeric search is in the core (:func:`planner.planning.optimize.moe_optimum`: for each G of ``granularities`` a
    one-dimensional search in log N, then the best G); :func:`planner.planning.plan.compute_optimal` returns it as a
    :class:`~planner.planning.plan.MoEPlan`.

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

    def training_flops(self, n_params: Real, n_tokens: Real, granularity: Real) -> Real:
        """F = FLOPs per token × D (Eq. 10)."""
        return self.flops_per_token(n_params, granularity) * n_tokens

    def largest_granularity(self) -> float:
        """The largest G searched: an optimum there may want a finer one."""
        return max(self.granularities)

