"""Compute-optimal plans: the one call most users need.

``compute_optimal(law, flops)`` takes a :class:`~planner.presets.Law` (or a bare law
family from :mod:`planner.laws`) and a float or array of budgets, and returns a
:class:`Plan` of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .units import check_positive

__all__ = ["Plan", "compute_optimal"]


@dataclass(frozen=True)
class Plan:
    """A training run: budget, size, data, and the law's predicted loss.

    flops : training compute C in FLOPs.
    n_params : N, counted as the law counts it (total or non-embedding).
    n_tokens : D, training tokens.
    tokens_per_param : D / N.
    loss : predicted loss in nats/token on the law's own data set, or None where the law
        has no loss model. Indicative only: not comparable across laws fitted on different data.
    """

    flops: Any
    n_params: Any
    n_tokens: Any
    tokens_per_param: Any
    loss: Any = None


def model_of(law):
    """The law family behind ``law`` (a Law from a preset, or a family instance itself)."""
    return getattr(law, "model", law)


def compute_optimal(law, flops) -> Plan:
    """The compute-optimal (N, D) for each budget, with the predicted loss where the law has one.

    ``flops`` is a float or an array of budgets in FLOPs; every field of the result has its shape.
    """
    model = model_of(law)
    C = check_positive(flops, "flops")
    if hasattr(model, "optimum"):  # closed forms sharing one log C (parametric law)
        N, D, loss = model.optimum(C)
    else:
        N, D = model.compute_optimal(C)
        loss = model.loss(N, D) if model.has_loss else None
    return Plan(flops=C, n_params=N, n_tokens=D, tokens_per_param=D / N, loss=loss)
