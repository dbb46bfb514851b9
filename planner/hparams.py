"""Batch size and learning rate for a compute budget, from a law's ``[hyperparameters]`` table.

DeepSeek-AI 2024 ("DeepSeek LLM", arXiv:2401.02954, §3.1) fitted power laws in the compute budget C::

    η_opt = 0.3118 · C^−0.1250        (peak learning rate)
    B_opt = 0.2920 · C^0.3271          (batch size, tokens)

Their C is M·D with M the non-embedding FLOPs per token, close to but not the same as 6·N·D; the
coefficients are kept in ``presets/deepseek2024.toml`` under ``[hyperparameters]``, each entry
``name = { coefficient = k, exponent = e }`` meaning ``k · C^e``. The result is a suggestion to start
a sweep from, not a law of nature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import PresetError
from .units import check_positive

__all__ = ["Hyperparameters", "suggest_hyperparameters", "HPARAM_PRESET"]

#: The preset whose [hyperparameters] table the planner uses.
HPARAM_PRESET = "deepseek2024"


@dataclass(frozen=True)
class Hyperparameters:
    """Suggested hyperparameters for a budget (floats or arrays, the shape of ``flops``).

    flops : the budget C they are for.
    learning_rate : peak learning rate η_opt.
    batch_tokens : batch size B_opt in tokens.
    """

    flops: Any
    learning_rate: Any
    batch_tokens: Any


def suggest_hyperparameters(law, flops) -> Hyperparameters:
    """η_opt and B_opt for budget(s) ``flops`` from the ``[hyperparameters]`` table of ``law`` (a Law).

    Raises PresetError if the law has no such table or it lacks ``learning_rate`` / ``batch_tokens``.
    """
    C = check_positive(flops, "flops")
    table = law.extra.get("hyperparameters")
    where = f"[hyperparameters] of {law.source or law.id}"
    if not isinstance(table, Mapping):
        raise PresetError(f"law {law.id!r} has no [hyperparameters] table; use the {HPARAM_PRESET} preset")
    lr = _power_law(table, "learning_rate", where)
    batch = _power_law(table, "batch_tokens", where)
    return Hyperparameters(flops=C, learning_rate=lr[0] * C ** lr[1], batch_tokens=batch[0] * C ** batch[1])


def _power_law(table: Mapping, name: str, where: str) -> tuple[float, float]:
    entry = table.get(name)
    if not isinstance(entry, Mapping) or not {"coefficient", "exponent"} <= set(entry):
        raise PresetError(f"{name!r} must be {{ coefficient = k, exponent = e }} in {where} (got {entry!r})")
    k, e = entry["coefficient"], entry["exponent"]
    for key, value in (("coefficient", k), ("exponent", e)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise PresetError(f"{name}.{key} must be a finite number (got {value!r}) in {where}")
    if k <= 0:
        raise PresetError(f"{name}.coefficient must be > 0 (got {k!r}) in {where}")
    return float(k), float(e)
