"""Intervals on plans: coefficient samples from a law's ``[uncertainty]`` table, pushed through the plan.

A coefficient set is an estimate. Besiroglu et al. 2024 (arXiv:2404.10102) showed that Chinchilla's
intervals were far too narrow; the compute-optimal split moves across the intervals they report.
This module turns what a law file publishes into draws θ_s of the coefficients, s = 1..S, and
reports percentile intervals of

    N_opt(C; θ_s),  D_opt(C; θ_s),  D_opt/N_opt,  L(N_opt, D_opt; θ_s)

over the draws, for every budget C at once (one (S, 1) × (1, B) broadcast through the law's own
closed form). A plan fixed by something other than its budget (a model size N, a data budget D, or a
target loss ℓ: :func:`anchored_intervals`) is bounded the same way, its budget now drawn too:

    C_s = C(N; θ_s) with N_opt(C_s; θ_s) = N,   or   C_s = (K_s / (ℓ − E_s))^(1/γ_s)

(the families' closed-form inverses, :mod:`planner.planning.whatif`). Where the law publishes, in order of preference:

1. ``samples`` (with ``sample_names``): bootstrap refits, as a fitted law file carries them. Used as
   they are: the interval is the percentile bootstrap interval.
2. ``intervals`` at ``interval_level`` (besiroglu2024's 95% bootstrap intervals): each coefficient's
   marginal is a two-piece normal whose quantiles at the interval's ends match the published ends
   exactly (in log space for the positive scales A, B, N_c, D_c and an allocation rule's
   coefficient, whose intervals are skewed), joined by a Gaussian copula with the ``correlation``
   matrix (over ``correlation_names``) where the file gives one, else independently.
3. ``standard_errors`` only: a normal per coefficient (log-normal with σ_log = se/θ for the positive
   scales), again independent unless a correlation is given.

A law with none of these raises :class:`~planner.base.errors.NoUncertaintyError`; the caller says so
instead of printing a false interval. Draws use a fixed seed, so output is reproducible.

numpy is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import dataclasses
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from ..base.errors import NoUncertaintyError, NumericError, UnsupportedLawError
from ..base.records import Record, record
from ..base.units import Real, check_positive
from ..laws.questions import family_of
from . import whatif
from .plan import optimal_split

if TYPE_CHECKING:
    import numpy

__all__ = ["CoefficientSamples", "PlanIntervals", "coefficient_samples", "plan_intervals", "anchored_intervals",
           "has_uncertainty", "central_interval", "DEFAULT_SEED", "DEFAULT_DRAWS"]

#: Seed of the draws made from published intervals or standard errors: the same law, the same interval.
DEFAULT_SEED = 20240416  # arXiv:2404.10102 first posted 2024-04-16
#: Draws made from published intervals or standard errors (Besiroglu et al. used 4,000 bootstrap resamples).
DEFAULT_DRAWS = 4000


@record
class CoefficientSamples(Record):
    """Draws of a law's coefficients.

    names : coefficient names, columns of ``values``.
    values : array (S, len(names)).
    method : ``'bootstrap'``, ``'intervals'`` or ``'standard-errors'``: where the draws come from.
    note : one line saying how they were made and what they assume, for a footer.
    """

    names: tuple[str, ...]
    values: "numpy.ndarray"
    method: str
    note: str

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        return f"CoefficientSamples({len(self)} draws of {', '.join(self.names)}; {self.method})"


@record
class PlanIntervals(Record):
    """Central ``level``% intervals of a compute-optimal plan, one entry per budget (shape of ``flops``).

    ``*_lo`` and ``*_hi`` are the (100 − level)/2 and (100 + level)/2 percentiles over the
    coefficient draws; ``loss_lo``/``loss_hi`` are None where the law has no loss model. ``flops_lo``/``flops_hi``
    bound the budget of a plan fixed by N, D or a target loss (:func:`anchored_intervals`), whose fixed quantity
    has None bounds; a plan of a given budget has none.
    """

    level: float
    flops: Real
    n_params_lo: Real
    n_params_hi: Real
    n_tokens_lo: Real
    n_tokens_hi: Real
    tokens_per_param_lo: Real
    tokens_per_param_hi: Real
    loss_lo: Real | None = None
    loss_hi: Real | None = None
    n_samples: int = 0
    method: str = ""
    note: str = ""
    flops_lo: Real | None = None
    flops_hi: Real | None = None


def central_interval(values: Any, level: float, axis: int = 0) -> tuple[Any, Any]:
    """(low, high): the (100 − level)/2 and (100 + level)/2 percentiles of ``values`` along ``axis``.

    The one place planner turns draws into an interval (plan intervals here, bootstrap coefficient intervals in
    :mod:`planner.fitting.bootstrap`).
    """
    import numpy as np

    if not 0 < level < 100:
        raise ValueError(f"level must be a percentage between 0 and 100 (got {level!r})")
    lo, hi = np.percentile(values, (50.0 - level / 2.0, 50.0 + level / 2.0), axis=axis)
    return lo, hi


def has_uncertainty(law: Any) -> bool:
    """Whether ``law`` publishes anything :func:`coefficient_samples` can draw from."""
    unc = getattr(law, "uncertainty", None)
    return unc is not None and unc.publishes


def coefficient_samples(law: Any, n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> CoefficientSamples:
    """Draws of ``law``'s coefficients from its ``[uncertainty]`` table (module docstring, cases 1–3).

    Bootstrap ``samples`` are returned as stored; ``n_draws`` and ``seed`` apply to draws made from
    published intervals or standard errors. Raises NoUncertaintyError if the law publishes none. The table was
    validated when the law was read (:mod:`planner.files.lawfile`).
    """
    import numpy as np

    model = family_of(law)
    unc = getattr(law, "uncertainty", None)
    law_id = getattr(law, "id", type(model).__name__)
    if unc is None or not unc.publishes:
        raise NoUncertaintyError(
            f"law {law_id!r} publishes no uncertainty (no samples, intervals or standard_errors in its [uncertainty] "
            "table), so no interval can be given; use a law that does, e.g. 'besiroglu2024', or fit one with "
            "bootstrap")
    _check_overrides(law, unc)
    if unc.samples:
        values = np.asarray(unc.samples, dtype=float)
        return CoefficientSamples(unc.sample_names, values, "bootstrap",
                                  f"{len(values)} bootstrap refits stored in the law file; percentile intervals")
    rng = np.random.default_rng(seed)
    scales = model.scale_names
    if unc.intervals:
        names = tuple(unc.intervals)
        level = unc.interval_level
        z = _correlated_normals(rng, n_draws, names, unc)
        zq = normal_quantile(level)
        cols = []
        for j, name in enumerate(names):
            use_log = name in scales
            f = np.log if use_log else (lambda x: x)
            lo, hi = unc.intervals[name]
            c, l, h = f(getattr(model, name)), f(lo), f(hi)
            # Two-piece normal: σ below the estimate from the lower end, σ above from the upper end.
            x = c + np.where(z[:, j] < 0, (c - l) / zq, (h - c) / zq) * z[:, j]
            cols.append(np.exp(x) if use_log else x)
        note = (f"{n_draws} draws matching {law_id}'s published {level:g}% intervals per coefficient "
                f"(two-piece normal; scales in log space), {_correlation_note(unc)}; seed {seed}")
        return CoefficientSamples(names, np.column_stack(cols), "intervals", note)
    se = unc.standard_errors
    names = tuple(se)
    z = _correlated_normals(rng, n_draws, names, unc)
    cols = []
    for j, name in enumerate(names):
        c = getattr(model, name)
        cols.append(c * np.exp(se[name] / c * z[:, j]) if name in scales else c + se[name] * z[:, j])
    note = f"{n_draws} normal draws from {law_id}'s standard errors, {_correlation_note(unc)}; seed {seed}"
    return CoefficientSamples(names, np.column_stack(cols), "standard-errors", note)


def _check_overrides(law: Any, unc: Any) -> None:
    """Coefficients replaced with overrides (:meth:`~planner.laws.Law.with_coefficients`) must still be described by
    the law's uncertainty: not drawn from its bootstrap samples (which know nothing of the override), and inside the
    published interval the draws match. The errors name the override and the intervals as arguments (``set``,
    ``ci``), which the command line words as its flags."""
    overrides = dict(getattr(law, "overrides", {}) or {})
    name = getattr(law, "id", "the law")
    words = {"set": "the override", "ci": "the intervals"}
    for key, value in overrides.items():
        if unc.samples and key in unc.sample_names:
            raise UnsupportedLawError.worded(
                f"{{set}} {key} = {value:g} replaces a coefficient that {name}'s bootstrap samples draw, so its "
                f"intervals do not describe the law with the override; drop {{ci}} or {{set}} {key}", **words)
        if unc.intervals and key in unc.intervals:
            lo, hi = unc.intervals[key]
            if not lo <= value <= hi:
                raise UnsupportedLawError.worded(
                    f"{{set}} {key} = {value:g} is outside {name}'s published {unc.interval_level:g}% interval of "
                    f"{key} ({lo:g}–{hi:g}), so its uncertainty cannot bound plans with the override; choose {key} in "
                    f"that interval, or drop {{ci}} or {{set}} {key}", **words)


def _correlation_note(unc: Any) -> str:
    if unc.correlation:
        return "correlated as estimated by " + (unc.correlation_source or "the law file")
    return ("drawn independently (no covariance published; independent draws overstate the spread of N and D, "
            "whose coefficients move together)")


def normal_quantile(level: float) -> float:
    """Standard normal quantile Φ⁻¹(1/2 + level/200): the half-width of a central level% interval in σ."""
    return NormalDist().inv_cdf(0.5 + level / 200.0)


def _correlated_normals(rng: Any, n: int, names: tuple[str, ...], unc: Any) -> Any:
    """(n, len(names)) standard normals, correlated by the table's ``correlation`` over ``correlation_names``
    (validated at load: symmetric, unit diagonal, positive definite, over the drawn coefficients)."""
    import numpy as np

    z = rng.standard_normal((n, len(names)))
    if not unc.correlation:
        return z
    cnames = unc.correlation_names
    order = [cnames.index(n) for n in names]
    R = np.asarray(unc.correlation, dtype=float)[np.ix_(order, order)]
    return z @ np.linalg.cholesky(R).T


def plan_intervals(law: Any, flops: Real, level: float = 80.0, samples: CoefficientSamples | None = None) -> PlanIntervals:
    """Central ``level``% intervals of the compute-optimal plan of ``law`` at ``flops`` (float or array).

    Every draw θ_s goes through the law's own closed form at every budget in one broadcast:
    coefficients as (S, 1) columns, budgets as a (1, B) row. Draws whose plan is not finite are
    dropped. The point plan itself is :func:`planner.planning.plan.compute_optimal`; these are its bounds.
    """
    import numpy as np

    model = family_of(law)
    samples = samples if samples is not None else coefficient_samples(law)
    C = check_positive(flops, "flops")
    scalar = isinstance(C, (int, float))
    C_row = np.atleast_1d(np.asarray(C, dtype=float)).reshape(1, -1)
    coefs = {name: samples.values[:, j, None] for j, name in enumerate(samples.names)}
    drawn = dataclasses.replace(model, **coefs)  # a law whose coefficients are (S, 1) columns
    with np.errstate(all="ignore"):
        N, D, L = optimal_split(drawn, C_row)
        shape = (len(samples), C_row.shape[1])
        N, D = np.broadcast_to(N, shape), np.broadcast_to(D, shape)
    quantities: dict[str, Any] = {"n_params": N, "n_tokens": D, "tokens_per_param": D / N}
    if L is not None:
        quantities["loss"] = L
    ok = np.all([np.isfinite(q).all(axis=1) for q in _answered(model, quantities).values()], axis=0)
    if not ok.any():
        raise NumericError(f"no draw of {getattr(law, 'id', 'the law')}'s uncertainty ({samples.note}) gives a finite "
                           "plan at these budgets, so no interval can be given; check the law file's [uncertainty] "
                           "table")
    out = {}
    for key, values in quantities.items():
        lo, hi = central_interval(values[ok], level, axis=0)
        out[f"{key}_lo"], out[f"{key}_hi"] = (float(lo[0]), float(hi[0])) if scalar else (
            lo.reshape(np.shape(C)), hi.reshape(np.shape(C)))
    return PlanIntervals(level=float(level), flops=C, n_samples=int(ok.sum()), method=samples.method,
                         note=samples.note, **out)


def _answered(model: Any, quantities: dict[str, Any]) -> dict[str, Any]:
    """The quantities of a plan the law gives: all, or for a law that splits C into no N and D (its
    :attr:`~planner.laws.questions.Questions.splits`; they are not a number there) the budget and the loss alone.
    A draw is kept when these are finite."""
    if model.splits:
        return quantities
    return {k: v for k, v in quantities.items() if k in ("flops", "loss")}


def anchored_intervals(law: Any, level: float = 80.0, *, n_params: Any = None, n_tokens: Any = None,
                       target_loss: Any = None,
                       samples: CoefficientSamples | None = None) -> PlanIntervals:
    """Central ``level``% intervals of the compute-optimal plan fixed by a model size ``n_params``, a data budget
    ``n_tokens`` or a ``target_loss`` (one of them; floats or sequences), its budget C bounded too.

    Each draw θ_s fixes its own budget, C_s = C(N; θ_s) (the family's ``flops_for_params``), C(D; θ_s)
    (``flops_for_tokens``) or C_min(ℓ; θ_s) = (K_s/(ℓ − E_s))^(1/γ_s) (its ``least_compute``), then its own optimum at
    C_s. A draw whose E_s is at or above the target never reaches it: it is left out of that target's
    interval, and the note says how many were. ``flops`` is the point plan's budget (as :mod:`planner.planning.whatif` gives
    it), so report rows match.
    """
    import numpy as np

    (given, values), = [(k, v) for k, v in (("n_params", n_params), ("n_tokens", n_tokens),
                                             ("loss", target_loss)) if v is not None]
    point = {"n_params": whatif.optimal_for_params, "n_tokens": whatif.optimal_for_tokens,
             "loss": whatif.min_compute_for_loss}[given]
    scalar = isinstance(values, (int, float))
    V = [float(values)] if scalar else [float(v) for v in values]
    flops = [float(point(law, v).flops) for v in V]
    model = family_of(law)
    samples = samples if samples is not None else coefficient_samples(law)
    drawn = dataclasses.replace(model, **{name: samples.values[:, j, None] for j, name in enumerate(samples.names)})
    row = np.asarray(V, dtype=float).reshape(1, -1)
    with np.errstate(all="ignore"):
        if given == "n_params":
            C = drawn.flops_for_params(row)
        elif given == "n_tokens":
            C = drawn.flops_for_tokens(row)
        else:
            C = drawn.least_compute(row)
        shape = (len(samples), row.shape[1])
        C = np.broadcast_to(C, shape)
        N, D, L = optimal_split(drawn, C)
        N, D = np.broadcast_to(N, shape), np.broadcast_to(D, shape)
    quantities = {"flops": C, "n_params": N, "n_tokens": D, "tokens_per_param": D / N}
    if L is not None:
        quantities["loss"] = np.broadcast_to(L, shape)
    ok = np.all([np.isfinite(q) & (q > 0) for q in _answered(model, quantities).values()], axis=0)  # (S, B)
    out: dict[str, Any] = {}
    for key, q in quantities.items():
        if key == given:  # fixed: no interval
            out[f"{key}_lo"] = out[f"{key}_hi"] = None
            continue
        bounds = [central_interval(q[ok[:, j], j], level) if ok[:, j].any() else (np.nan, np.nan)
                  for j in range(shape[1])]
        lo, hi = (np.array([b[i] for b in bounds], dtype=float) for i in (0, 1))
        out[f"{key}_lo"], out[f"{key}_hi"] = (float(lo[0]), float(hi[0])) if scalar else (lo, hi)
    dropped = int((~ok).sum(axis=0).max())
    note = samples.note + (f"; {dropped} of {len(samples)} draws put E at or above the target, so never reach it, "
                           "and are left out (the interval is over the draws that do)" if dropped and given == "loss" else "")
    return PlanIntervals(level=float(level), flops=flops[0] if scalar else np.asarray(flops),
                         n_samples=int(ok.sum(axis=0).min()), method=samples.method, note=note, **out)
