"""Kaplan et al.'s joint law in N and D and its closed-form compute-optimal split (arXiv:2001.08361)."""

from __future__ import annotations

from typing import ClassVar

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.records import Record, record
from ..base.units import Real
from .frontier import Frontier
from .questions import LossQuestions


__all__ = ["KaplanLaw"]


@record
class KaplanLaw(Record, LossQuestions):
    r"""Kaplan et al.'s joint law (arXiv:2001.08361, Eq. 1.5)::

        L(N, D) = [(N_c / N)^(α_N/α_D) + D_c / D]^α_D

    N counts non-embedding parameters (Kaplan §2.1).

    Compute-optimal split on C = k·N·D (derived here; L is increasing in the bracket, so
    minimise f(N) = (N_c/N)^p + k·D_c·N/C with p = α_N/α_D)::

        f'(N) = 0  ⇔  p·N_c^p·N^(-p-1) = k·D_c / C
        N_opt = [p·N_c^p·C / (k·D_c)]^(1/(p+1)),   D_opt = C / (k·N_opt)

    so N_opt ∝ C^(1/(1+p)) and D_opt ∝ C^(p/(1+p)). Its inverses in one quantity (Eq. 1.5 solved for it)::

        D(N, ℓ) = D_c / (ℓ^(1/α_D) − (N_c/N)^p),   N(D, ℓ) = N_c / (ℓ^(1/α_D) − D_c/D)^(1/p)

    It has no irreducible term: E = 0.
    """

    alpha_N: Real
    alpha_D: Real
    N_c: Real
    D_c: Real
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN

    form: ClassVar[str] = "kaplan"
    coefficient_names: ClassVar[tuple[str, ...]] = ("alpha_N", "alpha_D", "N_c", "D_c")
    #: Positive scales, whose uncertainty is skewed: drawn in log space (planner.planning.uncertainty).
    scale_names: ClassVar[tuple[str, ...]] = ("N_c", "D_c")
    has_loss: ClassVar[bool] = True

    def loss(self, n_params: Real, n_tokens: Real) -> Real:
        """L(N, D) in nats/token; N and D broadcast against each other."""
        N, D = n_params, n_tokens
        p = self.alpha_N / self.alpha_D
        return ((self.N_c / N) ** p + self.D_c / D) ** self.alpha_D

    @property
    def irreducible(self) -> Real:
        """E = 0: the form has no irreducible loss."""
        return 0.0

    def reducible(self, n_params: Real, n_tokens: Real) -> Real:
        """L(N, D) itself (E = 0)."""
        return self.loss(n_params, n_tokens)

    def tokens_for_loss(self, n_params: Real, loss: Real) -> Real:
        """D(N, ℓ) = D_c / (ℓ^(1/α_D) − (N_c/N)^p); inf where no D reaches ℓ at this N."""
        import numpy as np

        p = self.alpha_N / self.alpha_D
        s = np.asarray(loss, dtype=float) ** (1.0 / self.alpha_D) - (self.N_c / n_params) ** p
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, self.D_c / np.where(s > 0, s, 1.0), np.inf)

    def params_for_loss(self, n_tokens: Real, loss: Real) -> Real:
        """N(D, ℓ) = N_c / (ℓ^(1/α_D) − D_c/D)^(1/p) (D may be inf); inf where no N reaches ℓ at this D."""
        import numpy as np

        p = self.alpha_N / self.alpha_D
        with np.errstate(divide="ignore"):
            s = np.asarray(loss, dtype=float) ** (1.0 / self.alpha_D) - self.D_c / np.asarray(n_tokens, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, self.N_c / np.where(s > 0, s, 1.0) ** (1.0 / p), np.inf)

    @property
    def exponents(self) -> tuple[Real, Real]:
        """(a, b): N_opt ∝ C^a and D_opt ∝ C^b, with a + b = 1."""
        p = self.alpha_N / self.alpha_D
        return 1.0 / (1.0 + p), p / (1.0 + p)

    def compute_optimal(self, flops: Real) -> tuple[Real, Real]:
        """(N_opt, D_opt) for a budget of ``flops`` FLOPs (closed form above)."""
        p = self.alpha_N / self.alpha_D
        k, N_c, D_c = self.flops_per_param_token, self.N_c, self.D_c
        # N_c^(p/(p+1)) factored out of the bracket keeps the intermediate small; the power of p·C taken apart
        # from that of k·D_c, so a tiny budget (p·C/(k·D_c) below the smallest float) does not underflow to N = 0.
        e = 1.0 / (p + 1.0)
        N = N_c ** (p / (p + 1.0)) * (p * flops) ** e / (k * D_c) ** e
        return N, flops / (k * N)

    def flops_for_params(self, n_params: Real) -> Real:
        """The budget C at which ``n_params`` is compute-optimal, from the optimality condition above::

            p·N_c^p·N^(-p-1) = k·D_c / C   ⇔   C = k·D_c·N^(p+1) / (p·N_c^p)
        """
        p = self.alpha_N / self.alpha_D
        N = n_params
        # (N/N_c)^p·N rather than N^(p+1)/N_c^p: no overflow for large N.
        return self.flops_per_param_token * self.D_c * (N / self.N_c) ** p * N / p

    def flops_for_tokens(self, n_tokens: Real) -> Real:
        """The budget C at which ``n_tokens`` is compute-optimal: at the optimum D = C/(k·N) = D_c·(N/N_c)^p / p, so
        N = N_c·(p·D/D_c)^(1/p) and C = k·N·D."""
        p = self.alpha_N / self.alpha_D
        D = n_tokens
        return self.flops_per_param_token * self.N_c * (p * D / self.D_c) ** (1.0 / p) * D

    @property
    def frontier(self) -> Frontier:
        """L_opt(C) = K·C^(−γ) (E = 0): at the optimum the data term is p times the parameter term, so
        the bracket is (1+p)·(N_c·k·D_c/(p·C))^(p/(1+p)) and K = (1+p)^α_D·(N_c·k·D_c/p)^γ, γ = α_D·p/(1+p)."""
        p = self.alpha_N / self.alpha_D
        γ = self.alpha_D * p / (1.0 + p)
        k = self.flops_per_param_token
        return Frontier(E=0.0, K=(1.0 + p) ** self.alpha_D * (self.N_c * k * self.D_c / p) ** γ, gamma=γ)
