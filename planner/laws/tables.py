"""The rarer published tables of a law file, as plain data: hyperparameter power laws and calibration rows."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PowerLaw", "HyperparameterLaws", "Calibration"]


@dataclass(frozen=True)
class PowerLaw:
    """y = coefficient · C^exponent, C in FLOPs."""

    coefficient: float
    exponent: float

    def __call__(self, flops: float) -> float:
        y: float = self.coefficient * flops ** self.exponent
        return y


@dataclass(frozen=True)
class HyperparameterLaws:
    """A law's ``[hyperparameters]`` table: power laws in C for the peak learning rate and the batch size in tokens
    (DeepSeek-AI 2024, arXiv:2401.02954, §3.1)."""

    learning_rate: PowerLaw
    batch_tokens: PowerLaw


@dataclass(frozen=True)
class Calibration:
    """A law's ``[calibration]`` table: the published rows (N, C, D) its prefactor was calibrated on."""

    rows: tuple[tuple[float, float, float], ...]
    note: str = ""
