"""Batch size and learning rate for a compute budget, from a law's ``[hyperparameters]`` table.

DeepSeek-AI 2024 ("DeepSeek LLM", arXiv:2401.02954, §3.1) fitted power laws in the compute budget C::

    η_opt = 0.3118 · C^−0.1250        (peak learning rate)
    B_opt = 0.2920 · C^0.3271          (batch size, tokens)

Their C is M·D with M the non-embedding FLOPs per token, close to but not the same as 6·N·D; the
coefficients are kept in ``presets/deepseek2024.toml`` under ``[hyperparameters]``, each entry
``name = { coefficient = k, exponent = e }`` meaning ``k · C^e`` (validated when the law is read, into
:class:`planner.laws.HyperparameterLaws`). The result is a suggestion to start a sweep from, not a law of nature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..base.errors import PresetError
from ..base.units import Real, check_positive

__all__ = ["Hyperparameters", "suggest_hyperparameters"]


@dataclass(frozen=True)
class Hyperparameters:
    """Suggested hyperparameters for a budget (floats or arrays, the shape of ``flops``).

    flops : the budget C they are for.
    learning_rate : peak learning rate η_opt.
    batch_tokens : batch size B_opt in tokens.
    """

    flops: Real
    learning_rate: Real
    batch_tokens: Real


def suggest_hyperparameters(law: Any, flops: Real) -> Hyperparameters:
    """η_opt and B_opt for budget(s) ``flops`` from the ``[hyperparameters]`` table of ``law`` (a Law).

    Raises PresetError if the law has no such table (``planner.files.presets.HYPERPARAMETER_PRESET`` names the shipped
    law that has one).
    """
    C = check_positive(flops, "flops")
    table = law.hyperparameters
    if table is None:
        raise PresetError(f"law {law.id!r} has no [hyperparameters] table; use the deepseek2024 preset")
    return Hyperparameters(flops=C, learning_rate=table.learning_rate(C), batch_tokens=table.batch_tokens(C))
