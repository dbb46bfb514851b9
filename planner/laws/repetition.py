r"""Muennighoff et al.'s law for repeated data (2023, "Scaling Data-Constrained Language Models", arXiv:2305.16264).

With U_D unique tokens, training on D > U_D tokens repeats them; repeated tokens, and parameters in excess of what
the unique data can use, are worth less (§3, Eqs. 5 and 6)::

    D' = U_D + U_D·R_D*·(1 − e^(−R_D/R_D*)),   R_D = max(D/U_D − 1, 0)   (effective data)
    N' = U_N + U_N·R_N*·(1 − e^(−R_N/R_N*)),   R_N = N/U_N − 1            (effective parameters)
    U_N = min(N, N_U),  N_U the compute-optimal N of the law whose D_opt is U_D
    L_U(N, D) = E + A/N'^α + B/D'^β

The fitted decay constants of muennighoff2023 (App. A) are R_D* = 15.387756 and R_N* = 5.309743. Every function
takes floats or numpy arrays; numpy is imported when one runs.

:class:`RepeatedData` is L_U as a law of its own: a parametric law on U unique tokens, with the same questions
(loss, the inverses D(N, ℓ) and N(D, ℓ), the FLOP rule) answered on repeated data
(:meth:`planner.laws.ParametricLaw.on_unique_data` makes one).
"""

from __future__ import annotations

from typing import Any, Callable

from ..base.records import Record, record
from ..base.units import Real
from .questions import LossQuestions

__all__ = ["Repetition", "RepeatedData", "effective_tokens", "effective_params", "unique_params", "inverse_decay"]


def _np() -> Any:
    import numpy as np

    return np


@record
class Repetition(Record):
    """Muennighoff's decay constants: R_D* for repeated tokens, R_N* for excess parameters.

    ``source`` is the id of the law they were fitted with; ``borrowed`` is true when the law being planned with has
    no ``[repetition]`` table of its own and uses these.
    """

    R_D_star: float
    R_N_star: float
    source: str = ""
    borrowed: bool = False


def _decayed(X: Real, base: Real, R_star: float) -> Real:
    """X' = min(X, base) + base·R*·(1 − e^(−R/R*)), R = max(X/base − 1, 0): the value of X when all
    beyond ``base`` decays with constant R* (Muennighoff et al. 2023, Eqs. 5 and 6). base may be inf."""
    np = _np()
    X, base = np.asarray(X, dtype=float), np.asarray(base, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = np.maximum(X / base - 1.0, 0.0)
        extra = np.where(R > 0, -base * R_star * np.expm1(-R / R_star), 0.0)
    out: Real = np.minimum(X, base) + extra
    return out


def effective_tokens(n_tokens: Real, unique_tokens: Real, R_D_star: float) -> Real:
    """Effective data D' = U_D + U_D·R_D*·(1 − e^(−R_D/R_D*)), R_D = max(D/U_D − 1, 0).

    Muennighoff et al. 2023, Eq. 5. D' = D while D ≤ U_D; D' < U_D·(1 + R_D*) always.
    ``unique_tokens`` may be infinite (then D' = D).
    """
    return _decayed(n_tokens, unique_tokens, R_D_star)


def effective_params(n_params: Real, unique_params_: Real, R_N_star: float) -> Real:
    """Effective parameters N' = U_N + U_N·R_N*·(1 − e^(−R_N/R_N*)), U_N = min(N, N_U), R_N = N/U_N − 1.

    Muennighoff et al. 2023, Eq. 6; ``unique_params_`` is N_U (:func:`unique_params`), may be infinite.
    It is the same decay as :func:`effective_tokens`, with N_U in the place of U_D.
    """
    return _decayed(n_params, unique_params_, R_N_star)


def unique_params(model: Any, unique_tokens: Real) -> Real:
    """N_U: the parameters of the law's compute-optimal plan whose D_opt equals U_D.

    From Hoffmann Eq. 4, D_opt = x^b / G with x = C/k, so x = (G·U_D)^(1/b) and
    N_U = G·x^a = G·(G·U_D)^(β/α), as in Muennighoff et al.'s reference code (``D_to_N``).
    """
    m = getattr(model, "model", model)
    N_U: Real = m.G * (m.G * unique_tokens) ** (m.beta / m.alpha)
    return N_U


def inverse_decay(effective: Real, base: Real, R_star: float) -> Real:
    """Invert X' = min(X, U) + U·R*·(1 − e^(−R/R*)), R = X/U − 1: the X with that X'; inf if X' ≥ U·(1 + R*)."""
    np = _np()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        u = (effective / base - 1.0) / R_star           # = 1 − e^(−R/R*)
        R = -R_star * np.log1p(-np.minimum(u, 1.0))     # R = −R*·ln(1 − u); inf at u ≥ 1
        X: Real = np.where(effective <= base, effective, np.where(u < 1.0, base * (1.0 + R), np.inf))
    return X


def _worth(X: Real, base: Real, R_star: float, decay: Callable[[Real, Real, float], Real]) -> Real:
    """``decay(X, base, R*)``, with its limit base·(1 + R*) where X = ∞ (a cap that is absent)."""
    np = _np()
    X = np.asarray(X, dtype=float)
    inf = np.isinf(X)
    out: Real = np.where(inf, base * (1.0 + R_star), decay(np.where(inf, 1.0, X), base, R_star))
    return out


class RepeatedData:
    r"""L_U(N, D) = E + A/N′^α + B/D′^β: a parametric law trained on U unique tokens (Muennighoff et al. 2023, §3),
    a law of its own with the questions of its family answered on repeated data.

    ``effective(N, D)`` → (N′, D′) (Eqs. 5 and 6); ``loss_at(N′, D′)`` the plain law there;
    ``loss(N, D) = loss_at(*effective(N, D))``; ``tokens_for_loss(N, ℓ)`` and ``params_for_loss(D, ℓ)`` invert L_U
    (the plain law's inverse in N′ or D′, then :func:`inverse_decay`); ``training_flops`` is the plain law's
    k·N·D (repeats cost what new tokens cost).
    """

    def __init__(self, law: LossQuestions, unique_tokens: Real, repetition: Repetition):
        """``law``: the :class:`~planner.laws.ParametricLaw` trained on the data."""
        np = _np()
        self.law, self.repetition = law, repetition
        self.flops_per_param_token = law.flops_per_param_token
        self.U = np.asarray(unique_tokens, dtype=float)
        #: N_U: the parameters the unique data can use (Muennighoff et al. 2023, §3).
        self.N_U = unique_params(law, self.U)

    @property
    def irreducible(self) -> Real:
        return self.law.irreducible

    def effective_params(self, N: Real) -> Real:
        """N′ (Muennighoff et al. 2023, Eq. 6): decayed beyond N_U with R_N*."""
        return _worth(N, self.N_U, self.repetition.R_N_star, effective_params)

    def effective_tokens(self, D: Real) -> Real:
        """D′ (Muennighoff et al. 2023, Eq. 5): decayed beyond U_D with R_D*."""
        return _worth(D, self.U, self.repetition.R_D_star, effective_tokens)

    def effective(self, N: Real, D: Real) -> tuple[Real, Real]:
        """(N′, D′): what N parameters trained on D tokens are worth on this data."""
        return self.effective_params(N), self.effective_tokens(D)

    def loss_at(self, Np: Real, Dp: Real) -> Real:
        """The plain law at (N′, D′)."""
        return self.law.loss(Np, Dp)

    def loss(self, n_params: Real, n_tokens: Real) -> Real:
        """L_U(N, D)."""
        return self.loss_at(*self.effective(n_params, n_tokens))

    def training_flops(self, n_params: Real, n_tokens: Real) -> Real:
        return self.law.training_flops(n_params, n_tokens)

    def compute_optimal(self, flops: Real) -> tuple[Real, Real]:
        """The plain law's optimum (the start of the search on repeated data)."""
        return self.law.compute_optimal(flops)

    def tokens_for_loss(self, n_params: Real, loss: Real) -> Real:
        """D with L_U(N, D) = ℓ: D′ = D(N′, ℓ) of the plain law, then undecayed; inf where no D reaches ℓ."""
        Dp = self.law.tokens_for_loss(self.effective_params(n_params), loss)
        return inverse_decay(Dp, self.U, self.repetition.R_D_star)

    def params_for_loss(self, n_tokens: Real, loss: Real) -> Real:
        """N with L_U(N, D) = ℓ (D may be inf): N′ = N(D′, ℓ) of the plain law, then undecayed; inf where none."""
        Np = self.law.params_for_loss(self.effective_tokens(_np().asarray(n_tokens, dtype=float)), loss)
        return inverse_decay(Np, self.N_U, self.repetition.R_N_star)

