"""Hardware time and money: FLOPs ↔ GPU-hours ↔ wall-clock days ↔ dollars.

A training run of C FLOPs on n chips of peak throughput P (dense BF16, FLOP/s) that reach a
model-FLOPs utilisation MFU takes::

    t = C / (n · P · MFU)                      seconds of wall-clock time
    chip-hours = n · t / 3600 = C / (P · MFU) / 3600
    dollars = chip-hours · price per chip-hour

Every function takes floats or numpy arrays and returns the same shape; each conversion has its
inverse, so a budget given in GPU-hours, days or dollars becomes FLOPs with the same arithmetic.
Nothing here reads files: the catalogue of chips (``presets/hardware.toml``) is found by
:func:`planner.files.presets.list_hardware` and validated by :func:`chips_from_mapping`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..base.conventions import DEFAULT_MFU, SECONDS_PER_DAY, SECONDS_PER_HOUR
from ..base.errors import HardwareError, NumericError, PresetError, unknown_key
from ..base.records import Record, record
from ..base.units import Real, as_floats, format_flops

__all__ = [
    "Chip", "Cluster", "Cost", "BUDGET_UNITS", "flops_for_budget", "gpu_hours", "flops_from_gpu_hours",
    "wall_clock_days", "flops_from_days", "usd", "flops_from_usd", "cost", "chips_from_mapping", "implied_mfu",
]


@record
class Chip(Record):
    """One accelerator of the catalogue.

    id : short name used on the command line (``h100``).
    name : the vendor's name (``NVIDIA H100 SXM5``).
    peak_flops_per_second : dense BF16 peak P in FLOP/s (no structured sparsity).
    source : where P comes from.
    aliases : other accepted names.
    """

    id: str
    name: str
    peak_flops_per_second: float
    source: str
    aliases: tuple[str, ...] = ()


@record
class Cluster(Record):
    """The hardware a plan runs on: a chip, how many, how well used, and at what price.

    n_chips and usd_per_chip_hour may be None: then wall-clock time or dollars are unknown.
    """

    chip: Chip
    n_chips: int | None = None
    mfu: float = DEFAULT_MFU
    usd_per_chip_hour: float | None = None


@record
class Cost(Record):
    """What a budget of FLOPs costs on a cluster. Fields are None where the cluster leaves them unknown.

    flops : training compute C.
    gpu_hours : chip-hours C / (P · MFU) / 3600.
    wall_clock_days : C / (n · P · MFU) / 86400 (None without a chip count).
    usd : chip-hours × price (None without a price).
    """

    flops: Real
    gpu_hours: Real
    wall_clock_days: Real | None = None
    usd: Real | None = None


def gpu_hours(flops: Real, peak_flops_per_second: float, mfu: float = DEFAULT_MFU) -> Real:
    """Chip-hours for C FLOPs: C / (P · MFU) / 3600."""
    return flops / (peak_flops_per_second * mfu) / SECONDS_PER_HOUR


def flops_from_gpu_hours(hours: Real, peak_flops_per_second: float, mfu: float = DEFAULT_MFU) -> Real:
    """FLOPs delivered by ``hours`` chip-hours: hours · 3600 · P · MFU (inverse of :func:`gpu_hours`)."""
    return hours * SECONDS_PER_HOUR * peak_flops_per_second * mfu


def implied_mfu(flops: Real, hours: Real, peak_flops_per_second: float) -> Real:
    """The MFU at which ``hours`` chip-hours deliver C FLOPs: C / (hours · 3600 · P) (inverse of :func:`gpu_hours`
    in the MFU). For a mixture of experts C counts the active parameters, 6·N_active·D."""
    return flops / (hours * SECONDS_PER_HOUR * peak_flops_per_second)


def wall_clock_days(flops: Real, peak_flops_per_second: float, n_chips: int, mfu: float = DEFAULT_MFU) -> Real:
    """Days of wall-clock time for C FLOPs on n chips: C / (n · P · MFU) / 86400."""
    return flops / (n_chips * peak_flops_per_second * mfu) / SECONDS_PER_DAY


def flops_from_days(days: Real, peak_flops_per_second: float, n_chips: int, mfu: float = DEFAULT_MFU) -> Real:
    """FLOPs n chips deliver in ``days``: days · 86400 · n · P · MFU (inverse of :func:`wall_clock_days`)."""
    return days * SECONDS_PER_DAY * n_chips * peak_flops_per_second * mfu


def usd(flops: Real, peak_flops_per_second: float, usd_per_chip_hour: float, mfu: float = DEFAULT_MFU) -> Real:
    """Dollars for C FLOPs at a price per chip-hour: C / (P · MFU) / 3600 · price."""
    return gpu_hours(flops, peak_flops_per_second, mfu) * usd_per_chip_hour


def flops_from_usd(dollars: Real, peak_flops_per_second: float, usd_per_chip_hour: float, mfu: float = DEFAULT_MFU) -> Real:
    """FLOPs a sum of dollars buys: dollars / price · 3600 · P · MFU (inverse of :func:`usd`)."""
    return flops_from_gpu_hours(dollars / usd_per_chip_hour, peak_flops_per_second, mfu)


def cost(flops: Real, cluster: Cluster) -> Cost:
    """GPU-hours, and where the cluster says enough, wall-clock days and dollars, for C FLOPs (float or array)."""
    P, mfu = cluster.chip.peak_flops_per_second, cluster.mfu
    days = None if cluster.n_chips is None else wall_clock_days(flops, P, cluster.n_chips, mfu)
    dollars = None if cluster.usd_per_chip_hour is None else usd(flops, P, cluster.usd_per_chip_hour, mfu)
    hours = gpu_hours(flops, P, mfu)
    # checked here, where they are computed, for every caller (a plan, a design's runs, a ladder's total)
    for what, value in (("GPU-hours", hours), ("wall-clock days", days), ("dollars", dollars)):
        if value is not None and not _finite_and_not_negative(value):
            shown = max(as_floats(flops))
            raise NumericError(f"the {what} of {format_flops(shown)} FLOPs on {cluster.chip.id} (MFU {mfu:g}) "
                               "overflow: the budget, MFU and price are too extreme to compute with together")
    return Cost(flops=flops, gpu_hours=hours, wall_clock_days=days, usd=dollars)


def _finite_and_not_negative(value: Real) -> bool:
    if isinstance(value, (int, float)):
        return math.isfinite(value) and value >= 0
    import numpy as np

    return bool(np.all(np.isfinite(value) & (np.asarray(value) >= 0)))


#: Budgets a user may give instead of FLOPs, and what each needs from the cluster.
BUDGET_UNITS = ("gpu_hours", "wall_clock_days", "usd")


def flops_for_budget(amount: Real, unit: str, cluster: Cluster) -> Real:
    """The FLOPs a budget in ``unit`` (one of :data:`BUDGET_UNITS`) buys on ``cluster``.

    ``wall_clock_days`` needs ``cluster.n_chips`` and ``usd`` needs ``cluster.usd_per_chip_hour``;
    without them this raises :class:`~planner.base.errors.HardwareError`.
    """
    P, mfu = cluster.chip.peak_flops_per_second, cluster.mfu
    if unit == "gpu_hours":
        return flops_from_gpu_hours(amount, P, mfu)
    if unit == "wall_clock_days":
        if cluster.n_chips is None:
            raise HardwareError.worded("a budget in wall-clock days needs the number of chips; give it ({n_chips})",
                                       n_chips="Cluster(n_chips=N)")
        return flops_from_days(amount, P, cluster.n_chips, mfu)
    if unit == "usd":
        if cluster.usd_per_chip_hour is None:
            raise HardwareError.worded("a budget in dollars needs a price per chip-hour; give it ({usd_per_chip_hour})",
                                       usd_per_chip_hour="Cluster(usd_per_chip_hour=PRICE)")
        return flops_from_usd(amount, P, cluster.usd_per_chip_hour, mfu)
    raise HardwareError(f"unknown budget unit {unit!r}; expected one of {', '.join(BUDGET_UNITS)}")


_CHIP_KEYS = {"name": str, "aliases": list, "peak_flops_per_second": float, "source": str}
_TYPE_NAMES = {str: "a string", list: "a list", float: "a number"}


def chips_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> list[Chip]:
    """Validate a parsed hardware catalogue (one table per chip) and build its chips. Errors name the chip, the key
    and ``source``."""
    chips = []
    for chip_id, table in data.items():
        where = f"[{chip_id}] of {source}"
        if not isinstance(table, dict):
            raise PresetError(f"{chip_id!r} must be a table of name, peak_flops_per_second and source in {source}")
        for key in table:
            if key not in _CHIP_KEYS:
                raise unknown_key(key, _CHIP_KEYS, f"[{chip_id}]", source)
        for key in ("name", "peak_flops_per_second", "source"):
            if key not in table:
                raise PresetError(f"missing key {key!r} in {where}")
        values: dict[str, Any] = {}
        for key, value in table.items():
            expected = _CHIP_KEYS[key]
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool):
                raise PresetError(f"{key!r} must be {_TYPE_NAMES[expected]} (got {type(value).__name__} {value!r}) "
                                  f"in {where}")
            values[key] = value
        peak = values["peak_flops_per_second"]
        if not (math.isfinite(peak) and peak > 0):
            raise PresetError(f"'peak_flops_per_second' must be > 0 (got {peak:g}) in {where}")
        aliases = values.get("aliases", [])
        for a in aliases:
            if not isinstance(a, str):
                raise PresetError(f"'aliases' must be a string (got {type(a).__name__} {a!r}) in {where}")
        chips.append(Chip(id=chip_id.lower(), name=values["name"], peak_flops_per_second=peak,
                          source=values["source"], aliases=tuple(a.lower() for a in aliases)))
    return chips
