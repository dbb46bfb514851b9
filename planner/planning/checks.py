"""Checks on plans: warnings (extrapolation past a law's fitted range, runs far from the optimum) and the guard that
no plan that is not a number is ever shown.

Warnings come back as messages; printing them is the caller's job. :func:`guard` turns arithmetic that left the
floats (an overflow, a division by zero, NaN) into one :class:`~planner.base.errors.NumericError` naming the law and the
coefficient to blame, and :func:`check_plans` refuses a plan whose N, D or C is not finite and positive or whose
k·N·D is not its budget.
"""

from __future__ import annotations

import contextlib
import math
from typing import Iterable, Iterator, Sequence

from ..base.caveats import EXTRAPOLATION, Caveat
from ..base.conventions import UNDERTRAINED_FACTOR
from ..base.errors import NumericError, UnsupportedLawError
from ..base.units import as_floats, format_count, format_flops, format_ratio

__all__ = ["fitted_range_warnings", "undertrained_warnings", "guard", "check_plans", "culprit", "BUDGET_RTOL",
           "granularity_warnings"]

#: How far k·N·D may be from the budget it was planned for (relative): the arithmetic of the closed forms.
BUDGET_RTOL = 1e-9

_RANGE_NAMES = {"n_params": ("N", format_count), "n_tokens": ("D", format_count), "flops": ("C", format_flops)}


def fitted_range_warnings(law, **values: Iterable[float]) -> list[str]:
    """One message per quantity (``n_params=[...]``, ``n_tokens=[...]``, ``flops=[...]``) that leaves
    ``law.fitted_range``, the range of the runs the law was fitted on (a :class:`~planner.base.caveats.Caveat` of kind
    ``extrapolation`` about the law, naming the quantity's symbol)."""
    out = []
    for key, (symbol, fmt) in _RANGE_NAMES.items():
        if key not in law.fitted_range or key not in values:
            continue
        lo, hi = law.fitted_range[key]
        xs = [float(x) for x in values[key]]
        outside = [x for x in xs if not lo <= x <= hi]
        if not outside:
            continue
        far = max(outside, key=lambda x: max(x / hi, lo / x if x > 0 else math.inf))  # x = 0: an underflow
        which = f"{symbol} = {fmt(far)} is" if len(xs) == 1 else \
            f"{len(outside)} of {len(xs)} rows are (furthest: {symbol} = {fmt(far)})"
        out.append(Caveat(f"{law.id} was fitted on {symbol} from {fmt(lo)} to {fmt(hi)}; {which} outside "
                          "that range: an extrapolation", EXTRAPOLATION, subject=law.id, detail=symbol,
                          fold="extrapolate beyond the range they were fitted on"))
    return out


def undertrained_warnings(law, tokens_per_param: Sequence[float], optimal_tokens_per_param: Sequence[float]) -> list[str]:
    """A message for each run whose D/N is under 1/UNDERTRAINED_FACTOR of the optimum's at the same budget."""
    out = []
    for r, r_opt in zip(tokens_per_param, optimal_tokens_per_param):
        if r * UNDERTRAINED_FACTOR < r_opt:
            out.append(f"{format_ratio(r)} tokens per parameter is far below the {format_ratio(r_opt)} that "
                       f"{law.id} implies at this budget: the model is large for its data")
    return out


def granularity_warnings(law, granularities: Iterable[float]) -> list[str]:
    """For a mixture-of-experts law, a message if an optimum sits at the largest granularity searched: a finer G
    might lower the loss further, beyond what the search (and the paper's tables) cover."""
    if not getattr(law, "routed", False):
        return []
    top = law.model.largest_granularity()
    gs = [float(g) for g in granularities]
    at = sum(g >= top for g in gs)
    if not at:
        return []
    which = "the optimum sits" if len(gs) == 1 else f"{at} of {len(gs)} optima sit"
    return [f"{law.id}: {which} at the largest granularity searched, G = {top:g}; a finer G might do better still, "
            "beyond the granularities the paper reports (Table 2: 8 to 64)"]


def culprit(law) -> str:
    """The coefficient(s) to blame for arithmetic that left the floats, as a clause: those overridden with --set,
    else those of extreme magnitude (outside 1e-6..1e20), else all of them."""
    model = getattr(law, "model", law)
    coefficients = {n: getattr(model, n) for n in model.coefficient_names}
    overrides = dict(getattr(law, "overrides", {}) or {})
    if overrides:
        chosen, mark = overrides, " (--set)"
    else:
        mark = ""
        chosen = {k: v for k, v in coefficients.items()
                  if isinstance(v, float) and v != 0 and not 1e-6 <= abs(v) <= 1e20} or coefficients
    listed = " and ".join(f"{k} = {v:g}{mark}" for k, v in chosen.items())
    return f"its coefficient {listed} is" if len(chosen) == 1 else f"its coefficients {listed} are"


def _name(law) -> str:
    return getattr(law, "name", None) or getattr(law, "id", None) or getattr(law, "form", "this law")


@contextlib.contextmanager
def guard(law, what: str = "plan") -> Iterator[None]:
    """Turn an overflow, a division by zero or a NaN conversion inside the block into one NumericError naming the
    law and the coefficient(s) to blame."""
    try:
        yield
    except OverflowError:
        raise NumericError(_too_extreme(law, what, "an overflow")) from None
    except ZeroDivisionError:
        raise NumericError(_too_extreme(law, what, "a division by zero")) from None
    except FloatingPointError as e:
        raise NumericError(_too_extreme(law, what, str(e))) from None
    except ValueError as e:
        if "NaN" not in str(e) and "nan" not in str(e) and "infinity" not in str(e):
            raise
        raise NumericError(_too_extreme(law, what, "a result that is not a number")) from None


def _too_extreme(law, what: str, detail: str) -> str:
    return (f"{_name(law)} gives no finite {what}: {culprit(law)} too extreme to compute with ({detail}); use "
            "coefficients of the magnitudes published laws have")


def check_plans(law, plans: Sequence, *, budgets: Sequence[float] | None = None, what: str = "plan") -> None:
    """Refuse plans that are not numbers: N, D and C finite and > 0, and the compute spent equal to each plan's own C
    (and to ``budgets``, one per plan, where given) to :data:`BUDGET_RTOL`: k·N·D, or for a mixture of experts its FLOPs per token
    (active parameters and routing) × D. The error names the law, the budget and what to blame."""
    k = law.flops_per_param_token
    if getattr(getattr(law, "model", law), "form", None) == "envelope":   # planner.laws.envelope: loss from C alone
        raise UnsupportedLawError(
            f"{_name(law)} is a loss-against-compute envelope L(C) = E + A·C^(-alpha): it predicts the loss at a "
            f"budget but splits it into no N and D, so it makes no {what}; compare it with 'plan versus'")
    for i, p in enumerate(plans):
        Cs, Ns, Ds = as_floats(p.flops), as_floats(p.n_params), as_floats(p.n_tokens)
        per_token = as_floats(getattr(p, "flops_per_token", None)) or [k * N for N in Ns]
        for j, (C, N, D, f) in enumerate(zip(Cs, Ns, Ds, per_token)):
            budget = None if budgets is None else float(budgets[i])
            ok = all(math.isfinite(x) and x > 0 for x in (C, N, D))
            spent = f * D
            if ok:
                ok = math.isfinite(spent) and abs(spent - C) <= BUDGET_RTOL * C and (
                    budget is None or abs(spent - budget) <= BUDGET_RTOL * budget)
            if not ok:
                at = format_flops(budget if budget is not None else C)
                raise NumericError(
                    f"{_name(law)} gives no usable {what} at {at} FLOPs (N = {N:g}, D = {D:g}, {k:g}·N·D = {spent:g}): "
                    f"{culprit(law)} too extreme to compute with; use coefficients of the magnitudes published laws "
                    "have")
