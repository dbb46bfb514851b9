"""Figures of laws (``plan plot frontier``, ``plan plot isoflop``): the compute-optimal frontier of
one or more laws and a law's isoFLOP profiles, with --ci bands where the law carries uncertainty.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base.errors import NoLossModelError, NoUncertaintyError
from ..base.units import format_flops_tex, format_tick
from ..laws.questions import asking, family_of
from ..planning.plan import compute_optimal
from ..planning.uncertainty import plan_intervals
from .common import PALETTE, add_caption, apply_style, interval_bar, log_axes, new_figure

__all__ = ["frontier_figure", "isoflop_figure"]


def _intervals(law, C, level):
    """``plan_intervals(law, C, level)``, or None without a level or where the law publishes no uncertainty."""
    if level is None:
        return None
    try:
        return plan_intervals(law, C, level)
    except NoUncertaintyError:
        return None


def _law_label(law) -> str:
    return f"{law.id} ({law.short_citation.split(',')[0]})"


def _sources(laws) -> str:
    """``Sources: Besiroglu et al. 2024, arXiv:2404.10102 (besiroglu2024); ...``, one entry per paper."""
    papers: dict[str, list[str]] = {}
    for law in laws:
        papers.setdefault(law.short_citation, []).append(law.id)
    return "Sources: " + "; ".join(f"{cite} ({', '.join(ids)})" for cite, ids in papers.items()) + "."


def _in_fitted_range(law, C, N, D):
    """Boolean array: where the plan lies inside every range the law's fit covered."""
    inside = np.ones(np.shape(C), dtype=bool)
    for key, values in (("flops", C), ("n_params", N), ("n_tokens", D)):
        if key in law.fitted_range:
            lo, hi = law.fitted_range[key]
            inside &= (values >= lo) & (values <= hi)
    return inside


def _segments(mask):
    """(start, stop) index runs where ``mask`` is constant, with its value, overlapping by one point."""
    runs, start = [], 0
    for i in range(1, len(mask) + 1):
        if i == len(mask) or mask[i] != mask[start]:
            runs.append((start, min(i + 1, len(mask)), bool(mask[start])))
            start = i
    return runs


# ---------------------------------------------------------------------------------------------------------------------
# figures


def frontier_figure(laws, flops, level: float | None = 80.0):
    """N_opt, D_opt and D_opt/N_opt against C for each law, with ``level``% bands where a law has uncertainty.

    ``flops`` is an increasing array of budgets. Lines are solid where the plan lies inside the
    law's fitted range and dashed where it extrapolates. Returns a matplotlib Figure.
    """
    C = np.asarray(flops, dtype=float)
    with apply_style():
        # matplotlib is optional: imported after require_matplotlib's check
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        fig = new_figure(14.3, 4.3)  # room for the legend beside the panels
        axes = fig.subplots(1, 3)
        quantities = (("n_params", "$N_{opt}$ (parameters)", "Model size"),
                      ("n_tokens", "$D_{opt}$ (training tokens)", "Training data"),
                      ("tokens_per_param", "$D_{opt}/N_{opt}$ (tokens per parameter)", "Tokens per parameter"))
        band_notes, no_band, extrapolated, banded = [], [], False, False
        handles: list[Any] = []   # legend entries: lines and patches
        for i, law in enumerate(laws):
            colour = PALETTE[i % len(PALETTE)]
            plan = compute_optimal(law, C)
            intervals = _intervals(law, C, level)
            if intervals is not None:
                band_notes.append(f"{law.id}: {intervals.note}")
            elif level is not None:
                no_band.append(law.id)
            inside = _in_fitted_range(law, C, plan.n_params, plan.n_tokens)
            extrapolated |= not inside.all()
            banded |= intervals is not None
            handles.append(Line2D([], [], color=colour, label=_law_label(law)))
            for ax, (key, _, _) in zip(axes, quantities):
                y = getattr(plan, key)
                for a, b, ok in _segments(inside):
                    ax.plot(C[a:b], y[a:b], color=colour, linestyle="-" if ok else (0, (4, 2)))
                if intervals is not None:
                    ax.fill_between(C, getattr(intervals, f"{key}_lo"), getattr(intervals, f"{key}_hi"),
                                    color=colour, alpha=0.15, linewidth=0)
        if extrapolated:
            handles.append(Line2D([], [], color="#777777", linestyle=(0, (4, 2)), label="beyond the fitted range"))
        if banded:
            handles.append(Patch(color="#777777", alpha=0.25, linewidth=0, label=f"{level:g}% interval"))
        # ~20 tokens per parameter: Hoffmann et al. 2022 Table 3 (1B on 20.2B tokens, 10B on 205.1B), drawn in (c) and
        # named in the legend, not by a label in the panel, where the curves and bands would cross it.
        handles.append(Line2D([], [], color="#999999", linewidth=0.9, linestyle=":",
                              label="(c) 20 tokens/param\n(Hoffmann et al. 2022, Table 3)"))
        # One legend right of the panels, clear of every curve and band whatever the laws.
        fig.legend(handles=handles, loc="outside right upper", frameon=False)
        for letter, ax, (key, ylabel, title) in zip("abc", axes, quantities):
            log_axes(ax, "Training compute $C$ (FLOPs, log scale)", ylabel, y_counts=key != "tokens_per_param")
            ax.set_title(f"({letter}) {title}", loc="left", fontweight="bold")
            ax.set_xlim(C[0], C[-1])
        # matplotlib is optional: imported after require_matplotlib's check
        from matplotlib.ticker import (
            FuncFormatter, LogLocator, NullFormatter)

        ratio = axes[2]
        ratio.axhline(20, color="#999999", linewidth=0.9, linestyle=":", zorder=1)
        ratio.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ratio.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ratio.yaxis.set_minor_formatter(NullFormatter())
        fig.suptitle("Compute-optimal allocation of a training budget", x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        k = {law.flops_per_param_token for law in laws}
        counts = {law.parameters for law in laws}
        lines = [_sources(laws),
                 f"C = {'/'.join(f'{x:g}' for x in sorted(k))}·N·D. "
                 + (f"N counts {counts.pop()} parameters." if len(counts) == 1 else
                    "N counts parameters as each law does: " + "; ".join(f"{law.id}: {law.parameters}" for law in laws)
                    + ".")
                 + (" Dashed: beyond the range of runs the law was fitted on." if extrapolated else "")]
        if band_notes:
            lines.append(f"Bands: central {level:g}% intervals. " + " ".join(n + "." for n in band_notes))
        if no_band:
            lines.append("No band (no published uncertainty): " + ", ".join(no_band) + ".")
        add_caption(fig, lines, 190)
    return fig


def isoflop_figure(law, budgets, level: float | None = None, span_decades: float = 1.5, points: int = 200):
    """Predicted loss against N at each fixed budget C (D = C/(k·N)), the optimum of each marked.

    With ``level``, the optimum's N carries a horizontal ``level``% interval where the law publishes
    uncertainty. Raises NoLossModelError for an allocation rule (it predicts no loss).
    """
    with asking(law, "isoflop_profile"):   # D = C/(k·N): refused by a law whose compute needs more than N
        tokens_at = family_of(law).tokens_for_flops
        tokens_at(1.0, 1.0)
    if not law.has_loss:
        raise NoLossModelError(f"{law.id!r} is an allocation rule with no loss model, so it has no isoFLOP "
                               "profile; use a parametric preset such as 'besiroglu2024'")
    C = np.sort(np.asarray(budgets, dtype=float))
    k = law.flops_per_param_token
    best: Any = compute_optimal(law, C)        # a plan over the array of budgets: arrays of N, D and loss
    intervals: Any = _intervals(law, C, level)
    with apply_style():
        # matplotlib is optional: imported after require_matplotlib's check
        from matplotlib import colormaps
        from matplotlib.ticker import FuncFormatter

        fig = new_figure(8.8, 4.8)  # room for the legend beside the axes
        ax = fig.subplots()
        cmap = colormaps["viridis"]
        for j, c in enumerate(C):
            colour = cmap(0.1 + 0.75 * j / max(len(C) - 1, 1))
            N = best.n_params[j] * np.logspace(-span_decades, span_decades, points)
            ax.plot(N, law.model.loss(N, tokens_at(N, c)), color=colour, label=f"C = {format_flops_tex(c)} FLOPs")
            if intervals is not None:
                lo, hi = intervals.n_params_lo[j], intervals.n_params_hi[j]
                ax.errorbar(best.n_params[j], best.loss[j], xerr=interval_bar(best.n_params[j], lo, hi),
                            color=colour, capsize=3, linewidth=1, zorder=3)
        ax.plot(best.n_params, best.loss, linestyle=":", color="#555555", linewidth=1, zorder=2)
        ax.scatter(best.n_params, best.loss, marker="D", s=28, color="black", zorder=4,
                   label="compute-optimal $N_{opt}$" + (f" ({level:g}% interval)" if intervals is not None else ""))
        ax.set_xscale("log")
        ax.set_xlabel("Parameters $N$ (parameters, log scale)")
        ax.set_ylabel("Predicted loss $L(N, C/(%gN))$ (nats/token)" % k)
        ax.xaxis.set_major_formatter(FuncFormatter(format_tick))
        ax.set_title(f"IsoFLOP profiles · {law.id}", loc="left", fontweight="bold")
        fig.legend(frameon=False, loc="outside right upper")  # beside the axes: no curve runs under it
        lines = [_sources([law]),
                 f"D = C/({k:g}·N); N counts {law.parameters} parameters. Loss in nats/token on "
                 f"{law.dataset or 'the paper’s data set'}: indicative only, not comparable across laws."]
        if level is not None:
            lines.append(f"Error bars: central {level:g}% interval of N_opt; {intervals.note}." if intervals is not None
                         else f"No interval: {law.id} publishes no uncertainty.")
        add_caption(fig, lines, 120)
    return fig
