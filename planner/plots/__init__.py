"""Figures (the optional ``plot`` extra), one module per family of ``plan plot`` commands: :mod:`.laws` (frontier,
isoFLOP profiles of a law), :mod:`.fits` (fit diagnostics, a user's isoFLOP sweeps and training curves) and
:mod:`.tasks` (task laws), :mod:`.curve` (one run's loss curve and its forecast); :mod:`.common` holds what they share. None imports matplotlib until a figure is drawn.
"""

from .common import FIGURE_FORMATS, figure_format, require_matplotlib, save_figure
from .curve import curve_figure
from .fits import curves_figure, fit_figure, isoflop_runs_figure
from .laws import frontier_figure, isoflop_figure
from .tasks import tasks_figure

__all__ = ["FIGURE_FORMATS", "figure_format", "frontier_figure", "isoflop_figure", "fit_figure", "save_figure",
           "require_matplotlib", "isoflop_runs_figure", "curves_figure", "tasks_figure",
           "curve_figure"]
