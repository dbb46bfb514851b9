r"""The fit objectives: Huber loss on log-loss residuals, its value and analytic gradient for many θ at once.

For runs (N_i, D_i, L_i) and a law's prediction pred_i(θ) of log L_i, the objective is (Hoffmann et al. 2022,
arXiv:2203.15556, App. D.2; Besiroglu et al. 2024, arXiv:2404.10102, §2)::

    f(θ) = Σ_i w_i · Huber_δ(pred_i(θ) − log L_i),    Huber_δ(r) = r²/2 (|r| ≤ δ), δ·(|r| − δ/2) (|r| > δ)

summed, not averaged (Besiroglu et al. §3), with weights w_i = 1 or a bootstrap resample's counts. Its gradient is
Σ_i w_i·ψ(r_i)·∂pred_i/∂θ with ψ = Huber_δ' = clip(r, −δ, δ). The objectives evaluate both for a batch of θ rows,
blockwise over runs; numpy is imported when they run.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ..conventions import HUBER_DELTA

__all__ = ["huber", "huber_psi", "Objective", "ParametricObjective", "KaplanObjective", "grid"]

_CHUNK_ELEMENTS = 32768   # θ-rows × runs per numpy block: keeps temporaries in cache (measured fastest here)
_CLIP = 700.0         # |exponent| cap: exp(±700) is finite in double precision


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


class Objective:
    """Σ_i w_i·Huber_δ(pred_i(θ) − log L_i) for a batch of θ, blockwise over rows.

    ``weights`` is None (every run once), or an (R, n) array of per-row run counts (bootstrap
    resamples) indexed by the row numbers the optimiser passes.
    """

    def __init__(self, x, y, l, delta, dtype, weights=None):
        import numpy as np

        self.dtype = dtype
        self.x = np.asarray(x, dtype=dtype)
        self.y = np.asarray(y, dtype=dtype)
        self.l = np.asarray(l, dtype=dtype)
        self.delta = delta
        self.weights = None if weights is None else np.asarray(weights, dtype=dtype)
        self.row_map = None     # optimiser row → weights row

    def __call__(self, theta, rows):
        import numpy as np

        theta = np.asarray(theta, dtype=float)
        f = np.empty(len(theta))
        G = np.empty_like(theta)
        step = max(16, _CHUNK_ELEMENTS // len(self.x))
        for i in range(0, len(theta), step):
            W = None
            if self.weights is not None:
                r = rows[i:i + step]
                W = self.weights[r if self.row_map is None else self.row_map[r]]
            with np.errstate(over="ignore"):     # a wild trial point overflows float32: f = inf, rejected
                T = theta[i:i + step].astype(self.dtype)
            f[i:i + step], G[i:i + step] = self.block(T, W)
        bad = ~np.isfinite(f) | ~np.isfinite(G).all(axis=1)
        f[bad] = np.inf
        G[bad] = 0.0
        return f, G


class ParametricObjective(Objective):
    """θ = (a, b, e, α, β); pred = log(e^(a − α·x) + e^(b − β·y) + e^e), x = log N, y = log D."""

    def block(self, T, W):
        import numpy as np

        a, b, e, al, be = T.T
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            u1 = np.outer(-al, self.x)
            u1 += a[:, None]
            u2 = np.outer(-be, self.y)
            u2 += b[:, None]
            # No clipping: an overflow gives f = inf, which the line search rejects.
            e1 = np.exp(u1, out=u1)
            e2 = np.exp(u2, out=u2)
            e3 = np.exp(np.clip(e, -_CLIP, _CLIP))[:, None]
            s = e1 + e2
            s += e3
            r = np.log(s)
            r -= self.l
            f, psi = huber_psi(r, self.delta, W)
            psi /= s
            e1 *= psi
            e2 *= psi
            G = np.empty((len(T), 5))
            G[:, 0] = e1.sum(axis=1, dtype=float)
            G[:, 1] = e2.sum(axis=1, dtype=float)
            G[:, 2] = psi.sum(axis=1, dtype=float) * e3[:, 0]
            G[:, 3] = -(e1 @ self.x)
            G[:, 4] = -(e2 @ self.y)
        return f, G


class KaplanObjective(Objective):
    r"""θ = (n_c, d_c, α_N, α_D) with n_c = log N_c, d_c = log D_c; p = α_N/α_D;
    pred = α_D · log(e^(p·(n_c − x)) + e^(d_c − y))   (log of Kaplan Eq. 1.5)."""

    def block(self, T, W):
        import numpy as np

        nc, dc, aN, aD = T.T
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p = aN / aD
            z = nc[:, None] - self.x                    # n_c − x
            u1 = p[:, None] * z
            u2 = dc[:, None] - self.y
            m = np.maximum(u1, u2)
            e1 = np.exp(u1 - m)
            e2 = np.exp(u2 - m)
            s = e1 + e2
            lse = np.log(s) + m
            r = aD[:, None] * lse - self.l
            f, psi = huber_psi(r, self.delta, W)
            w1 = e1 / s
            w2 = e2 / s
            G = np.empty((len(T), 4))
            G[:, 0] = (psi * w1).sum(axis=1, dtype=float) * aN
            G[:, 1] = (psi * w2).sum(axis=1, dtype=float) * aD
            G[:, 2] = (psi * w1 * z).sum(axis=1, dtype=float)
            G[:, 3] = (psi * lse).sum(axis=1, dtype=float) - p * G[:, 2]
        return f, G


def grid(spec: Mapping[str, Sequence[float]], order: Sequence[str]):
    import itertools

    import numpy as np

    return np.array(list(itertools.product(*(spec[k] for k in order))), dtype=float)
