"""The scaling-law families, their compute-optimal splits, and the :class:`Law` that carries one with its source.

Symbols follow the papers: N parameters, D training tokens, C training FLOPs, L loss in nats per token. Every
method takes a float or a numpy array and returns the same shape; nothing here imports numpy at import time, so
the command line stays fast for scalar budgets.

Each family assumes ``C = k·N·D`` with ``k = flops_per_param_token`` (6 unless a law file says otherwise:
:data:`planner.base.conventions.FLOPS_PER_PARAM_TOKEN`).

- :mod:`~planner.laws.parametric`: Hoffmann et al.'s L = E + A/N^α + B/D^β, closed-form optimum (Eq. 4).
- :mod:`~planner.laws.kaplan`: Kaplan et al.'s L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, closed-form optimum.
- :mod:`~planner.laws.busbridge`: Busbridge et al.'s L = E + (A/N^α + B/D^β)^γ, closed-form optimum.
- :mod:`~planner.laws.moe`: Krajewski et al.'s fine-grained MoE law L(N, D, G) with routing-aware FLOPs; numeric
  optimum over N, D and the granularity G.
- :mod:`~planner.laws.distillation`: Busbridge et al.'s distillation law L_S(N_S, D_S, L_T) (a law's table, not a
  family).
- :mod:`~planner.laws.envelope`: the loss-against-compute envelope L(C) = E + A·C^(−α) (marin's), no split.
- :mod:`~planner.laws.allocation`: published allocation rules, X_opt = k·C^e, with no loss model.
- :mod:`~planner.laws.frontier`: L_opt(C) = E + K·C^(−γ), the loss along the optimum.
- :mod:`~planner.laws.repetition`: Muennighoff et al.'s effective data and parameters for repeated tokens, and
  :class:`~planner.laws.repetition.RepeatedData`, a parametric law on U unique tokens as a law of its own.
- :mod:`~planner.laws.questions`: the questions every family answers about itself (its loss, optimum, inverses,
  least compute, FLOP rule), and :func:`~planner.laws.questions.asking`, which names the question a family refuses.
- :mod:`~planner.laws.solve`: the one numeric fallback where a family has no closed form.
- :mod:`~planner.laws.law`: :class:`Law`, a family with its citation, conventions and published tables.
- :mod:`~planner.laws.tasks`: benchmark accuracy from scale in two steps (task loss, then accuracy), the task laws of
  ``plan --tasks``; not a form of :data:`FORMS` (a task-law file is read by :func:`planner.files.taskfile.task_laws_from_mapping`).
"""

from importlib import import_module
from typing import Any

from .law import Family, Law, Uncertainty

__all__ = ["Frontier", "ParametricLaw", "KaplanLaw", "AllocationRule", "BusbridgeLaw", "FineGrainedMoE", "MoEOptimum",
           "DistillationLaw", "ALLOCATION_GIVES", "FORMS", "FAMILIES", "family", "Law", "Family", "Uncertainty",
           "Calibration", "Repetition", "RepeatedData", "EnvelopeLaw"]

#: form name in a law file → "module:class" of its family, imported when first asked for (a plan loads one family).
FAMILIES = {
    "parametric": "planner.laws.parametric:ParametricLaw",
    "kaplan": "planner.laws.kaplan:KaplanLaw",
    "allocation": "planner.laws.allocation:AllocationRule",
    "busbridge": "planner.laws.busbridge:BusbridgeLaw",
    "moe": "planner.laws.moe:FineGrainedMoE",
    "envelope": "planner.laws.envelope:EnvelopeLaw",
}

#: Other public names of this package → their module, imported on first use (PEP 562).
_LAZY = {"Frontier": "frontier", "RepeatedData": "repetition", "ParametricLaw": "parametric", "KaplanLaw": "kaplan", "AllocationRule": "allocation",
         "ALLOCATION_GIVES": "allocation", "Repetition": "repetition",
         "Calibration": "tables", "BusbridgeLaw": "busbridge", "FineGrainedMoE": "moe",
         "MoEOptimum": "moe", "DistillationLaw": "distillation", "EnvelopeLaw": "envelope"}


def family(form: str) -> type:
    """The law family of a law file's ``form`` (KeyError for an unknown form)."""
    module, name = FAMILIES[form].split(":")
    cls: type = getattr(import_module(module), name)
    return cls


def __getattr__(name: str) -> Any:
    if name == "FORMS":
        return {form: family(form) for form in FAMILIES}
    if name not in _LAZY:
        raise AttributeError(f"module 'planner.laws' has no attribute {name!r}")
    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value
