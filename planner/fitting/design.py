"""Designing the runs of an isoFLOP sweep to train for Approach 2 (``plan design``)."""

from __future__ import annotations

import math
from typing import Any, Iterable

from ..base.errors import FitError
from ..base.records import Record, record
from ..base.units import Real
from ..laws.questions import asking, family_of
from ..planning.checks import check_plans, guard
from ..planning.plan import compute_optimal

__all__ = ["IsoflopDesign", "design_isoflop"]


@record
class IsoflopDesign(Record):
    """Runs to train for an isoFLOP fit: flat arrays, one entry per run (budget-major)."""

    flops: Real
    n_params: Real
    n_tokens: Real


def design_isoflop(budgets: Iterable[float], prior: object, *, n_models: int = 9, span: float = 16.0) -> IsoflopDesign:
    r"""An isoFLOP grid: for each budget C, ``n_models`` sizes log-spaced over a factor ``span``
    centred (geometrically) on the ``prior`` law's N_opt(C), with D = C/(k·N).

    Hoffmann et al. (§3.2, Fig. 3) trained 9 budgets from 6·10¹⁸ to 3·10²¹ FLOPs with sizes on
    both sides of the optimum; a span of 16 (N_opt/4 to 4·N_opt) keeps the minimum inside the
    profile even if the prior's N_opt is off by a factor of 3. ``prior`` is a Law or law family
    with ``compute_optimal`` (the caller loads it: ``plan design`` takes the default preset).
    """
    import numpy as np

    model = family_of(prior)
    if n_models < 3:
        raise FitError(f"an isoFLOP profile needs at least 3 model sizes per budget (got {n_models})")
    if not span > 1:
        raise FitError(f"span must be > 1 (got {span:g})")
    C = np.asarray([float(b) for b in budgets], dtype=float)
    if C.size == 0 or not (np.isfinite(C) & (C > 0)).all():
        raise FitError("give at least one budget, each a finite number of FLOPs > 0")
    steps = np.linspace(-0.5, 0.5, n_models) * math.log(span)
    # the optimum through the planner's checked entry point: coefficients or budgets that leave the floats are one
    # NumericError naming them, as for a plan, never an OverflowError or a grid of inf
    n_opt = np.atleast_1d(np.asarray(compute_optimal(prior, C).n_params, dtype=float))
    Nv = np.ravel(n_opt[:, None] * np.exp(steps)[None, :])
    Cv = np.repeat(C, n_models)
    with asking(prior, "isoflop_design"):   # D = C/(k·N): refused by a law whose compute needs more than N
        with guard(prior, "isoFLOP design"):
            design = IsoflopDesign(flops=Cv, n_params=Nv, n_tokens=model.tokens_for_flops(Nv, Cv))
    check_plans(prior, [design], what="isoFLOP design")
    return design
