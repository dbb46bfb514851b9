"""The loss-against-compute envelope L(C) = E + A·C^(−α): the lowest loss a recipe reaches at each compute.

The form marin gates its mixture-of-experts ablations on (marin-community/marin, ``experiments/grug/moe/agent.md``:
``loss(C) = 1.6 + 88.32·C^(−0.0941)``, the asymptote pinned), and the shape every closed-form frontier takes
(:class:`~planner.laws.Frontier`: Hoffmann et al. 2022's L_opt(C) = E + K·C^(−γ)). It predicts a loss from compute
alone: it has no split of C into N and D.
"""

import math
from typing import Any, ClassVar, NoReturn

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.records import Record, record
from ..base.units import Real
from .frontier import Frontier
from .questions import REMEDIES, LossQuestions, refusal

__all__ = ["EnvelopeLaw"]


@record
class EnvelopeLaw(Record, LossQuestions):
    r"""L(C) = E + A·C^(−α): the loss envelope of a recipe against training compute C (FLOPs).

    Parameters
    ----------
    E : the asymptote L∞ (nats/token).
    A : scale, in nats/token · FLOPs^α.
    alpha : exponent α > 0.
    flops_per_param_token : kept for the FLOP convention of the runs it was fitted to; the law itself uses C only.

    The least compute that reaches a loss ℓ > E is C = (A/(ℓ − E))^(1/α); between two envelopes with the same
    E and α the compute multiplier is the constant ((L_b − E)/(L_v − E))^(1/α). Every question about the loss against
    compute reads :attr:`frontier` (:class:`~planner.laws.questions.LossQuestions`); its plans are the loss at C with
    N and D not a number (:attr:`splits` is False: reports show them as not given), and every question that needs
    N and D is refused (:class:`~planner.base.errors.UnansweredError`).

    >>> marin = EnvelopeLaw(E=1.6, A=88.32, alpha=0.0941)   # marin experiments/grug/moe/agent.md
    >>> f"{marin.frontier.loss(1e23):.3f}"
    '2.205'
    """

    E: Real
    A: Real
    alpha: Real
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN

    form: ClassVar[str] = "envelope"
    coefficient_names: ClassVar[tuple[str, ...]] = ("E", "A", "alpha")
    #: Positive scales, whose uncertainty is skewed: drawn in log space (planner.planning.uncertainty).
    scale_names: ClassVar[tuple[str, ...]] = ("A",)
    has_loss: ClassVar[bool] = True
    splits: ClassVar[bool] = False

    @property
    def frontier(self) -> Frontier:
        """The envelope as a :class:`~planner.laws.Frontier` (K = A, γ = α): what every loss-against-compute
        question (a loss at C, the least compute for a loss, a compute multiplier) reads."""
        return Frontier(E=self.E, K=self.A, gamma=self.alpha)

    def compute_optimal(self, flops: Real) -> NoReturn:
        """An envelope has no split of C into N and D: refused (the loss at C is :attr:`frontier`)."""
        raise refusal("{question} is not available for {law}, a loss-against-compute envelope "
                       "L(C) = E + A·C^(-alpha): it predicts the loss at a budget but splits it into no N and D; "
                       "compare it with {versus}", versus=REMEDIES["versus"])

    def optimal_plan(self, flops: Real) -> tuple[Real, Real, Real | None, dict[str, Real]]:
        """(N, D, L(C), no extra fields): the loss the envelope predicts at C, with N and D not a number (it gives no
        split; :attr:`splits` is False, so a plan shows them as not given)."""
        L = self.frontier.loss(flops)
        if isinstance(flops, (int, float)):
            return math.nan, math.nan, L, {}
        import numpy as np

        nan: Any = np.full(np.shape(L), math.nan)   # L's shape: coefficients may be arrays of draws
        return nan, nan.copy(), L, {}

    def loss(self, n_params: Real, n_tokens: Real) -> Real:
        """L at C = k·N·D: the envelope reads only the run's compute."""
        return self.frontier.loss(self.training_flops(n_params, n_tokens))
