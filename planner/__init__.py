"""planner: compute-optimal training plans from published scaling laws.

>>> from planner import load_preset, compute_optimal
>>> plan = compute_optimal(load_preset("chinchilla"), 5.76e23)
>>> round(plan.n_params / 1e9, 1)
40.4
"""

__version__ = "0.1.0"

from .errors import (
    HardwareError, InfeasibleError, LawFileError, NoLossModelError, PlannerError, PresetError, QuantityError,
    UnknownChipError, UnknownPresetError, UnreachableLossError,
)

from .laws import AllocationRule, KaplanLaw, ParametricLaw
from .plan import Plan, compute_optimal
from .presets import Law, list_hardware, list_presets, load_chip, load_preset

#: Loaded on first use (PEP 562), so `plan --flops 1e21` does not pay for modules it does not need.
_LAZY = {
    **dict.fromkeys(("DEFAULT_MFU", "Chip", "Cluster", "Cost", "cost", "flops_for_budget", "flops_from_days",
                     "flops_from_gpu_hours", "flops_from_usd", "gpu_hours", "usd", "wall_clock_days"), "hardware"),
    **dict.fromkeys(("Hyperparameters", "suggest_hyperparameters"), "hparams"),
    **dict.fromkeys(("Shape", "hoffmann_flops_per_token", "kaplan_flops_per_token", "shapes_for"), "shapes"),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value

__all__ = [
    "__version__",
    "load_preset", "list_presets", "compute_optimal", "Plan", "Law",
    "ParametricLaw", "KaplanLaw", "AllocationRule",
    "PlannerError", "QuantityError", "PresetError", "LawFileError", "UnknownPresetError", "NoLossModelError",
    "InfeasibleError", "UnreachableLossError", "UnknownChipError", "HardwareError",
    # hardware time and money
    "list_hardware", "load_chip", "Chip", "Cluster", "Cost", "cost", "DEFAULT_MFU", "gpu_hours", "wall_clock_days",
    "usd", "flops_from_gpu_hours", "flops_from_days", "flops_from_usd", "flops_for_budget",
    # model shapes and hyperparameters
    "Shape", "shapes_for", "hoffmann_flops_per_token", "kaplan_flops_per_token",
    "Hyperparameters", "suggest_hyperparameters",
]
