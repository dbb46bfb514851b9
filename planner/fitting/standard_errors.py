"""Asymptotic standard errors of a least-squares-like fit: σ̂²·(JᵀJ)⁻¹, mapped to the coefficients by the delta
method."""

from __future__ import annotations

__all__ = ["gauss_newton_se"]


def gauss_newton_se(J, r, names_scale):
    """σ̂²·(JᵀJ)⁻¹ standard errors, σ̂² = Σr²/(n − p); then the delta method per coefficient."""
    import numpy as np

    n, p = J.shape
    sigma2 = float(r @ r) / max(n - p, 1)
    try:
        cov = sigma2 * np.linalg.inv(J.T @ J)
        se_theta = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se_theta = np.full(p, np.nan)
    return {name: float(scale * se) for (name, scale), se in zip(names_scale, se_theta)}
