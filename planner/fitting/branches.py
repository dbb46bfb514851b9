r"""Ladder points from warmup-stable-decay runs: one (N, D, loss) point at the end of each decay, for ``plan fit``.

A WSD run trains at a constant rate after its warm-up and decays only at the end (Hu et al. 2024, MiniCPM,
arXiv:2404.06395, §4.1), so its stable trunk can be shared: a *cooldown branch* leaves the trunk at D_fork, decays to
D, and its loss there is what a run trained to D from scratch with a final decay would reach (Hägele et al. 2024,
arXiv:2405.18392, §3: cooldowns from one constant-rate run match cosine runs of each length). A *stepped* run
(OLMo-core's WSDS ladder, PR 538) decays at each horizon and goes on from the decayed point at the peak again.
Either way one run per model size yields several points.

Read from a curves file (:class:`~planner.fitting.curve_forecast.RunCurve`, one per run trunk and per branch):

- a branch's point is its last checkpoint; it left the trunk at the trunk's last checkpoint before its own
  first one (none: at 0, counted as a run of its own), the decay starting there (it left no later, so its tokens
  are counted in full or more and the saving is never overstated);
- on a trunk whose learning rate is logged, a point is each checkpoint where a decay ends: the rate at most
  :data:`DECAYED` of its peak, higher at the next checkpoint or the run's last, and above :data:`DECAYED` of the peak
  at some checkpoint since the previous point (so a warm-up's low start is none). Without a logged rate, a trunk
  with no branches ends at its one point (a finished run), a trunk with branches at none (label its own final
  cooldown as a branch).

Tokens (:func:`planner.planning.ladder.ladder_from_rungs`): separate runs to each point train Σ D; the run trained
its trunk once and each branch's decay, D_trunk + Σ (D − D_fork). Each point's new tokens run from where the previous
point (in order along the trunk) left it to its own end; the trunk's tail past its last point is trained for none.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

from ..base.conventions import SAME_SIZE_RTOL
from ..base.errors import FitError
from ..base.records import Record, record
from ..planning.ladder import LadderPlan, Rung, ladder_from_rungs
from .curve_forecast import RunCurve

__all__ = ["LadderPoint", "LadderPoints", "ladder_points", "DECAYED"]

#: A checkpoint ends a decay where its rate is at most this fraction of the run's peak. WSD cooldowns decay to 0-10%
#: of the peak (MiniCPM §4.1 to 0.1x; Hägele et al. §3 to 0; OLMo-core's WSDS to 0), a stable phase sits at the peak:
#: half the peak tells them apart with room for a rate logged a step early or late.
DECAYED = 0.5
#: A rate at least this fraction of the peak is the stable phase (where a decay starts).
STABLE = 0.999


@record
class LadderPoint(Record):
    """One point: ``run`` and ``branch`` ("" on the trunk), N, the tokens D at the decay's end and the loss there,
    where the point's tokens leave the trunk (``fork_tokens``: a branch's fork, a trunk point's own end) and the
    learning rate at the end (nan where not logged)."""

    run: str
    branch: str
    n_params: float
    n_tokens: float
    loss: float
    fork_tokens: float
    learning_rate: float


@record
class LadderPoints(Record):
    """The points (run by run, along each trunk) and the ladder they make (:class:`~planner.planning.ladder.LadderPlan`:
    its rungs in the same order and the tokens trained and saved); warnings name what yielded no point."""

    points: tuple[LadderPoint, ...]
    ladder: LadderPlan
    warnings: tuple[str, ...] = ()


def _decay_ends(curve: RunCurve, peak: float) -> list[int]:
    """Indices of ``curve``'s checkpoints where a decay ends (module docstring)."""
    rates = curve.rates
    assert rates is not None
    ends, high = [], False
    for i, eta in enumerate(rates):
        if eta > DECAYED * peak:
            high = True
            continue
        last = i == len(rates) - 1
        if high and (last or rates[i + 1] > eta):
            ends.append(i)
            high = False
    return ends


def _decay_start(curve: RunCurve, end: int, after: float, peak: float) -> float:
    """The last checkpoint before ``end`` past ``after`` still at the peak rate (else ``after``)."""
    if curve.rates is None:
        return after
    stable = [float(t) for t, eta in zip(curve.tokens[:end], curve.rates[:end]) if t > after and eta >= STABLE * peak]
    return stable[-1] if stable else after


def _run_points(trunk: RunCurve | None, branches: Sequence[RunCurve], warnings: list[str]):
    """(the points of one run in order along its trunk, the trunk's last tokens)."""
    run = (trunk or branches[0]).run
    logged = [float(c.rates.max()) for c in ([trunk] if trunk else []) + list(branches) if c.rates is not None]
    peak = max(logged) if logged else math.nan
    found: list[LadderPoint] = []
    if trunk is not None:
        if trunk.rates is not None:
            ends = _decay_ends(trunk, peak)
            if not ends and not branches:
                warnings.append(f"run {run}: its learning rate never decays (at most {DECAYED:g}x its peak "
                                f"{peak:.3g}), so it ends at no point")
        else:
            ends = [] if branches else [len(trunk.tokens) - 1]
        for i in ends:
            D = float(trunk.tokens[i])
            eta = float(trunk.rates[i]) if trunk.rates is not None else math.nan
            found.append(LadderPoint(run, "", trunk.n_params, D, float(trunk.loss[i]), D, eta))
    for b in branches:
        if trunk is not None and abs(b.n_params / trunk.n_params - 1) > SAME_SIZE_RTOL:
            raise FitError(f"run {run}: branch {b.branch} has N = {b.n_params:.4g}, its trunk {trunk.n_params:.4g}; "
                           f"a branch continues its run: give it the trunk's n_params")
        eta = float(b.rates[-1]) if b.rates is not None else math.nan
        if eta > DECAYED * peak:
            warnings.append(f"run {run}: branch {b.branch} ends at a learning rate {eta / peak:.2f}x its peak, not "
                            f"decayed (at most {DECAYED:g}x); it gives no point")
            continue
        before = [float(t) for t in trunk.tokens if t < b.tokens[0]] if trunk is not None else []
        fork = before[-1] if before else 0.0
        found.append(LadderPoint(run, b.branch, b.n_params, float(b.tokens[-1]), float(b.loss[-1]), fork, eta))
    found.sort(key=lambda p: (p.fork_tokens, p.n_tokens))
    return found, (trunk.end if trunk is not None else 0.0)


def ladder_points(curves: Sequence[RunCurve]) -> LadderPoints:
    """One point per decay end of every run in ``curves`` (trunks and their branches, see the module docstring),
    with the tokens trained against separate runs to each point."""
    import numpy as np

    by_run: dict[str, list[RunCurve]] = {}
    for c in curves:
        by_run.setdefault(c.run, []).append(c)
    warnings: list[str] = []
    points: list[LadderPoint] = []
    rungs: list[Rung] = []
    tail = 0.0
    fractions = []
    runs_of_size: list[tuple[float, int]] = []        # (N, runs of that size so far)
    for run, group in by_run.items():
        trunks = [c for c in group if not c.branch]
        trunk = trunks[0] if trunks else None
        found, trunk_end = _run_points(trunk, [c for c in group if c.branch], warnings)
        n = group[0].n_params
        k = next((i for i, (N, _) in enumerate(runs_of_size) if abs(n / N - 1) <= SAME_SIZE_RTOL), None)
        if k is None:
            runs_of_size.append((n, 0))
            k = len(runs_of_size) - 1
        runs_of_size[k] = (runs_of_size[k][0], runs_of_size[k][1] + 1)
        left = 0.0
        for p in found:
            decay = p.fork_tokens if p.branch else _decay_start(trunk, int(np.searchsorted(trunk.tokens, p.n_tokens)), left,
                                                       float(trunk.rates.max()) if trunk.rates is not None else 0.0) \
                if trunk is not None else left
            rungs.append(Rung(n_params=p.n_params, multiple=math.nan, horizon_tokens=math.nan, n_tokens=p.n_tokens,
                              run=runs_of_size[k][1], period_start=left, decay_start=decay, period_end=p.n_tokens,
                              new_tokens=p.n_tokens - left))
            # the cooldown's share: of the run a branch stands for (Hägele et al.), of its period on a stepped trunk
            begin = 0.0 if p.branch else left
            if p.n_tokens > begin:
                fractions.append((p.n_tokens - decay) / (p.n_tokens - begin))
            points.append(p)
            left = p.fork_tokens
        tail += max(trunk_end - left, 0.0)
    if not points:
        raise FitError("no decay ends in the curves: give a branch column naming each cooldown branch, or a "
                       "learning_rate column where the rate decays" + (f" ({'; '.join(warnings)})" if warnings else ""))
    rungs = _with_horizons(rungs)
    ladder = ladder_from_rungs("branches", rungs, float(np.mean(fractions)) if fractions else math.nan, tail)
    return LadderPoints(points=tuple(points), ladder=ladder, warnings=tuple(warnings))


def _with_horizons(rungs: list[Rung]) -> list[Rung]:
    """Each rung's D₁, the smallest D among the points of its size, and its multiple D/D₁ (as ``plan design``)."""
    out = []
    for r in rungs:
        same = [q.n_tokens for q in rungs if abs(q.n_params / r.n_params - 1) <= SAME_SIZE_RTOL]
        D1 = min(same)
        out.append(dataclasses.replace(r, horizon_tokens=D1, multiple=r.n_tokens / D1))
    return out
