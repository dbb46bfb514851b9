r"""Prediction intervals: where a NEW run's loss should fall, not only where the mean law lies.

A bootstrap's percentile band of L̂(N, D) is a confidence interval of the mean law: it shrinks as runs are added. A
new run scatters around the law as the fitted runs did, so its interval adds that scatter: for each bootstrap sample
b of the coefficients, draw one log-residual ε_b of the full-data fit (with replacement, log L_i − log L̂(N_i, D_i))
and take the central ``level`` % of L̂_b(N, D)·exp(ε_b) (OLMo-core's ladder analysis does the same:
``ChinchillaParametricBootstrappedFit.predict_loss_distribution(include_observation_noise=True)`` in
allenai/OLMo-core, ``src/olmo_core/model_ladder/analysis/scaling_laws.py``; it assumes the scatter is the same at
every scale). Back-tests ask of it whether a held-out run is inside what the law allows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

from ..laws import family
from ..planning.uncertainty import central_interval
from .bootstrap import bootstrap
from .result import BootstrapResult, FitResult

__all__ = ["prediction_interval", "bootstrap_prediction_interval", "PREDICTION_LABEL"]

#: How reports name the interval, everywhere it appears.
PREDICTION_LABEL = "prediction interval (bootstrap coefficients plus resampled residuals)"


def prediction_interval(fit: FitResult, boot: BootstrapResult, n_params: ArrayLike, n_tokens: ArrayLike,
                        loss: ArrayLike, at_params: ArrayLike, at_tokens: ArrayLike, *, level: float | None = None,
                        seed: int | None = 0):
    """(low, high) arrays: the ``level`` % (default the bootstrap's) prediction interval of the loss of new runs at
    (``at_params``, ``at_tokens``), from ``fit`` (made on the runs ``n_params``, ``n_tokens``, ``loss``, whose
    residuals give the scatter) and its bootstrap ``boot``. The residual draws come from numpy default_rng(seed)."""
    import numpy as np

    N, D, L = (np.asarray(v, dtype=float).ravel() for v in (n_params, n_tokens, loss))
    Nt, Dt = (np.asarray(v, dtype=float).ravel() for v in (at_params, at_tokens))
    r = np.log(L) - np.log(np.asarray(fit.model.loss(N, D), dtype=float))
    law = family(fit.form)
    means = np.array([np.asarray(law(flops_per_param_token=fit.flops_per_param_token,
                                     **dict(zip(boot.names, map(float, row)))).loss(Nt, Dt), dtype=float)
                      for row in boot.samples]).reshape(len(boot.samples), len(Nt))
    eps = np.random.default_rng(seed).choice(r, size=means.shape, replace=True)
    lo, hi = central_interval(means * np.exp(eps), boot.level if level is None else level, axis=0)
    return np.atleast_1d(lo), np.atleast_1d(hi)


def bootstrap_prediction_interval(fit: FitResult, n_params, n_tokens, loss, at_params, at_tokens, *,
                                  n_resamples: int, seed: int | None = 0, level: float = 95.0, weights=None):
    """:func:`prediction_interval` after bootstrapping ``fit`` on its runs (``n_resamples`` resamples, seeded)."""
    boot = bootstrap(n_params, n_tokens, loss, n_resamples=n_resamples, seed=seed, fit=fit, form=fit.form,
                     level=level, weights=weights)
    return prediction_interval(fit, boot, n_params, n_tokens, loss, at_params, at_tokens, seed=seed)
