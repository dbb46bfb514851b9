"""Fitting a hyperparameter law to a sweep (``plan fit-hparams``), as Step Law does (Li et al. 2025,
arXiv:2503.04715).

A sweep trains each (N, D) at several learning rates η and batch sizes B (tokens) and records the final loss. For
each (N, D): the best configuration, and the near-optimal set, every configuration within a fraction ``near`` of the
best loss (L ≤ (1 + near)·L_best). Then, on the near-optimal configurations of every (N, D), least squares in log
space::

    ln η = ln k_η + a_N·ln N + a_D·ln D
    ln B = ln k_B + b_N·ln N + b_D·ln D

The bootstrap resamples the (N, D) points with replacement (each with its whole near-optimal set) and refits, so the
intervals carry the spread between sizes, not only within one. Nothing here opens a file.
"""

from __future__ import annotations

import datetime
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING, Callable, Mapping

from ..base.errors import FitError, RunsError
from ..base.records import Record, record
from ..laws.hparams import HparamLaw, PowerTerm
from .runs import column_values
from .tables import find_columns, missing_column, table_records

if TYPE_CHECKING:
    import numpy

__all__ = ["Sweep", "SWEEP_COLUMNS", "parse_sweep", "HparamFit", "fit_hparams", "hparam_law_from_fit", "DEFAULT_NEAR"]

#: Field → the column names recognised for it (after lower-casing; spaces and dashes as ``_``).
SWEEP_COLUMNS = {
    "n_params": ("n_params", "params", "parameters", "n"),
    "tokens": ("tokens", "n_tokens", "d", "training_tokens"),
    "learning_rate": ("learning_rate", "lr", "eta", "peak_lr"),
    "batch_tokens": ("batch_tokens", "batch_size_tokens", "batch", "bs_tokens"),
    "loss": ("loss", "final_loss", "train_loss", "val_loss", "eval_loss"),
}
_OPTIONS = {field: f"columns={{'{field}': 'COLUMN'}}" for field in ("n_params", "tokens", "learning_rate",
                                                                    "batch_tokens", "loss")}
#: The near-optimal set: configurations within 0.25% of the best loss of their (N, D) (the threshold Step Law's
#: fit uses, Li et al. 2025).
DEFAULT_NEAR = 0.0025


@record
class Sweep(Record):
    """A hyperparameter sweep as float arrays of equal length (one entry per trained configuration)."""

    n_params: "numpy.ndarray"
    tokens: "numpy.ndarray"
    learning_rate: "numpy.ndarray"
    batch_tokens: "numpy.ndarray"
    loss: "numpy.ndarray"
    source: str = "<sweep>"


def parse_sweep(text: str, source: str = "<sweep>", fmt: str | None = None,
                columns: Mapping[str, str | None] | None = None) -> Sweep:
    """The sweep in a CSV, TSV or JSON-lines ``text``; ``columns`` names columns outright (field → column)."""
    header, records = table_records(text, source, fmt)
    overrides = {k: v for k, v in (columns or {}).items() if v}
    found = find_columns(header, overrides, source, SWEEP_COLUMNS, _OPTIONS)
    for name in SWEEP_COLUMNS:
        if name not in found:
            raise missing_column(source, name, SWEEP_COLUMNS[name][:3], header, _OPTIONS[name])
    if not records:
        raise RunsError(f"{source} has no configurations (no data rows after the header)")
    lines = [line for line, _ in records]
    arrays = {name: column_values([r.get(col) for _, r in records], name, col, source, lines)
              for name, col in found.items()}
    return Sweep(source=source, **arrays)


@record
class HparamFit(Record):
    """A fitted hyperparameter law.

    learning_rate, batch_tokens : (coefficient k, {"n_params": exponent, "tokens": exponent}).
    intervals : name → (low, high) at ``level`` for "learning_rate.coefficient", "learning_rate.n_params", ...
    samples : bootstrap rows (k_η, a_N, a_D, k_B, b_N, b_D).  optima : one dict per (N, D): its best configuration
    and the size of its near-optimal set.
    """

    learning_rate: tuple[float, dict]
    batch_tokens: tuple[float, dict]
    near: float
    n_configurations: int
    optima: tuple[dict, ...]
    level: float = 0.90
    intervals: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    samples: tuple[tuple[float, ...], ...] = ()
    n_resamples: int = 0
    seed: int | None = None


def _near_optimal(sweep: Sweep, near: float):
    """The (N, D) groups: for each, its best row index and the indices of its near-optimal set."""
    import numpy as np

    keys = np.round(np.log(np.column_stack([sweep.n_params, sweep.tokens])), 9)
    groups = []
    for key in np.unique(keys, axis=0):
        idx = np.flatnonzero((keys == key).all(axis=1))
        best = idx[np.argmin(sweep.loss[idx])]
        chosen = idx[sweep.loss[idx] <= (1 + near) * sweep.loss[best]]
        groups.append((best, chosen))
    return groups


def _solve(X, y):
    import numpy as np

    theta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return theta


def _design(sweep: Sweep, groups, picks):
    import numpy as np

    idx = np.concatenate([groups[g][1] for g in picks])
    X = np.column_stack([np.ones(idx.size), np.log(sweep.n_params[idx]), np.log(sweep.tokens[idx])])
    return X, np.log(sweep.learning_rate[idx]), np.log(sweep.batch_tokens[idx])


def fit_hparams(sweep: Sweep, near: float = DEFAULT_NEAR, n_resamples: int = 1000, seed: int | None = 0,
                level: float = 0.90, progress: Callable[[str, float, float], None] | None = None) -> HparamFit:
    """Fit η(N, D) and B(N, D) to ``sweep`` (module docstring); ``n_resamples`` bootstrap refits over the (N, D)
    points give ``level`` intervals (0: none). FitError when the sweep cannot pin both exponents (fewer than 2
    model sizes or 2 token counts, or fewer than 4 (N, D) points)."""
    import numpy as np

    if not 0 <= near < 1:
        raise FitError(f"the near-optimal fraction must be in [0, 1) (got {near:g})")
    groups = _near_optimal(sweep, near)
    points = np.array([[sweep.n_params[b], sweep.tokens[b]] for b, _ in groups])
    if len(groups) < 4 or len(np.unique(points[:, 0])) < 2 or len(np.unique(points[:, 1])) < 2:
        raise FitError(f"{sweep.source}: a law in N and D needs at least 4 (N, D) points with 2 or more model sizes "
                       f"and 2 or more token counts (got {len(groups)} points, {len(np.unique(points[:, 0]))} sizes, "
                       f"{len(np.unique(points[:, 1]))} token counts)")
    X, y_lr, y_bs = _design(sweep, groups, range(len(groups)))
    if np.linalg.matrix_rank(X) < 3:
        raise FitError(f"{sweep.source}: ln N and ln D are collinear over the sweep's (N, D) points, so their "
                       "exponents cannot be told apart; add points off that line")
    lr, bs = _solve(X, y_lr), _solve(X, y_bs)
    samples, intervals = [], {}
    if n_resamples:
        rng = np.random.default_rng(seed)
        for i in range(n_resamples):
            picks = rng.integers(0, len(groups), len(groups))
            Xb, yl, yb = _design(sweep, groups, picks)
            if np.linalg.matrix_rank(Xb) == 3:
                a, b = _solve(Xb, yl), _solve(Xb, yb)
                samples.append((float(np.exp(a[0])), float(a[1]), float(a[2]),
                                float(np.exp(b[0])), float(b[1]), float(b[2])))
            if progress is not None:
                progress("bootstrap", i + 1, n_resamples)
        if len(samples) >= 2:
            S = np.array(samples)
            q = ((1 - level) / 2, (1 + level) / 2)
            names = ("learning_rate.coefficient", "learning_rate.n_params", "learning_rate.tokens",
                     "batch_tokens.coefficient", "batch_tokens.n_params", "batch_tokens.tokens")
            intervals = {n: (float(lo), float(hi)) for n, (lo, hi) in zip(names, np.quantile(S, q, axis=0).T)}
    optima = tuple({"n_params": float(sweep.n_params[b]), "tokens": float(sweep.tokens[b]),
                    "learning_rate": float(sweep.learning_rate[b]), "batch_tokens": float(sweep.batch_tokens[b]),
                    "loss": float(sweep.loss[b]), "near_optimal": int(len(c))} for b, c in groups)
    return HparamFit(learning_rate=(float(np.exp(lr[0])), {"n_params": float(lr[1]), "tokens": float(lr[2])}),
                     batch_tokens=(float(np.exp(bs[0])), {"n_params": float(bs[1]), "tokens": float(bs[2])}),
                     near=near, n_configurations=int(len(sweep.loss)), optima=optima, level=level,
                     intervals=intervals, samples=tuple(samples), n_resamples=n_resamples, seed=seed)


def hparam_law_from_fit(fit: HparamFit, law_id: str = "fitted-hparams", source: str = "sweep"):
    """The fitted law as a :class:`~planner.laws.hparams.HparamLaw` (what ``plan fit-hparams -o`` writes)."""
    n, d = [o["n_params"] for o in fit.optima], [o["tokens"] for o in fit.optima]
    return HparamLaw(
        id=law_id, title=f"Hyperparameter law fitted to {source}", learning_rate=PowerTerm(*fit.learning_rate),
        batch_tokens=PowerTerm(*fit.batch_tokens),
        citation=MappingProxyType({"authors": "plan fit-hparams", "year": _year(), "title": f"fit to {source}"}),
        parameters="as the sweep counts them", batch_units="tokens",
        regime=f"{len(fit.optima)} (N, D) points, {fit.n_configurations} configurations; least squares in log space "
               f"on the configurations within {fit.near:.2%} of the best loss of each (N, D)",
        samples=fit.samples, level=fit.level,
        fitted_range=MappingProxyType({"n_params": (min(n), max(n)), "n_tokens": (min(d), max(d))}),
        fit=MappingProxyType({"source": source, "n_runs": fit.n_configurations, "n_optima": len(fit.optima),
                              "near_optimal": fit.near, "method": "log-space least squares, bootstrap over (N, D)"}))


def _year() -> int:
    return datetime.date.today().year
