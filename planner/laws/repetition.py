r"""Muennighoff et al.'s law for repeated data (2023, "Scaling Data-Constrained Language Models", arXiv:2305.16264).

With U_D unique tokens, training on D > U_D tokens repeats them; repeated tokens, and parameters in excess of what
the unique data can use, are worth less (§3, Eqs. 5 and 6)::

    D' = U_D + U_D·R_D*·(1 − e^(−R_D/R_D*)),   R_D = max(D/U_D − 1, 0)   (effective data)
    N' = U_N + U_N·R_N*·(1 − e^(−R_N/R_N*)),   R_N = N/U_N − 1            (effective parameters)
    U_N = min(N, N_U),  N_U the compute-optimal N of the law whose D_opt is U_D
    L_U(N, D) = E + A/N'^α + B/D'^β

The fitted decay constants of muennighoff2023 (App. A) are R_D* = 15.387756 and R_N* = 5.309743. Every function
takes floats or numpy arrays; numpy is imported when one runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..base.units import Real

__all__ = ["Repetition", "effective_tokens", "effective_params", "unique_params", "inverse_decay"]


def _np():
    import numpy as np

    return np


@dataclass(frozen=True)
class Repetition:
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
    return np.minimum(X, base) + extra


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


def unique_params(model, unique_tokens: Real) -> Real:
    """N_U: the parameters of the law's compute-optimal plan whose D_opt equals U_D.

    From Hoffmann Eq. 4, D_opt = x^b / G with x = C/k, so x = (G·U_D)^(1/b) and
    N_U = G·x^a = G·(G·U_D)^(β/α), as in Muennighoff et al.'s reference code (``D_to_N``).
    """
    m = getattr(model, "model", model)
    return m.G * (m.G * unique_tokens) ** (m.beta / m.alpha)


def inverse_decay(effective: Real, base: Real, R_star: float) -> Real:
    """Invert X' = min(X, U) + U·R*·(1 − e^(−R/R*)), R = X/U − 1: the X with that X'; inf if X' ≥ U·(1 + R*)."""
    np = _np()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        u = (effective / base - 1.0) / R_star           # = 1 − e^(−R/R*)
        R = -R_star * np.log1p(-np.minimum(u, 1.0))     # R = −R*·ln(1 − u); inf at u ≥ 1
        return np.where(effective <= base, effective, np.where(u < 1.0, base * (1.0 + R), np.inf))

