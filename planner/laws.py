"""The scaling-law families and their compute-optimal splits.

Symbols follow the papers: N parameters, D training tokens, C training FLOPs, L loss in
nats per token. Every function takes a float or a numpy array and returns the same
shape; nothing here imports numpy, so the command line stays fast for scalar budgets.

Each family assumes ``C = k·N·D`` with ``k = flops_per_param_token`` (6 unless a preset
says otherwise: forward 2ND + backward 4ND, Kaplan et al. 2020 §2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .errors import NoLossModelError

__all__ = ["Frontier", "ParametricLaw", "KaplanLaw", "AllocationRule", "FORMS"]


@dataclass(frozen=True)
class Frontier:
    """L_opt(C) = E + K·C^(−γ): the loss of the compute-optimal split as a function of C (FLOPs).

    Given by the ``frontier`` property of the families with a closed form (ParametricLaw,
    KaplanLaw); fields are floats, or arrays when the law's coefficients are.
    """

    E: float
    K: float
    gamma: float

    def loss(self, flops):
        """L_opt(C) in nats/token."""
        return self.E + self.K * flops ** (-self.gamma)

    def reducible(self, flops):
        """L_opt(C) − E."""
        return self.K * flops ** (-self.gamma)


@dataclass(frozen=True)
class ParametricLaw:
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

    E does not move the optimum.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    flops_per_param_token: float = 6.0

    form: ClassVar[str] = "parametric"
    coefficient_names: ClassVar[tuple[str, ...]] = ("E", "A", "B", "alpha", "beta")
    exponent_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    has_loss: ClassVar[bool] = True

    def loss(self, n_params, n_tokens):
        """L(N, D) in nats/token; N and D broadcast against each other."""
        N, D = n_params, n_tokens
        return self.E + self.A / N**self.alpha + self.B / D**self.beta

    @property
    def exponents(self) -> tuple[float, float]:
        """(a, b): N_opt ∝ C^a and D_opt ∝ C^b, with a + b = 1."""
        s = self.alpha + self.beta
        return self.beta / s, self.alpha / s

    @property
    def G(self) -> float:
        """G = (αA / (βB))^(1/(α+β)) of Hoffmann Eq. 4."""
        α, β, A, B = self.alpha, self.beta, self.A, self.B
        return (α * A / (β * B)) ** (1.0 / (α + β))

    def compute_optimal(self, flops):
        """(N_opt, D_opt) for a budget of ``flops`` FLOPs (closed form, Eq. 4)."""
        a, b = self.exponents
        G = self.G
        x = flops / self.flops_per_param_token
        if isinstance(x, float):
            return G * x**a, x**b / G
        N = G * _pow_array(x, a)
        return N, x / N  # x / N = x^(1-a) / G = x^b / G

    def _optimal_loss_scale(self):
        """(K_x, γ) with L_opt = E + K_x·(C/k)^(−γ): both terms of L fall with the same power of C at the
        optimum, since a·α = b·β = αβ/(α+β) =: γ, and K_x = A·G^(−α) + B·G^β. The one place K is computed."""
        α, β, G = self.alpha, self.beta, self.G
        return self.A * G**-α + self.B * G**β, α * β / (α + β)

    @property
    def frontier(self) -> Frontier:
        """L_opt(C) = E + K·C^(−γ) with K = (A·G^(−α) + B·G^β)·k^γ, γ = αβ/(α+β)."""
        K, γ = self._optimal_loss_scale()
        return Frontier(E=self.E, K=K * self.flops_per_param_token**γ, gamma=γ)

    def optimum(self, flops):
        """(N_opt, D_opt, L_opt) together; for arrays one logarithm serves all three."""
        if isinstance(flops, (int, float)):
            N, D = self.compute_optimal(flops)
            return N, D, self.optimal_loss(flops)
        import numpy as np

        K, γ = self._optimal_loss_scale()
        a, _ = self.exponents
        x = flops / self.flops_per_param_token
        lx = np.log2(x)
        if any(np.ndim(c) for c in (self.E, self.A, self.B, self.alpha, self.beta)):
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

    def optimal_loss(self, flops):
        """L(N_opt, D_opt) in closed form (:attr:`frontier`, written in x = C/k)::

            L_opt(C) = E + (A·G^-α + B·G^β)·(C/k)^(-γ)
        """
        K, γ = self._optimal_loss_scale()
        x = flops / self.flops_per_param_token
        return self.E + K * (x**-γ if isinstance(x, float) else _pow_array(x, -γ))


@dataclass(frozen=True)
class KaplanLaw:
    r"""Kaplan et al.'s joint law (arXiv:2001.08361, Eq. 1.5)::

        L(N, D) = [(N_c / N)^(α_N/α_D) + D_c / D]^α_D

    N counts non-embedding parameters (Kaplan §2.1).

    Compute-optimal split on C = k·N·D (derived here; L is increasing in the bracket, so
    minimise f(N) = (N_c/N)^p + k·D_c·N/C with p = α_N/α_D)::

        f'(N) = 0  ⇔  p·N_c^p·N^(-p-1) = k·D_c / C
        N_opt = [p·N_c^p·C / (k·D_c)]^(1/(p+1)),   D_opt = C / (k·N_opt)

    so N_opt ∝ C^(1/(1+p)) and D_opt ∝ C^(p/(1+p)).
    """

    alpha_N: float
    alpha_D: float
    N_c: float
    D_c: float
    flops_per_param_token: float = 6.0

    form: ClassVar[str] = "kaplan"
    coefficient_names: ClassVar[tuple[str, ...]] = ("alpha_N", "alpha_D", "N_c", "D_c")
    exponent_names: ClassVar[tuple[str, ...]] = ("alpha_N", "alpha_D")
    has_loss: ClassVar[bool] = True

    def loss(self, n_params, n_tokens):
        """L(N, D) in nats/token; N and D broadcast against each other."""
        N, D = n_params, n_tokens
        p = self.alpha_N / self.alpha_D
        return ((self.N_c / N) ** p + self.D_c / D) ** self.alpha_D

    @property
    def exponents(self) -> tuple[float, float]:
        """(a, b): N_opt ∝ C^a and D_opt ∝ C^b, with a + b = 1."""
        p = self.alpha_N / self.alpha_D
        return 1.0 / (1.0 + p), p / (1.0 + p)

    def compute_optimal(self, flops):
        """(N_opt, D_opt) for a budget of ``flops`` FLOPs (closed form above)."""
        p = self.alpha_N / self.alpha_D
        k, N_c, D_c = self.flops_per_param_token, self.N_c, self.D_c
        # N_c^(p/(p+1)) factored out of the bracket keeps the intermediate small; the power of p·C taken apart
        # from that of k·D_c, so a tiny budget (p·C/(k·D_c) below the smallest float) does not underflow to N = 0.
        e = 1.0 / (p + 1.0)
        N = N_c ** (p / (p + 1.0)) * (p * flops) ** e / (k * D_c) ** e
        return N, flops / (k * N)

    @property
    def frontier(self) -> Frontier:
        """L_opt(C) = K·C^(−γ) (E = 0): at the optimum the data term is p times the parameter term, so
        the bracket is (1+p)·(N_c·k·D_c/(p·C))^(p/(1+p)) and K = (1+p)^α_D·(N_c·k·D_c/p)^γ, γ = α_D·p/(1+p)."""
        p = self.alpha_N / self.alpha_D
        γ = self.alpha_D * p / (1.0 + p)
        k = self.flops_per_param_token
        return Frontier(E=0.0, K=(1.0 + p) ** self.alpha_D * (self.N_c * k * self.D_c / p) ** γ, gamma=γ)


#: What an allocation rule's power law gives, and how the other quantity follows.
ALLOCATION_GIVES = ("n_params", "n_tokens", "flops_per_token")


@dataclass(frozen=True)
class AllocationRule:
    r"""A published allocation rule with no loss model: one quantity as a power law in C::

        X_opt = coefficient · (C / flops_unit)^exponent

    ``gives`` names X: ``n_params`` (then D = C / (k·N)), ``n_tokens`` (then
    N = C / (k·D)) or ``flops_per_token`` M (DeepSeek's non-embedding FLOPs per token,
    C = M·D; then D = C / M and the parameter-equivalent N = M / k). Deriving the other
    quantity from the preset's own FLOPs convention makes k·N·D = C exactly.
    ``flops_unit`` is the unit of C in the paper's formula (Kaplan uses PF-days).
    """

    gives: str
    coefficient: float
    exponent: float
    flops_unit: float = 1.0
    flops_per_param_token: float = 6.0

    form: ClassVar[str] = "allocation"
    coefficient_names: ClassVar[tuple[str, ...]] = ("coefficient", "exponent")
    exponent_names: ClassVar[tuple[str, ...]] = ("exponent",)
    has_loss: ClassVar[bool] = False

    def __post_init__(self):
        if self.gives not in ALLOCATION_GIVES:
            raise ValueError(f"gives must be one of {ALLOCATION_GIVES} (got {self.gives!r})")

    def loss(self, n_params, n_tokens):
        raise NoLossModelError(
            "this law is an allocation rule: it splits compute but predicts no loss; "
            "use a parametric preset such as 'besiroglu2024' for losses"
        )

    @property
    def exponents(self) -> tuple[float, float]:
        """(a, b): N_opt ∝ C^a and D_opt ∝ C^b, with a + b = 1."""
        e = self.exponent
        return (1.0 - e, e) if self.gives == "n_tokens" else (e, 1.0 - e)

    def compute_optimal(self, flops):
        """(N_opt, D_opt) for a budget of ``flops`` FLOPs."""
        k = self.flops_per_param_token
        X = self.coefficient * (flops / self.flops_unit) ** self.exponent
        if self.gives == "n_params":
            return X, flops / (k * X)
        if self.gives == "n_tokens":
            return flops / (k * X), X
        # flops_per_token: C = M·D, and N = M/k is the parameter count with that cost.
        return X / k, flops / X


def _pow_array(x, p):
    """x**p for a float array via exp2(p·log2 x): about five times cheaper than numpy's float power, and within
    a few ulps of it for the budgets planned here."""
    import numpy as np

    return np.exp2(p * np.log2(x))


#: form name in a law file → family
FORMS = {cls.form: cls for cls in (ParametricLaw, KaplanLaw, AllocationRule)}
