r"""Loss-curve laws: the loss along one run as a function of its learning-rate schedule.

A run is its per-step rates η_0, η_1, …, η_T (η_0 at the first step, warm-up included) and the steps t at which its
loss was logged (:class:`Curve`). Two families:

**Multi-power law** (Luo et al. 2025, arXiv:2503.12811, Eq. 5 and §3; their repository thu-yao-01-luo/MultiPowerLaw)::

    L(t) = L0 + A·(S1(t) + S_W)^(−α) − LD(t)
    S1(t) = Σ_{τ=W..t} η_τ               the area under the rate after a warm-up of W steps
    S_W   = η_W·W/2                       the warm-up's area (a linear warm-up from 0)
    LD(t) = B·Σ_{k=1..t} (η_{k−1} − η_k)·G(η_k^(−γ)·S_k(t)),   S_k(t) = Σ_{τ=k..t} η_τ,   G(x) = 1 − (C·x + 1)^(−β)

As the authors' code does, the loss-drop sum runs over every step from the first, so the warm-up's rising rate enters
it with the opposite sign (a loss added, not dropped); with this convention their published coefficients reproduce
their logged per-curve errors (tests/test_laws_curve_laws.py).

**Tissue et al. 2024** (arXiv:2408.11029, Eq. 1 and §3)::

    L(s) = L0 + A·S1^(−α) − C·S2,   S1 = Σ_{i=1..s} η_i,   S2 = Σ_{i=1..s} m_i,   m_i = λ·m_{i−1} + (η_{i−1} − η_i)

with the warm-up steps counted at the peak rate (the paper leaves warm-up out of the annealing area) and the
momentum's decay λ = 0.999 (:data:`TISSUE_LAMBDA`); at λ = 1, S2 would be the total decrease so far.

Both laws are in steps: their coefficients belong to the step size (tokens per step) the rates were sampled at.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Tuple

from ..base.records import Record, record

if TYPE_CHECKING:
    import numpy

__all__ = ["Curve", "MultiPowerLaw", "TissueLaw", "CURVE_LAWS", "TISSUE_LAMBDA", "MPL_NAMES", "TISSUE_NAMES",
           "make_law"]

#: Tissue et al. 2024 (arXiv:2408.11029, §3): the decay factor of the annealing momentum.
TISSUE_LAMBDA = 0.999

MPL_NAMES = ("L0", "A", "alpha", "B", "C", "beta", "gamma")
TISSUE_NAMES = ("L0", "A", "alpha", "C")

#: Largest number of loss-drop terms per curve kept exactly; beyond it neighbouring rate changes are merged.
MAX_DROPS = 4000


@record
class Curve(Record):
    """One run on a step grid: ``rates`` η_0 … η_T, the logged ``at`` steps (integers ≥ 1, ≤ T), the ``loss`` there
    (may be empty for a prediction) and the warm-up length ``warmup_steps`` W."""

    rates: "numpy.ndarray"
    at: "numpy.ndarray"
    loss: "numpy.ndarray"
    warmup_steps: int = 0
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def peak(self) -> float:
        return float(self.rates.max())

    def area(self) -> "numpy.ndarray":
        """S1(t) + S_W at each logged step (multi-power law)."""
        import numpy as np

        if "area" not in self._cache:
            eta, W = self.rates, int(self.warmup_steps)
            cum = np.cumsum(eta)
            before = cum[W - 1] if W > 0 else 0.0
            self._cache["area"] = cum[self.at] - before + eta[W] * W / 2
        area: numpy.ndarray = self._cache["area"]
        return area

    def drops(self, max_drops: int = MAX_DROPS) -> Tuple[Any, Any, Any, Any]:
        """The loss-drop design: for each kept change k, its size d_k = η_{k−1} − η_k, its rate η_k, and the matrix
        S_k(t) over logged steps t (0 where k > t). Past ``max_drops`` changes, consecutive ones are merged into
        blocks (their sizes summed, at the block's last step), which changes G's argument by at most a block's area."""
        import numpy as np

        key = ("drops", max_drops)
        if key not in self._cache:
            eta = self.rates
            cum = np.cumsum(eta)
            d = np.zeros_like(eta)
            d[1:] = eta[:-1] - eta[1:]
            k = np.nonzero(d)[0]
            dk = d[k]
            if len(k) > max_drops:
                edges = np.linspace(0, len(k), max_drops + 1).round().astype(int)
                dk = np.add.reduceat(dk, edges[:-1])
                k = k[edges[1:] - 1]
            t = np.asarray(self.at)
            S = cum[t][:, None] - cum[k - 1][None, :]
            S = np.where(k[None, :] <= t[:, None], S, 0.0)
            self._cache[key] = (dk, np.maximum(eta[k], 1e-300), S, k[None, :] <= t[:, None])
        design: Tuple[Any, Any, Any, Any] = self._cache[key]
        return design

    def annealing(self, lam: float = TISSUE_LAMBDA) -> Tuple[Any, Any]:
        """(S1, S2) of Tissue et al. at each logged step, the warm-up counted at the peak rate."""
        import numpy as np
        from scipy.signal import lfilter

        key = ("tissue", lam)
        if key not in self._cache:
            eta = self.rates.astype(float).copy()
            W = int(self.warmup_steps)
            if W > 0:
                eta[:W] = eta[W]
            d = np.zeros_like(eta)
            d[1:] = eta[:-1] - eta[1:]
            m = lfilter([1.0], [1.0, -lam], d)
            S1 = np.cumsum(eta) - eta[0]          # Σ_{i=1..s} η_i
            S2 = np.cumsum(m)
            self._cache[key] = (S1[self.at], S2[self.at])
        sums: Tuple[Any, Any] = self._cache[key]
        return sums


@record
class MultiPowerLaw(Record):
    """Luo et al. 2025's multi-power law (see the module docstring), coefficients named as in the paper."""

    L0: float
    A: float
    alpha: float
    B: float
    C: float
    beta: float
    gamma: float

    family = "multi-power"
    names = MPL_NAMES

    def loss(self, curve: Curve, max_drops: int = MAX_DROPS) -> "numpy.ndarray":
        """L(t) at the curve's logged steps."""
        value: numpy.ndarray = self.value_and_jacobian(curve, max_drops, jacobian=False)[0]
        return value

    def value_and_jacobian(self, curve: Curve, max_drops: int = MAX_DROPS, jacobian: bool = True
                           ) -> Tuple[Any, Optional[Any]]:
        """L(t) and, with ``jacobian``, ∂L/∂(L0, A, α, B, C, β, γ) as a (t, 7) array."""
        import numpy as np

        L0, A, alpha, B, C, beta, gamma = (float(getattr(self, n)) for n in MPL_NAMES)
        X = curve.area()
        power = X ** (-alpha)
        dk, eta_k, S, live = curve.drops(max_drops)
        u = eta_k ** (-gamma) * S
        base = C * u + 1.0
        P = base ** (-beta)
        G = np.where(live, 1.0 - P, 0.0)
        drop = G @ dk
        value = L0 + A * power - B * drop
        if not jacobian:
            return value, None
        dG_dC = np.where(live, beta * P / base * u, 0.0)
        dG_dbeta = np.where(live, P * np.log(base), 0.0)
        dG_dgamma = dG_dC * C * (-np.log(eta_k))
        J = np.column_stack([np.ones_like(X), power, -A * power * np.log(X), -drop,
                             -B * (dG_dC @ dk), -B * (dG_dbeta @ dk), -B * (dG_dgamma @ dk)])
        return value, J


@record
class TissueLaw(Record):
    """Tissue et al. 2024's law with learning-rate annealing (see the module docstring)."""

    L0: float
    A: float
    alpha: float
    C: float
    lam: float = TISSUE_LAMBDA

    family = "tissue"
    names = TISSUE_NAMES

    def loss(self, curve: Curve, max_drops: int = MAX_DROPS) -> "numpy.ndarray":
        value: numpy.ndarray = self.value_and_jacobian(curve, jacobian=False)[0]
        return value

    def value_and_jacobian(self, curve: Curve, max_drops: int = MAX_DROPS, jacobian: bool = True
                           ) -> Tuple[Any, Optional[Any]]:
        """L(s) and, with ``jacobian``, ∂L/∂(L0, A, α, C)."""
        import numpy as np

        S1, S2 = curve.annealing(self.lam)
        power = S1 ** (-self.alpha)
        value = self.L0 + self.A * power - self.C * S2
        if not jacobian:
            return value, None
        return value, np.column_stack([np.ones_like(S1), power, -self.A * power * np.log(S1), -S2])


#: The curve-law families by name.
CURVE_LAWS: Mapping[str, type[MultiPowerLaw] | type[TissueLaw]] = {"multi-power": MultiPowerLaw, "tissue": TissueLaw}


def make_law(family: str, theta: Sequence[float]) -> Any:
    """A law of ``family`` from its coefficients in the family's order."""
    cls = CURVE_LAWS[family]
    return cls(*map(float, theta))
