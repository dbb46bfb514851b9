"""The rarer published tables of a law file, as plain data: calibration rows."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Calibration"]


@dataclass(frozen=True)
class Calibration:
    """A law's ``[calibration]`` table: the published rows (N, C, D) its prefactor was calibrated on."""

    rows: tuple[tuple[float, float, float], ...]
    note: str = ""
