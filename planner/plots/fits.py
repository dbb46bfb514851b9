"""Figures of fits to a user's runs (``plan plot fit``, ``plan plot isoflop --runs``, ``plan plot curves``):
fit diagnostics, isoFLOP sweeps and training curves (Hoffmann et al.'s Approaches 3, 2 and 1).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..base.units import format_flops, format_tick
from ..laws.questions import asking, family_of
from .common import add_caption, apply_style, interval_bar, log_axes, new_figure

if TYPE_CHECKING:
    from ..fitting.result import FitResult

__all__ = ["fit_figure", "isoflop_runs_figure", "curves_figure"]


def fit_figure(n_params, n_tokens, loss, model, label: str = "fitted law", caption: str = ""):
    """Fit diagnostics: predicted against observed loss, and residuals against N, coloured by C.

    Takes the runs as arrays (N, D, observed L) and the fitted law family ``model`` (anything with
    ``.loss(N, D)`` and ``.flops_per_param_token``), so it depends on no fitting code.
    """
    N, D, L = (np.asarray(x, dtype=float) for x in (n_params, n_tokens, loss))
    with asking(model, "fit_diagnostic"):   # runs of one N each: refused by a law whose compute needs more than N
        C = family_of(model).training_flops(N, D)
    pred = model.loss(N, D)
    resid = L - pred
    rmse = float(np.sqrt(np.mean(np.log(L / pred) ** 2)))
    with apply_style():
        # matplotlib is optional: imported after require_matplotlib's check
        from matplotlib.colors import LogNorm
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter

        fig = new_figure(12.0, 4.3)  # room for the legend beside the panels
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
        add_caption(fig, [f"Law: {type(model).__name__}: {coefs}; C = {model.flops_per_param_token:g}·N·D.", caption],
                 170)
    return fig


# ---------------------------------------------------------------------------------------------------------------------
# Hoffmann's Approaches 1 and 2 on a user's runs


def _power_law_line(ax, C, fit: "FitResult", key="n_params"):
    """The fitted power law over the range of ``C``: N_opt = G·C^a (``key="n_params"``) or D_opt = G_D·C^b."""
    C = np.geomspace(min(C) / 1.5, max(C) * 1.5, 50)
    G, a = fit.coefficients["coefficient"], fit.coefficients["exponent"]
    if key == "n_params":
        ax.plot(C, G * C ** a, color="black", linewidth=1.2, label=f"fit: $N_{{opt}} \\propto C^{{{a:.3f}}}$")
    else:
        b, Gd = fit.exponents[1], fit.extra["d_coefficient"]
        ax.plot(C, Gd * C ** b, color="black", linewidth=1.2, label=f"fit: $D_{{opt}} \\propto C^{{{b:.3f}}}$")


def isoflop_runs_figure(fit: "FitResult", n_params, loss, *, intervals=None, label: str = "runs", caption: str = ""):
    """A user's isoFLOP sweeps: (a) loss against N per budget with each budget's fitted curve and minimum (a
    horizontal bar: the N_opt interval), skipped budgets in grey; (b) each N_opt against C with the fitted power law.

    ``fit`` is a :func:`~planner.fitting.fit_isoflop` result (its ``extra["budgets"]``); ``n_params``, ``loss`` the
    runs it was fitted on; ``intervals`` the used budgets' (low, high) N_opt (default: ±1.96 standard errors).
    """
    N, L = np.asarray(n_params, dtype=float), np.asarray(loss, dtype=float)
    budgets = fit.extra["budgets"]
    used = [f for f in budgets if f.used]
    if intervals is None:
        intervals = [(f.n_params * math.exp(-1.96 * f.log_se), f.n_params * math.exp(1.96 * f.log_se))
                     if math.isfinite(f.log_se) else (math.nan, math.nan) for f in used]
    bars = dict(zip((id(f) for f in used), intervals))
    with apply_style():
        # matplotlib is optional: imported after require_matplotlib's check
        from matplotlib import colormaps
        from matplotlib.lines import Line2D
        from matplotlib.ticker import FuncFormatter

        fig = new_figure(11.0, 4.6)
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
            xerr = interval_bar(f.n_params, lo, hi) if math.isfinite(lo) else None
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
        log_axes(ax2, "Budget $C$ (FLOPs, log scale)", "$N_{opt}$ (parameters)")
        ax2.set_title("(b) Compute-optimal size", loc="left", fontweight="bold")
        ax2.legend(frameon=False, loc="upper left")
        fig.suptitle(f"IsoFLOP fit · {label} · {len(used)} of {len(budgets)} budgets", x=0.01, ha="left",
                     fontsize=11, fontweight="bold")
        add_caption(fig, [f"Method: {fit.method}.", caption], 170)
    return fig


def curves_figure(fit: "FitResult", *, label: str = "runs", caption: str = ""):
    """Approach 1: (a) every run's loss against C with the envelope (the lowest loss at each C; dashed where won by
    the smallest or largest size there and left out), (b) N_opt and (c) D_opt along the envelope with the fitted
    power laws. ``fit`` is a :func:`~planner.fitting.fit_curves` result."""
    e = fit.extra["envelope"]
    with apply_style():
        # matplotlib is optional: imported after require_matplotlib's check
        from matplotlib import colormaps
        from matplotlib.colors import LogNorm

        fig = new_figure(12.5, 4.4)
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
        # matplotlib is optional: imported after require_matplotlib's check
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
            # matplotlib is optional: imported after require_matplotlib's check
            from matplotlib.cm import ScalarMappable

            fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax1, label="Parameters $N$")
        used = e.used
        ax2.scatter(e.flops[used], e.n_params[used], s=4, color="#0072B2", label="envelope $N$")
        _power_law_line(ax2, e.flops[used], fit)
        log_axes(ax2, "Compute $C$ (FLOPs)", "$N_{opt}$ (parameters)")
        ax2.set_title("(b) Compute-optimal size", loc="left", fontweight="bold")
        ax2.legend(frameon=False, loc="upper left")
        ax3.scatter(e.flops[used], e.n_tokens[used], s=4, color="#D55E00", label="envelope $D$")
        _power_law_line(ax3, e.flops[used], fit, key="n_tokens")
        log_axes(ax3, "Compute $C$ (FLOPs)", "$D_{opt}$ (tokens)")
        ax3.set_title("(c) Compute-optimal data", loc="left", fontweight="bold")
        ax3.legend(frameon=False, loc="upper left")
        fig.suptitle(f"Envelope of training curves · {label} · {len(e.runs)} runs", x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        add_caption(fig, [f"Method: {fit.method}.", *(f"Caveat: {w}." for w in fit.warnings), caption], 190)
    return fig
