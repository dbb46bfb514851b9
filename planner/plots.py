"""Figures: the compute-optimal frontier, isoFLOP profiles, fit diagnostics, and a user's isoFLOP sweeps and
training curves (Hoffmann et al.'s Approaches 2 and 1).

The only module that imports matplotlib, and only inside its functions, so nothing else pays
for it or needs it. Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot,
no global state) and drawn with the Agg renderer for PNG; the format follows the output's suffix
(``.png``, ``.svg`` or ``.pdf``). Every figure has log axes labelled with units, a legend, and a
caption line citing its sources.

Without matplotlib (the optional ``plot`` extra) every entry point raises
:class:`~planner.errors.PlotDependencyError` with the one-line fix.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

from .errors import NoLossModelError, PlotDependencyError
from .units import format_count, format_flops, format_flops_tex, format_tick

__all__ = ["FIGURE_FORMATS", "figure_format", "frontier_figure", "isoflop_figure", "fit_figure", "save_figure",
           "require_matplotlib", "isoflop_runs_figure", "curves_figure", "tasks_figure"]

#: output suffix → matplotlib format
FIGURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
INSTALL_HINT = "pip install 'scaling-planner[plot]'"

#: Okabe & Ito's colour-blind-safe palette (2008), black last.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
DPI = 200
STYLE = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8, "xtick.labelsize": 8,
    "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "axes.grid.which": "major", "grid.color": "#dddddd", "grid.linewidth": 0.6, "lines.linewidth": 1.8,
    "svg.fonttype": "none", "pdf.fonttype": 42, "savefig.dpi": DPI,
}



def _bar(value: float, lo: float, hi: float) -> list[list[float]]:
    """matplotlib's error-bar lengths for ``value`` in [lo, hi]. A percentile interval need not contain the point
    estimate (at a small level it shrinks to the median of the draws), so the side it excludes gets no bar."""
    return [[max(value - lo, 0.0)], [max(hi - value, 0.0)]]

def require_matplotlib():
    """Import matplotlib or raise PlotDependencyError saying how to install it."""
    import logging

    # matplotlib says on its logger when it must build a font cache or make a cache folder in /tmp because the user's
    # is not writable: noise on the command line, where a figure is all that is asked for.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    try:
        import matplotlib
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError:
        raise PlotDependencyError(f"plotting needs matplotlib, which is not installed; install it with: "
                                  f"{INSTALL_HINT}") from None
    return matplotlib


def figure_format(path) -> str:
    """The matplotlib format for ``path``'s suffix; ValueError naming the allowed suffixes otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise ValueError(f"the output's suffix must be one of {', '.join(FIGURE_FORMATS)} (got {str(path)!r})")
    return FIGURE_FORMATS[suffix]


def save_figure(fig, path, force: bool = False) -> Path:
    """Write ``fig`` to ``path`` atomically with :func:`planner.files.write_atomic`.

    Refuses to replace an existing file unless ``force``. A figure whose values reach near the float limit cannot
    be drawn (matplotlib's log ticks, a decade or more beyond the data, overflow to inf): NumericError, no file.
    """
    from .errors import NumericError
    from .files import write_atomic

    fmt = figure_format(path)
    try:  # constrained layout already fits the text
        return write_atomic(path, lambda f: fig.savefig(f, format=fmt, metadata=_metadata(fmt)), force)
    except OverflowError:
        raise NumericError(f"the figure cannot be drawn: its values reach too near the float limit (1.8e308) for "
                           f"log axes; narrow the range of budgets; nothing was written to {path}") from None


def _metadata(fmt):
    # Reproducible files: no creation date in SVG/PDF.
    return {"png": {"Software": "planner"}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]


# ---------------------------------------------------------------------------------------------------------------------
# helpers


def _intervals(law, C, level):
    """``plan_intervals(law, C, level)``, or None without a level or where the law publishes no uncertainty."""
    from .errors import NoUncertaintyError
    from .uncertainty import plan_intervals

    if level is None:
        return None
    try:
        return plan_intervals(law, C, level)
    except NoUncertaintyError:
        return None


def _figure(width, height):
    """A new figure; called inside :func:`_style`, whose rc settings it takes."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _style():
    return require_matplotlib().rc_context(STYLE)


def _log_axes(ax, x_label, y_label, y_counts=True):
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    if y_counts:
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(format_tick))
        ax.yaxis.set_minor_formatter(NullFormatter())


def _caption(fig, lines, width_chars):
    text = "\n".join(textwrap.fill(line, width_chars) for line in lines if line)
    fig.supxlabel(text, fontsize=7, color="#444444", ha="left", x=0.01, multialignment="left")


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
    import numpy as np

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
    import numpy as np

    from .plan import compute_optimal

    C = np.asarray(flops, dtype=float)
    with _style():
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        fig = _figure(14.3, 4.3)  # room for the legend beside the panels
        axes = fig.subplots(1, 3)
        quantities = (("n_params", "$N_{opt}$ (parameters)", "Model size"),
                      ("n_tokens", "$D_{opt}$ (training tokens)", "Training data"),
                      ("tokens_per_param", "$D_{opt}/N_{opt}$ (tokens per parameter)", "Tokens per parameter"))
        band_notes, no_band, extrapolated, banded, handles = [], [], False, False, []
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
            _log_axes(ax, "Training compute $C$ (FLOPs, log scale)", ylabel, y_counts=key != "tokens_per_param")
            ax.set_title(f"({letter}) {title}", loc="left", fontweight="bold")
            ax.set_xlim(C[0], C[-1])
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

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
        _caption(fig, lines, 190)
    return fig


def isoflop_figure(law, budgets, level: float | None = None, span_decades: float = 1.5, points: int = 200):
    """Predicted loss against N at each fixed budget C (D = C/(k·N)), the optimum of each marked.

    With ``level``, the optimum's N carries a horizontal ``level``% interval where the law publishes
    uncertainty. Raises NoLossModelError for an allocation rule (it predicts no loss).
    """
    import numpy as np

    from .plan import compute_optimal

    from .plan import require_dense

    require_dense(law, "an isoFLOP profile (D = C/(k·N) at one granularity)")
    if not law.has_loss:
        raise NoLossModelError(f"{law.id!r} is an allocation rule with no loss model, so it has no isoFLOP "
                               "profile; use a parametric preset such as 'besiroglu2024'")
    C = np.sort(np.asarray(budgets, dtype=float))
    k = law.flops_per_param_token
    best = compute_optimal(law, C)
    intervals = _intervals(law, C, level)
    with _style():
        from matplotlib import colormaps
        from matplotlib.ticker import FuncFormatter

        fig = _figure(8.8, 4.8)  # room for the legend beside the axes
        ax = fig.subplots()
        cmap = colormaps["viridis"]
        for j, c in enumerate(C):
            colour = cmap(0.1 + 0.75 * j / max(len(C) - 1, 1))
            N = best.n_params[j] * np.logspace(-span_decades, span_decades, points)
            ax.plot(N, law.model.loss(N, c / (k * N)), color=colour, label=f"C = {format_flops_tex(c)} FLOPs")
            if intervals is not None:
                lo, hi = intervals.n_params_lo[j], intervals.n_params_hi[j]
                ax.errorbar(best.n_params[j], best.loss[j], xerr=_bar(best.n_params[j], lo, hi),
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
        _caption(fig, lines, 120)
    return fig


def fit_figure(n_params, n_tokens, loss, model, label: str = "fitted law", caption: str = ""):
    """Fit diagnostics: predicted against observed loss, and residuals against N, coloured by C.

    Takes the runs as arrays (N, D, observed L) and the fitted law family ``model`` (anything with
    ``.loss(N, D)`` and ``.flops_per_param_token``), so it depends on no fitting code.
    """
    import numpy as np

    from .plan import require_dense

    require_dense(model, "a fit diagnostic (runs of one N each)")
    N, D, L = (np.asarray(x, dtype=float) for x in (n_params, n_tokens, loss))
    pred = model.loss(N, D)
    C = model.flops_per_param_token * N * D
    resid = L - pred
    rmse = float(np.sqrt(np.mean(np.log(L / pred) ** 2)))
    with _style():
        from matplotlib.colors import LogNorm
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter

        fig = _figure(12.0, 4.3)  # room for the legend beside the panels
        ax1, ax2 = fig.subplots(1, 2)
        norm = LogNorm(C.min(), C.max()) if C.max() > C.min() else None
        sc = ax1.scatter(pred, L, c=C, norm=norm, cmap="viridis", s=14, edgecolors="none")
        lo, hi = min(pred.min(), L.min()), max(pred.max(), L.max())
        ax1.plot([lo, hi], [lo, hi], color="#555555", linestyle="--", linewidth=1, label="observed = predicted")
        ax1.set_xscale("log")
        ax1.set_yscale("log")
        for axis in (ax1.xaxis, ax1.yaxis):
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax1.set_xlabel("Predicted loss (nats/token)")
        ax1.set_ylabel("Observed loss (nats/token)")
        ax1.set_title("Predicted against observed", loc="left", fontweight="bold")
        runs = Line2D([], [], marker="o", linestyle="none", color="#777777", markersize=4,
                      label="runs (colour: compute)")

        ax2.scatter(N, resid, c=C, norm=norm, cmap="viridis", s=14, edgecolors="none")
        ax2.axhline(0, color="#555555", linestyle="--", linewidth=1, label="zero residual")
        ax2.set_xscale("log")
        ax2.xaxis.set_major_formatter(FuncFormatter(format_tick))
        ax2.set_xlabel("Parameters $N$ (parameters)")
        ax2.set_ylabel("Residual: observed − predicted (nats/token)")
        ax2.set_title("Residuals", loc="left", fontweight="bold")
        # One legend beside the panels, clear of the runs wherever they fall.
        fig.legend(handles=[runs] + ax1.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0],
                   frameon=False, loc="outside right upper")
        fig.colorbar(sc, ax=ax2, label="Training compute $C$ (FLOPs)")
        fig.suptitle(f"Fit diagnostics · {label} · {len(L)} runs · RMSE of log loss {rmse:.4f}", x=0.01, ha="left",
                     fontsize=11, fontweight="bold")
        coefs = ", ".join(f"{n} = {getattr(model, n):.4g}" for n in model.coefficient_names)
        _caption(fig, [f"Law: {type(model).__name__}: {coefs}; C = {model.flops_per_param_token:g}·N·D.", caption],
                 170)
    return fig


# ---------------------------------------------------------------------------------------------------------------------
# Hoffmann's Approaches 1 and 2 on a user's runs


def _power_law_line(ax, C, fit, key="n_params"):
    """The fitted power law over the range of ``C``: N_opt = G·C^a (``key="n_params"``) or D_opt = G_D·C^b."""
    import numpy as np

    C = np.geomspace(min(C) / 1.5, max(C) * 1.5, 50)
    G, a = fit.coefficients["coefficient"], fit.coefficients["exponent"]
    if key == "n_params":
        ax.plot(C, G * C ** a, color="black", linewidth=1.2, label=f"fit: $N_{{opt}} \\propto C^{{{a:.3f}}}$")
    else:
        b, Gd = fit.exponents[1], fit.extra["d_coefficient"]
        ax.plot(C, Gd * C ** b, color="black", linewidth=1.2, label=f"fit: $D_{{opt}} \\propto C^{{{b:.3f}}}$")


def isoflop_runs_figure(fit, n_params, loss, *, intervals=None, label: str = "runs", caption: str = ""):
    """A user's isoFLOP sweeps: (a) loss against N per budget with each budget's fitted curve and minimum (a
    horizontal bar: the N_opt interval), skipped budgets in grey; (b) each N_opt against C with the fitted power law.

    ``fit`` is a :func:`~planner.fitting.fit_isoflop` result (its ``extra["budgets"]``); ``n_params``, ``loss`` the
    runs it was fitted on; ``intervals`` the used budgets' (low, high) N_opt (default: ±1.96 standard errors).
    """
    import numpy as np

    N, L = np.asarray(n_params, dtype=float), np.asarray(loss, dtype=float)
    budgets = fit.extra["budgets"]
    used = [f for f in budgets if f.used]
    if intervals is None:
        intervals = [(f.n_params * math.exp(-1.96 * f.log_se), f.n_params * math.exp(1.96 * f.log_se))
                     if math.isfinite(f.log_se) else (math.nan, math.nan) for f in used]
    bars = dict(zip((id(f) for f in used), intervals))
    with _style():
        from matplotlib import colormaps
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter

        fig = _figure(11.0, 4.6)
        ax1, ax2 = fig.subplots(1, 2)
        cmap = colormaps["viridis"]
        span = np.log([f.flops for f in budgets])
        for f in budgets:
            idx = np.asarray(f.runs)
            if not f.used:
                ax1.scatter(N[idx], L[idx], marker="x", s=16, color="#999999", linewidths=1, zorder=2)
                continue
            colour = cmap(0.05 + 0.8 * (math.log(f.flops) - span.min()) / max(np.ptp(span), 1e-12))
            inside = (N[idx] >= f.window[0] * (1 - 1e-9)) & (N[idx] <= f.window[1] * (1 + 1e-9))
            ax1.scatter(N[idx][inside], L[idx][inside], s=16, color=colour, zorder=3)
            ax1.scatter(N[idx][~inside], L[idx][~inside], s=16, facecolors="none", edgecolors=colour, zorder=3)
            ax1.plot(f.curve[0], f.curve[1], color=colour, linewidth=1.3, label=f"C = {format_flops(f.flops)}")
            lo, hi = bars[id(f)]
            xerr = _bar(f.n_params, lo, hi) if math.isfinite(lo) else None
            ax1.errorbar(f.n_params, f.loss, xerr=xerr, fmt="D", markersize=5, color="black", capsize=2,
                         linewidth=1, zorder=4)
            ax2.errorbar(f.flops, f.n_params, yerr=xerr, fmt="D", markersize=5, color=colour, capsize=2,
                         linewidth=1, zorder=4)
        _power_law_line(ax2, [f.flops for f in used], fit)
        ax1.set_xscale("log")
        ax1.xaxis.set_major_formatter(FuncFormatter(format_tick))
        ax1.set_xlabel("Parameters $N$ (parameters, log scale)")
        ax1.set_ylabel("Final loss $L$ (nats/token)")
        ax1.set_title("(a) IsoFLOP profiles", loc="left", fontweight="bold")
        handles = ax1.get_legend_handles_labels()[0] + [
            Line2D([], [], marker="D", linestyle="none", color="black", markersize=5, label="minimum $N_{opt}$"),
            Line2D([], [], marker="o", linestyle="none", markerfacecolor="none", color="#555555", markersize=4,
                   label="outside the fitted window")]
        if len(used) < len(budgets):
            handles.append(Line2D([], [], marker="x", linestyle="none", color="#999999", label="skipped budget"))
        ax1.legend(handles=handles, frameon=False, loc="upper right", fontsize=7)
        _log_axes(ax2, "Budget $C$ (FLOPs, log scale)", "$N_{opt}$ (parameters)")
        ax2.set_title("(b) Compute-optimal size", loc="left", fontweight="bold")
        ax2.legend(frameon=False, loc="upper left")
        fig.suptitle(f"IsoFLOP fit · {label} · {len(used)} of {len(budgets)} budgets", x=0.01, ha="left",
                     fontsize=11, fontweight="bold")
        _caption(fig, [f"Method: {fit.method}.", caption], 170)
    return fig


def curves_figure(fit, *, label: str = "runs", caption: str = ""):
    """Approach 1: (a) every run's loss against C with the envelope (the lowest loss at each C; dashed where won by
    the smallest or largest size there and left out), (b) N_opt and (c) D_opt along the envelope with the fitted
    power laws. ``fit`` is a :func:`~planner.fitting.fit_curves` result."""
    import numpy as np

    e = fit.extra["envelope"]
    with _style():
        from matplotlib import colormaps
        from matplotlib.colors import LogNorm

        fig = _figure(12.5, 4.4)
        ax1, ax2, ax3 = fig.subplots(1, 3)
        sizes = np.unique(e.run_n_params)
        norm = LogNorm(sizes.min(), sizes.max()) if sizes.max() > sizes.min() else None
        cmap = colormaps["viridis"]
        for (C, L), n in zip(e.curves, e.run_n_params):
            ax1.plot(C, L, color=cmap(norm(n) * 0.85 if norm else 0.4), linewidth=0.9, alpha=0.8)
        envelope = np.where(np.isfinite(e.loss), e.loss, np.nan)
        ax1.plot(e.flops, np.where(e.used, envelope, np.nan), color="black", linewidth=2.2, label="envelope (fitted)")
        ax1.plot(e.flops, np.where(~e.used, envelope, np.nan), color="black", linewidth=1.2, linestyle=(0, (3, 2)),
                 label="envelope at the edge of the sizes (left out)")
        from matplotlib.ticker import FuncFormatter

        ax1.set_xscale("log")
        ax1.set_yscale("log")
        for formatter in (ax1.yaxis.set_major_formatter, ax1.yaxis.set_minor_formatter):
            formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax1.set_xlabel("Training compute $C$ so far (FLOPs)")
        ax1.set_ylabel("Loss (nats/token)")
        ax1.set_title("(a) Training curves", loc="left", fontweight="bold")
        ax1.legend(frameon=False, loc="upper right", fontsize=7)
        if norm is not None:
            from matplotlib.cm import ScalarMappable

            fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax1, label="Parameters $N$")
        used = e.used
        ax2.scatter(e.flops[used], e.n_params[used], s=4, color="#0072B2", label="envelope $N$")
        _power_law_line(ax2, e.flops[used], fit)
        _log_axes(ax2, "Compute $C$ (FLOPs)", "$N_{opt}$ (parameters)")
        ax2.set_title("(b) Compute-optimal size", loc="left", fontweight="bold")
        ax2.legend(frameon=False, loc="upper left")
        ax3.scatter(e.flops[used], e.n_tokens[used], s=4, color="#D55E00", label="envelope $D$")
        _power_law_line(ax3, e.flops[used], fit, key="n_tokens")
        _log_axes(ax3, "Compute $C$ (FLOPs)", "$D_{opt}$ (tokens)")
        ax3.set_title("(c) Compute-optimal data", loc="left", fontweight="bold")
        ax3.legend(frameon=False, loc="upper left")
        fig.suptitle(f"Envelope of training curves · {label} · {len(e.runs)} runs", x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        _caption(fig, [f"Method: {fit.method}.", *(f"Caveat: {w}." for w in fit.warnings), caption], 190)
    return fig


def tasks_figure(laws, tasks, n_params: float | None = None, n_tokens: float | None = None, points=None):
    """The two steps of each task, one row per task, as Bhagia et al. 2024's Figure 2 chains them:
    (left) step 1, task loss against compute C = k·N·D: the ladder's runs, each ladder size's fitted curve over D,
    and the target (N, D) marked; (right) step 2, accuracy against task loss: the ladder's points, the fitted
    step 2, chance, and the target's forecast marked. ``laws`` is the TaskLaws, ``tasks`` its TaskLaw s; ``points``
    maps a task id to ((N, D, L) rows, (L, accuracy) rows) of a ladder, else the file's own points are drawn."""
    import numpy as np

    points = points or {}

    k = laws.flops_per_param_token
    target = n_params is not None and n_tokens is not None
    with _style():
        from matplotlib import colormaps
        from matplotlib.ticker import FuncFormatter

        fig = _figure(9.5, 2.9 * len(tasks) + 0.9)
        axes = np.atleast_2d(fig.subplots(len(tasks), 2, squeeze=False))
        cmap = colormaps["viridis"]
        for row, task in zip(axes, tasks):
            ax1, ax2 = row
            own1, own2 = points.get(task.id, (task.step1_points, task.step2_points))
            pts = np.asarray(own1, dtype=float).reshape(-1, 3)
            sizes = sorted(set(pts[:, 0])) if len(pts) else sorted(set(task.fitted_range.get("n_params", ())))
            D_range = task.fitted_range.get("n_tokens")
            for j, N in enumerate(sizes):
                colour = cmap(0.1 + 0.75 * j / max(len(sizes) - 1, 1))
                mine = pts[pts[:, 0] == N]
                ax1.scatter(k * mine[:, 0] * mine[:, 1], mine[:, 2], color=colour, s=22, zorder=3,
                            label=f"ladder N = {format_count(N)}")
                lo, hi = D_range if D_range else (mine[:, 1].min(), mine[:, 1].max())
                D = np.geomspace(lo / 1.5, hi * 1.5, 100)
                ax1.plot(k * N * D, task.task_loss(N, D), color=colour, linewidth=1.2)
            if target:
                L_t = float(task.task_loss(n_params, n_tokens))
                ax1.scatter([k * n_params * n_tokens], [L_t], marker="*", s=120, color="#D55E00", zorder=4,
                            label=f"target N = {format_count(n_params)}, D = {format_count(n_tokens)}")
                D = np.geomspace(n_tokens / 30, n_tokens * 3, 100)
                ax1.plot(k * n_params * D, task.task_loss(n_params, D), color="#D55E00", linewidth=1.0,
                         linestyle=(0, (4, 2)))
            ax1.set_xscale("log")
            ax1.set_xlabel("Training compute $C$ (FLOPs, log scale)")
            ax1.set_ylabel("Task loss")
            ax1.set_title(f"{task.label}: step 1, task loss", loc="left", fontweight="bold")
            ax1.legend(frameon=False, fontsize=7, loc="upper right")

            lo, hi = task.fitted_range.get("task_loss", (None, None))
            p2 = np.asarray(own2, dtype=float).reshape(-1, 2)
            xs = [v for v in (lo, hi) if v] + list(p2[:, 0])
            L_t = float(task.task_loss(n_params, n_tokens)) if target else None
            if L_t is not None:
                xs.append(L_t)
            x0, x1 = (min(xs), max(xs)) if xs else (0.5, 2.0)
            grid = np.linspace(max(x0 - 0.3 * (x1 - x0), 0.0), x1 + 0.1 * (x1 - x0), 200)
            ax2.plot(grid, task.accuracy(grid), color="#0072B2", linewidth=1.6, label=f"step 2 ({task.accuracy_law.form})")
            if len(p2):
                ax2.scatter(p2[:, 0], p2[:, 1], color="#555555", s=16 if len(p2) < 100 else 3, zorder=3,
                            label="ladder runs (final)" if len(p2) < 100 else "ladder checkpoints (smoothed)")
            ax2.axhline(task.chance, color="#999999", linestyle=":", linewidth=0.9, label=f"chance {task.chance:.2f}")
            if L_t is not None:
                acc = float(task.accuracy(L_t))
                ax2.scatter([L_t], [acc], marker="*", s=120, color="#D55E00", zorder=4,
                            label=f"target: {100 * acc:.1f}%")
            ax2.set_xlabel("Task loss")
            ax2.set_ylabel("Accuracy" if task.metric == "accuracy" else "Accuracy = 1 − top-1 error")
            ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
            ax2.set_title(f"{task.label}: step 2, accuracy", loc="left", fontweight="bold")
            ax2.legend(frameon=False, fontsize=7, loc="upper right")
        fig.suptitle(f"Benchmark accuracy from scale, in two steps · {laws.id}", x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        lines = [f"Sources: {laws.short_citation} ({laws.id}). Step 1: task loss L(N, D) = E + A/N^α + B/D^β, curves "
                 f"over D for each ladder size; step 2: accuracy at that loss. N counts {laws.parameters} parameters; "
                 f"C = {k:g}·N·D."]
        if target:
            lines.append("Star: the target run's forecast (step 1, then step 2 at its task loss).")
        _caption(fig, lines, 150)
    return fig
