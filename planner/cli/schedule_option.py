"""``--schedule KIND:KEY=VALUE,...``: a learning-rate schedule named on the command line (plan curve, plan fit
--curves), parsed into :class:`planner.laws.schedules.Schedule`.

Keys: ``peak`` (a rate), ``warmup``, ``horizon`` and ``at`` (tokens: ``2e9``, ``2B``; ``at`` takes several positions
separated by ``/``), ``final`` and ``factor`` (fractions of the peak), ``decay`` (the cooldown, a fraction of the
horizon). ``horizon`` may be left out where the command knows it (plan curve's --horizon).
"""

from __future__ import annotations

import click

from ..base.errors import PlannerError
from ..base.units import parse_quantity
from ..laws.schedules import DEFAULTS, SCHEDULE_KINDS, Schedule, ScheduleError

__all__ = ["SCHEDULE", "ScheduleSpec", "parse_schedule"]

_TOKENS = ("warmup", "horizon")
_FRACTIONS = ("final", "decay", "factor")
EXAMPLE = "cosine:peak=3e-4,warmup=200M,final=0.1,horizon=20B"


def parse_schedule(text: str, horizon: float | None = None):
    """The Schedule ``text`` names; ``horizon`` fills in a missing horizon. Raises PlannerError (ScheduleError)."""

    kind, _, rest = str(text).strip().partition(":")
    kind = kind.strip().lower()
    if kind not in SCHEDULE_KINDS:
        raise ScheduleError(f"unknown schedule '{kind}' in {text!r}; expected one of {', '.join(SCHEDULE_KINDS)} "
                            f"(e.g. {EXAMPLE})")
    values: dict = dict(DEFAULTS[kind])
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip().lower()
        if not eq or not value.strip():
            raise ScheduleError(f"schedule {text!r}: '{item}' is not KEY=VALUE (e.g. {EXAMPLE})")
        try:
            if key == "peak" or key in _FRACTIONS:
                values[key] = float(value)
            elif key in _TOKENS:
                values[key] = 0.0 if value.strip() == "0" else parse_quantity(value.strip(), key)
            elif key == "at":
                values[key] = tuple(parse_quantity(v.strip(), "at") for v in value.split("/"))
            else:
                raise ScheduleError(f"schedule {text!r}: unknown key '{key}'; expected peak, warmup, horizon, final, "
                                    f"decay, at or factor")
        except ValueError as e:
            if isinstance(e, ScheduleError):
                raise
            raise ScheduleError(f"schedule {text!r}: {key}={value!r} is not a number") from None
    if "peak" not in values:
        raise ScheduleError(f"schedule {text!r}: give the peak rate, e.g. peak=3e-4")
    if values.get("horizon") is None and horizon is not None:
        values["horizon"] = float(horizon)
    return Schedule(kind, **values)


class ScheduleSpec(click.ParamType):
    """A schedule spec, kept as text until the command knows its horizon (checked for syntax now)."""

    name = "schedule"

    def convert(self, value, param, ctx):
        try:
            parse_schedule(value, horizon=1e300)
        except PlannerError as e:
            self.fail(str(e), param, ctx)
        return str(value)


SCHEDULE = ScheduleSpec()
