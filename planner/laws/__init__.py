"""The scaling-law families, their compute-optimal splits, and the :class:`Law` that carries one with its source.

Symbols follow the papers: N parameters, D training tokens, C training FLOPs, L loss in nats per token. Every
method takes a float or a numpy array and returns the same shape; nothing here imports numpy at import time, so
the command line stays fast for scalar budgets.

Each family assumes ``C = k·N·D`` with ``k = flops_per_param_token`` (6 unless a law file says otherwise:
:data:`planner.conventions.FLOPS_PER_PARAM_TOKEN`).

- :mod:`~planner.laws.parametric`: Hoffmann et al.'s L = E + A/N^α + B/D^β, closed-form optimum (Eq. 4).
- :mod:`~planner.laws.kaplan`: Kaplan et al.'s L = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, closed-form optimum.
- :mod:`~planner.laws.allocation`: published allocation rules, X_opt = k·C^e, with no loss model.
- :mod:`~planner.laws.frontier`: L_opt(C) = E + K·C^(−γ), the loss along the optimum.
- :mod:`~planner.laws.repetition`: Muennighoff et al.'s effective data and parameters for repeated tokens.
- :mod:`~planner.laws.law`: :class:`Law`, a family with its citation, conventions and published tables.
- :mod:`~planner.laws.tasks`: benchmark accuracy from scale in two steps (task loss, then accuracy), the task laws of
  ``plan --tasks``; not a form of :data:`FORMS` (a task-law file is read by :func:`planner.lawfile.task_laws_from_mapping`).
"""

from .allocation import ALLOCATION_GIVES, AllocationRule
from .frontier import Frontier
from .kaplan import KaplanLaw
from .law import Calibration, Family, HyperparameterLaws, Law, PowerLaw, Uncertainty
from .parametric import ParametricLaw
from .repetition import Repetition

__all__ = ["Frontier", "ParametricLaw", "KaplanLaw", "AllocationRule", "ALLOCATION_GIVES", "FORMS", "Law", "Family",
           "Uncertainty", "HyperparameterLaws", "PowerLaw", "Calibration", "Repetition"]

#: form name in a law file → family
FORMS = {cls.form: cls for cls in (ParametricLaw, KaplanLaw, AllocationRule)}
