"""The distillation scaling law: a student's loss from its size, its distillation tokens and its teacher's loss
(Busbridge et al. 2025, "Distillation Scaling Laws", arXiv:2502.08606, Eq. 8)."""

from __future__ import annotations

import math
from typing import ClassVar

from ..base.records import Record, record
from ..base.units import Real

__all__ = ["DistillationLaw"]


def _softplus(z: Real) -> Real:
    """log(1 + e^z) without overflow, for a float or an array."""
    if isinstance(z, (int, float)):
        return max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    import numpy as np

    return np.logaddexp(0.0, z)


def _exp(x: Real) -> Real:
    if isinstance(x, (int, float)):
        return math.exp(x)
    import numpy as np

    return np.exp(x)


def _log(x: Real) -> Real:
    if isinstance(x, (int, float)):
        return math.log(x)
    import numpy as np

    return np.log(x)


@record
class DistillationLaw(Record):
    r"""Busbridge et al.'s distillation scaling law (arXiv:2502.08606, Eq. 8)::

        L_S(N_S, D_S, L_T) = L_T + L_T^(−c₀)·(1 + (L_T / (L̃_S·d₁))^(1/f₁))^(−c₁·f₁)·(A′/N_S^α′ + B′/D_S^β′)^γ′

    L_S: the student's cross-entropy on data after pure distillation (λ = 1, τ = 1; §4.1) on D_S tokens from a
    teacher of cross-entropy L_T; N_S non-embedding parameters; L̃_S = L(N_S, D_S) the cross-entropy the same
    student would reach trained supervised on the same tokens (the supervised law, Eq. 1). The broken power law
    in L_T switches where L_T / L̃_S = d₁, the ratio of the teacher's and the student's learning capacities: the
    *capacity gap* (§4.3). Limits (§4.3): L_S → L_T as N_S, D_S → ∞, and as L_T → ∞.

    Parameters (Table 6, distillation column): A, B, alpha, beta, gamma are A′, B′, α′, β′, γ′; c0, c1, f1, d1.
    The middle factor is computed in log space, −c₁·f₁·softplus(log(L_T / (L̃_S·d₁)) / f₁), since with Table 6's
    c₁ = 522.6 and f₁ = 0.090 its power would overflow.
    """

    A: Real
    B: Real
    alpha: Real
    beta: Real
    gamma: Real
    c0: Real
    c1: Real
    f1: Real
    d1: Real

    #: Not a law family: the name of the table (``[distillation]``) its coefficients are read from.
    form: ClassVar[str] = "distillation"
    coefficient_names: ClassVar[tuple[str, ...]] = ("A", "B", "alpha", "beta", "gamma", "c0", "c1", "f1", "d1")

    def loss(self, n_params: Real, n_tokens: Real, teacher_loss: Real, supervised_loss: Real) -> Real:
        """L_S (nats/token) of a student of ``n_params`` distilled on ``n_tokens`` from a teacher of loss
        ``teacher_loss``, given L̃_S = ``supervised_loss``, its supervised loss on the same tokens."""
        N, D, L_T = n_params, n_tokens, teacher_loss
        log_gap = -self.c1 * self.f1 * _softplus((_log(L_T) - _log(supervised_loss) - _log(self.d1)) / self.f1)
        mimic = (self.A / N**self.alpha + self.B / D**self.beta) ** self.gamma
        return L_T + _exp(log_gap - self.c0 * _log(L_T)) * mimic

    @property
    def exponents(self) -> tuple[Real, Real]:
        """(a′, b′) = (β′/(α′+β′), α′/(α′+β′)), which Table 6 prints as 0.664 and 0.335."""
        s = self.alpha + self.beta
        return self.beta / s, self.alpha / s
