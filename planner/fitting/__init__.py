"""Fitting scaling laws to your own training runs → :class:`FitResult`.

Pure: arrays in, small frozen dataclasses out; no printing, and no file is opened (the readers of run and ladder
files are in :mod:`planner.files.runs`). numpy and scipy are imported inside the functions that need them.

- :mod:`~planner.fitting.runs`: the runs parser (CSV, TSV, JSON lines) → :class:`Runs`.
- :mod:`~planner.fitting.objectives`: Huber on log-loss residuals (or least squares on L), value and analytic
  gradient, batched over θ.
- :mod:`~planner.fitting.parametrisation`: tied and fixed coefficients, θ = M·φ + c.
- :mod:`~planner.fitting.lbfgs`: a batched L-BFGS that runs thousands of starts in lock-step.
- :mod:`~planner.fitting.multistart`: the grid → batched L-BFGS → polish driver the fits share.
- :mod:`~planner.fitting.parametric`, :mod:`~planner.fitting.kaplan`: the two loss-law fits (Approach 3), sharing
  :mod:`~planner.fitting.lawfit`.
- :mod:`~planner.fitting.backtest`: hold out the largest runs, predict them.
- :mod:`~planner.fitting.rollout`: rolling back-tests: fit on the smallest levels, predict the next, expand.
- :mod:`~planner.fitting.varpro`: variable projection, the parametric fit's search over its exponents.
- :mod:`~planner.fitting.outliers`: the outlier check after every fit.
- :mod:`~planner.fitting.prediction`: prediction intervals for new runs (the back-tests' "is it inside?").
- :mod:`~planner.fitting.compare`: several estimators on the same runs.
- :mod:`~planner.fitting.diagnostics`: warnings that need the bootstrap or the budgets.
- :mod:`~planner.fitting.standard_errors`: asymptotic (Gauss–Newton) standard errors.
- :mod:`~planner.fitting.bootstrap`: refits on resamples, percentile intervals.
- :mod:`~planner.fitting.isoflop`: Hoffmann's Approach 2 (isoFLOP profiles) and its bootstrap within budgets.
- :mod:`~planner.fitting.curves`: Hoffmann's Approach 1 (the envelope of training curves) and its bootstrap.
- :mod:`~planner.fitting.design`: an isoFLOP grid of runs to train.
- :mod:`~planner.fitting.result`: :class:`FitResult`, :class:`BootstrapResult`.
- :mod:`~planner.fitting.ladder`, :mod:`~planner.fitting.tasks`: a model ladder's checkpoints, and the two-step task
  laws fitted to them (``plan fit-tasks``).
"""

from .backtest import Backtest, backtest
from .bootstrap import bootstrap
from .compare import EstimatorFit, compare_estimators
from .design import IsoflopDesign, design_isoflop
from .curves import bootstrap_curves, fit_curves
from .isoflop import bootstrap_isoflop, fit_isoflop
from .kaplan import fit_kaplan
from .objectives import huber
from .parametric import fit_parametric
from .parametrisation import Parametrisation
from .result import BootstrapResult, FitResult
from .rollout import Rollout, rollout
from .runs import COLUMN_NAMES, Runs, parse_runs

__all__ = ["FitResult", "BootstrapResult", "IsoflopDesign", "Runs", "fit_parametric", "fit_kaplan", "fit_isoflop",
           "bootstrap", "design_isoflop", "huber", "parse_runs", "COLUMN_NAMES", "fit_curves",
           "bootstrap_isoflop", "bootstrap_curves", "backtest", "Backtest", "compare_estimators",
           "EstimatorFit", "Parametrisation", "rollout", "Rollout"]
