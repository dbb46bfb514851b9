"""planner: compute-optimal training plans from published scaling laws.

>>> from planner import load_preset, compute_optimal
>>> plan = compute_optimal(load_preset("chinchilla"), 5.76e23)
>>> round(plan.n_params / 1e9, 1)
40.4
"""

__version__ = "0.1.0"

from .errors import (
    InfeasibleError, LawFileError, NoLossModelError, PlannerError, PresetError, QuantityError, UnknownPresetError,
)
from .laws import AllocationRule, KaplanLaw, ParametricLaw
from .plan import Plan, compute_optimal
from .presets import Law, list_presets, load_preset

__all__ = [
    "__version__",
    "load_preset", "list_presets", "compute_optimal", "Plan", "Law",
    "ParametricLaw", "KaplanLaw", "AllocationRule",
    "PlannerError", "QuantityError", "PresetError", "LawFileError", "UnknownPresetError", "NoLossModelError",
    "InfeasibleError",
]
