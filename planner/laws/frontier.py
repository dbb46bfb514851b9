"""The loss of the compute-optimal split as a function of compute: L_opt(C) = E + K·C^(−γ)."""

from __future__ import annotations


from ..base.records import Record, record
from ..base.units import Real

__all__ = ["Frontier"]


@record
class Frontier(Record):
    """L_opt(C) = E + K·C^(−γ): the loss of the compute-optimal split as a function of C (FLOPs).

    Given by the ``frontier`` property of the families with a closed form (ParametricLaw,
    KaplanLaw); fields are floats, or arrays when the law's coefficients are.
    """

    E: Real
    K: Real
    gamma: Real

    def loss(self, flops: Real) -> Real:
        """L_opt(C) in nats/token."""
        return self.E + self.K * flops ** (-self.gamma)

    def reducible(self, flops: Real) -> Real:
        """L_opt(C) − E."""
        return self.K * flops ** (-self.gamma)
