"""Asymptotic standard errors of a least-squares-like fit: σ̂²·(JᵀJ)⁻¹, mapped to the coefficients by the delta
method."""

from __future__ import annotations

__all__ = ["gauss_newton_se"]


def gauss_newton_se(J, r, names_scale, M=None):
    """σ̂²·(JᵀJ)⁻¹ standard errors, σ̂² = Σr²/(n − p); then the delta method per coefficient.

    With ``M`` (θ = M·φ + c: tied and fixed coefficients), the covariance is over the p free parameters φ,
    Cov θ = M·Cov φ·Mᵀ; a fixed parameter's row of M is zero, so its error is 0.
    """
    import numpy as np

    n, P = J.shape
    JtJ = J.T @ J
    if M is not None:     # (J·M)ᵀ(J·M) = Mᵀ·JᵀJ·M, without the n-row product J·M (slow for n = 10⁶)
        JtJ = M.T @ JtJ @ M
    p = JtJ.shape[0]
    sigma2 = float(r @ r) / max(n - p, 1)
    try:
        cov = sigma2 * np.linalg.inv(JtJ)
        if M is not None:
            cov = M @ cov @ M.T
        se_theta = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se_theta = np.full(P, np.nan)
    return {name: float(scale * se) for (name, scale), se in zip(names_scale, se_theta)}
