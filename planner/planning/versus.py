"""Two recipes compared as a compute multiplier: how much compute the base needs to match the variant.

Both laws are read on their own compute-optimal frontier L_opt(C) (for a parametric law the loss of the
compute-optimal split at C, Hoffmann et al. 2022 Eq. 4; for a frontier or envelope law the curve itself). At a
budget C the variant's loss is ℓ_v = L_opt^var(C); the effective compute multiplier is the compute the base needs to
reach ℓ_v, over C::

    k(C) = C_min^base(L_opt^var(C)) / C

(k > 1: the variant is worth k times its compute in base compute; k < 1: the base is better; k = ∞ where the variant
reaches a loss at or below the base's irreducible loss). C_min is the base law's family's own "least compute for a
loss" (:meth:`~planner.laws.questions.LossQuestions.log_least_compute`, which
:func:`planner.planning.whatif.min_compute_for_loss` asks too), not a copy of it; an envelope answers it, needing no
split of C into N and D. Where both laws are envelopes of the same
exponent α the multiplier is the constant k = ((L_b − E)/(L_v − E))^(1/α) of marin's promotion protocol
(marin-community/marin, ``experiments/grug/moe/agent.md``).

A variant that measures faster or slower in tokens per second turns k into a wall-clock speedup (marin's "effective
speedup")::

    speedup(C) = k(C) · tps_var / tps_base

The crossover is a budget where the two frontiers meet, L_opt^base(C×) = L_opt^var(C×) (k(C×) = 1): where the
variant starts or stops winning. It is searched on a log grid over the range asked for and refined by bisection on
log C.

The intervals (:func:`versus_intervals`) pair draws of the two laws' coefficients, θ_b,s and θ_v,s, each law's own
(for a fitted law its bootstrap refits, resampling that ladder's runs alone, so the two are independent), push each
pair through the same formulas, and take percentiles. An interval on k that contains 1 means no detectable
difference at that budget. The refits of one joint fit (two ladders sharing coefficients, each resample refitted
jointly) are not independent: they are paired row by row, which :func:`drawn_jointly` recognises in the draws.

numpy is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, Sequence

from ..base.errors import QuantityError, UnreachableLossError
from ..base.records import Record, record
from ..base.units import check_positive
from ..laws.questions import asking, family_of
from . import whatif
from .uncertainty import central_interval

if TYPE_CHECKING:
    import numpy

__all__ = ["Versus", "Crossover", "VersusIntervals", "versus", "compute_multiplier", "crossovers", "speedup",
           "versus_intervals", "drawn_jointly", "CROSSOVER_GRID"]

#: Log-spaced points on which :func:`crossovers` looks for a sign change before it bisects.
CROSSOVER_GRID = 257
#: Bisection steps on log C (a bracket of ln 1e300 ≈ 690 halves to below 1e-12 in 60 steps).
_BISECTIONS = 60
#: Seed of the fixed shuffle that pairs the variant's draws with the base's (:func:`versus_intervals`).
_PAIRING_SEED = 23
#: Stands for ∞ while percentiles are taken (numpy's interpolation between two infinities is not a number).
_HUGE = 1e300


@record
class Crossover(Record):
    """A budget where the two frontiers meet: ``flops`` = C× with L_opt^base(C×) = L_opt^var(C×).

    variant_wins_below : True if the variant has the lower loss just below C× (it stops winning there), False if
        it starts winning there.
    """

    flops: float
    variant_wins_below: bool


@record
class Versus(Record):
    """The comparison at each budget (arrays of the shape of ``flops``).

    base_loss, variant_loss : L_opt(C) of each law, nats/token, on each law's compute-optimal frontier.
    compute_multiplier : k(C) = C_min^base(variant_loss)/C (∞ where the base never reaches it).
    speedup : k(C)·tps_var/tps_base, or None without throughputs.
    crossovers : the budgets in ``search_range`` where the frontiers meet, in increasing C.
    search_range : (low, high) FLOPs searched for crossovers.
    """

    flops: "numpy.ndarray"
    base_loss: "numpy.ndarray"
    variant_loss: "numpy.ndarray"
    compute_multiplier: "numpy.ndarray"
    speedup: "numpy.ndarray | None"
    crossovers: tuple[Crossover, ...]
    search_range: tuple[float, float]


@record
class VersusIntervals(Record):
    """Central ``level``% percentile intervals over paired coefficient draws (arrays of the shape of ``flops``).

    ``<quantity>_low``/``_high`` for base_loss, variant_loss, compute_multiplier and (with throughputs) speedup.
    crossover_low, crossover_high : percentiles of the first crossover over the draws that have one in range (None
        if fewer than half do); ``crossover_share`` is the share of draws with a crossover in range.
    n_draws : the pairs used; ``note`` says where the draws come from.
    """

    level: float
    base_loss_low: "numpy.ndarray"
    base_loss_high: "numpy.ndarray"
    variant_loss_low: "numpy.ndarray"
    variant_loss_high: "numpy.ndarray"
    compute_multiplier_low: "numpy.ndarray"
    compute_multiplier_high: "numpy.ndarray"
    speedup_low: "numpy.ndarray | None"
    speedup_high: "numpy.ndarray | None"
    crossover_low: float | None
    crossover_high: float | None
    crossover_share: float
    n_draws: int
    note: str


def _base_compute(base: Any, losses: Any) -> "numpy.ndarray":
    """C_min^base(ℓ) for each ℓ of ``losses`` (array), ∞ where ℓ is at or below what the base can reach (or needs
    more than 1e308 FLOPs), 0 where ℓ is so far above the base's losses that it needs less than 1e-300 FLOPs.

    The base law's own least compute for a loss (:meth:`~planner.laws.questions.LossQuestions.log_least_compute`,
    what :func:`planner.planning.whatif.min_compute_for_loss` asks too), asked once of every target.
    """
    import numpy as np

    ell = np.atleast_1d(np.asarray(losses, dtype=float))
    with asking(base, "target_loss"):
        log_c = np.atleast_1d(np.asarray(family_of(base).log_least_compute(ell), dtype=float))
    with np.errstate(over="ignore", invalid="ignore"):
        C = np.exp(np.clip(log_c, whatif.LOG_MIN, whatif.LOG_MAX))
        C = np.where(log_c > whatif.LOG_MAX, math.inf, np.where(log_c < whatif.LOG_MIN, 0.0, C))
    # nan: ℓ at or below the base's irreducible loss (never reached), unless ℓ itself is not a number.
    return np.where(np.isnan(log_c), np.where(np.isnan(ell), math.nan, math.inf), C)


def compute_multiplier(base: Any, variant: Any, flops: Any) -> "numpy.ndarray":
    """k(C) = C_min^base(L_opt^var(C)) / C at each budget of ``flops`` (FLOPs): see the module docstring."""
    import numpy as np

    C = np.atleast_1d(np.asarray(check_positive(flops, "flops"), dtype=float))
    k: numpy.ndarray = _base_compute(base, np.atleast_1d(whatif.optimal_loss(variant, C))) / C
    return k


def speedup(multiplier: Any, base_tokens_per_second: float, variant_tokens_per_second: float) -> Any:
    """The wall-clock speedup k·tps_var/tps_base (marin's effective speedup): the time the base needs to reach the
    variant's loss over the time the variant takes."""
    check_positive(base_tokens_per_second, "base tokens per second")
    check_positive(variant_tokens_per_second, "variant tokens per second")
    return multiplier * (variant_tokens_per_second / base_tokens_per_second)


def crossovers(base: Any, variant: Any, low: float, high: float, grid: int = CROSSOVER_GRID) -> tuple[Crossover, ...]:
    """The budgets C× in [``low``, ``high``] FLOPs with L_opt^base(C×) = L_opt^var(C×).

    g(C) = L_opt^base(C) − L_opt^var(C) is evaluated on ``grid`` log-spaced budgets; each sign change is refined
    by bisection on log C. A single budget (low = high) has no crossover.
    """
    import numpy as np

    low, high = float(check_positive(low, "low")), float(check_positive(high, "high"))
    if not low < high:
        return ()
    C = np.geomspace(low, high, grid)

    def gap(c: Any) -> "numpy.ndarray":
        g: numpy.ndarray = np.asarray(whatif.optimal_loss(base, c), dtype=float) - \
            np.asarray(whatif.optimal_loss(variant, c), dtype=float)
        return g

    g = gap(C)
    s = np.sign(g)
    out = []
    for i in np.flatnonzero(s[:-1] * s[1:] < 0):
        a, b = math.log(C[i]), math.log(C[i + 1])
        ga = g[i]
        for _ in range(_BISECTIONS):
            m = 0.5 * (a + b)
            gm = float(gap(math.exp(m)))
            if gm == 0.0:
                a = b = m
                break
            if (gm > 0) == (ga > 0):
                a, ga = m, gm
            else:
                b = m
        # Below C× the variant wins where the base's loss is the higher one (g > 0).
        out.append(Crossover(math.exp(0.5 * (a + b)), bool(g[i] > 0)))
    for i in np.flatnonzero(s == 0):  # a grid point exactly on a crossing
        if 0 < i < len(C) - 1 and s[i - 1] * s[i + 1] < 0:
            out.append(Crossover(float(C[i]), bool(g[i - 1] > 0)))
    return tuple(sorted(out, key=lambda x: x.flops))


def versus(base: Any, variant: Any, flops: "Sequence[float] | numpy.ndarray",
           throughput: tuple[float, float] | None = None,
           search_range: tuple[float, float] | None = None) -> Versus:
    """Both frontiers, k(C) and (with ``throughput`` = (tps_base, tps_var)) the speedup at each budget, and the
    crossovers over ``search_range`` (default: the budgets' own range)."""
    import numpy as np

    C = np.atleast_1d(np.asarray(check_positive(np.asarray(flops, dtype=float), "flops"), dtype=float))
    base_loss = np.atleast_1d(np.asarray(whatif.optimal_loss(base, C), dtype=float))
    variant_loss = np.atleast_1d(np.asarray(whatif.optimal_loss(variant, C), dtype=float))
    k = _base_compute(base, variant_loss) / C
    s = speedup(k, *throughput) if throughput is not None else None
    lo, hi = search_range if search_range is not None else (float(C.min()), float(C.max()))
    return Versus(C, base_loss, variant_loss, k, s, crossovers(base, variant, lo, hi), (lo, hi))


def _drawn_laws(law: Any, samples: Any, n: int) -> list[Any]:
    """The first ``n`` draws of ``law``: its family with each draw's coefficients (scalars); ``law`` itself n times
    where ``samples`` is None (held at its estimate)."""
    model = family_of(law)
    if samples is None:
        return [model] * n
    return [dataclasses.replace(model, **{name: float(v) for name, v in zip(samples.names, row)})
            for row in samples.values[:n]]


def drawn_jointly(base_samples: Any, variant_samples: Any) -> tuple[str, ...]:
    """The coefficients drawn identically, row for row, in both sets of draws, and not constant: the shared
    coefficients of one joint fit's bootstrap (:mod:`planner.fitting.joint_bootstrap`, written as one law file per
    ladder), whose draw s of each ladder is one refit and must be paired with the other's draw s. Empty for draws
    made apart (two bootstraps never draw a varying coefficient to the same floats row after row), for the same
    draws twice (one law's, which the intervals treat as two independent bootstraps of it), for draws of different
    counts, and where either law is held at its estimate (None)."""
    import numpy as np

    if base_samples is None or variant_samples is None or len(base_samples) != len(variant_samples) \
            or len(base_samples) < 2:
        return ()
    b, v = dict(zip(base_samples.names, base_samples.values.T)), dict(zip(variant_samples.names,
                                                                          variant_samples.values.T))
    same = tuple(name for name in b if name in v and np.array_equal(b[name], v[name]) and np.ptp(b[name]) > 0)
    differ = any(name in v and not np.array_equal(b[name], v[name]) for name in b)
    return same if differ else ()


def versus_intervals(base: Any, variant: Any, flops: "Sequence[float] | numpy.ndarray", level: float,
                     base_samples: Any, variant_samples: Any,
                     throughput: tuple[float, float] | None = None,
                     search_range: tuple[float, float] | None = None, paired: bool | None = None) -> VersusIntervals:
    """Central ``level``% percentile intervals of the comparison over paired draws of both laws' coefficients.

    ``base_samples``, ``variant_samples`` : :class:`~planner.planning.uncertainty.CoefficientSamples` of each law,
    drawn independently (a fitted law's bootstrap refits of its own runs), or None for a law held at its estimate
    (not both). Draw s of the base is paired with draw π(s) of the variant, π a fixed seeded shuffle (so two
    bootstraps that resampled the same rows, same seed and size, are not paired row by row); the shorter set sets
    the count. ``paired``: draw s of both is one refit of a joint fit (:mod:`planner.fitting.joint_bootstrap`,
    shared coefficients in common), so they are paired row by row, unshuffled; None (the default) pairs them so
    where :func:`drawn_jointly` recognises such draws (the two law files one joint fit wrote). A pair whose frontier
    is not finite at a budget is left out there.
    """
    import numpy as np

    if paired is None:
        paired = bool(drawn_jointly(base_samples, variant_samples))

    C = np.atleast_1d(np.asarray(flops, dtype=float))
    if base_samples is None and variant_samples is None:
        raise ValueError("intervals need draws of at least one of the two laws")
    n = min(len(s) for s in (base_samples, variant_samples) if s is not None)
    lo, hi = search_range if search_range is not None else (float(C.min()), float(C.max()))
    rows: list[numpy.ndarray] = []
    first: list[float] = []
    with np.errstate(all="ignore"):
        # The variant's draws in a fixed shuffled order: two bootstraps made with the same seed on ladders of the
        # same size resample the same rows, and pairing them row by row would correlate the two fits' errors.
        shuffled = _drawn_laws(variant, variant_samples, n)
        if not paired:
            shuffled = [shuffled[i] for i in np.random.default_rng(_PAIRING_SEED).permutation(n)]
        for b, v in zip(_drawn_laws(base, base_samples, n), shuffled):
            try:
                d = versus(b, v, C, throughput, (lo, hi))
            except (QuantityError, UnreachableLossError, ValueError, FloatingPointError):
                continue
            rows.append(np.stack([d.base_loss, d.variant_loss, d.compute_multiplier]))
            first.append(d.crossovers[0].flops if d.crossovers else math.nan)
    if not rows:
        raise QuantityError("no pair of coefficient draws gives a finite comparison, so no interval can be given")
    R = np.stack(rows)                                   # (S, 3, B)
    out: dict[str, Any] = {}
    for j, key in enumerate(("base_loss", "variant_loss", "compute_multiplier")):
        q = np.minimum(R[:, j, :], _HUGE)                # ∞ (never reached) kept as a value beyond every finite one
        bounds = [central_interval(q[~np.isnan(q[:, i]), i], level) for i in range(len(C))]
        for end, name in enumerate(("low", "high")):
            x = np.array([b[end] for b in bounds])
            out[f"{key}_{name}"] = np.where(x >= _HUGE, math.inf, x)
    if throughput is not None:
        out["speedup_low"] = speedup(out["compute_multiplier_low"], *throughput)
        out["speedup_high"] = speedup(out["compute_multiplier_high"], *throughput)
    else:
        out["speedup_low"] = out["speedup_high"] = None
    firsts = np.asarray(first)
    share = float(np.isfinite(firsts).mean())
    cx = (central_interval(firsts[np.isfinite(firsts)], level) if share >= 0.5 else (None, None))
    said = [f"{s.note} ({role})" if s is not None else f"the {role} held at its estimate (it publishes no uncertainty)"
            for s, role in ((base_samples, "base"), (variant_samples, "variant"))]
    how = " (row by row: one joint fit's refits, shared coefficients in common)" if paired else ""
    note = f"{len(rows)} paired draws{how}: {'; '.join(said)}; percentile intervals"
    return VersusIntervals(level=float(level), crossover_low=None if cx[0] is None else float(cx[0]),
                           crossover_high=None if cx[1] is None else float(cx[1]), crossover_share=share,
                           n_draws=len(rows), note=note, **out)
