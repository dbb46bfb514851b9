"""Chinchilla's parametric law and its closed-form compute-optimal split (Hoffmann et al. 2022, arXiv:2203.15556)."""

from typing import TYPE_CHECKING, ClassVar

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.records import Record, record
from ..base.units import Real
from .questions import LossQuestions, refusal, solve_term

if TYPE_CHECKING:
    import numpy

    from .frontier import Frontier
    from .repetition import RepeatedData, Repetition

__all__ = ["ParametricLaw", "pow_array"]


@record   # a frozen dataclass made on every run of ``plan`` (planner.base.records)
class ParametricLaw(Record, LossQuestions):
    r"""Chinchilla's parametric law (Hoffmann et al. 2022, arXiv:2203.15556, Eq. 2)::

        L(N, D) = E + A / N^α + B / D^β

    Parameters
    ----------
    E : irreducible loss (nats/token) of the paper's data set.
    A, B : scale of the parameter and data terms.
    alpha, beta : exponents α, β > 0.
    flops_per_param_token : k in C = k·N·D (6 by default).

    Minimising L on C = k·N·D gives (Hoffmann Eq. 4, with 6 → k)::

        G = (αA / (βB))^(1/(α+β)),  a = β/(α+β),  b = α/(α+β)
        N_opt = G·(C/k)^a,           D_opt = G^-1·(C/k)^b

    E does not move the optimum. Its inverses in one quantity (Eq. 2 solved for it)::

        D(N, ℓ) = (B / (ℓ − E − A/N^α))^(1/β),   N(D, ℓ) = (A / (ℓ − E − B/D^β))^(1/α)

    >>> law = ParametricLaw(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)   # Hoffmann et al., Eq. 10
    >>> N, D = law.compute_optimal(1e21)
    >>> f"{N:.4g} parameters, {D:.4g} tokens, {6 * N * D:.3g} FLOPs"
    '1.824e+09 parameters, 9.136e+10 tokens, 1e+21 FLOPs'
    """

    E: Real
    A: Real
    B: Real
    alpha: Real
    beta: Real
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN

    form: ClassVar[str] = "parametric"
    coefficient_names: ClassVar[tuple[str, ...]] = ("E", "A", "B", "alpha", "beta")
    #: Positive scales, whose uncertainty is skewed: drawn in log space (planner.planning.uncertainty).
    scale_names: ClassVar[tuple[str, ...]] = ("A", "B")
    has_loss: ClassVar[bool] = True

    def loss(self, n_params: Real, n_tokens: Real) -> Real:
        """L(N, D) in nats/token; N and D broadcast against each other."""
        N, D = n_params, n_tokens
        return self.E + self.A / N**self.alpha + self.B / D**self.beta

    def reducible(self, n_params: Real, n_tokens: Real) -> Real:
        """L(N, D) − E = A/N^α + B/D^β, without subtracting (no cancellation for huge N and D)."""
        return self.A / n_params**self.alpha + self.B / n_tokens**self.beta

    def tokens_for_loss(self, n_params: Real, loss: Real) -> Real:
        """D(N, ℓ) = (B / (ℓ − E − A/N^α))^(1/β); inf where no D reaches ℓ at this N."""
        return solve_term(loss - self.E - self.A / n_params**self.alpha, self.B, self.beta)

    def params_for_loss(self, n_tokens: Real, loss: Real) -> Real:
        """N(D, ℓ) = (A / (ℓ − E − B/D^β))^(1/α) (D may be inf); inf where no N reaches ℓ at this D."""
        import numpy as np

        with np.errstate(divide="ignore"):
            rest = loss - self.E - self.B / np.asarray(n_tokens, dtype=float) ** self.beta
        return solve_term(rest, self.A, self.alpha)

    def on_unique_data(self, unique_tokens: Real | None, repetition: "Repetition | None" = None
                       ) -> "ParametricLaw | RepeatedData":
        """L_U on ``unique_tokens`` unique tokens with ``repetition``'s decay constants (Muennighoff et al. 2023,
        §3): a :class:`~planner.laws.repetition.RepeatedData`; the law itself with unlimited data (None)."""
        if unique_tokens is None:
            return self
        if repetition is None:
            raise refusal("{law} has no [repetition] table of its own: pass repetition=, e.g. "
                           "planner.repetition_for(law) to borrow Muennighoff et al. 2023's")
        # only a plan on repeated data needs it: off the plan --flops path, which loads this family
        from .repetition import RepeatedData

        return RepeatedData(self, unique_tokens, repetition)

    @property
    def exponents(self) -> tuple[Real, Real]:
        """(a, b): N_opt ∝ C^a and D_opt ∝ C^b, with a + b = 1."""
        s = self.alpha + self.beta
        return self.beta / s, self.alpha / s

    @property
    def G(self) -> Real:
        """G = (αA / (βB))^(1/(α+β)) of Hoffmann Eq. 4."""
        α, β, A, B = self.alpha, self.beta, self.A, self.B
        return (α * A / (β * B)) ** (1.0 / (α + β))

    def compute_optimal(self, flops: Real) -> tuple[Real, Real]:
        """(N_opt, D_opt) for a budget of ``flops`` FLOPs (closed form, Eq. 4)."""
        a, b = self.exponents
        G = self.G
        x = flops / self.flops_per_param_token
        if isinstance(x, float):
            return G * x**a, x**b / G
        N = G * pow_array(x, a)
        return N, x / N  # x / N = x^(1-a) / G = x^b / G

    def flops_for_params(self, n_params: Real) -> Real:
        """The budget C at which ``n_params`` is compute-optimal: N_opt(C) = N inverted (Eq. 4),
        C = k·(N/G)^(1/a)."""
        a, _ = self.exponents
        return self.flops_per_param_token * (n_params / self.G) ** (1.0 / a)

    def flops_for_tokens(self, n_tokens: Real) -> Real:
        """The budget C at which ``n_tokens`` is compute-optimal: D_opt(C) = D inverted (Eq. 4),
        C = k·(G·D)^(1/b)."""
        _, b = self.exponents
        return self.flops_per_param_token * (self.G * n_tokens) ** (1.0 / b)

    def _optimal_loss_scale(self) -> tuple[Real, Real]:
        """(K_x, γ) with L_opt = E + K_x·(C/k)^(−γ): both terms of L fall with the same power of C at the
        optimum, since a·α = b·β = αβ/(α+β) =: γ, and K_x = A·G^(−α) + B·G^β. The one place K is computed."""
        α, β, G = self.alpha, self.beta, self.G
        return self.A * G**-α + self.B * G**β, α * β / (α + β)

    @property
    def frontier(self) -> "Frontier":
        """L_opt(C) = E + K·C^(−γ) with K = (A·G^(−α) + B·G^β)·k^γ, γ = αβ/(α+β)."""
        # only the frontier's questions (target loss, compute multipliers) need it: off the plan --flops path
        from .frontier import Frontier

        K, γ = self._optimal_loss_scale()
        return Frontier(E=self.E, K=K * self.flops_per_param_token**γ, gamma=γ)

    def optimum(self, flops: Real) -> tuple[Real, Real, Real | None]:
        """(N_opt, D_opt, L_opt) together; for arrays one logarithm serves all three."""
        if isinstance(flops, (int, float)):
            N, D = self.compute_optimal(flops)
            return N, D, self.optimal_loss(flops)
        import numpy as np

        K, γ = self._optimal_loss_scale()
        a, _ = self.exponents
        x = flops / self.flops_per_param_token
        lx = np.log2(x)
        if any(np.ndim(getattr(self, name)) for name in self.coefficient_names):
            # Coefficient arrays (interval samples) broadcast against the budgets.
            N = self.G * np.exp2(a * lx)
            return N, x / N, self.E + K * np.exp2(-γ * lx)
        # Scalar coefficients: in place, since on 10^6 budgets each fresh 8 MB temporary costs about an exp2.
        N = lx * a
        np.exp2(N, out=N)
        N *= self.G
        L = lx * -γ
        np.exp2(L, out=L)
        L *= K
        L += self.E
        return N, np.divide(x, N, out=x), L

    def optimal_loss(self, flops: Real) -> Real:
        """L(N_opt, D_opt) in closed form (:attr:`frontier`, written in x = C/k)::

            L_opt(C) = E + (A·G^-α + B·G^β)·(C/k)^(-γ)
        """
        K, γ = self._optimal_loss_scale()
        x = flops / self.flops_per_param_token
        return self.E + K * (x**-γ if isinstance(x, float) else pow_array(x, -γ))


def pow_array(x: "numpy.ndarray", p: Real) -> "numpy.ndarray":
    """x**p for a float array via exp2(p·log2 x): about five times cheaper than numpy's float power, and within
    a few ulps of it for the budgets planned here."""
    import numpy as np

    y: numpy.ndarray = np.exp2(p * np.log2(x))
    return y
