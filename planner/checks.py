"""Warnings about a plan: extrapolation past a law's fitted range, and runs far from the optimum.

Returns the messages; printing them (to stderr) is the caller's job.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

from .conventions import UNDERTRAINED_FACTOR
from .units import format_count, format_flops, format_ratio

__all__ = ["fitted_range_warnings", "undertrained_warnings", "granularity_warnings"]

_RANGE_NAMES = {"n_params": ("N", format_count), "n_tokens": ("D", format_count), "flops": ("C", format_flops)}


def fitted_range_warnings(law, **values: Iterable[float]) -> list[str]:
    """One message per quantity (``n_params=[...]``, ``n_tokens=[...]``, ``flops=[...]``) that leaves
    ``law.fitted_range``, the range of the runs the law was fitted on."""
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
        out.append(f"{law.id} was fitted on {symbol} from {fmt(lo)} to {fmt(hi)}; {which} outside "
                   "that range: an extrapolation")
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
