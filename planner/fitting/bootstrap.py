r"""The bootstrap of a fit: refit on resamples of the runs, drawn with replacement, and take percentile intervals
(Besiroglu et al. 2024, arXiv:2404.10102, §4: 4,000 resamples, each refitted)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

from typing import Callable

from ..base.conventions import BOOTSTRAP_MAX_ROWS, HUBER_DELTA
from ..base.errors import FitError
from .kaplan import fit_kaplan
from .lawfit import run_weights
from .lbfgs import Preconditioned, lbfgs_batch
from .multistart import rows
from .objectives import HUBER_LOG, OVERESTIMATE_PENALTY, KaplanObjective, ParametricObjective
from .parametric import fit_parametric
from .parametrisation import Parametrisation
from .result import BootstrapResult, FitResult, check_resampling, check_runs, resample_counts, sample_summary

__all__ = ["bootstrap", "fit_parametrisation", "theta_coefficients", "coefficient_draws"]

#: The refits' stopping tests, in the whitened coordinates (planner's choice: on Besiroglu et al.'s 240 runs, 1,000
#: resamples, the 95 % interval ends are within 7e-6 relative, and each refit's objective within 4e-10, of plain
#: L-BFGS run to 1e-15 and 1e-10 on the same resamples; the Monte Carlo error of the ends is about 1e-2).
REFIT_FTOL, REFIT_GTOL = 1e-13, 1e-9


_FORMS = {
    "parametric": (ParametricObjective, ("E", "A", "B", "alpha", "beta"), 5),
    "kaplan": (KaplanObjective, ("alpha_N", "alpha_D", "N_c", "D_c"), 4),
}


def theta_coefficients(form, T):
    """(R, P) internal parameters → (R, P) coefficients in the order of ``_FORMS[form][1]``."""
    import numpy as np

    if form == "parametric":
        a, b, e, al, be = T.T
        return np.column_stack([np.exp(e), np.exp(a), np.exp(b), al, be])
    nc, dc, aN, aD = T.T
    return np.column_stack([aN, aD, np.exp(nc), np.exp(dc)])


def coefficient_draws(form: str, param: Parametrisation, phis, values):
    """The refits' coefficients (rows of free parameters ``phis`` of ``param``, objective ``values``), in the order of
    the form's names, fixed ones exactly as given; and which rows are valid fits (finite, positive exponents)."""
    import numpy as np

    names = _FORMS[form][1]
    coefs = theta_coefficients(form, param.full(phis))
    for name, value in param.fixed:           # exactly the given value, not exp(log v)
        coefs[:, names.index(name)] = value
    ok = np.isfinite(values) & np.isfinite(coefs).all(axis=1)
    if form == "parametric":
        ok &= (coefs[:, 3] > 0) & (coefs[:, 4] > 0)
    else:
        ok &= (coefs[:, 0] > 0) & (coefs[:, 1] > 0)
    return coefs, ok


def fit_parametrisation(fit: FitResult) -> Parametrisation:
    """The tied and fixed coefficients ``fit`` was made with (from its ``extra``)."""
    return Parametrisation.make(fit.form, fit.extra.get("tied", ()), fit.extra.get("fixed"))


def bootstrap(n_params: ArrayLike, n_tokens: ArrayLike, loss: ArrayLike, *, n_resamples: int = 4000,
              seed: int | None = 0, fit: FitResult | None = None, form: str = "parametric", level: float = 95.0,
              delta: float = HUBER_DELTA, starts_per_resample: int = 2, batch: int = 500, progress: Callable[[int, int], None] | None = None,
              max_rows: int = BOOTSTRAP_MAX_ROWS, weights: ArrayLike | None = None) -> BootstrapResult:
    r"""Resample the runs with replacement ``n_resamples`` times, refit each, take percentiles.

    As Besiroglu et al. 2024 (§4: 4,000 resamples, each refitted). A resample is drawn by
    ``numpy.random.default_rng(seed)`` as n indices with replacement, which is the same as
    weighting each run by how often it was drawn: the refit minimises Σ_i c_i·Huber_δ(r_i) (or the fit's own
    objective, with its tied and fixed coefficients: they stay tied and fixed in every refit).

    Each refit starts from ``starts_per_resample`` points: the full-data optimum and the next
    best distinct local optima of the full-data grid fit (``fit.optima``); all resamples and starts run at once in the
    batched L-BFGS of :mod:`planner.fitting.lbfgs` (double precision, tight tolerances), preconditioned by the
    full-data Hessian at the optimum, so that its first step is a Newton step
    (:class:`~planner.fitting.lbfgs.Preconditioned`: about 14 iterations a refit instead of 63 on Besiroglu et al.'s
    runs), ``batch`` resamples at a time, and each keeps its best end point. This
    does not rerun the 4,500-start grid per resample: it assumes a resample's optimum lies in
    the basin of one of the full data's best local optima, which holds when the fit is well
    identified (it reproduces Besiroglu et al.'s intervals; see tests/test_fitting_parametric.py).

    With more than ``max_rows`` runs, the resamples are of a seeded random subsample of m = ``max_rows`` of them,
    and each refit's deviation from the subsample's own fit, in the fit's parameters, is scaled by √(m/n) before it
    is added to the full-data optimum: the m-out-of-n bootstrap (Bickel, Götze & van Zwet 1997), which estimates
    the spread of an n-run fit from m-run refits for an estimator whose error shrinks as 1/√n. The cost is then
    that of m runs whatever n is.

    ``weights`` : the per-run weights the fit was made with (a weighted fit needs them); each resample's counts are
    multiplied by them. The fit's objective (and the asymmetric objective's penalty) is the refits' too.

    ``progress(done, total)`` is called after each batch. Returns a :class:`BootstrapResult`.
    """
    import numpy as np

    if form not in _FORMS:
        raise FitError(f"bootstrap supports forms {', '.join(_FORMS)} (got {form!r})")
    objective_cls, names, P = _FORMS[form]
    if fit is not None and fit.form != form:
        raise FitError(f"the full-data fit is {fit.form!r} but the bootstrap form is {form!r}")
    param = fit_parametrisation(fit) if fit is not None else Parametrisation.make(form)
    N, D, L = check_runs(n_params, n_tokens, loss, param.n_free)
    check_resampling(n_resamples, level)
    if fit is None:

        fit = fit_parametric(N, D, L, delta=delta) if form == "parametric" else fit_kaplan(N, D, L, delta=delta)
    loss_kind = fit.extra.get("objective_function", HUBER_LOG)
    delta = fit.extra.get("huber_delta", delta)
    penalty = fit.extra.get("overestimate_penalty", OVERESTIMATE_PENALTY)
    if fit.extra.get("weights") and weights is None:
        raise FitError(f"the fit weighted its runs by {fit.extra['weights']}; give the bootstrap the same weights")
    w = run_weights(weights, len(N))
    n_all = len(N)
    rng = np.random.default_rng(seed)
    warm = param.free(np.array([t for _, t in fit.optima[:starts_per_resample]] or [fit.theta], dtype=float))
    K = len(warm)
    x, y, l = np.log(N), np.log(D), np.log(L)
    scale, centre = 1.0, None
    if n_all > max_rows:
        sub = np.sort(rng.choice(n_all, size=max_rows, replace=False))
        x, y, l, w = rows((x, y, l, w), sub)
    n = len(x)
    objective = objective_cls(x, y, l, delta, np.float64, loss=loss_kind, param=param, penalty=penalty, run_weights=w)
    if n_all > max_rows:  # the centre of the m-out-of-n deviations: the optimum on the subsample itself
        centre = lbfgs_batch(objective, warm[:1], ftol=1e-15, gtol=1e-10, max_iter=2000).x[0]
        scale = math.sqrt(max_rows / n_all)
    pre = Preconditioned(objective, warm[0], hessian_of=objective_cls(x, y, l, delta, np.float64, loss=loss_kind,
                                                                      param=param, penalty=penalty, run_weights=w))
    thetas = np.empty((n_resamples, param.n_free))
    values = np.empty(n_resamples)
    done = 0
    while done < n_resamples:
        R = min(batch, n_resamples - done)
        objective.weights = resample_counts(rng, R, n)
        objective.row_map = np.repeat(np.arange(R), K)
        res = lbfgs_batch(pre, pre.z(np.tile(warm, (R, 1))), ftol=REFIT_FTOL, gtol=REFIT_GTOL,
                          max_iter=2000, whitened=True)
        f = res.f.reshape(R, K)
        pick = np.argmin(f, axis=1)
        thetas[done:done + R] = pre.theta(res.x).reshape(R, K, param.n_free)[np.arange(R), pick]
        values[done:done + R] = f[np.arange(R), pick]
        done += R
        if progress is not None:
            progress(done, n_resamples)
    if centre is not None:
        thetas = param.free(np.asarray(fit.theta)) + scale * (thetas - centre)
    coefs, ok = coefficient_draws(form, param, thetas, values)
    samples = coefs[ok]
    if len(samples) == 0:
        raise FitError("no bootstrap resample gave a valid fit")
    intervals, ses = sample_summary(samples, names, level)
    ses.update({name: 0.0 for name, _ in param.fixed})
    method = (f"{n_resamples} resamples of the {n} runs with replacement (numpy default_rng, seed {seed}); each refitted "
              f"by L-BFGS from the full-data optimum" + (f" and the next {K - 1} best distinct grid end points" if K > 1 else "")
              + ", all resamples batched; each keeps its best end point")
    if centre is not None:
        method = (f"m-out-of-n bootstrap: {n_resamples} resamples of a random {n:,} of the {n_all:,} runs (numpy "
                  f"default_rng, seed {seed}), each refitted by L-BFGS from the full-data optimum; deviations from the "
                  f"subsample's own fit scaled by sqrt(m/n) = {scale:.3g} (Bickel, Götze & van Zwet 1997); rows are "
                  "resampled as independent runs, which checkpoints of one run are not")
    return BootstrapResult(
        form=form, names=names, samples=samples, intervals=intervals, standard_errors=ses, level=level,
        n_resamples=n_resamples, n_failed=int((~ok).sum()), seed=seed, method=method,
        flops_per_param_token=fit.flops_per_param_token,
    )
