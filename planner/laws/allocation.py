"""Published allocation rules: N_opt, D_opt or FLOPs per token as a power law in C, with no loss model."""

from __future__ import annotations

from typing import ClassVar

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.errors import NoLossModelError, UnsupportedLawError
from ..base.records import Record, record
from ..base.units import Real
from .questions import Questions, refuse_without_loss
from .repetition import Repetition

__all__ = ["AllocationRule", "ALLOCATION_GIVES"]


#: What an allocation rule's power law gives, and how the other quantity follows.
ALLOCATION_GIVES = ("n_params", "n_tokens", "flops_per_token")


@record
class AllocationRule(Record, Questions):
    r"""A published allocation rule with no loss model: one quantity as a power law in C::

        X_opt = coefficient · (C / flops_unit)^exponent

    ``gives`` names X: ``n_params`` (then D = C / (k·N)), ``n_tokens`` (then
    N = C / (k·D)) or ``flops_per_token`` M (DeepSeek's non-embedding FLOPs per token,
    C = M·D; then D = C / M and the parameter-equivalent N = M / k). Deriving the other
    quantity from the preset's own FLOPs convention makes k·N·D = C exactly.
    ``flops_unit`` is the unit of C in the paper's formula (Kaplan uses PF-days).
    """

    gives: str
    coefficient: Real
    exponent: Real
    flops_unit: float = 1.0
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN

    form: ClassVar[str] = "allocation"
    coefficient_names: ClassVar[tuple[str, ...]] = ("coefficient", "exponent")
    #: Positive scales, whose uncertainty is skewed: drawn in log space (planner.planning.uncertainty).
    scale_names: ClassVar[tuple[str, ...]] = ("coefficient",)
    has_loss: ClassVar[bool] = False
    unit_interval_names: ClassVar[tuple[str, ...]] = ("exponent",)

    def describe(self) -> dict[str, str]:
        """What its power law gives."""
        return {"gives": self.gives}

    def on_unique_data(self, unique_tokens: Real | None, repetition: Repetition | None = None) -> "AllocationRule":
        """Refused: planning under constraints compares losses, and a rule predicts none."""
        raise refuse_without_loss("planning under constraints compares losses")

    def __post_init__(self) -> None:
        if self.gives not in ALLOCATION_GIVES:
            raise ValueError(f"gives must be one of {ALLOCATION_GIVES} (got {self.gives!r})")

    def loss(self, n_params: Real, n_tokens: Real) -> Real:
        raise NoLossModelError(
            "this law is an allocation rule: it splits compute but predicts no loss; "
            "use a parametric preset such as 'besiroglu2024' for losses"
        )

    @property
    def exponents(self) -> tuple[Real, Real]:
        """(a, b): N_opt ∝ C^a and D_opt ∝ C^b, with a + b = 1."""
        e = self.exponent
        return (1.0 - e, e) if self.gives == "n_tokens" else (e, 1.0 - e)

    def compute_optimal(self, flops: Real) -> tuple[Real, Real]:
        """(N_opt, D_opt) for a budget of ``flops`` FLOPs."""
        k = self.flops_per_param_token
        X = self.coefficient * (flops / self.flops_unit) ** self.exponent
        if self.gives == "n_params":
            return X, flops / (k * X)
        if self.gives == "n_tokens":
            return flops / (k * X), X
        # flops_per_token: C = M·D, and N = M/k is the parameter count with that cost.
        return X / k, flops / X

    def flops_for_params(self, n_params: Real) -> Real:
        """The budget C at which ``n_params`` is the rule's N_opt(C), inverted in closed form (see
        :meth:`flops_for_tokens` for the other quantity)::

            gives n_params:        N = c·(C/u)^e                  ⇒  C = u·(N/c)^(1/e)
            gives flops_per_token: N = M/k = c·(C/u)^e / k        ⇒  C = u·(k·N/c)^(1/e)
            gives n_tokens:        N = C/(k·D) = (C/u)^(1−e)·u/(k·c)  ⇒  C = u·(k·c·N/u)^(1/(1−e))
        """
        k, c, u = self.flops_per_param_token, self.coefficient, self.flops_unit
        if self.gives == "n_tokens":
            return u * self._root(k * c * n_params / u, 1.0 - self.exponent, "N_opt")
        X = n_params if self.gives == "n_params" else k * n_params
        return u * self._root(X / c, self.exponent, "N_opt")

    def flops_for_tokens(self, n_tokens: Real) -> Real:
        """The budget C at which ``n_tokens`` is the rule's D_opt(C), inverted in closed form::

            gives n_tokens:        D = c·(C/u)^e                      ⇒  C = u·(D/c)^(1/e)
            gives n_params:        D = C/(k·N) = (C/u)^(1−e)·u/(k·c)  ⇒  C = u·(k·c·D/u)^(1/(1−e))
            gives flops_per_token: D = C/M = (C/u)^(1−e)·u/c          ⇒  C = u·(c·D/u)^(1/(1−e))
        """
        k, c, u = self.flops_per_param_token, self.coefficient, self.flops_unit
        if self.gives == "n_tokens":
            return u * self._root(n_tokens / c, self.exponent, "D_opt")
        scale = k * c if self.gives == "n_params" else c
        return u * self._root(scale * n_tokens / u, 1.0 - self.exponent, "D_opt")

    @staticmethod
    def _root(x: Real, power: Real, what: str) -> Real:
        """x^(1/power), the inverse of a power law C^power; refused unless the quantity grows with C (power > 0)."""
        if isinstance(power, (int, float)):
            lowest = power
        else:  # coefficient draws (planner.planning.uncertainty): an array
            import numpy as np

            lowest = float(np.min(power))
        if not lowest > 0:
            raise UnsupportedLawError(f"{what} of this allocation rule does not grow with compute (its exponent in C "
                                      f"is {lowest:g}), so no budget makes a given value optimal")
        return x ** (1.0 / power)
