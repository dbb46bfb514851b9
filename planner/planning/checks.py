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
from typing import Any, Iterable, Iterator, Sequence

from ..base.caveats import EXTRAPOLATION, Caveat
from ..base.conventions import FLOPS_PER_PARAM_TOKEN_RANGE, UNDERTRAINED_FACTOR
from ..base.errors import NumericError, PlannerError, literal
from ..base.units import as_floats, format_count, format_flops, format_ratio
from ..laws.questions import family_of, law_name

__all__ = ["fitted_range_warnings", "undertrained_warnings", "guard", "check_plans", "culprit", "BUDGET_RTOL",
           "granularity_warnings", "plan_warnings"]

#: How far k·N·D may be from the budget it was planned for (relative): the arithmetic of the closed forms.
BUDGET_RTOL = 1e-9

_RANGE_NAMES = {"n_params": ("N", format_count), "n_tokens": ("D", format_count), "flops": ("C", format_flops)}


def fitted_range_warnings(law: Any, **values: Iterable[float]) -> list[str]:
    """One message per quantity (``n_params=[...]``, ``n_tokens=[...]``, ``flops=[...]``) that leaves
    ``law.fitted_range``, the range of the runs the law was fitted on (a :class:`~planner.base.caveats.Caveat` of kind
    ``extrapolation`` about the law, naming the quantity's symbol)."""
    out: list[str] = []
    for key, (symbol, fmt) in _RANGE_NAMES.items():
        if key not in law.fitted_range or key not in values:
            continue
        lo, hi = law.fitted_range[key]
        given = values[key]
        if isinstance(given, (list, tuple)):
            xs = [float(x) for x in given]
            outside = [x for x in xs if not lo <= x <= hi and x == x]   # NaN: not given (an envelope's N, D)
            if not outside:
                continue
            far = max(outside, key=lambda x: max(x / hi, lo / x if x > 0 else math.inf))  # x = 0: an underflow
            n, n_out = len(xs), len(outside)
        else:   # an array of budgets: the same, without a Python loop over its values
            import numpy as np

            a = np.ravel(np.asarray(given, dtype=float))
            out_of = a[~((lo <= a) & (a <= hi)) & ~np.isnan(a)]
            if not out_of.size:
                continue
            with np.errstate(divide="ignore"):
                score = np.maximum(out_of / hi, np.where(out_of > 0, lo / np.where(out_of > 0, out_of, 1.0), np.inf))
            far, n, n_out = float(out_of[int(np.argmax(score))]), a.size, out_of.size
        which = f"{symbol} = {fmt(far)} is" if n == 1 else \
            f"{n_out} of {n} rows are (furthest: {symbol} = {fmt(far)})"
        out.append(Caveat(f"{law.id} was fitted on {symbol} from {fmt(lo)} to {fmt(hi)}; {which} outside "
                          "that range: an extrapolation", EXTRAPOLATION, subject=law.id, detail=symbol,
                          fold="extrapolate beyond the range they were fitted on"))
    return out


def plan_warnings(law: Any, plans: Sequence[Any]) -> list[str]:
    """:func:`fitted_range_warnings` over the C, N and D that ``plans`` (floats or arrays) have; none for a bare
    family, which has no fitted range."""
    if not plans or getattr(law, "fitted_range", None) is None:
        return []
    keys = [key for key in ("flops", "n_params", "n_tokens") if hasattr(plans[0], key)]
    if all(isinstance(getattr(p, key), (int, float)) for p in plans for key in keys):
        return fitted_range_warnings(law, **{key: [float(getattr(p, key)) for p in plans] for key in keys})
    import numpy as np

    return fitted_range_warnings(law, **{key: np.concatenate([np.ravel(np.asarray(getattr(p, key), dtype=float))
                                                              for p in plans]) for key in keys})


def undertrained_warnings(law: Any, tokens_per_param: Sequence[float], optimal_tokens_per_param: Sequence[float]) -> list[str]:
    """A message for each run whose D/N is under 1/UNDERTRAINED_FACTOR of the optimum's at the same budget."""
    out = []
    for r, r_opt in zip(tokens_per_param, optimal_tokens_per_param):
        if r * UNDERTRAINED_FACTOR < r_opt:
            out.append(f"{format_ratio(r)} tokens per parameter is far below the {format_ratio(r_opt)} that "
                       f"{law_name(law)} implies at this budget: the model is large for its data")
    return out


def granularity_warnings(law: Any, granularities: Iterable[float]) -> list[str]:
    """For a mixture-of-experts law, a message if an optimum sits at the largest granularity searched: a finer G
    might lower the loss further, beyond what the search (and the paper's tables) cover."""
    top = family_of(law).largest_granularity()
    if top is None:
        return []
    gs = [float(g) for g in granularities]
    at = sum(g >= top for g in gs)
    if not at:
        return []
    which = "the optimum sits" if len(gs) == 1 else f"{at} of {len(gs)} optima sit"
    return [f"{law_name(law)}: {which} at the largest granularity searched, G = {top:g}; a finer G might do better still, "
            "beyond the granularities the paper reports (Table 2: 8 to 64)"]


def culprit(law: Any) -> str:
    """The coefficient(s) to blame for arithmetic that left the floats, as a clause of an error template (an
    override is marked ``({set})``, which the command line words as --set): k of C = k·N·D if it is outside
    :data:`~planner.base.conventions.FLOPS_PER_PARAM_TOKEN_RANGE`, else those overridden, else those of extreme
    magnitude (outside 1e-6..1e20), else all of them."""
    model = family_of(law)
    coefficients = {n: getattr(model, n) for n in model.coefficient_names}
    overrides = dict(getattr(law, "overrides", {}) or {})
    k, (lo, hi) = model.flops_per_param_token, FLOPS_PER_PARAM_TOKEN_RANGE
    if not lo <= k <= hi:    # a law built in Python with k in other units (a law file's is checked when read)
        return _blamed("coefficient", {"flops_per_param_token": f"{k:g}"})
    if overrides:
        return _blamed("coefficient", {name: f"{v:g} ({{set}})" for name, v in overrides.items()})
    # what a family's law file sets beyond its coefficients ([moe] granularities, expansion rate ...): a value of
    # extreme magnitude there is to blame, not the coefficients
    settings = {f"[{table}] {key}": value for table, entries in model.describe().items() if isinstance(entries, dict)
                for key, value in entries.items()}
    extreme = {k: v for k, v in settings.items() if any(_extreme(x) for x in _numbers(v))}
    if extreme:
        return _blamed("setting", {k: literal(f"{v!r}") if isinstance(v, (list, tuple)) else f"{v:g}"
                                   for k, v in extreme.items()})
    chosen = {k: v for k, v in coefficients.items() if _extreme(v)} or coefficients
    return _blamed("coefficient", {k: f"{v:g}" for k, v in chosen.items()})


def _extreme(x: Any) -> bool:
    """A magnitude outside 1e-6..1e20 (zero aside): of no published law, so the likely cause of leaving the floats."""
    return isinstance(x, float) and x != 0 and not 1e-6 <= abs(x) <= 1e20


def _numbers(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _blamed(what: str, values: dict[str, str]) -> str:
    listed = " and ".join(f"{k} = {v}" for k, v in values.items())
    return f"its {what} {listed} is" if len(values) == 1 else f"its {what}s {listed} are"


def _name(law: Any) -> str:
    return str(getattr(law, "name", None) or law_name(law))


@contextlib.contextmanager
def guard(law: Any, what: str = "plan") -> Iterator[None]:
    """Turn an overflow, a division by zero or a NaN conversion inside the block into one NumericError naming the
    law and the coefficient(s) to blame."""
    try:
        yield
    except OverflowError:
        raise _too_extreme(law, what, "an overflow") from None
    except ZeroDivisionError:
        raise _too_extreme(law, what, "a division by zero") from None
    except FloatingPointError as e:
        raise _too_extreme(law, what, str(e)) from None
    except ValueError as e:
        if "NaN" not in str(e) and "nan" not in str(e) and "infinity" not in str(e):
            raise
        raise _too_extreme(law, what, "a result that is not a number") from None


#: How the core names a coefficient replaced by an override (the command line: --set).
_OVERRIDE = {"set": "with_coefficients"}


def _too_extreme(law: Any, what: str, detail: str) -> PlannerError:
    return NumericError.worded(f"{literal(_name(law))} gives no finite {literal(what)}: {culprit(law)} too "
                               f"extreme to compute with ({literal(detail)}); use values of the magnitudes "
                               "published laws have", **_OVERRIDE)


#: Rows checked at a time by :func:`_all_usable`: a scratch array this size stays in cache (a fresh array the size
#: of 10^6 budgets costs more in page faults than the arithmetic).
_CHUNK = 1 << 15


def _all_usable(p: Any, k: float, budget: float | None) -> bool:
    """Whether every row of an array plan passes :func:`check_plans`: |spent/C − 1| ≤ rtol (false on NaN and on
    inf, so C and the spent compute are finite) and N > 0 (so D > 0 too, as C > 0), against ``budget`` too where
    given. In chunks on one scratch array: on 10^6 budgets the check costs a small part of the plan."""
    import numpy as np

    f = getattr(p, "flops_per_token", None)
    per, scale = (p.n_params, k) if f is None else (f, 1.0)
    arrays = [np.asarray(x, dtype=float) for x in (p.flops, per, p.n_tokens, p.n_params)]
    if len({a.shape for a in arrays}) > 1:
        arrays = [np.ravel(a) for a in np.broadcast_arrays(*arrays)]
    C, X, D, N = (np.ravel(a) for a in arrays)
    if not (np.min(C, initial=1.0) > 0 and np.min(N, initial=1.0) > 0):
        return False
    scratch = np.empty(min(C.size, _CHUNK))
    with np.errstate(all="ignore"):
        for start in range(0, C.size, _CHUNK):
            rows = slice(start, start + _CHUNK)
            r = scratch[:len(C[rows])]
            np.multiply(X[rows], D[rows], out=r)
            r *= scale
            if budget is not None and not np.max(np.abs(r / budget - 1.0), initial=0.0) <= BUDGET_RTOL:
                return False
            r /= C[rows]
            r -= 1.0
            np.abs(r, out=r)
            if not np.max(r, initial=0.0) <= BUDGET_RTOL:
                return False
    return True


def flops_per_token(law: Any, plan: Any) -> Any:
    """The training FLOPs one token costs in ``plan`` under ``law``'s own rule, so that C = flops_per_token · D: the
    plan's own where it carries one (a mixture of experts: active parameters and routing, Krajewski et al. 2024
    Eq. 10), else k·N (C = k·N·D, Kaplan et al. 2020 §2.1)."""
    own = getattr(plan, "flops_per_token", None)
    return own if own is not None else law.flops_per_param_token * plan.n_params


def check_plans(law: Any, plans: Sequence[Any], *, budgets: Sequence[float] | None = None, what: str = "plan") -> None:
    """Refuse plans that are not numbers: N, D and C finite and > 0, and the compute spent equal to each plan's own C
    (and to ``budgets``, one per plan, where given) to :data:`BUDGET_RTOL`: k·N·D, or for a mixture of experts its FLOPs per token
    (active parameters and routing) × D. The error names the law, the budget and what to blame."""
    k = law.flops_per_param_token
    if not family_of(law).splits:    # a loss at C, no N and D (an envelope): C and the loss must be numbers
        for p in plans:
            budgets_, losses = as_floats(p.flops), as_floats(p.loss)
            for c, l in zip(budgets_, losses * len(budgets_) if len(losses) == 1 else losses):
                if not (math.isfinite(c) and math.isfinite(l)):
                    raise NumericError.worded(f"{literal(_name(law))} gives no usable loss at {format_flops(c)} "
                                              f"FLOPs: {culprit(law)} too extreme to compute with", **_OVERRIDE)
        return
    for i, p in enumerate(plans):
        if not isinstance(p.flops, (int, float)) and _all_usable(p, k, None if budgets is None else float(budgets[i])):
            continue   # an array plan, checked at once; the loop below finds and names a bad row
        Cs, Ns, Ds = as_floats(p.flops), as_floats(p.n_params), as_floats(p.n_tokens)
        per_token = as_floats(flops_per_token(law, p))
        for j, (C, N, D, f) in enumerate(zip(Cs, Ns, Ds, per_token)):
            budget = None if budgets is None else float(budgets[i])
            ok = all(math.isfinite(x) and x > 0 for x in (C, N, D))
            spent = f * D
            if ok:
                ok = math.isfinite(spent) and abs(spent - C) <= BUDGET_RTOL * C and (
                    budget is None or abs(spent - budget) <= BUDGET_RTOL * budget)
            if not ok:
                at = format_flops(budget if budget is not None else C)
                raise NumericError.worded(
                    f"{literal(_name(law))} gives no usable {what} at {at} FLOPs (N = {N:g}, D = {D:g}, "
                    f"{k:g}·N·D = {spent:g}): {culprit(law)} too extreme to compute with; use values of the "
                    "magnitudes published laws have", **_OVERRIDE)
