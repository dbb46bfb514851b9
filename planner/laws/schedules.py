r"""Learning-rate schedules as data: the rate η at a position in training, positions in tokens.

Every schedule warms up linearly from 0 at position 0 to its peak η_max at ``warmup`` tokens, then follows its
shape (x the position in tokens, W the warm-up, H the horizon, η_f = ``final``·η_max):

- ``constant``: η(x) = η_max.
- ``linear``:   η(x) = η_max + (η_f − η_max)·(x − W)/(H − W), then η_f from H on.
- ``cosine``:   η(x) = η_f + (η_max − η_f)·½·(1 + cos(π·(x − W)/(H − W))), then η_f from H on (Loshchilov & Hutter
  2017, arXiv:1608.03983, Eq. 5, one cycle; OLMo's ``cosine_with_warmup``, Groeneveld et al. 2024,
  arXiv:2402.00838, §3.1, with η_f = 0.1·η_max).
- ``wsd``:      warmup-stable-decay (Hu et al. 2024, MiniCPM, arXiv:2404.06395, §4.1; Hägele et al. 2024,
  arXiv:2405.18392): η_max until H·(1 − ``decay``), then linearly to η_f at H.
- ``step``:     η_max, multiplied by ``factor`` at each position in ``at`` (the two-stage schedules of Luo et al.
  2025, arXiv:2503.12811, §3, are one step).

``final`` and ``factor`` are fractions of the peak. The rate is a property of the schedule alone: a run's positions
are where it is evaluated, so a constant or warmup-stable run's rate at a position does not depend on how long the run
will be (:meth:`Schedule.horizon_free`), while a cosine or linear run's does.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Sequence

from ..base.errors import PlannerError
from ..base.records import Record, record

if TYPE_CHECKING:
    import numpy
    from numpy.typing import ArrayLike

__all__ = ["Schedule", "ScheduleError", "SCHEDULE_KINDS", "per_step_rates", "interpolate_rates"]

#: The shapes a schedule can take.
SCHEDULE_KINDS = ("constant", "linear", "cosine", "wsd", "step")

#: Defaults of the optional parameters, per shape (fractions of the peak, or of the horizon for ``decay``).
DEFAULTS = {"constant": {}, "linear": {"final": 0.0}, "cosine": {"final": 0.1},
            "wsd": {"final": 0.0, "decay": 0.2}, "step": {"factor": 0.1}}


class ScheduleError(PlannerError, ValueError):
    """A learning-rate schedule is not well defined (a missing or out-of-range parameter)."""


@record
class Schedule(Record):
    """One learning-rate schedule: its ``kind`` (one of :data:`SCHEDULE_KINDS`), peak rate, warm-up and horizon in
    tokens, final rate and step factor as fractions of the peak, the cooldown as a fraction of the horizon (``wsd``)
    and the step positions in tokens (``step``)."""

    kind: str
    peak: float
    warmup: float = 0.0
    horizon: float | None = None
    final: float = 0.0
    decay: float = 0.2
    at: tuple[float, ...] = ()
    factor: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULE_KINDS:
            raise ScheduleError(f"unknown schedule '{self.kind}'; expected one of {', '.join(SCHEDULE_KINDS)}")
        if not (math.isfinite(self.peak) and self.peak > 0):
            raise ScheduleError(f"schedule {self.kind}: peak must be a rate > 0 (got {self.peak})")
        if not (math.isfinite(self.warmup) and self.warmup >= 0):
            raise ScheduleError(f"schedule {self.kind}: warmup must be tokens >= 0 (got {self.warmup})")
        if self.kind in ("linear", "cosine", "wsd"):
            if self.horizon is None or not (math.isfinite(self.horizon) and self.horizon > self.warmup):
                raise ScheduleError(f"schedule {self.kind}: horizon must be tokens > warmup ({self.warmup:g}) "
                                    f"(got {self.horizon}); give horizon=TOKENS")
        if not 0 <= self.final <= 1:
            raise ScheduleError(f"schedule {self.kind}: final must be a fraction of the peak in [0, 1] "
                                f"(got {self.final})")
        if not 0 < self.decay <= 1:
            raise ScheduleError(f"schedule {self.kind}: decay must be a fraction of the horizon in (0, 1] "
                                f"(got {self.decay})")
        if self.kind == "step" and (not self.at or any(not (math.isfinite(a) and a > 0) for a in self.at)):
            raise ScheduleError("schedule step: at must list one or more positions in tokens > 0 (at=8e9/1.6e10)")
        if not 0 < self.factor <= 1:
            raise ScheduleError(f"schedule {self.kind}: factor must be in (0, 1] (got {self.factor})")

    def with_horizon(self, horizon: float) -> "Schedule":
        """The same schedule stretched to another horizon (warm-up kept; a step's positions kept)."""
        return dataclasses.replace(self, horizon=float(horizon))

    def rate(self, tokens: "ArrayLike") -> "numpy.ndarray":
        """η at each position ``tokens`` (same shape in as out)."""
        import numpy as np

        x = np.asarray(tokens, dtype=float)
        peak, W = self.peak, self.warmup
        eta_f = self.final * peak
        if self.kind == "constant":
            body = np.full_like(x, peak)
        elif self.kind == "step":
            body = peak * self.factor ** np.sum(x[..., None] >= np.asarray(self.at), axis=-1)
        else:
            H = float(self.horizon)  # type: ignore[arg-type]
            if self.kind == "wsd":
                start = max(W, H * (1 - self.decay))
            else:
                start = W
            u = np.clip((x - start) / (H - start), 0.0, 1.0)
            if self.kind == "cosine":
                body = eta_f + (peak - eta_f) * 0.5 * (1 + np.cos(math.pi * u))
            else:
                body = peak + (eta_f - peak) * u
        body = np.array(body, dtype=float)
        warming = x < W
        body[warming] = peak * x[warming] / W
        return body

    def horizon_free(self, tokens: "ArrayLike") -> "numpy.ndarray":
        """Whether the rate at each position is what any horizon would give there: everywhere for ``constant`` and
        ``step``, in the warm-up and the stable phase for ``wsd``, only in the warm-up for ``cosine`` and ``linear``.
        A checkpoint there is not overstated by a schedule set for a longer run (Hoffmann et al. 2022 App. B)."""
        import numpy as np

        x = np.asarray(tokens, dtype=float)
        if self.kind in ("constant", "step"):
            return np.ones(x.shape, dtype=bool)
        if self.kind == "wsd":
            live: numpy.ndarray = x <= float(self.horizon) * (1 - self.decay)  # type: ignore[arg-type]
            return live
        return x <= self.warmup


def per_step_rates(schedule: Schedule, step_tokens: float, n_steps: int) -> "numpy.ndarray":
    """η_0, η_1, …, η_n: the schedule's rate at step k = k·``step_tokens`` tokens, for k = 0 … ``n_steps``."""
    import numpy as np

    rates: numpy.ndarray = schedule.rate(np.arange(n_steps + 1) * float(step_tokens))
    return rates


def interpolate_rates(tokens: Sequence[float] | numpy.ndarray, rates: Sequence[float] | numpy.ndarray,
                      step_tokens: float, n_steps: int) -> "numpy.ndarray":
    """Per-step rates from a logged column: η at k·``step_tokens`` linearly interpolated between the logged
    checkpoints, rising linearly from 0 at position 0 to the first logged rate (a linear warm-up) and held at the
    last logged rate beyond the last checkpoint. A step change between two checkpoints is smeared over the gap:
    give the schedule instead where it has steps."""
    import numpy as np

    x = np.concatenate([[0.0], np.asarray(tokens, float)])
    y = np.concatenate([[0.0], np.asarray(rates, float)])
    order = np.argsort(x, kind="stable")
    per_step: numpy.ndarray = np.interp(np.arange(n_steps + 1) * float(step_tokens), x[order], y[order])
    return per_step
