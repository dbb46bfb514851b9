r"""Loss models with the inverses the constraint solvers need, vectorised over arrays of plans.

A loss model answers, for a law and the data available:

- ``effective(N, D)`` → (N′, D′): what the parameters and tokens are worth. With unlimited unique data these are N
  and D; with U unique tokens, Muennighoff et al.'s effective parameters and data
  (:mod:`planner.laws.repetition`). Computed once per plan: the loss and the reported N′, D′ come from the same
  values.
- ``loss_at(N′, D′)`` and ``loss(N, D) = loss_at(*effective(N, D))``.
- ``tokens_for(N, ℓ)``, ``params_for(D, ℓ)``: the D (or N) at which the loss is ℓ, inf where none reaches it.

Families: the parametric law (Hoffmann et al. 2022, Eq. 2), on repeated data L_U = E + A/N′^α + B/D′^β
(Muennighoff et al. 2023, §3); Kaplan et al.'s law (Eq. 1.5) and Busbridge et al.'s (2025, Eq. 1), on unlimited data
only.
"""

from __future__ import annotations

from ..base.errors import NoLossModelError, UnsupportedLawError
from .repetition import Repetition, effective_params, effective_tokens, inverse_decay, unique_params
from ..base.units import Real

__all__ = ["ParametricLoss", "KaplanLoss", "BusbridgeLoss", "loss_model"]


def _np():
    import numpy as np

    return np


def _worth(X, base, R_star, decay):
    """``decay(X, base, R*)``, with its limit base·(1 + R*) where X = ∞ (a cap that is absent)."""
    np = _np()
    X = np.asarray(X, dtype=float)
    inf = np.isinf(X)
    return np.where(inf, base * (1.0 + R_star), decay(np.where(inf, 1.0, X), base, R_star))


class ParametricLoss:
    """L(N, D) = E + A/N′^α + B/D′^β (N′ = N, D′ = D with unlimited data), with its inverses."""

    def __init__(self, model, unique_tokens: float | None = None, repetition: Repetition | None = None):
        np = _np()
        self.m = model
        self.rep = repetition if unique_tokens is not None else None
        self.U = np.inf if unique_tokens is None else np.asarray(unique_tokens, dtype=float)
        #: N_U: the parameters the unique data can use (Muennighoff et al. 2023, §3).
        self.N_U = np.inf if unique_tokens is None else unique_params(model, self.U)

    def effective_params(self, N: Real) -> Real:
        """N′ (Muennighoff et al. 2023, Eq. 6): decayed beyond N_U with R_N*."""
        return N if self.rep is None else _worth(N, self.N_U, self.rep.R_N_star, effective_params)

    def effective_tokens(self, D: Real) -> Real:
        """D′ (Muennighoff et al. 2023, Eq. 5): decayed beyond U_D with R_D*."""
        return D if self.rep is None else _worth(D, self.U, self.rep.R_D_star, effective_tokens)

    def effective(self, N: Real, D: Real) -> tuple[Real, Real]:
        """(N′, D′): what N parameters trained on D tokens are worth on this data."""
        return self.effective_params(N), self.effective_tokens(D)

    def loss_at(self, Np: Real, Dp: Real) -> Real:
        """E + A/N′^α + B/D′^β."""
        m = self.m
        return m.E + m.A / Np**m.alpha + m.B / Dp**m.beta

    def loss(self, N: Real, D: Real) -> Real:
        return self.loss_at(*self.effective(N, D))

    def _solve(self, rest, coef, power, base, R_star):
        """The X whose term coef/X′^power equals ``rest``; inf where rest ≤ 0 or the repeats cannot reach it."""
        np = _np()
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            Xp = np.where(rest > 0, (coef / np.where(rest > 0, rest, 1.0)) ** (1.0 / power), np.inf)
        return Xp if self.rep is None else inverse_decay(Xp, base, R_star)

    def tokens_for(self, N: Real, ell: Real) -> Real:
        """D with L(N, D) = ℓ; inf where no D reaches ℓ at this N."""
        m = self.m
        rest = ell - m.E - m.A / self.effective_params(N) ** m.alpha
        return self._solve(rest, m.B, m.beta, self.U, self.rep and self.rep.R_D_star)

    def params_for(self, D: Real, ell: Real) -> Real:
        """N with L(N, D) = ℓ (D may be inf); inf where no N reaches ℓ at this D."""
        np = _np()
        m = self.m
        Dp = self.effective_tokens(np.asarray(D, dtype=float))
        with np.errstate(divide="ignore"):
            rest = ell - m.E - m.B / Dp ** m.beta
        return self._solve(rest, m.A, m.alpha, self.N_U, self.rep and self.rep.R_N_star)


class KaplanLoss:
    """L(N, D) = [(N_c/N)^p + D_c/D]^α_D, p = α_N/α_D (Kaplan et al. 2020, Eq. 1.5), with its inverses."""

    def __init__(self, model):
        self.m = model
        self.p = model.alpha_N / model.alpha_D

    def effective(self, N: Real, D: Real) -> tuple[Real, Real]:
        return N, D

    def effective_params(self, N: Real) -> Real:
        return N

    def effective_tokens(self, D: Real) -> Real:
        return D

    def loss_at(self, Np: Real, Dp: Real) -> Real:
        np = _np()
        with np.errstate(divide="ignore"):
            return self.m.loss(np.asarray(Np, dtype=float), np.asarray(Dp, dtype=float))

    def loss(self, N: Real, D: Real) -> Real:
        return self.loss_at(N, D)

    def tokens_for(self, N: Real, ell: Real) -> Real:
        np = _np()
        m = self.m
        s = np.asarray(ell, dtype=float) ** (1.0 / m.alpha_D) - (m.N_c / N) ** self.p
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, m.D_c / np.where(s > 0, s, 1.0), np.inf)

    def params_for(self, D: Real, ell: Real) -> Real:
        np = _np()
        m = self.m
        with np.errstate(divide="ignore"):
            s = np.asarray(ell, dtype=float) ** (1.0 / m.alpha_D) - m.D_c / np.asarray(D, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, m.N_c / np.where(s > 0, s, 1.0) ** (1.0 / self.p), np.inf)


class BusbridgeLoss(KaplanLoss):
    """L(N, D) = E + (A/N^α + B/D^β)^γ (Busbridge et al. 2025, Eq. 1) on unlimited data, with its inverses: the
    bracket at loss ℓ is (ℓ − E)^(1/γ), and each term solves for its quantity. (Kaplan's loss model for the rest:
    no repetition, L evaluated by the family.)"""

    def __init__(self, model):
        self.m = model

    def _bracket(self, ell):
        np = _np()
        rest = np.asarray(ell, dtype=float) - self.m.E
        return np.where(rest > 0, np.maximum(rest, 0.0) ** (1.0 / self.m.gamma), -np.inf)

    def tokens_for(self, N: Real, ell: Real) -> Real:
        np = _np()
        m = self.m
        s = self._bracket(ell) - m.A / np.asarray(N, dtype=float) ** m.alpha
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, (m.B / np.where(s > 0, s, 1.0)) ** (1.0 / m.beta), np.inf)

    def params_for(self, D: Real, ell: Real) -> Real:
        np = _np()
        m = self.m
        with np.errstate(divide="ignore"):
            s = self._bracket(ell) - m.B / np.asarray(D, dtype=float) ** m.beta
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, (m.A / np.where(s > 0, s, 1.0)) ** (1.0 / m.alpha), np.inf)


def loss_model(law, unique_tokens: float | None = None, repetition: Repetition | None = None):
    """The loss model of ``law`` (a Law or a family) for ``unique_tokens`` of unique data (None: unlimited).

    Raises NoLossModelError for an allocation rule, UnsupportedLawError for repeated data on a non-parametric law.
    """
    model = getattr(law, "model", law)
    law_id = getattr(law, "id", model.form)
    if not model.has_loss:
        raise NoLossModelError(
            f"{law_id} is an allocation rule with no loss model, and planning under constraints compares "
            "losses; use a parametric preset such as --preset besiroglu2024 or muennighoff2023")
    if model.form == "parametric":
        return ParametricLoss(model, unique_tokens, repetition)
    if model.form == "kaplan" and unique_tokens is None:
        return KaplanLoss(model)
    if model.form == "busbridge" and unique_tokens is None:
        return BusbridgeLoss(model)
    raise UnsupportedLawError(
        f"--unique-tokens needs a parametric (Chinchilla-form) law, as Muennighoff et al. 2023 fit it; {law_id} "
        f"has the {model.form} form; use --preset muennighoff2023 or another parametric preset")
