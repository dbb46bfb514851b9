"""What a fit returns (:class:`FitResult`, :class:`BootstrapResult`) and the checks and summaries of the runs every
fit shares."""

from __future__ import annotations

import math
from dataclasses import field
from typing import TYPE_CHECKING, Any, Mapping, TypedDict

if TYPE_CHECKING:
    import numpy

    from .outliers import Outliers

from ..base.conventions import FLOPS_PER_PARAM_TOKEN, LOSS_RANGE
from ..base.errors import FitError
from ..base.records import Record, record
from ..base.units import QUANTITY_RANGE
from ..laws import family
from ..planning.uncertainty import central_interval

__all__ = ["FitResult", "FitDetails", "BootstrapResult", "check_runs", "data_range", "residual_stats", "check_resampling",
           "resample_counts", "sample_summary"]


class FitDetails(TypedDict, total=False):
    """How a fit was made, and what else it found, beyond its coefficients (:attr:`FitResult.extra`). Each kind of
    fit records its own keys; mypy checks every key read or written."""

    # a loss-law fit (planner.fitting.lawfit.fit_extra), written to the law file's [fit] table
    objective_function: str               # "huber-log", "least-squares" or "asymmetric"
    huber_delta: float
    overestimate_penalty: float           # the asymmetric objective's factor on over-predictions
    weights: str                          # how the runs were weighted, in words
    tied: tuple[str, ...]                 # ("alpha=beta",)
    fixed: dict[str, float]               # coefficient → the value it was held at
    # an allocation fit (isoFLOP Approaches 1 and 2)
    approach: int                         # 1 (envelope of curves) or 2 (isoFLOP profiles)
    model_kwargs: dict[str, str]          # the AllocationRule's "gives"
    d_coefficient: float                  # G_D in D_opt = G_D·C^b
    n_opt_residuals: dict[str, float]     # rms and max_abs of log N_opt about the fitted line
    # Approach 2
    budgets: tuple[Any, ...]              # the minimum of each isoFLOP profile (fitting.profiles.BudgetFit)
    grouping: Any                         # how runs were grouped into budgets (planner.fitting.isoflop)
    isoflop_method: str                   # the per-budget minimum estimator
    nominal_budgets: bool                 # budgets from a column (True) or grouped from 6·N·D
    window: float                         # the parabola's window, a factor about the best size
    min_budgets: int
    inputs: dict[str, "numpy.ndarray"]    # the runs' n_params, n_tokens, loss, flops
    # Approach 1
    envelope: Any                         # the lowest loss per budget (fitting.curves.Envelope)
    n_checkpoints: int
    grid_points: int
    matrices: tuple[Any, ...]             # (grid, M, log D, sizes) for the bootstrap
    # an envelope law L(C) = E + A·C^−α
    points: tuple[tuple[float, ...], tuple[float, ...]]   # the (C, L) points fitted


@record
class FitResult(Record):
    """A fitted law and how far to trust it.

    form : ``"parametric"``, ``"kaplan"`` or ``"allocation"`` (isoFLOP fits).
    coefficients : the law's coefficients under the paper's names (``E, A, B, alpha, beta``).
    standard_errors : one per coefficient; ``standard_error_method`` says how they were got.
    exponents : (a, b) with N_opt ∝ C^a and D_opt ∝ C^b.
    objective : the minimised Huber sum (isoFLOP fits: residual sum of squares of log N_opt).
    n_runs : runs used.  n_starts : optimiser starts.  n_distinct_optima : distinct end points.
    extra : how it was made, and what else it found (:class:`FitDetails`).
    residuals : statistics of log L_i − log L̂_i (``rms``, ``mean_abs``, ``max_abs``, ``median``)
        and of L_i − L̂_i in nats (``rms_loss``).
    data_range : ``n_params``, ``n_tokens``, ``flops`` → (low, high) of the runs.
    converged : the final local optimisation met its stopping test.
    warnings : one line each; a fit on the edge of the search, not converged, or whose E is at or above the lowest
        observed loss says so here.
    theta : the optimum in the fit's internal parametrisation (parametric: a, b, e, α, β).
    optima : (objective, theta) of the optimum, then of the next best grid end points that are
        distinct from it and each other (θ at least 0.05 apart, before polishing): the warm
        starts of :func:`bootstrap`.
    outliers : the runs whose log-residual is far outside the rest
        (:class:`~planner.fitting.outliers.Outliers`; None for fits that do not predict losses).
    """

    form: str
    coefficients: Mapping[str, float]
    standard_errors: Mapping[str, float]
    standard_error_method: str
    exponents: tuple[float, float]
    objective: float
    n_runs: int
    residuals: Mapping[str, float]
    data_range: Mapping[str, tuple[float, float]]
    converged: bool = True
    n_starts: int = 1
    n_distinct_optima: int = 1
    warnings: tuple[str, ...] = ()
    method: str = ""
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN
    theta: tuple[float, ...] = ()
    optima: tuple[tuple[float, tuple[float, ...]], ...] = ()
    extra: FitDetails = field(default_factory=lambda: FitDetails())
    outliers: "Outliers | None" = None

    @property
    def model(self):
        """The fitted law family: ParametricLaw, KaplanLaw or AllocationRule (isoFLOP)."""
        return family(self.form)(flops_per_param_token=self.flops_per_param_token, **self.extra.get("model_kwargs", {}),
                                **self.coefficients)

    # Notebooks (planner.base.notebook): a short repr, plain-Python views and an HTML table.
    def __repr__(self) -> str:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import fit_repr
        return fit_repr(self)

    def to_dict(self) -> dict:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import fit_dict
        return fit_dict(self)

    def to_records(self) -> list[dict]:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import fit_records
        return fit_records(self)

    def _repr_html_(self) -> str:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import fit_html
        return fit_html(self)


@record
class BootstrapResult(Record):
    """Refits on resamples of the runs (with replacement), and percentile intervals.

    names : coefficient names, the columns of ``samples``.
    samples : (n_ok, len(names)) array of refitted coefficients, one row per resample that fitted.
    intervals : name → (low, high), the central ``level`` % percentile interval.
    standard_errors : name → sample standard deviation.
    n_resamples : resamples drawn; ``n_failed`` of them gave no valid fit (dropped).
    seed : the seed of numpy's default_rng that drew the resamples.
    """

    form: str
    names: tuple[str, ...]
    samples: "numpy.ndarray"
    intervals: Mapping[str, tuple[float, float]]
    standard_errors: Mapping[str, float]
    level: float
    n_resamples: int
    n_failed: int
    seed: int | None
    method: str
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN

    # Notebooks (planner.base.notebook): a short repr (not the samples), plain-Python views and an HTML table.
    def __repr__(self) -> str:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import bootstrap_repr
        return bootstrap_repr(self)

    def to_dict(self) -> dict:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import bootstrap_dict
        return bootstrap_dict(self)

    def to_records(self) -> list[dict]:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import bootstrap_records
        return bootstrap_records(self)

    def _repr_html_(self) -> str:
        # notebooks only: planner.base.notebook imports html
        from ..base.notebook import bootstrap_html
        return bootstrap_html(self)


def check_runs(n_params, n_tokens, loss, n_coefficients: int, hint: str = ""):
    """The runs as float arrays, refused (FitError) unless finite, > 0 and within their ranges
    (:data:`~planner.base.conventions.LOSS_RANGE`, :data:`~planner.base.units.QUANTITY_RANGE`), of equal length, more than
    ``n_coefficients`` of them (``hint`` says what else to do if not), with at least two sizes and token counts."""
    import numpy as np

    arrays = []
    for name, v in (("n_params", n_params), ("n_tokens", n_tokens), ("loss", loss)):
        a = np.asarray(v, dtype=float).ravel()
        bad = ~(np.isfinite(a) & (a > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise FitError(f"{name} must be finite numbers > 0; run {i} (counting from 0) has {float(a[i]):g}")
        lo, hi = LOSS_RANGE if name == "loss" else QUANTITY_RANGE    # beyond them the fits leave the floats
        out = ~((a >= lo) & (a <= hi))
        if out.any():
            i = int(np.flatnonzero(out)[0])
            raise FitError(f"{name} must lie within {lo:g}..{hi:g}{' nats per token' if name == 'loss' else ''}; "
                           f"run {i} (counting from 0) has {float(a[i]):g}")
        arrays.append(a)
    N, D, L = arrays
    if not (len(N) == len(D) == len(L)):
        raise FitError(f"n_params, n_tokens and loss must have the same length (got {len(N)}, {len(D)}, {len(L)})")
    if len(N) <= n_coefficients:
        raise FitError.worded(f"{len(N)} runs cannot fit a law with {n_coefficients} coefficients: "
                              f"give at least {n_coefficients + 1} runs" + hint, tie_alpha_beta="tie=('alpha=beta',)")
    for name, a, fix in (("model size", N, "train at least two model sizes"),
                         ("token count", D, "train for at least two token counts")):
        if np.unique(a).size < 2:
            raise FitError(f"every run has the same {name} ({a[0]:g}), so the law cannot be identified: {fix}")
    return N, D, L


def data_range(N, D, k):
    C = k * N * D
    return {"n_params": (float(N.min()), float(N.max())), "n_tokens": (float(D.min()), float(D.max())),
            "flops": (float(C.min()), float(C.max()))}


def residual_stats(L, L_hat):
    import numpy as np

    r = np.log(L) - np.log(L_hat)
    return {"rms": float(np.sqrt(np.mean(r * r))), "mean_abs": float(np.mean(np.abs(r))),
            "median": float(np.median(r)), "max_abs": float(np.max(np.abs(r))),
            "rms_loss": float(np.sqrt(np.mean((L - L_hat) ** 2)))}


# ---------------------------------------------------------------------------------------------------------------------
# what every bootstrap shares (planner.fitting.bootstrap, and Approaches 1 and 2 in planner.fitting.isoflop)


def check_resampling(n_resamples: int, level: float) -> None:
    """FitError unless ``n_resamples`` >= 1 and 0 < ``level`` < 100."""
    if n_resamples < 1:
        raise FitError(f"n_resamples must be >= 1 (got {n_resamples})")
    if not 0 < level < 100:
        raise FitError(f"level must be between 0 and 100 (got {level:g})")


def resample_counts(rng, R: int, n: int):
    """How often each of ``n`` rows is drawn in each of ``R`` resamples with replacement: an (R, n) float array
    whose rows sum to n, from one ``rng.integers(0, n, (R, n))`` call (so a seed gives the same resamples)."""
    import numpy as np

    draws = rng.integers(0, n, size=(R, n))
    flat = (draws + n * np.arange(R)[:, None]).ravel()
    return np.bincount(flat, minlength=R * n).reshape(R, n).astype(float)


def sample_summary(samples, names, level: float) -> tuple[dict, dict]:
    """Central ``level``% percentile intervals and standard deviations (ddof 1; NaN from one sample) of the columns
    of ``samples``, by name."""
    import numpy as np

    lo, hi = (np.atleast_1d(v) for v in central_interval(samples, level, axis=0))
    intervals = {name: (float(lo[j]), float(hi[j])) for j, name in enumerate(names)}
    ses = {name: float(np.std(samples[:, j], ddof=1)) if len(samples) > 1 else math.nan
           for j, name in enumerate(names)}
    return intervals, ses
