"""What every figure shares: the matplotlib check, the output format and the safe save, the house style and the
log axes with their caption.

The figures are in :mod:`planner.plots.laws` (``plan plot frontier | isoflop``), :mod:`planner.plots.fits`
(``plan plot fit | isoflop --runs | curves``) and :mod:`planner.plots.tasks` (``plan plot tasks``). They are the
only modules that import matplotlib, and only inside their functions, so nothing else pays for it or needs it.
Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global state) and drawn with the Agg
renderer for PNG; the format follows the output's suffix (``.png``, ``.svg`` or ``.pdf``). Every figure has log axes
labelled with units, a legend, and a caption line citing its sources.

Without matplotlib (the optional ``plot`` extra) every entry point raises
:class:`~planner.base.errors.PlotDependencyError` with the one-line fix.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

from ..base.errors import NumericError, PlotDependencyError
from ..base.units import format_tick
from ..files.safe import write_atomic

__all__ = ["FIGURE_FORMATS", "figure_format", "save_figure", "require_matplotlib", "PALETTE", "interval_bar", "new_figure",
           "apply_style", "log_axes", "add_caption"]

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


def interval_bar(value: float, lo: float, hi: float) -> list[list[float]]:
    """matplotlib's error-bar lengths for ``value`` in [lo, hi]. A percentile interval need not contain the point
    estimate (at a small level it shrinks to the median of the draws), so the side it excludes gets no bar."""
    return [[max(value - lo, 0.0)], [max(hi - value, 0.0)]]


def require_matplotlib():
    """Import matplotlib or raise PlotDependencyError saying how to install it."""
    # matplotlib says on its logger when it must build a font cache or make a cache folder in /tmp because the user's
    # is not writable: noise on the command line, where a figure is all that is asked for.
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    try:
        # matplotlib is optional: imported after require_matplotlib's check
        # noqa: F401
        import matplotlib
        from matplotlib.figure import Figure
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
    """Write ``fig`` to ``path`` atomically with :func:`planner.files.safe.write_atomic`.

    Refuses to replace an existing file unless ``force``. A figure whose values reach near the float limit cannot
    be drawn (matplotlib's log ticks, a decade or more beyond the data, overflow to inf): NumericError, no file.
    """
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


def new_figure(width, height):
    """A new figure; called inside :func:`apply_style`, whose rc settings it takes."""
    # matplotlib is optional: imported after require_matplotlib's check
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def apply_style():
    return require_matplotlib().rc_context(STYLE)


def log_axes(ax, x_label, y_label, y_counts=True):
    # matplotlib is optional: imported after require_matplotlib's check
    from matplotlib.ticker import (FuncFormatter,
                                   LogLocator, NullFormatter)

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    if y_counts:
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=12))
        ax.yaxis.set_major_formatter(FuncFormatter(format_tick))
        ax.yaxis.set_minor_formatter(NullFormatter())


def add_caption(fig, lines, width_chars):
    text = "\n".join(textwrap.fill(line, width_chars) for line in lines if line)
    fig.supxlabel(text, fontsize=7, color="#444444", ha="left", x=0.01, multialignment="left")
