"""Busbridge et al.'s supervised law, Chinchilla's form with a saturating exponent, and its closed-form optimum
(Busbridge et al. 2025, "Distillation Scaling Laws", arXiv:2502.08606, Eq. 1)."""

from __future__ import annotations

from typing import ClassVar

from ..base.records import record
from ..base.units import Real
from .parametric import ParametricLaw
from .questions import refuse_repeated_data, solve_term
from .repetition import Repetition

__all__ = ["BusbridgeLaw"]


@record   # a subclass of a record is one (planner.base.records)
class BusbridgeLaw(ParametricLaw):
    r"""The supervised scaling law of Busbridge et al. 2025 (arXiv:2502.08606, Eq. 1)::

        L(N, D) = E + (A/N^α + B/D^β)^γ

    N counts non-embedding parameters (Table 1). γ = 1 is Hoffmann et al.'s Eq. 2; the paper fits γ freely
    ("a significantly better fit and extrapolation without coefficient tying", footnote 1).

    L increases with the bracket, so on C = k·N·D it is minimised where the bracket is: at Hoffmann's split
    (Eq. 4) with the same A, B, α, β (:class:`ParametricLaw`), a = β/(α+β), b = α/(α+β) (Table 6 prints
    a = 0.513, b = 0.486). At the optimum the bracket is K_x·x^(−γ₀) with x = C/k, γ₀ = αβ/(α+β) and
    K_x = A·G^(−α) + B·G^β, so::

        L_opt(C) = E + K_x^γ·x^(−γ₀·γ)

    still the frontier form E + K·C^(−γ') of :class:`~planner.laws.Frontier`, with γ' = γ₀·γ.

    Its inverses in one quantity: the bracket at loss ℓ is (ℓ − E)^(1/γ), and each term solves for its quantity::

        D(N, ℓ) = (B / ((ℓ − E)^(1/γ) − A/N^α))^(1/β),   N(D, ℓ) = (A / ((ℓ − E)^(1/γ) − B/D^β))^(1/α)

    The paper fits it on unlimited data only: it answers no question on repeated data.
    """

    gamma: Real = 1.0

    form: ClassVar[str] = "busbridge"
    coefficient_names: ClassVar[tuple[str, ...]] = ("E", "A", "B", "alpha", "beta", "gamma")

    def loss(self, n_params: Real, n_tokens: Real) -> Real:
        """L(N, D) in nats/token (Eq. 1); N and D broadcast against each other."""
        return self.E + self.reducible(n_params, n_tokens)

    def reducible(self, n_params: Real, n_tokens: Real) -> Real:
        """L(N, D) − E = (A/N^α + B/D^β)^γ, without subtracting."""
        N, D = n_params, n_tokens
        return (self.A / N**self.alpha + self.B / D**self.beta) ** self.gamma

    def _bracket(self, loss: Real) -> Real:
        """(ℓ − E)^(1/γ), the bracket A/N^α + B/D^β at loss ℓ; −inf where ℓ ≤ E."""
        import numpy as np

        rest = np.asarray(loss, dtype=float) - self.E
        return np.where(rest > 0, np.maximum(rest, 0.0) ** (1.0 / self.gamma), -np.inf)

    def tokens_for_loss(self, n_params: Real, loss: Real) -> Real:
        """D(N, ℓ) = (B / ((ℓ − E)^(1/γ) − A/N^α))^(1/β); inf where no D reaches ℓ at this N."""
        import numpy as np

        rest = self._bracket(loss) - self.A / np.asarray(n_params, dtype=float) ** self.alpha
        return solve_term(rest, self.B, self.beta)

    def params_for_loss(self, n_tokens: Real, loss: Real) -> Real:
        """N(D, ℓ) = (A / ((ℓ − E)^(1/γ) − B/D^β))^(1/α) (D may be inf); inf where no N reaches ℓ at this D."""
        import numpy as np

        with np.errstate(divide="ignore"):
            rest = self._bracket(loss) - self.B / np.asarray(n_tokens, dtype=float) ** self.beta
        return solve_term(rest, self.A, self.alpha)

    def on_unique_data(self, unique_tokens: Real | None, repetition: Repetition | None = None) -> "BusbridgeLaw":
        """Itself with unlimited data; refused on repeated data (the paper fits no repetition)."""
        if unique_tokens is None:
            return self
        raise refuse_repeated_data(self.form)

    def _optimal_loss_scale(self) -> tuple[Real, Real]:
        """(K_x^γ, γ₀·γ): the bracket at the optimum is K_x·x^(−γ₀) (:class:`ParametricLaw`), raised to γ."""
        K, g0 = super()._optimal_loss_scale()
        return K**self.gamma, g0 * self.gamma
