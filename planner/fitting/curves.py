r"""Hoffmann et al.'s Approach 1 (arXiv:2203.15556, §3.1): the envelope of training curves.

Input: training curves, one row per checkpoint: the run it belongs to, the run's parameter count N, the tokens seen so
far D and the loss L there (and the compute so far C, else C = k·N·D). Then, as the paper does:

1. each run's curve is interpolated (linearly in log C, log L; planner does not smooth it) to "a continuous mapping
   from FLOP count to training loss";
2. "at 1500 logarithmically spaced FLOP values" (:data:`CURVES_GRID_POINTS`) over the compute that at least two model
   sizes cover, the run of lowest loss is the envelope: its N is N_opt(C) and its tokens there D_opt(C);
3. power laws N_opt = G·C^a and D_opt ∝ C^b are fitted by least squares over the envelope's points.

An envelope point won by the smallest or the largest size that covers that C is censored (the optimum may lie beyond
the sizes trained) and left out of step 3, as an isoFLOP minimum at the edge of a sweep is in Approach 2. The grid's
points are not independent draws, so the least-squares errors are not reported as uncertainty:
:func:`bootstrap_curves` resamples the runs instead.

The caveat is the paper's own: a checkpoint before the end of a run whose learning-rate schedule was set for the whole
run has a higher loss than a run ending there would reach (Hoffmann et al. §2 and App. B, Figure A1: a cosine cycle
more than 25% longer than the training clearly hurts), which is why the paper trains each size to 4 horizons.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    import numpy
    from numpy.typing import ArrayLike

    from ..laws.schedules import Schedule

from ..base.conventions import CURVES_GRID_POINTS, FLOPS_PER_PARAM_TOKEN, LR_HORIZON_OVERSHOOT, SAME_SIZE_RTOL
from ..base.errors import FitError
from ..base.records import Record, record
from .allocation import (AllocationBootstrap, allocation_result, batched_slopes, check_bootstrap, coefficient_bootstrap,
                         size_ids)
from .result import FitResult

__all__ = ["fit_curves", "bootstrap_curves", "Envelope"]


@record
class Envelope(Record):
    """Approach 1's envelope at each grid point.

    flops : the grid C (FLOPs).  run : the winning run (an index into ``runs``).  n_params, n_tokens, loss : its N,
    its tokens at C and its loss there.  used : whether the point enters the power laws (not won by the smallest or
    largest size covering C).  horizon : C over the winning run's last checkpoint's C (1 at its end).
    runs : the run ids.  run_n_params : each run's N.  curves : each run's (C, L) checkpoints, sorted, for figures.
    """

    flops: "numpy.ndarray"
    run: "numpy.ndarray"
    n_params: "numpy.ndarray"
    n_tokens: "numpy.ndarray"
    loss: "numpy.ndarray"
    used: "numpy.ndarray"
    horizon: "numpy.ndarray"
    runs: tuple[str, ...]
    run_n_params: "numpy.ndarray"
    curves: tuple[tuple["numpy.ndarray", "numpy.ndarray"], ...]


def _runs(run_id, N, D, L, C):
    """Per run: its label, N, and sorted unique (log C, log D, log L) checkpoints (repeats at one C averaged)."""
    import numpy as np

    labels = list(dict.fromkeys(run_id))
    index = {r: i for i, r in enumerate(labels)}
    which = np.array([index[r] for r in run_id])
    out = []
    for i in range(len(labels)):
        rows = np.flatnonzero(which == i)
        lc = np.log(C[rows])
        uniq, inv = np.unique(lc, return_inverse=True)
        count = np.bincount(inv)
        mean = lambda v: np.bincount(inv, weights=v) / count  # noqa: E731
        out.append((float(N[rows[0]]), uniq, mean(np.log(D[rows])), mean(np.log(L[rows]))))
    return labels, out


def _grid(per_run, sizes, points):
    """``points`` log C values, log-spaced over the compute that at least two model sizes cover."""
    import numpy as np

    lo = min(r[1][0] for r in per_run)
    hi = max(r[1][-1] for r in per_run)
    fine = np.linspace(lo, hi, 4 * points)
    covered = np.zeros((sizes.max() + 1, fine.size), dtype=bool)
    for s, (_, lc, _, _) in zip(sizes, per_run):
        covered[s] |= (fine >= lc[0]) & (fine <= lc[-1])
    two = np.flatnonzero(covered.sum(axis=0) >= 2)
    if two.size == 0:
        raise FitError("no compute is covered by the curves of two model sizes, so no envelope can compare sizes: "
                       "train runs of several sizes over overlapping compute")
    return np.linspace(fine[two[0]], fine[two[-1]], points)


def _matrices(per_run, grid):
    """(log L, log D) of every run at every grid point by linear interpolation in log C; +inf / NaN off its curve."""
    import numpy as np

    M = np.full((len(per_run), grid.size), np.inf)
    logD = np.full((len(per_run), grid.size), np.nan)
    for i, (_, lc, ld, ll) in enumerate(per_run):
        inside = (grid >= lc[0]) & (grid <= lc[-1])
        M[i, inside] = np.interp(grid[inside], lc, ll)
        logD[i, inside] = np.interp(grid[inside], lc, ld)
    return M, logD


def _envelope(M, run_N, selected):
    """For each row of ``selected`` (runs drawn), the winning run per grid point and whether the point is used.

    Batched over rows: (winner, value, used), each (R, G). A point is used where some drawn run covers it and the
    winner is neither the smallest nor the largest size among the drawn runs covering it.
    """
    import numpy as np

    Msel = np.where(selected[:, :, None], M[None, :, :], np.inf)
    winner = np.argmin(Msel, axis=1)
    value = np.take_along_axis(Msel, winner[:, None, :], axis=1)[:, 0, :]
    covering = np.isfinite(Msel)
    n_lo = np.where(covering, run_N[None, :, None], np.inf).min(axis=1)
    n_hi = np.where(covering, run_N[None, :, None], -np.inf).max(axis=1)
    n_win = run_N[winner]
    used = np.isfinite(value) & (n_win > n_lo * (1 + SAME_SIZE_RTOL)) & (n_win < n_hi / (1 + SAME_SIZE_RTOL))
    return winner, value, used


def fit_curves(run_id: Sequence[str], n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *,
               flops: ArrayLike | None = None, grid_points: int = CURVES_GRID_POINTS,
               flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN,
               schedule: "Schedule | None" = None) -> FitResult:
    r"""Hoffmann et al.'s Approach 1 (§3.1): N_opt = G·C^a and D_opt ∝ C^b from the envelope of training curves.

    One entry per checkpoint: ``run_id`` its run, ``n_params`` the run's N, ``n_tokens`` the tokens seen so far,
    ``loss`` the loss there, ``flops`` the compute so far (default k·N·D). The result's ``extra["envelope"]`` is the
    :class:`Envelope`; its ``warnings`` carry the learning-rate caveat where envelope points come from checkpoints
    before 1/1.25 of their run (:data:`LR_HORIZON_OVERSHOOT`). With the runs' ``schedule``
    (a :class:`planner.laws.schedules.Schedule`, stretched to each run's length), checkpoints where its rate does not
    depend on the horizon (a constant run, a WSD run before its cooldown) are not flagged.
    """
    import numpy as np

    k = flops_per_param_token
    N, D, L = (np.asarray(v, dtype=float).ravel() for v in (n_params, n_tokens, loss))
    run_id = tuple(str(r) for r in run_id)
    if not (len(run_id) == len(N) == len(D) == len(L)):
        raise FitError("run_id, n_params, n_tokens and loss must have one entry per checkpoint")
    for name, a in (("n_params", N), ("n_tokens", D), ("loss", L)):
        if not (np.isfinite(a) & (a > 0)).all():
            raise FitError(f"{name} must be finite numbers > 0 at every checkpoint")
    C = k * N * D if flops is None else np.asarray(flops, dtype=float).ravel()
    if len(C) != len(N) or not (np.isfinite(C) & (C > 0)).all():
        raise FitError("flops must be one finite number > 0 per checkpoint")
    labels, per_run = _runs(run_id, N, D, L, C)
    run_N = np.array([r[0] for r in per_run])
    sizes = size_ids(run_N)
    if sizes.max() + 1 < 3:
        raise FitError(f"the envelope of training curves needs at least 3 model sizes (found {sizes.max() + 1} "
                       f"among {len(labels)} runs): the smallest and largest only bound it")
    grid = _grid(per_run, sizes, grid_points)
    M, logD = _matrices(per_run, grid)
    winner, value, used = (v[0] for v in _envelope(M, run_N, np.ones((1, len(per_run)), dtype=bool)))
    if len(np.unique(sizes[winner[used]])) < 2:
        raise FitError("inside the sizes trained, fewer than two sizes are ever the lowest loss at a compute, so "
                       "N_opt cannot be followed across compute: train sizes on both sides of the optimum, each "
                       "long enough to overlap its neighbours")
    cols = np.arange(grid.size)
    log_n, log_d = np.log(run_N[winner]), logD[winner, cols]
    last = np.array([r[1][-1] for r in per_run])
    horizon = np.exp(grid - last[winner])
    early = used & (horizon < 1 / LR_HORIZON_OVERSHOOT)
    if schedule is not None:  # a checkpoint whose rate no horizon changes is not overstated by a longer schedule
        for i in np.nonzero(early)[0]:
            d = float(np.exp(logD[winner[i], i]))
            early[i] = not bool(schedule.with_horizon(d / horizon[i]).horizon_free(d))
    warnings = []
    if early.any():
        warnings.append(
            f"{int(early.sum())} of {int(used.sum())} envelope points come from checkpoints before "
            f"{1 / LR_HORIZON_OVERSHOOT:.0%} of their run (median {np.median(horizon[used]):.0%}); if a run's "
            "learning-rate schedule was set for its full length, its loss there is overstated (Hoffmann et al. "
            "2022 App. B: a schedule more than 25% too long clearly hurts), so train each size to several horizons, "
            "as they did (4 over a 16x range, §3.1)")
    n_edge = int((np.isfinite(value) & ~used).sum())
    envelope = Envelope(flops=np.exp(grid), run=winner, n_params=run_N[winner], n_tokens=np.exp(log_d),
                        loss=np.exp(value), used=used, horizon=horizon, runs=tuple(labels), run_n_params=run_N,
                        curves=tuple((np.exp(r[1]), np.exp(r[3])) for r in per_run))
    text = (f"Approach 1 (Hoffmann et al. 2022 §3.1): each run's curve interpolated in log C; at {grid_points} "
            f"log-spaced FLOP values the run of lowest loss; log N_opt and log D_opt regressed on log C over "
            f"{int(used.sum())} envelope points ({n_edge} won by the smallest or largest size there left out)")
    fit = allocation_result(
        grid[used], log_n[used], log_d[used], N=N, D=D, k=k, n_runs=len(labels), method=text, warnings=warnings,
        residuals={}, what="envelope points",
        extra={"approach": 1, "envelope": envelope, "n_checkpoints": len(N), "grid_points": grid_points,
               "matrices": (grid, M, logD, sizes)})
    # The grid's points are not independent draws: least-squares errors over them would be far too small.
    return dataclasses.replace(fit, standard_errors={"coefficient": math.nan, "exponent": math.nan},
                               standard_error_method="none without a bootstrap (the envelope's grid points are not "
                                                     "independent draws)")


def bootstrap_curves(fit: FitResult, *, n_resamples: int = 4000, seed: int | None = 0, level: float = 95.0,
                     progress: Callable[[int, int], None] | None = None) -> AllocationBootstrap:
    r"""Resample the runs (whole training curves) with replacement ``n_resamples`` times and redo the envelope.

    Resample r draws as many runs as there are, with replacement, from ``numpy.random.default_rng(seed)``; a run
    drawn twice counts once (the envelope is a minimum). The envelope, its censoring at the smallest and largest
    sizes drawn, and both power laws are redone on the same grid; a resample in which fewer than two sizes win inside
    the sizes fails (dropped). Percentile intervals at ``level``; the same seed gives the same samples.
    """
    import numpy as np

    check_bootstrap(fit, 1, n_resamples, level)
    grid, M, logD, sizes = fit.extra["matrices"]
    run_N = fit.extra["envelope"].run_n_params
    n, G = M.shape
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(n_resamples, n))
    log_G, a, b = (np.full(n_resamples, np.nan) for _ in range(3))
    batch = max(1, int(4_000_000 // (n * G)))
    for start in range(0, n_resamples, batch):
        rows = np.arange(start, min(start + batch, n_resamples))
        selected = np.zeros((rows.size, n), dtype=bool)
        selected[np.repeat(np.arange(rows.size), n), draws[rows].ravel()] = True
        winner, _, used = _envelope(M, run_N, selected)
        log_n = np.where(used, np.log(run_N[winner]), np.nan)
        log_d = np.where(used, logD[winner, np.arange(G)], np.nan)
        lo = np.where(used, log_n, np.inf).min(axis=1)
        hi = np.where(used, log_n, -np.inf).max(axis=1)
        two = hi > lo + math.log1p(SAME_SIZE_RTOL)
        log_n[~two] = np.nan
        log_d[~two] = np.nan
        log_G[rows], a[rows] = batched_slopes(grid, log_n)
        b[rows] = batched_slopes(grid, log_d)[1]
        if progress is not None:
            progress(int(rows[-1]) + 1, n_resamples)
    text = (f"{n_resamples} resamples of the {n} runs (whole curves) with replacement (numpy default_rng, seed "
            f"{seed}); the envelope and both power laws redone on the same grid")
    boot, b_interval, b_se = coefficient_bootstrap(log_G, a, b, level=level, n_resamples=n_resamples, seed=seed,
                                                   method=text, k=fit.flops_per_param_token)
    return AllocationBootstrap(coefficients=boot, b_interval=b_interval, b_standard_error=b_se)
