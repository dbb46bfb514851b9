"""Diagnostics of a fit that a user should not miss, as one-line warnings (``plan fit`` puts them in the report's
warnings and notes, so they reach stderr, markdown and JSON alike).

Fit-level warnings (E at or above the lowest loss, a coefficient on the edge of the search) are made by the fits
themselves (:func:`~planner.fitting.fit_parametric`); these need the bootstrap or the budgets asked about.
"""

from __future__ import annotations

from typing import Sequence

from ..base.conventions import ALPHA_BETA_CORRELATION_WARNING, EXTRAPOLATION_WARNING, NOPT_INTERVAL_WARNING
from ..base.errors import Worded
from ..base.units import format_count, format_factor, format_flops

__all__ = ["extrapolation_warnings", "identification_warnings", "interval_warnings"]


def extrapolation_warnings(fit, budgets: Sequence[float]) -> list[str]:
    """The largest budget more than :data:`EXTRAPOLATION_WARNING` × the largest run's compute."""
    if not budgets or "flops" not in fit.data_range:
        return []
    C_max = fit.data_range["flops"][1]
    top = max(budgets)
    if top > EXTRAPOLATION_WARNING * C_max:
        return [Worded(f"the largest budget, {format_flops(top)}, is {format_factor(top / C_max, 'x')} the largest "
                       f"run ({format_flops(C_max)}): an extrapolation of more than {EXTRAPOLATION_WARNING:g}x; "
                       "back-test the law ({holdout}) before trusting it there",
                       holdout="a back-test on held-out runs")]
    return []


def identification_warnings(boot) -> list[str]:
    """alpha and beta strongly correlated over the bootstrap: the runs do not tell them apart."""
    import numpy as np

    if boot is None or boot.form != "parametric" or len(boot.samples) < 3:
        return []
    j, k = boot.names.index("alpha"), boot.names.index("beta")
    a, b = boot.samples[:, j], boot.samples[:, k]
    if np.ptp(a) == 0 or np.ptp(b) == 0 or np.array_equal(a, b):      # fixed or tied: nothing to identify
        return []
    r = float(np.corrcoef(a, b)[0, 1])
    if abs(r) > ALPHA_BETA_CORRELATION_WARNING:
        return [Worded(f"alpha and beta are not identified by these runs: their bootstrap correlation is {r:.2f}; "
                       "vary tokens per parameter more widely, or tie them ({tie_alpha_beta})",
                       tie_alpha_beta="tie=('alpha=beta',)")]
    return []


def interval_warnings(rows: Sequence[dict]) -> list[str]:
    """A plan row whose interval on N_opt spans more than :data:`NOPT_INTERVAL_WARNING` ×."""
    out = []
    for row in rows:
        lo, hi = row.get("n_params_lo"), row.get("n_params_hi")
        if lo and hi and hi / lo > NOPT_INTERVAL_WARNING:
            out.append(f"at {format_flops(row['flops'])} the {row.get('ci_level', 95):g}% interval of N_opt spans "
                       f"{format_factor(hi / lo, 'x')} ({format_count(lo)} to {format_count(hi)}): the runs do not determine the "
                       "allocation there")
    return out
