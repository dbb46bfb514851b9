"""Intervals on plans: coefficient samples from a law's ``[uncertainty]`` table, pushed through the plan.

A coefficient set is an estimate. Besiroglu et al. 2024 (arXiv:2404.10102) showed that Chinchilla's
intervals were far too narrow; the compute-optimal split moves across the intervals they report.
This module turns what a law file publishes into draws θ_s of the coefficients, s = 1..S, and
reports percentile intervals of

    N_opt(C; θ_s),  D_opt(C; θ_s),  D_opt/N_opt,  L(N_opt, D_opt; θ_s)

over the draws, for every budget C at once (one (S, 1) × (1, B) broadcast through the law's own
closed form). Where the law publishes, in order of preference:

1. ``samples`` (with ``sample_names``): bootstrap refits, as a fitted law file carries them. Used as
   they are: the interval is the percentile bootstrap interval.
2. ``intervals`` at ``interval_level`` (besiroglu2024's 95% bootstrap intervals): each coefficient's
   marginal is a two-piece normal whose quantiles at the interval's ends match the published ends
   exactly (in log space for the positive scales A, B, N_c, D_c and an allocation rule's
   coefficient, whose intervals are skewed), joined by a Gaussian copula with the ``correlation``
   matrix (over ``correlation_names``) where the file gives one, else independently.
3. ``standard_errors`` only: a normal per coefficient (log-normal with σ_log = se/θ for the positive
   scales), again independent unless a correlation is given.

A law with none of these raises :class:`~planner.errors.NoUncertaintyError`; the caller says so
instead of printing a false interval. Draws use a fixed seed, so output is reproducible.

numpy is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .errors import NoUncertaintyError, PresetError

__all__ = ["CoefficientSamples", "PlanIntervals", "coefficient_samples", "plan_intervals", "has_uncertainty",
           "DEFAULT_SEED", "DEFAULT_DRAWS"]

#: Seed of the draws made from published intervals or standard errors: the same law, the same interval.
DEFAULT_SEED = 20240416  # arXiv:2404.10102 first posted 2024-04-16
#: Draws made from published intervals or standard errors (Besiroglu et al. used 4,000 bootstrap resamples).
DEFAULT_DRAWS = 4000

#: Coefficients that are positive scales with skewed intervals: drawn in log space.
_LOG_SCALE = frozenset({"A", "B", "N_c", "D_c", "coefficient"})


@dataclass(frozen=True)
class CoefficientSamples:
    """Draws of a law's coefficients.

    names : coefficient names, columns of ``values``.
    values : array (S, len(names)).
    method : ``'bootstrap'``, ``'intervals'`` or ``'standard-errors'``: where the draws come from.
    note : one line saying how they were made and what they assume, for a footer.
    """

    names: tuple[str, ...]
    values: Any
    method: str
    note: str

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class PlanIntervals:
    """Central ``level``% intervals of a compute-optimal plan, one entry per budget (shape of ``flops``).

    ``*_lo`` and ``*_hi`` are the (100 − level)/2 and (100 + level)/2 percentiles over the
    coefficient draws; ``loss_lo``/``loss_hi`` are None where the law has no loss model.
    """

    level: float
    flops: Any
    n_params_lo: Any
    n_params_hi: Any
    n_tokens_lo: Any
    n_tokens_hi: Any
    tokens_per_param_lo: Any
    tokens_per_param_hi: Any
    loss_lo: Any = None
    loss_hi: Any = None
    n_samples: int = 0
    method: str = ""
    note: str = ""


def has_uncertainty(law) -> bool:
    """Whether ``law`` publishes anything :func:`coefficient_samples` can draw from."""
    unc = _table(law)
    return any(k in unc for k in ("samples", "intervals", "standard_errors"))


def _table(law) -> dict:
    extra = getattr(law, "extra", None) or {}
    return dict(extra.get("uncertainty", {}) or {})


def _where(law) -> str:
    return f"[uncertainty] of {getattr(law, 'source', '') or getattr(law, 'id', 'the law')}"


def coefficient_samples(law, n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> CoefficientSamples:
    """Draws of ``law``'s coefficients from its ``[uncertainty]`` table (module docstring, cases 1–3).

    Bootstrap ``samples`` are returned as stored; ``n_draws`` and ``seed`` apply to draws made from
    published intervals or standard errors. Raises NoUncertaintyError if the law publishes none,
    PresetError if the table is malformed.
    """
    import numpy as np

    model = getattr(law, "model", law)
    unc = _table(law)
    where = _where(law)
    law_id = getattr(law, "id", type(model).__name__)
    if "samples" in unc:
        names = tuple(unc.get("sample_names", model.coefficient_names))
        _check_names(names, model, "sample_names", where)
        try:
            values = np.asarray(unc["samples"], dtype=float)
        except (TypeError, ValueError):
            raise PresetError(f"'samples' must be a list of rows of numbers in {where}") from None
        if values.ndim != 2 or values.shape[1] != len(names) or len(values) < 2:
            raise PresetError(f"'samples' must be at least 2 rows of {len(names)} numbers ({', '.join(names)}) "
                              f"(got shape {values.shape}) in {where}")
        if not np.isfinite(values).all():
            raise PresetError(f"'samples' must be finite numbers in {where}")
        return CoefficientSamples(names, values, "bootstrap",
                                  f"{len(values)} bootstrap refits stored in the law file; percentile intervals")
    rng = np.random.default_rng(seed)
    if "intervals" in unc:
        names, lo, hi, centre = _published_intervals(model, unc, where)
        level = _level(unc.get("interval_level", 95), where)
        z = _correlated_normals(rng, n_draws, names, unc, where)
        zq = _z(level)
        cols = []
        for j, name in enumerate(names):
            use_log = name in _LOG_SCALE
            f = np.log if use_log else (lambda x: x)
            c, l, h = f(centre[j]), f(lo[j]), f(hi[j])
            # Two-piece normal: σ below the estimate from the lower end, σ above from the upper end.
            x = c + np.where(z[:, j] < 0, (c - l) / zq, (h - c) / zq) * z[:, j]
            cols.append(np.exp(x) if use_log else x)
        note = (f"{n_draws} draws matching {law_id}'s published {level:g}% intervals per coefficient "
                f"(two-piece normal; scales in log space), {_correlation_note(unc)}; seed {seed}")
        return CoefficientSamples(names, np.column_stack(cols), "intervals", note)
    if "standard_errors" in unc:
        se = _number_table(unc["standard_errors"], model, "standard_errors", where)
        names = tuple(se)
        z = _correlated_normals(rng, n_draws, names, unc, where)
        cols = []
        for j, name in enumerate(names):
            c = getattr(model, name)
            if se[name] < 0:
                raise PresetError(f"standard error of {name!r} must be >= 0 (got {se[name]:g}) in {where}")
            cols.append(c * np.exp(se[name] / c * z[:, j]) if name in _LOG_SCALE else c + se[name] * z[:, j])
        note = f"{n_draws} normal draws from {law_id}'s standard errors, {_correlation_note(unc)}; seed {seed}"
        return CoefficientSamples(names, np.column_stack(cols), "standard-errors", note)
    raise NoUncertaintyError(
        f"law {law_id!r} publishes no uncertainty (no samples, intervals or standard_errors in its [uncertainty] "
        "table), so no interval can be given; use a law that does, e.g. 'besiroglu2024', or fit one with bootstrap")


def _correlation_note(unc) -> str:
    if "correlation" in unc:
        return "correlated as estimated by " + str(unc.get("correlation_source", "the law file"))
    return ("drawn independently (no covariance published; independent draws overstate the spread of N and D, "
            "whose coefficients move together)")


def _check_names(names, model, key, where):
    allowed = model.coefficient_names
    bad = [n for n in names if n not in allowed]
    if bad or len(set(names)) != len(names) or not names:
        raise PresetError(f"{key!r} must name distinct coefficients of this law ({', '.join(allowed)}); "
                          f"got {list(names)!r} in {where}")


def _number_table(table, model, key, where) -> dict[str, float]:
    if not isinstance(table, dict):
        raise PresetError(f"{key!r} must be a table like {{ alpha = 0.02 }} in {where}")
    _check_names(tuple(table), model, key, where)
    out = {}
    for name, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PresetError(f"{key}.{name} must be a number (got {value!r}) in {where}")
        out[name] = float(value)
    return out


def _published_intervals(model, unc, where):
    table = unc["intervals"]
    if not isinstance(table, dict):
        raise PresetError(f"'intervals' must be a table like {{ alpha = [0.317, 0.373] }} in {where}")
    names = tuple(table)
    _check_names(names, model, "intervals", where)
    lo, hi, centre = [], [], []
    for name in names:
        pair = table[name]
        c = getattr(model, name)
        ok = isinstance(pair, list) and len(pair) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
        if not ok or not pair[0] <= c <= pair[1] or (name in _LOG_SCALE and pair[0] <= 0):
            raise PresetError(f"interval of {name!r} must be [low, high] around its estimate {c:g} "
                              f"(got {pair!r}) in {where}")
        lo.append(float(pair[0]))
        hi.append(float(pair[1]))
        centre.append(c)
    return names, lo, hi, centre


def _level(value, where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 100:
        raise PresetError(f"'interval_level' must be a percentage between 0 and 100 (got {value!r}) in {where}")
    return float(value)


def _z(level: float) -> float:
    """Standard normal quantile Φ⁻¹(1/2 + level/200): the half-width of a central level% interval in σ."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 200.0)


def _correlated_normals(rng, n, names, unc, where):
    """(n, len(names)) standard normals, correlated by the table's ``correlation`` over ``correlation_names``."""
    import numpy as np

    z = rng.standard_normal((n, len(names)))
    if "correlation" not in unc:
        return z
    cnames = tuple(unc.get("correlation_names", ()))
    try:
        R = np.asarray(unc["correlation"], dtype=float)
    except (TypeError, ValueError):
        R = np.zeros((0, 0))
    if set(cnames) != set(names) or R.shape != (len(cnames), len(cnames)):
        raise PresetError(f"'correlation' must be a {len(names)}×{len(names)} matrix over 'correlation_names' "
                          f"naming {', '.join(names)} in {where}")
    order = [cnames.index(n) for n in names]
    R = R[np.ix_(order, order)]
    if not (np.allclose(R, R.T) and np.allclose(np.diag(R), 1.0)):
        raise PresetError(f"'correlation' must be symmetric with ones on the diagonal in {where}")
    try:
        L = np.linalg.cholesky(R)
    except np.linalg.LinAlgError:
        raise PresetError(f"'correlation' must be positive definite in {where}") from None
    return z @ L.T


def plan_intervals(law, flops, level: float = 80.0, samples: CoefficientSamples | None = None) -> PlanIntervals:
    """Central ``level``% intervals of the compute-optimal plan of ``law`` at ``flops`` (float or array).

    Every draw θ_s goes through the law's own closed form at every budget in one broadcast:
    coefficients as (S, 1) columns, budgets as a (1, B) row. Draws whose plan is not finite are
    dropped. The point plan itself is :func:`planner.plan.compute_optimal`; these are its bounds.
    """
    import numpy as np

    from .plan import optimal_split
    from .units import check_positive

    if not 0 < level < 100:
        raise ValueError(f"level must be a percentage between 0 and 100 (got {level!r})")
    model = getattr(law, "model", law)
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
    quantities = {"n_params": N, "n_tokens": D, "tokens_per_param": D / N}
    if L is not None:
        quantities["loss"] = L
    ok = np.all([np.isfinite(q).all(axis=1) for q in quantities.values()], axis=0)
    q = (50.0 - level / 2.0, 50.0 + level / 2.0)
    out = {}
    for key, values in quantities.items():
        lo, hi = np.percentile(values[ok], q, axis=0)
        out[f"{key}_lo"], out[f"{key}_hi"] = (float(lo[0]), float(hi[0])) if scalar else (
            lo.reshape(np.shape(C)), hi.reshape(np.shape(C)))
    return PlanIntervals(level=float(level), flops=C, n_samples=int(ok.sum()), method=samples.method,
                         note=samples.note, **out)
