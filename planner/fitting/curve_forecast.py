r"""Where will a run end? The final loss at a horizon, by each method that applies, with a back-test to choose.

Methods, each fitted on the runs of the target's model size:

- ``multi-power`` and ``tissue``: the curve laws (:mod:`planner.laws.curve_laws`) fitted on every finished run's
  curve and on the target's logged part, coefficients shared, then evaluated at the horizon under the target's
  schedule. Checkpoints in the warm-up or before :data:`SKIP_FRACTION` of their run are left out of the fit.
- ``final-loss``: L(D) = E + B·D^(−β) over the finished runs' final losses (Hoffmann et al. 2022, arXiv:2203.15556,
  Eq. 2 at one N), least squares in log loss; it needs 3 finished horizons.

The rolling back-test refits each method on the finished runs' shorter horizons and predicts the next one's final
loss; the method with the smallest mean absolute error is the one it favours. An interval is the prediction times
exp(±2·s), s the RMS of the method's back-test log errors where it has any, else of its fit residuals (then it
leaves extrapolation out, and says so).

The history rule (:data:`MIN_OBSERVED_FRACTION`): a curve law is not extrapolated from a run in progress alone when
less than half its horizon is logged. On the OLMo ladder (Bhagia et al. 2024, arXiv:2412.04403), a law fitted on a
10x run's first 20% alone misses its final loss by 2.8-3.5% (190M and 760M), ten times the error with finished
runs; from its first 50%, by 0.2-1.2% (README, "Training curves").
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import field
from typing import TYPE_CHECKING, Callable, Sequence

from ..base.conventions import SAME_SIZE_RTOL
from ..base.errors import FitError
from ..base.records import Record, record
from ..laws.curve_laws import Curve
from ..laws.schedules import Schedule, interpolate_rates, per_step_rates
from .curve_fit import fit_curve_law

if TYPE_CHECKING:
    import numpy

__all__ = ["RunCurve", "Prediction", "CurveForecast", "forecast_curve", "Alternative", "schedule_alternatives",
           "CurvePath", "curve_path", "final_loss_law",
           "to_curve", "unseen_decay", "CURVE_METHODS", "FINAL_LOSS", "SKIP_FRACTION", "MIN_OBSERVED_FRACTION",
           "DECAY_SEEN"]

CURVE_METHODS = ("multi-power", "tissue")
FINAL_LOSS = "final-loss"
#: Checkpoints before this fraction of their run are left out of curve-law fits (early transients; the LADDER
#: measurement on the OLMo ladder drops the first 10% of each run).
SKIP_FRACTION = 0.1
#: A run in progress with no finished run of its size is extrapolated by the curve laws only past this fraction.
MIN_OBSERVED_FRACTION = 0.5
#: A run logged to within this fraction of the horizon has reached it (a horizon given to 4 digits).
HORIZON_RTOL = 1e-3
#: Intervals: ± this many RMS log errors.
INTERVAL_Z = 2.0
#: A curve shows a decay where one of its fitted checkpoints is at this fraction of its peak rate or below (planner's
#: choice: a cosine is there by 20% of its run). A curve law's decay term is zero on a constant rate, so fitted on
#: curves without a decay it cannot know what one gains: on Luo et al.'s 400M runs (arXiv:2503.12811), fitted on the
#: constant-rate run alone, both laws miss every decayed run's final loss by 2.6-5.5% (the multi-power law under,
#: Tissue's over), against at most 1.1% with the cosine run in the fit (tests/test_fitting_curve_forecast.py).
DECAY_SEEN = 0.9


@record
class RunCurve(Record):
    """One run's logged curve: id, N, tokens at each checkpoint, loss there, the logged learning rate there (or
    None) and its schedule (or None); one of the two must be known to use a curve law. ``branch`` names a cooldown
    branch of the run (its rows after it left the run's trunk; "" for the trunk itself)."""

    run: str
    n_params: float
    tokens: "numpy.ndarray"
    loss: "numpy.ndarray"
    rates: "numpy.ndarray | None" = None
    schedule: Schedule | None = None
    branch: str = ""

    @property
    def end(self) -> float:
        return float(self.tokens[-1])


@record
class Prediction(Record):
    """One method's predicted final loss with its interval, its back-test mean absolute relative error (nan if it
    has none) and the number of back-test points, and notes."""

    method: str
    predicted_loss: float
    predicted_loss_low: float
    predicted_loss_high: float
    backtest_error: float
    backtest_points: int
    notes: tuple[str, ...] = ()


@record
class CurveForecast(Record):
    """Every method's prediction for ``run`` at ``horizon`` tokens, the method the back-test favours (or None) and
    warnings."""

    run: str
    horizon: float
    predictions: tuple[Prediction, ...]
    favoured: str | None
    warnings: tuple[str, ...] = field(default=())


def to_curve(run: RunCurve, step_tokens: float, *, until: float | None = None, schedule: Schedule | None = None,
             skip: float = SKIP_FRACTION, predict_at: "Sequence[float] | numpy.ndarray" = ()) -> Curve:
    """``run`` on a step grid of ``step_tokens``: its checkpoints (those past the warm-up and ``skip`` of the run)
    with their losses, or, with ``predict_at``, those positions with no loss. Rates from ``schedule`` (default the
    run's own), else from the logged column; ``until`` extends the grid."""
    import numpy as np

    schedule = schedule or run.schedule
    end = max(until or 0.0, run.end, max(predict_at, default=0.0))
    n_steps = int(math.ceil(end / step_tokens))
    if schedule is not None:
        rates = per_step_rates(schedule, step_tokens, n_steps)
        warmup = int(round(schedule.warmup / step_tokens))
    elif run.rates is not None:
        if end > run.end * (1 + HORIZON_RTOL):
            raise FitError(f"run {run.run}: its learning rate is logged only to {run.end:.3g} tokens; give its "
                           f"schedule to predict further")
        rates = interpolate_rates(run.tokens, run.rates, step_tokens, n_steps)
        warmup = int(np.argmax(rates >= rates.max() * (1 - 1e-9)))
    else:
        raise FitError(f"run {run.run}: a curve law needs the learning rate, logged (a learning_rate column) or "
                       f"as a schedule")
    if len(predict_at):
        at = np.maximum(np.round(np.asarray(predict_at, float) / step_tokens).astype(int), 1)
        return Curve(rates, at, np.full(len(at), np.nan), warmup)
    at = np.round(run.tokens / step_tokens).astype(int)
    keep = (at > warmup) & (run.tokens >= skip * (until or run.end)) & (at >= 1)
    return Curve(rates, at[keep], np.asarray(run.loss, float)[keep], warmup)


def final_loss_law(tokens: Sequence[float], loss: Sequence[float]):
    """(E, B, β) of L(D) = E + B·D^(−β) through the final losses: least squares on log L over a grid of β and E
    (B then linear), polished by L-BFGS-B; E kept in [0, min L)."""
    import numpy as np
    from scipy.optimize import minimize

    D, L = np.asarray(tokens, float), np.asarray(loss, float)
    x = D / D.min()

    def sse(p):
        E, logB, beta = p
        pred = E + np.exp(logB) * x ** (-beta)
        return float(np.sum((np.log(L) - np.log(pred)) ** 2)) if np.all(pred > 0) else math.inf

    best = None
    for beta in (0.1, 0.3, 0.6, 1.0):
        for f in (0.0, 0.5, 0.8, 0.95):
            E = f * L.min()
            B = max((L.max() - E), 1e-9)
            res = minimize(sse, (E, math.log(B), beta), method="L-BFGS-B",
                           bounds=[(0.0, L.min() * (1 - 1e-9)), (-30.0, 30.0), (1e-4, 5.0)])
            if best is None or res.fun < best.fun:
                best = res
    assert best is not None  # the loops above ran
    E, logB, beta = best.x
    Bx = math.exp(logB) * D.min() ** beta      # B in tokens: B·D^(−β) = exp(logB)·(D/Dmin)^(−β)
    return float(E), float(Bx), float(beta), float(math.sqrt(best.fun / len(L)))


def unseen_decay(runs: Sequence[RunCurve], target: str, horizon: float, schedules: Sequence[Schedule | None], *,
                 step_tokens: float, schedule: Schedule | None = None) -> str | None:
    """The warning for predictions of run ``target`` under ``schedules`` (None: its own) that decay by ``horizon``
    when no curve the laws are fitted on (as :func:`forecast_curve` fits them, the run under ``schedule``) shows a
    decay (:data:`DECAY_SEEN`); else None. FitError where a curve has no rates to read."""
    run = {r.run: r for r in runs}[target]
    for fitted in (to_curve(r, step_tokens) for r in _fit_runs(runs, run, horizon, schedule)):
        if len(fitted.at) and fitted.rates[fitted.at].min() <= DECAY_SEEN * fitted.peak:
            return None
    falls = []
    for s in schedules:
        c = to_curve(run, step_tokens, until=horizon, schedule=s or schedule, predict_at=[horizon])
        if (end := float(c.rates[c.at[-1]] / c.peak)) <= DECAY_SEEN:
            which = "the run's schedule" if s is None else f"the {s.kind} schedule"
            falls.append(f"{which} is at {end:.0%} of its peak rate")
    if not falls:
        return None
    return (f"no curve fitted shows a learning-rate decay (each checkpoint at {DECAY_SEEN:.0%} of its peak rate or "
            f"more), but at the horizon {' and '.join(falls)}: a curve law learns what a decay gains only from curves "
            f"that decay, so the gain is extrapolated; fit with a finished run or cooldown branch of {target}'s size "
            "that decayed")


def _curve_fit(method, runs_fit, step_tokens):
    """``method`` fitted on the curves of ``runs_fit`` (those with checkpoints left after the skips)."""
    curves = [c for c in (to_curve(r, step_tokens) for r in runs_fit) if len(c.at)]
    if not curves:
        raise FitError("no checkpoint past the warm-up and the first 10% of a run to fit a curve law on")
    return fit_curve_law(method, curves)


def _curve_predict(method, runs_fit, target, horizon, schedule, step_tokens):
    import numpy as np

    fit = _curve_fit(method, runs_fit, step_tokens)
    pred = float(fit.law.loss(to_curve(target, step_tokens, until=horizon, schedule=schedule,
                                       predict_at=[horizon]))[0])
    return pred, fit.rms_log_residual if np.isfinite(fit.rms_log_residual) else 0.0


def _fit_runs(runs, run, horizon, schedule=None):
    """The runs a curve law is fitted on to predict ``run`` at ``horizon``: the finished runs of its size (those
    ending below the horizon, shortest first) and ``run`` itself while in progress, under ``schedule`` if given."""
    finished = sorted((r for r in _same_size(runs, run.n_params) if r.run != run.run and r.end < horizon),
                      key=lambda r: r.end)
    if run.end >= horizon * (1 - HORIZON_RTOL):
        return finished
    return finished + [dataclasses.replace(run, schedule=schedule) if schedule is not None else run]


def _final_predict(finished, horizon):
    E, B, beta, rms = final_loss_law([r.end for r in finished], [r.loss[-1] for r in finished])
    return E + B * horizon ** (-beta), rms


def _same_size(runs, n_params):
    return [r for r in runs if abs(r.n_params / n_params - 1) <= SAME_SIZE_RTOL]


def forecast_curve(runs: Sequence[RunCurve], target: str, horizon: float, *, schedule: Schedule | None = None,
             step_tokens: float, methods: Sequence[str] = CURVE_METHODS + (FINAL_LOSS,), backtest: bool = True,
             progress: Callable[[str, float, float], None] | None = None) -> CurveForecast:
    """Predict run ``target``'s loss at ``horizon`` tokens (under ``schedule``, default its own) by each method;
    the other runs of its size whose last checkpoint is below ``horizon`` are the finished runs."""
    import numpy as np

    by_id = {r.run: r for r in runs}
    if target not in by_id:
        raise FitError(f"no run '{target}' in the curves (runs: {', '.join(sorted(by_id))})")
    run = by_id[target]
    fit_runs = _fit_runs(runs, run, horizon, schedule)
    finished = [r for r in fit_runs if r.run != target]
    in_progress = len(fit_runs) > len(finished)
    warnings: list[str] = []
    try:
        decay = unseen_decay(runs, target, horizon, [None], step_tokens=step_tokens, schedule=schedule) \
            if any(m in CURVE_METHODS for m in methods) else None
    except FitError:   # a curve without rates: the curve laws below say so themselves
        decay = None
    warnings += [decay] if decay else []
    rows: list[Prediction] = []
    for i_method, method in enumerate(methods):
        notes: list[str] = []
        if progress:
            progress(f"fitting {method}", i_method, len(methods))
        if method == FINAL_LOSS:
            if len(finished) < 3:
                warnings.append(f"final-loss: needs 3 finished runs of {target}'s size below the horizon "
                                f"(found {len(finished)}); not used")
                continue
            pred, rms = _final_predict(finished, horizon)
            bt = [(_final_predict(finished[:i], r.end)[0], r.loss[-1]) for i, r in enumerate(finished) if i >= 3] \
                if backtest else []
        else:
            if not finished and (not in_progress or run.end < MIN_OBSERVED_FRACTION * horizon):
                warnings.append(f"{method}: refused: no finished run of {target}'s size and only "
                                f"{run.end / horizon:.0%} of the horizon logged (at least "
                                f"{MIN_OBSERVED_FRACTION:.0%} needed: a curve extrapolated from its start alone is "
                                f"unstable)")
                continue
            try:
                pred, rms = _curve_predict(method, fit_runs, run, horizon, schedule, step_tokens)
                bt = [(_curve_predict(method, finished[:i], r, r.end, None, step_tokens)[0], r.loss[-1])
                      for i, r in enumerate(finished) if i >= 1] if backtest else []
            except FitError as e:
                warnings.append(f"{method}: {e}")
                continue
        errors = np.array([math.log(p / o) for p, o in bt])
        if len(errors):
            s = float(np.sqrt(np.mean(errors ** 2)))
            mae = float(np.mean(np.abs(np.exp(errors) - 1)))
        elif method == FINAL_LOSS and len(finished) == 3:
            s, mae = math.nan, math.nan
            notes.append("no interval: 3 final losses fix E, B and beta exactly and leave nothing to back-test")
        else:
            s, mae = rms, math.nan
            notes.append("interval from fit residuals only (no back-test: too few finished runs)")
        half = INTERVAL_Z * s
        rows.append(Prediction(method, pred, pred * math.exp(-half), pred * math.exp(half), mae, len(errors),
                               tuple(notes)))
    if not rows:
        raise FitError(f"no method can predict run {target} at {horizon:.3g} tokens: " + "; ".join(warnings))
    tested = [p for p in rows if p.backtest_points]
    favoured = min(tested, key=lambda p: p.backtest_error).method if tested else None
    if rows and favoured is None and backtest:
        warnings.append("no method could be back-tested: give finished runs of several horizons of this size")
    return CurveForecast(run=target, horizon=float(horizon), predictions=tuple(rows), favoured=favoured,
                    warnings=tuple(warnings))


@record
class Alternative(Record):
    """Run ``run`` at ``horizon`` under ``schedule`` against its own: each curve law's loss there, the difference
    (alternative − own) and its interval (± 2 jackknife standard errors over the fitted curves; nan with one)."""

    method: str
    schedule: Schedule
    predicted_loss: float
    difference: float
    difference_low: float
    difference_high: float


def schedule_alternatives(runs: Sequence[RunCurve], target: str, horizon: float, alternatives: Sequence[Schedule],
                          *, schedule: Schedule | None = None, step_tokens: float,
                          methods: Sequence[str] = CURVE_METHODS) -> tuple[Alternative, ...]:
    """The same run under each alternative schedule, by each curve law fitted as in :func:`forecast_curve`."""
    import numpy as np

    run = {r.run: r for r in runs}[target]
    curves = [c for c in (to_curve(r, step_tokens) for r in _fit_runs(runs, run, horizon, schedule)) if len(c.at)]
    if not curves:
        raise FitError(f"no curve of {target}'s size to fit a curve law on")
    targets = [to_curve(run, step_tokens, until=horizon, schedule=s, predict_at=[horizon])
               for s in (schedule, *alternatives)]

    def differences(subset, method):
        law = fit_curve_law(method, subset).law
        base, *alts = (float(law.loss(c)[0]) for c in targets)
        return np.array(alts), np.array(alts) - base

    out = []
    for method in methods:
        levels, delta = differences(curves, method)
        n = len(curves)
        if n > 1:
            jack = np.array([differences(curves[:i] + curves[i + 1:], method)[1] for i in range(n)])
            se = np.sqrt((n - 1) / n * np.sum((jack - jack.mean(axis=0)) ** 2, axis=0))
        else:
            se = np.full(len(delta), math.nan)
        out += [Alternative(method, s, float(lv), float(d), float(d - INTERVAL_Z * e), float(d + INTERVAL_Z * e))
                for s, lv, d, e in zip(alternatives, levels, delta, se)]
    return tuple(out)


@record
class CurvePath(Record):
    """One curve law fitted as :func:`forecast_curve` fits it, along run ``run`` to ``horizon``: positions in
    ``tokens`` and the law's ``loss`` there, the per-step learning rate ``rates`` (η at k·``step_tokens``, under the
    schedule given, else the logged one) and the ids of the runs it was fitted on."""

    method: str
    run: str
    tokens: "numpy.ndarray"
    loss: "numpy.ndarray"
    rates: "numpy.ndarray"
    step_tokens: float
    fitted: tuple[str, ...]


def curve_path(runs: Sequence[RunCurve], target: str, horizon: float, *, method: str, step_tokens: float,
               schedule: Schedule | None = None, points: int = 200) -> CurvePath:
    """``method``'s law along run ``target`` from its first checkpoint to ``horizon`` at ``points`` positions."""
    import numpy as np

    by_id = {r.run: r for r in runs}
    if target not in by_id:
        raise FitError(f"no run '{target}' in the curves (runs: {', '.join(sorted(by_id))})")
    run = by_id[target]
    fit_runs = _fit_runs(runs, run, horizon, schedule)
    law = _curve_fit(method, fit_runs, step_tokens).law
    x = np.linspace(min(float(run.tokens[0]), horizon), horizon, points)
    curve = to_curve(run, step_tokens, until=horizon, schedule=schedule, predict_at=x)
    return CurvePath(method=method, run=target, tokens=curve.at * float(step_tokens), loss=law.loss(curve),
                     rates=curve.rates, step_tokens=float(step_tokens), fitted=tuple(r.run for r in fit_runs))
