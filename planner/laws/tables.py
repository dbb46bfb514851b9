"""The rarer published tables of a law file, as plain data: calibration rows."""

from __future__ import annotations

from ..base.records import Record, record

__all__ = ["Calibration"]


@record
class Calibration(Record):
    """A law's ``[calibration]`` table: the published rows (N, C, D) its prefactor was calibrated on."""

    rows: tuple[tuple[float, float, float], ...]
    note: str = ""
