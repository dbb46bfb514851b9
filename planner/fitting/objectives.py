r"""The fit objectives: Huber loss on log-loss residuals (or least squares on the loss), value and analytic gradient
for many θ at once.

For runs (N_i, D_i, L_i) and a law's prediction pred_i(θ) of log L_i, the objective is (Hoffmann et al. 2022,
arXiv:2203.15556, App. D.2; Besiroglu et al. 2024, arXiv:2404.10102, §2)::

    f(θ) = Σ_i w_i · Huber_δ(pred_i(θ) − log L_i),    Huber_δ(r) = r²/2 (|r| ≤ δ), δ·(|r| − δ/2) (|r| > δ)

summed, not averaged (Besiroglu et al. §3), with weights w_i = 1 or a bootstrap resample's counts. Its gradient is
Σ_i w_i·ψ(r_i)·∂pred_i/∂θ with ψ = Huber_δ' = clip(r, −δ, δ). The objectives evaluate both for a batch of θ rows,
blockwise over runs; numpy is imported when they run.

The alternative, ``"least-squares"``, is f(θ) = ½·Σ_i w_i·(L̂_i(θ) − L_i)² on the loss itself: what Gadre et al. 2024
(arXiv:2403.08540, §3.1; their repository's ``scaling/laws.py`` calls ``scipy.optimize.curve_fit``, Levenberg–Marquardt)
minimise. Its gradient is Σ_i w_i·(L̂_i − L_i)·∂L̂_i/∂θ.

``"asymmetric"`` is the Huber objective with over-predictions (r_i > 0: the law predicts more loss than the run had)
counted ``penalty`` times: f(θ) = Σ_i w_i·k(r_i)·Huber_δ(r_i), k(r) = penalty for r > 0 and 1 otherwise, as OLMo-core's
ladder analysis fits it (allenai/OLMo-core, ``src/olmo_core/model_ladder/analysis/scaling_laws.py``,
``ChinchillaParametricFit.fit``, whose ``overestimate_penalty`` is documented there with 10 as "a good choice if the goal
is to capture the lower-bound of achievable loss"), so the law hugs the best runs rather than their middle. Its
gradient is Σ_i w_i·k(r_i)·ψ(r_i)·∂pred_i/∂θ. Per-run weights (``run_weights``) multiply every w_i; OLMo-core weights
a run by √C (the same file's caller, ``fit_chinchilla_scaling_laws.py``: ``np.sqrt(6 * N * D)``).
"""

from __future__ import annotations

import itertools
from typing import Any, Mapping, Sequence

from ..base.conventions import HUBER_DELTA

__all__ = ["huber", "huber_psi", "Objective", "ParametricObjective", "KaplanObjective", "grid", "OBJECTIVES",
           "HUBER_LOG", "LEAST_SQUARES", "ASYMMETRIC", "OVERESTIMATE_PENALTY", "robust_psi"]

_CHUNK_ELEMENTS = 32768   # θ-rows × runs per numpy block: keeps temporaries in cache (measured fastest here)
_RUN_CHUNK = 65536        # above this many runs, blocks of runs too ...
_BIG_BLOCK_ELEMENTS = 262144   # ... of θ-rows × runs elements (a few MB per temporary; measured, bench/bench_fit.py)
_CLIP = 700.0         # |exponent| cap: exp(±700) is finite in double precision

#: The objectives a fit can minimise (``--objective``).
HUBER_LOG = "huber-log"
LEAST_SQUARES = "least-squares"
ASYMMETRIC = "asymmetric"
OBJECTIVES = (HUBER_LOG, LEAST_SQUARES, ASYMMETRIC)
#: The over-prediction penalty of the asymmetric objective unless told otherwise: 10, OLMo-core's recommendation for
#: a law of the lower bound of achievable loss (``ChinchillaParametricFit.fit``'s docstring, cited above).
OVERESTIMATE_PENALTY = 10.0


def huber(r, delta: float = HUBER_DELTA):
    """Huber_δ(r) = r²/2 for |r| ≤ δ, δ·(|r| − δ/2) otherwise (Huber 1964; scipy.special.huber)."""
    import numpy as np

    r = np.asarray(r, dtype=float)
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def huber_psi(r, delta, W):
    """Σ Huber_δ(r) per row and ψ = Huber_δ'(r) = clip(r, −δ, δ), both weighted by W.

    Uses Huber_δ(r) = ψ·(r − ψ/2), which is r²/2 for |r| ≤ δ and δ·(|r| − δ/2) beyond.
    ``r`` is overwritten.
    """
    import numpy as np

    psi = np.clip(r, -delta, delta)
    r -= 0.5 * psi
    r *= psi
    if W is not None:
        r *= W
        psi *= W
    return r.sum(axis=1, dtype=float), psi


def robust_psi(r, delta: float, penalty: float = 1.0):
    """ρ'(r) of the Huber objective on log-residuals r = log L̂ − log L, with over-predictions (r > 0) counted
    ``penalty`` times (the asymmetric objective; 1: plain Huber): k(r)·clip(r, −δ, δ)."""
    import numpy as np

    psi = np.clip(r, -delta, delta)
    return psi if penalty == 1.0 else np.where(r > 0, penalty * psi, psi)


class Objective:
    """The fit objective for a batch of θ, blockwise over θ rows and, for many runs, over runs too.

    ``loss`` is ``"huber-log"`` (the default: Σ_i w_i·Huber_δ(log L̂_i − log L_i), Hoffmann et al. App. D.2) or
    ``"least-squares"`` (½·Σ_i w_i·(L̂_i − L_i)², on the loss itself, as Gadre et al. 2024, arXiv:2403.08540, fit by
    Levenberg–Marquardt; ½ so that its gradient is Σ w·(L̂ − L)·∂L̂/∂θ). ``weights`` is None (every run once), or an
    (R, n) array of per-row run counts (bootstrap resamples) indexed by the row numbers the optimiser passes.
    ``param`` (a :class:`~planner.fitting.parametrisation.Parametrisation`) makes the θ it takes the free
    parameters φ: θ_full = M·φ + c, gradient Mᵀ·∂f/∂θ_full. ``penalty`` is the asymmetric objective's factor on
    over-predictions; ``run_weights`` (n,) multiply each run's term (and the resample counts, if any).
    """

    def __init__(self, x, y, l, delta, dtype, weights=None, *, loss: str = HUBER_LOG, param=None,
                 penalty: float = OVERESTIMATE_PENALTY, run_weights=None):
        import numpy as np

        if loss not in OBJECTIVES:
            raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)} (got {loss!r})")
        self.dtype = dtype
        self.x = np.asarray(x, dtype=dtype)
        self.y = np.asarray(y, dtype=dtype)
        self.l = np.asarray(l, dtype=dtype)
        self.L = np.exp(np.asarray(l, dtype=float)).astype(dtype) if loss == LEAST_SQUARES else None
        self.delta = delta
        self.loss = loss
        self.penalty = float(penalty) if loss == ASYMMETRIC else 1.0
        self.run_weights = None if run_weights is None else np.asarray(run_weights, dtype=dtype)
        self.weights = None if weights is None else np.asarray(weights, dtype=dtype)
        self.row_map: Any = None     # optimiser row → weights row
        self.map = None if param is None or param.is_identity else param.matrix()

    def __call__(self, theta, rows):
        import numpy as np

        theta = np.asarray(theta, dtype=float)
        n = len(self.x)
        f = np.zeros(len(theta))
        G = np.zeros((len(theta), theta.shape[1]))
        if n <= _RUN_CHUNK:
            spans, step = [slice(0, n)], max(16, _CHUNK_ELEMENTS // n)
        else:   # many runs: blocks of runs too, so temporaries stay a few MB whatever the number of rows
            spans = [slice(j, min(j + _RUN_CHUNK, n)) for j in range(0, n, _RUN_CHUNK)]
            step = max(1, _BIG_BLOCK_ELEMENTS // _RUN_CHUNK)
        for i in range(0, len(theta), step):
            T = theta[i:i + step]
            if self.map is not None:
                M, c = self.map
                T = T @ M.T + c
            W = None
            if self.weights is not None:
                r = rows[i:i + step]
                W = self.weights[r if self.row_map is None else self.row_map[r]]
            if self.run_weights is not None:
                W = self.run_weights[None, :] if W is None else W * self.run_weights
            with np.errstate(over="ignore"):     # a wild trial point overflows float32: f = inf, rejected
                T = T.astype(self.dtype)
            for span in spans:
                fb, Gb = self.block(T, None if W is None else W[:, span], span)
                if self.map is not None:
                    with np.errstate(invalid="ignore", over="ignore"):   # a non-finite gradient is rejected below
                        Gb = Gb @ self.map[0]
                f[i:i + step] += fb
                G[i:i + step] += Gb
        bad = ~np.isfinite(f) | ~np.isfinite(G).all(axis=1)
        f[bad] = np.inf
        G[bad] = 0.0
        return f, G

    def block(self, T, W, span):
        """(f, G) of the θ rows ``T`` over the runs ``span``: each family's own (its subclass)."""
        raise NotImplementedError

    def _robust(self, r, W):
        """Σ k·Huber_δ(r) per row and k·ψ(r), weighted by W; k = the penalty where r > 0 (asymmetric), else 1.
        ``r`` is overwritten."""
        import numpy as np

        if self.penalty != 1.0:
            k = np.where(r > 0, self.penalty, 1.0).astype(r.dtype)
            W = k if W is None else k * W
        return huber_psi(r, self.delta, W)

    def _least_squares(self, L_hat, span, W):
        """½·Σ w·(L̂ − L)² per row and ∂f/∂L̂ = w·(L̂ − L). ``L_hat`` is overwritten."""
        assert self.L is not None   # set for the least-squares objective
        rho = L_hat
        rho -= self.L[span]
        psi = rho if W is None else rho * W
        return 0.5 * (psi * rho).sum(axis=1, dtype=float), psi


class ParametricObjective(Objective):
    """θ = (a, b, e, α, β); pred = log(e^(a − α·x) + e^(b − β·y) + e^e), x = log N, y = log D."""

    def block(self, T, W, span):
        import numpy as np

        a, b, e, al, be = T.T
        x, y = self.x[span], self.y[span]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            u1 = np.outer(-al, x)
            u1 += a[:, None]
            u2 = np.outer(-be, y)
            u2 += b[:, None]
            # No clipping: an overflow gives f = inf, which the line search rejects.
            e1 = np.exp(u1, out=u1)
            e2 = np.exp(u2, out=u2)
            e3 = np.exp(np.clip(e, -_CLIP, _CLIP))[:, None]
            s = e1 + e2
            s += e3
            if self.loss == LEAST_SQUARES:
                f, psi = self._least_squares(s, span, W)       # psi = ∂f/∂L̂, L̂ = s
            else:
                r = np.log(s)
                r -= self.l[span]
                f, psi = self._robust(r, W)
                psi /= s                                       # ∂f/∂s = ψ(r)/s
            e1 *= psi
            e2 *= psi
            G = np.empty((len(T), 5))
            G[:, 0] = e1.sum(axis=1, dtype=float)
            G[:, 1] = e2.sum(axis=1, dtype=float)
            G[:, 2] = psi.sum(axis=1, dtype=float) * e3[:, 0]
            G[:, 3] = -(e1 @ x)
            G[:, 4] = -(e2 @ y)
        return f, G


class KaplanObjective(Objective):
    r"""θ = (n_c, d_c, α_N, α_D) with n_c = log N_c, d_c = log D_c; p = α_N/α_D;
    pred = α_D · log(e^(p·(n_c − x)) + e^(d_c − y))   (log of Kaplan Eq. 1.5)."""

    def block(self, T, W, span):
        import numpy as np

        nc, dc, aN, aD = T.T
        x, y = self.x[span], self.y[span]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p = aN / aD
            z = nc[:, None] - x                         # n_c − x
            u1 = p[:, None] * z
            u2 = dc[:, None] - y
            m = np.maximum(u1, u2)
            e1 = np.exp(u1 - m)
            e2 = np.exp(u2 - m)
            s = e1 + e2
            lse = np.log(s) + m
            if self.loss == LEAST_SQUARES:
                L_hat = np.exp(aD[:, None] * lse)
                f, psi = self._least_squares(L_hat.copy(), span, W)
                psi = psi * L_hat                              # ∂f/∂log L̂ = (L̂ − L)·L̂
            else:
                r = aD[:, None] * lse - self.l[span]
                f, psi = self._robust(r, W)
            w1 = e1 / s
            w2 = e2 / s
            G = np.empty((len(T), 4))
            G[:, 0] = (psi * w1).sum(axis=1, dtype=float) * aN
            G[:, 1] = (psi * w2).sum(axis=1, dtype=float) * aD
            G[:, 2] = (psi * w1 * z).sum(axis=1, dtype=float)
            G[:, 3] = (psi * lse).sum(axis=1, dtype=float) - p * G[:, 2]
        return f, G


def grid(spec: Mapping[str, Sequence[float]], order: Sequence[str]):
    import numpy as np

    return np.array(list(itertools.product(*(spec[k] for k in order))), dtype=float)
