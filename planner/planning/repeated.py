"""The loss of one run on repeated data (Muennighoff et al. 2023, "Scaling Data-Constrained Language Models",
arXiv:2305.16264, §3), and what the constraint solvers share with it: the law a run on U unique tokens is planned
with, numpy's warnings kept quiet, and a problem's result shaped as its input.

The law is the family's own (:meth:`~planner.laws.questions.Questions.on_unique_data`): a
:class:`~planner.laws.repetition.RepeatedData` for a parametric law, a refusal for the others.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from ..base.records import Record, record
from ..base.units import Real, check_positive
from ..laws.questions import asking, family_of
from ..laws.repetition import Repetition

__all__ = ["RepeatedRun", "repeated_loss", "law_on_data", "quiet_floats", "shaped"]

F = TypeVar("F", bound=Callable[..., Any])


def _np() -> Any:
    import numpy as np

    return np


def law_on_data(law: Any, unique_tokens: Real | None, repetition: Repetition | None = None) -> Any:
    """The law of runs on ``unique_tokens`` unique tokens (None: unlimited data, the family itself), with the
    repetition constants passed, else the law's own ``[repetition]`` table."""
    rep = repetition or getattr(law, "repetition", None)
    return family_of(law).on_unique_data(unique_tokens, rep)


def quiet_floats(f: F) -> F:
    """Run ``f`` with numpy's overflow, divide and invalid warnings off: extreme inputs (C = 1e300 on U = 1e-10)
    overflow to inf, which the solvers handle, and the warnings would otherwise reach the user's stderr."""
    @functools.wraps(f)
    def quiet(*args: Any, **kwargs: Any) -> Any:
        with _np().errstate(over="ignore", divide="ignore", invalid="ignore"):
            return f(*args, **kwargs)
    return quiet  # type: ignore[return-value]


def shaped(x: Any, scalar: bool) -> Any:
    """A float for a scalar problem, else the array."""
    np = _np()
    if x is None:
        return None
    a = np.asarray(x)
    return a.reshape(-1)[0].item() if scalar else a


@record
class RepeatedRun(Record):
    """A run of N parameters on D tokens drawn from U unique tokens, under L_U.

    epochs : D / U.  effective_tokens : D'.  effective_params : N'.
    loss : L_U(N, D) in nats/token.  loss_all_unique : the plain law's L(N, D), as if every token were new.
    """

    n_params: Real
    n_tokens: Real
    unique_tokens: Real
    epochs: Real
    effective_tokens: Real
    effective_params: Real
    loss: Real
    loss_all_unique: Real
    repetition: Repetition


@quiet_floats
def repeated_loss(law: Any, n_params: Real, n_tokens: Real, unique_tokens: Real,
                  repetition: Repetition | None = None) -> RepeatedRun:
    """The loss of training N parameters on D tokens from U unique ones (Muennighoff et al. 2023)."""
    N = check_positive(n_params, "n_params")
    D = check_positive(n_tokens, "n_tokens")
    U = check_positive(unique_tokens, "unique_tokens")
    with asking(law, "repeated_loss"):
        lm = law_on_data(law, U, repetition)
    scalar = all(isinstance(x, float) for x in (N, D, U))
    Np, Dp = lm.effective(N, D)   # once: the loss and the reported N', D' are the same values
    out = dict(
        n_params=N, n_tokens=D, unique_tokens=U, epochs=_np().asarray(D) / U,
        effective_tokens=Dp, effective_params=Np, loss=lm.loss_at(Np, Dp), loss_all_unique=lm.law.loss(N, D),
    )
    return RepeatedRun(**{k: shaped(v, scalar) for k, v in out.items()}, repetition=lm.repetition)
