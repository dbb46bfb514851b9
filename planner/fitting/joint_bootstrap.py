r"""The bootstrap of a joint fit (:mod:`planner.fitting.joint`), and the compute multipliers between its ladders.

Each resample draws every ladder's runs with replacement on its own (the ladders are independent experiments) and
refits all of them jointly, shared coefficients still shared, from the joint optimum: all resamples batched in the
L-BFGS of :mod:`planner.fitting.lbfgs`, preconditioned by the joint Hessian there, as
:func:`planner.fitting.bootstrap.bootstrap` refits one ladder. Row s of every ladder's samples is the same refit, so
the multipliers' intervals pair the ladders' draws row by row (not shuffled, as two independent fits are).

The multiplier of ladder k against the base ladder is :func:`planner.planning.versus.compute_multiplier` on their
fitted laws: k(C) = C_min^base(L_opt^k(C))/C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from ..base.errors import FitError
from ..base.records import Record, record
from ..planning.uncertainty import CoefficientSamples
from ..planning.versus import compute_multiplier, versus_intervals
from .bootstrap import REFIT_FTOL, REFIT_GTOL, coefficient_draws
from .joint import JointFit, JointObjective
from .lbfgs import Preconditioned, lbfgs_batch
from .result import BootstrapResult, check_resampling, resample_counts, sample_summary

if TYPE_CHECKING:
    import numpy

__all__ = ["bootstrap_joint", "Multipliers", "joint_multipliers"]

_NAMES = ("E", "A", "B", "alpha", "beta")


def bootstrap_joint(joint: JointFit, ladders: Sequence[tuple], *, n_resamples: int = 500, seed: int | None = 0,
                    level: float = 95.0, batch: int = 500,
                    progress: Callable[[int, int], None] | None = None) -> tuple[BootstrapResult, ...]:
    """Resample each of ``ladders`` (the (n_params, n_tokens, loss) the joint fit was made on) on its own,
    ``n_resamples`` times, and refit jointly. Returns one :class:`BootstrapResult` per ladder whose sample rows line
    up: row s of each is refit s (a refit invalid for any ladder is dropped from all)."""
    import numpy as np

    check_resampling(n_resamples, level)
    sharing = joint.sharing
    extra = joint.fits[0].extra
    x, y, l = (np.concatenate([np.log(np.asarray(ladder[i], float)) for ladder in ladders]) for i in range(3))
    loss = extra.get("objective_function", "huber-log")
    delta = extra.get("huber_delta", 1e-3)
    penalty = extra.get("overestimate_penalty", 10.0)

    def objective():
        return JointObjective(x, y, l, delta, np.float64, loss=loss, param=sharing, penalty=penalty)

    fg = objective()
    phi0 = np.asarray(joint.phi, float)
    pre = Preconditioned(fg, phi0, hessian_of=objective())
    rng = np.random.default_rng(seed)
    phis = np.empty((n_resamples, sharing.n_free))
    values = np.empty(n_resamples)
    done = 0
    while done < n_resamples:
        R = min(batch, n_resamples - done)
        for part, n in zip(fg.parts, sharing.sizes):   # each ladder resampled on its own
            part.weights = resample_counts(rng, R, n)
            part.row_map = np.arange(R)
        res = lbfgs_batch(pre, pre.z(np.tile(phi0, (R, 1))), ftol=REFIT_FTOL, gtol=REFIT_GTOL, max_iter=2000,
                          whitened=True)
        phis[done:done + R] = pre.theta(res.x)
        values[done:done + R] = res.f
        done += R
        if progress is not None:
            progress(done, n_resamples)
    draws = [coefficient_draws("parametric", sharing.param, phis[:, list(index)], values) for index in sharing.index]
    ok = np.logical_and.reduce([good for _, good in draws])
    if not ok.any():
        raise FitError("no bootstrap resample gave a valid joint fit")
    method = (f"{n_resamples} resamples, each ladder's runs drawn with replacement on their own (numpy default_rng, "
              f"seed {seed}); each refitted jointly ({sharing.describe()}) by L-BFGS from the joint optimum, "
              "all resamples batched")
    out = []
    for (coefs, _), fit in zip(draws, joint.fits):
        intervals, ses = sample_summary(coefs[ok], _NAMES, level)
        ses.update({name: 0.0 for name, _ in sharing.param.fixed})
        out.append(BootstrapResult(form="parametric", names=_NAMES, samples=coefs[ok], intervals=intervals,
                                   standard_errors=ses, level=level, n_resamples=n_resamples,
                                   n_failed=int((~ok).sum()), seed=seed, method=method,
                                   flops_per_param_token=fit.flops_per_param_token))
    return tuple(out)


@record
class Multipliers(Record):
    """k(C) of each ladder against ``base`` at ``flops``: ``joint`` from the joint fit, ``separate`` from the
    separate fits ((K, B) arrays; the base's row is 1), and with a bootstrap the joint's central ``level``%
    interval (``low``, ``high``, or None)."""

    flops: "numpy.ndarray"
    base: int
    joint: "numpy.ndarray"
    separate: "numpy.ndarray"
    low: "numpy.ndarray | None" = None
    high: "numpy.ndarray | None" = None
    level: float | None = None


def joint_multipliers(joint: JointFit, flops: Sequence[float], base: int = 0,
                      boots: Sequence[BootstrapResult] | None = None) -> Multipliers:
    """The compute multiplier of every ladder against ladder ``base`` at each budget of ``flops``, from the joint and
    the separate fits, and (with the joint bootstrap ``boots``) its percentile interval over the refits, paired row
    by row (:func:`planner.planning.versus.versus_intervals` with ``paired``)."""
    import numpy as np

    C = np.atleast_1d(np.asarray(flops, float))

    def table(fits):
        return np.array([compute_multiplier(fits[base].model, f.model, C) for f in fits])

    low = high = None
    level = None
    if boots is not None:
        level = boots[0].level
        draws = [CoefficientSamples(b.names, b.samples, "bootstrap", b.method) for b in boots]
        low, high = np.ones((len(boots), len(C))), np.ones((len(boots), len(C)))
        for k, fit in enumerate(joint.fits):
            if k == base:
                continue
            iv = versus_intervals(joint.fits[base].model, fit.model, C, level, draws[base], draws[k], paired=True)
            low[k], high[k] = iv.compute_multiplier_low, iv.compute_multiplier_high
    return Multipliers(C, base, table(joint.fits), table(joint.separate), low, high, level)
