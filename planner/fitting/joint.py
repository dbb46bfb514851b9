r"""Joint fits: K ladders of the parametric law fitted at once, with some coefficients common to all of them.

Each ladder k has its own law L_k(N, D) = E_k + A_k/N^(α_k) + B_k/D^(β_k) (Hoffmann et al. 2022, arXiv:2203.15556,
Eq. 2); the coefficients named shared (say E, the irreducible loss of a common evaluation set) are one parameter for
all of them. The joint objective is the sum of the ladders' own objectives (:mod:`planner.fitting.objectives`)::

    F(φ) = Σ_k f_k(θ_k(φ)),    θ_k = M·S_k·φ + c,    ∂F/∂φ = Σ_k S_kᵀ·Mᵀ·∇f_k

with φ the joint free parameters (each shared one once, every other once per ladder), S_k the 0/1 matrix that picks
ladder k's free parameters out of φ, and θ = M·φ_k + c the ladder's own tied and fixed coefficients
(:mod:`planner.fitting.parametrisation`). Fitting the ladders separately minimises each f_k over a larger set, so
the joint optimum can never be below the sum of the separate optima, and equals it when the separate fits already
agree on the shared coefficients: the excess is what sharing costs, a likelihood-ratio-like statistic.

The search starts from the separate fits (each found by variable projection, :mod:`planner.fitting.varpro`): K + 1
starts, the shared coefficients taken from each ladder's fit in turn and from their mean, every other coefficient
from its own ladder's fit; they are re-converged jointly and the best polished
(:func:`planner.fitting.multistart.refine`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from ..base.conventions import COARSE_ROWS, FLOPS_PER_PARAM_TOKEN, HUBER_DELTA
from ..base.errors import FitError
from ..base.records import Record, record
from ..laws import ParametricLaw
from .lawfit import fit_extra, objective_label
from .multistart import refine
from .objectives import HUBER_LOG, LEAST_SQUARES, OVERESTIMATE_PENALTY, ParametricObjective
from .outliers import find_outliers
from .parametric import fit_parametric, log_jacobian, parametric_coefficients
from .parametrisation import Parametrisation, TieOrFixError
from .result import FitResult, data_range, residual_stats
from .standard_errors import gauss_newton_se

if TYPE_CHECKING:
    import numpy

__all__ = ["Sharing", "JointObjective", "JointFit", "fit_joint", "SHAREABLE"]

#: |log| of a scale beyond which exp overflows double precision (e^709.8 is the largest double).
_LOG_MAX = 700.0
#: The coefficients of the parametric law that ladders can share.
SHAREABLE = ("E", "A", "B", "alpha", "beta")


@record
class Sharing(Record):
    """The joint free parameters of ladders of ``sizes`` runs each, fitted with ``param`` (their common tied and fixed
    coefficients), with the coefficients ``shared`` common to all.

    index : for each ladder, the position in φ of each of its free parameters (``param``'s order).
    """

    param: Parametrisation
    sizes: tuple[int, ...]
    shared: tuple[str, ...]

    @classmethod
    def make(cls, param: Parametrisation, sizes: Sequence[int], shared: Iterable[str]) -> "Sharing":
        """Validate ``shared`` against the law's coefficients; TieOrFixError (a FitError) naming what is wrong."""
        names = tuple(dict.fromkeys(str(s).strip() for s in shared))
        if len(sizes) < 2:
            raise FitError(f"a joint fit needs two or more ladders (got {len(sizes)})")
        if not names:
            raise TieOrFixError(f"name the coefficients the ladders share (any of {', '.join(SHAREABLE)})")
        fixed = param.fixed_coefficients
        for name in names:
            if name not in SHAREABLE:
                raise TieOrFixError(f"cannot share {name!r}: the parametric law's coefficients are "
                                    f"{', '.join(SHAREABLE)}")
            if name in fixed:
                raise TieOrFixError(f"{name} is fixed, so every ladder has it already; share it or fix it, not both")
        return cls(param=param, sizes=tuple(int(n) for n in sizes), shared=names)

    @property
    def n_ladders(self) -> int:
        return len(self.sizes)

    def is_shared(self, column: int) -> bool:
        """Whether the free parameter ``column`` of ``param`` is shared (a tied pair: if either of it is named)."""
        return any(self.param.spec[i][1] in self.shared for i in self.param.columns[column])

    @property
    def index(self) -> tuple[tuple[int, ...], ...]:
        out: list[list[int]] = [[] for _ in self.sizes]
        n = 0
        for j in range(self.param.n_free):
            if self.is_shared(j):
                for row in out:
                    row.append(n)
                n += 1
            else:
                for row in out:
                    row.append(n)
                    n += 1
        return tuple(tuple(row) for row in out)

    @property
    def n_free(self) -> int:
        """The number of joint free parameters: each shared one once, every other once per ladder."""
        return 1 + max(max(row) for row in self.index)

    @property
    def n_own(self) -> int:
        """The free parameters each ladder has of its own."""
        return sum(not self.is_shared(j) for j in range(self.param.n_free))

    def join(self, phis, shared_from: int | None = None):
        """φ of the ladders' own free parameters ``phis`` (K rows): a shared one from ladder ``shared_from`` (None:
        their mean)."""
        import numpy as np

        phis = np.asarray(phis, float)
        out = np.empty(self.n_free)
        for k, row in enumerate(self.index):
            out[list(row)] = phis[k]
        for j in range(self.param.n_free):
            if self.is_shared(j):
                out[self.index[0][j]] = phis[:, j].mean() if shared_from is None else phis[shared_from, j]
        return out

    def split(self, phi):
        """The ladders' θ (K rows of the law's internal parameters) of joint φ (one row)."""
        import numpy as np

        phi = np.asarray(phi, float)
        return np.array([self.param.full(phi[..., list(row)]) for row in self.index])

    def describe(self) -> str:
        return f"{', '.join(self.shared)} shared by {self.n_ladders} ladders"


class JointObjective:
    """F(φ) = Σ_k f_k(θ_k(φ)) and its gradient for a batch of φ rows, each f_k a
    :class:`~planner.fitting.objectives.ParametricObjective` on ladder k's runs (the stacked rows ``x``, ``y``, ``l``,
    ladder after ladder as ``param.sizes`` says). Called as every objective is, so the multistart driver and the
    batched L-BFGS take it unchanged; ``parts[k].weights`` (and ``row_map``) resample ladder k on its own."""

    def __init__(self, x, y, l, delta, dtype, *, loss: str = HUBER_LOG, param: Sharing,
                 penalty: float = OVERESTIMATE_PENALTY, run_weights=None):
        import numpy as np

        if len(x) != sum(param.sizes):
            raise FitError(f"a joint fit's objective needs every run of its ladders ({sum(param.sizes)}), "
                           f"got {len(x)}")
        ends = np.cumsum((0,) + param.sizes)
        self.sharing = param
        self.parts = [ParametricObjective(x[a:b], y[a:b], l[a:b], delta, dtype, loss=loss, param=param.param,
                                          penalty=penalty,
                                          run_weights=None if run_weights is None else run_weights[a:b])
                      for a, b in zip(ends[:-1], ends[1:])]

    def __call__(self, phi, rows):
        import numpy as np

        phi = np.asarray(phi, float)
        f = np.zeros(len(phi))
        G = np.zeros_like(phi)
        for part, index in zip(self.parts, self.sharing.index):
            cols = list(index)
            fk, gk = part(phi[:, cols], rows)
            f += fk
            G[:, cols] += gk
        return f, G

    def values(self, phi) -> "numpy.ndarray":
        """Each ladder's own objective f_k at one φ."""
        import numpy as np

        phi = np.asarray(phi, float)[None, :]
        return np.array([part(phi[:, list(index)], np.zeros(1, int))[0][0]
                         for part, index in zip(self.parts, self.sharing.index)])


@record
class JointFit(Record):
    """Ladders fitted at once with ``shared`` coefficients common.

    fits : one :class:`FitResult` per ladder (its coefficients from the joint optimum; ``objective`` its own term
        of the joint objective; standard errors asymptotic over the joint Jacobian).
    separate : each ladder fitted on its own (the same objective, ties and fixes).
    objective : the joint optimum F; ``separate_objective`` the sum of the separate optima (F ≥ it always).
    """

    names: tuple[str, ...]
    fits: tuple[FitResult, ...]
    separate: tuple[FitResult, ...]
    sharing: Sharing
    objective: float
    separate_objective: float
    converged: bool
    phi: tuple[float, ...]
    method: str
    warnings: tuple[str, ...] = ()

    @property
    def shared(self) -> tuple[str, ...]:
        return self.sharing.shared


def fit_joint(ladders: Sequence[tuple], *, share: Iterable[str], names: Sequence[str] | None = None,
              tie: Iterable = (), fix: Mapping[str, float] | None = None, objective: str = HUBER_LOG,
              delta: float = HUBER_DELTA, overestimate_penalty: float = OVERESTIMATE_PENALTY,
              flops_per_param_token: float | Sequence[float] = FLOPS_PER_PARAM_TOKEN,
              progress: Callable[[str, float, float], None] | None = None) -> JointFit:
    r"""Fit the parametric law to each of ``ladders`` ((n_params, n_tokens, loss) arrays each, two or more) at once,
    with the coefficients ``share`` (any of E, A, B, alpha, beta) common: see the module docstring.

    names : one name per ladder (default ``ladder 1``, ...), for the reports and errors. tie, fix, objective, delta,
    overestimate_penalty : as :func:`~planner.fitting.fit_parametric`, the same for every ladder.
    flops_per_param_token : one for all, or one per ladder.
    """
    import numpy as np

    K = len(ladders)
    names = tuple(names) if names is not None else tuple(f"ladder {k + 1}" for k in range(K))
    if len(names) != K:
        raise FitError(f"there are {len(names)} names for {K} ladders")
    ks = ([float(flops_per_param_token)] * K if isinstance(flops_per_param_token, (int, float))
          else [float(k) for k in flops_per_param_token])
    param = Parametrisation.make("parametric", tie, fix)
    sharing = Sharing.make(param, [len(np.atleast_1d(ladder[2])) for ladder in ladders], share)
    separate = []
    for name, (N, D, L), k in zip(names, ladders, ks):
        try:
            separate.append(fit_parametric(N, D, L, tie=tie, fix=fix, objective=objective, delta=delta,
                                           overestimate_penalty=overestimate_penalty, flops_per_param_token=k))
        except FitError as e:
            raise FitError(f"{name}: {e}") from None
    runs = [tuple(np.asarray(v, float) for v in ladder) for ladder in ladders]
    if sum(sharing.sizes) > COARSE_ROWS:
        raise FitError(f"a joint fit takes at most {COARSE_ROWS} runs in all (got {sum(sharing.sizes)}); "
                       "fit the ladders separately")
    data = tuple(np.concatenate([np.log(r[i]) for r in runs]) for i in range(3))
    own = np.array([param.free(np.asarray(s.theta)) for s in separate])
    starts = np.array([sharing.join(own, k) for k in range(K)] + [sharing.join(own)])
    make = functools.partial(JointObjective, penalty=overestimate_penalty)
    phi, fval, converged, _, _ = refine(make, starts, data, delta=delta, loss=objective, param=sharing,
                                        progress=progress)
    joint = JointObjective(data[0], data[1], data[2], delta, np.float64, loss=objective, param=sharing,
                           penalty=overestimate_penalty)
    parts = joint.values(phi)
    thetas = sharing.split(phi)
    for name, theta in zip(names, thetas):
        if not (np.all(np.abs(theta[:3]) < _LOG_MAX) and theta[3] > 0 and theta[4] > 0):
            raise FitError(f"the joint fit ({sharing.describe()}) gives {name} no usable law (log A, log B, log E = "
                           f"{theta[0]:.3g}, {theta[1]:.3g}, {theta[2]:.3g}; alpha = {theta[3]:.3g}, beta = "
                           f"{theta[4]:.3g}): the ladders do not agree on what is shared; share less, or fit them "
                           "separately")
    # Each separate fit re-converged from the joint optimum too (two starts, the best kept): a separate optimum the
    # exponent grid missed is found there, so the separate fits are never worse than the joint fit's own terms.
    separate = [_best_alone(s, ladder, param, param.free(theta), objective, delta, overestimate_penalty, k)
                for s, ladder, theta, k in zip(separate, runs, thetas, ks)]
    errors = _joint_errors(sharing, thetas, runs, objective)
    fits = tuple(_ladder_fit(sharing, k, thetas[k], float(parts[k]), runs[k], ks[k], converged, objective, delta,
                             overestimate_penalty, errors[k], names) for k in range(K))
    total = float(sum(s.objective for s in separate))
    warnings = []
    if not converged:
        warnings.append("the joint fit's final L-BFGS run did not meet its stopping test: it may not have converged")
    if fval < total - 1e-9 * abs(total) - 1e-12:
        warnings.append(f"the joint optimum ({fval:.6g}) is below the sum of the separate fits' ({total:.6g}), "
                        "which no joint fit can be: a separate fit missed its optimum")
    method = (f"{objective_label(objective, delta, overestimate_penalty)} over the {K} ladders; "
              f"{sharing.describe()}; L-BFGS from the separate fits ({K + 1} starts), then polished")
    return JointFit(names=names, fits=fits, separate=tuple(separate), sharing=sharing, objective=float(fval),
                    separate_objective=total, converged=bool(converged), phi=tuple(map(float, phi)), method=method,
                    warnings=tuple(warnings))


def _best_alone(fit: FitResult, runs, param: Parametrisation, phi_joint, objective, delta, penalty, k) -> FitResult:
    """The better of ``fit`` (a ladder's own fit) and its own fit re-converged from the starts ``fit``'s optimum and
    ``phi_joint`` (the ladder's free parameters at the joint optimum)."""
    import numpy as np

    starts = np.array([param.free(np.asarray(fit.theta)), phi_joint], float)
    try:
        again = fit_parametric(*runs, grid=starts, polish=2, tie=param.ties, fix=dict(param.fixed),
                               objective=objective, delta=delta,
                               overestimate_penalty=penalty, flops_per_param_token=k)
    except FitError:
        return fit
    return again if again.objective < fit.objective else fit


def _joint_errors(sharing: Sharing, thetas, runs, objective: str) -> list[dict]:
    """Asymptotic standard errors of every ladder's coefficients from the joint Jacobian (one residual variance for
    all runs): :func:`~planner.fitting.standard_errors.gauss_newton_se` over the joint φ, by the delta method."""
    import numpy as np

    K, P = sharing.n_ladders, 5
    M, _ = sharing.param.matrix()
    J = np.zeros((sum(sharing.sizes), K * P))
    r = np.zeros(sum(sharing.sizes))
    M_joint = np.zeros((K * P, sharing.n_free))
    start = 0
    names_scale = []
    for k, ((N, D, L), theta, index) in enumerate(zip(runs, thetas, sharing.index)):
        L_hat, J_log, _ = log_jacobian(theta, N, D)
        rows = slice(start, start + len(N))
        if objective == LEAST_SQUARES:
            J[rows, k * P:(k + 1) * P], r[rows] = J_log * L_hat[:, None], L - L_hat
        else:
            J[rows, k * P:(k + 1) * P], r[rows] = J_log, np.log(L) - np.log(L_hat)
        M_joint[k * P:(k + 1) * P][:, list(index)] = M
        a, b, e = np.exp(theta[:3])
        names_scale += [("A", a), ("B", b), ("E", e), ("alpha", 1.0), ("beta", 1.0)]
        start += len(N)
    se = list(gauss_newton_se(J, r, [(f"{k}:{n}", s) for k, (n, s) in
                                     enumerate(names_scale)], M_joint).values())
    return [{n: se[k * P + i] for i, (n, _) in enumerate(names_scale[k * P:(k + 1) * P])} for k in range(K)]


def _ladder_fit(sharing, k, theta, objective_value, runs, flops_per_param_token, converged, objective, delta, penalty,
                ses, names) -> FitResult:
    """Ladder ``k``'s :class:`FitResult` at the joint optimum."""
    N, D, L = runs
    param = sharing.param
    coefs = param.exact(parametric_coefficients(theta))
    L_hat, _, _ = log_jacobian(theta, N, D)
    law = ParametricLaw(flops_per_param_token=flops_per_param_token, **coefs)
    others = ", ".join(n for i, n in enumerate(names) if i != k)
    extra = fit_extra(objective, delta, param, penalty)   # what it shares is in its method
    return FitResult(
        form="parametric", coefficients=coefs, standard_errors={n: ses[n] for n in ("E", "A", "B", "alpha", "beta")},
        standard_error_method="asymptotic (Gauss-Newton over the joint fit, one residual RMS for all ladders)",
        exponents=law.exponents, objective=objective_value, n_runs=len(N), residuals=residual_stats(L, L_hat),
        data_range=data_range(N, D, flops_per_param_token), converged=converged, n_starts=sharing.n_ladders + 1,
        method=(f"joint fit with {others} ({sharing.describe()}): {objective_label(objective, delta, penalty)}; "
                "L-BFGS from the separate fits, then polished" + ("; " + ", ".join(param.describe())
                                                                   if not param.is_identity else "")),
        flops_per_param_token=flops_per_param_token, theta=tuple(map(float, theta)),
        optima=((objective_value, tuple(map(float, theta))),), extra=extra,
        outliers=find_outliers(L, L_hat, n_coefficients=param.n_free))
