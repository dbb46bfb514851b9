r"""Tied and fixed coefficients: the free parameters a fit searches over, as a linear map into the law's own.

A fit's internal parameters are θ (parametric law: θ = (a, b, e, α, β) with A = e^a, B = e^b, E = e^e; Kaplan:
θ = (log N_c, log D_c, α_N, α_D)). Tying two coefficients (Gadre et al. 2024, arXiv:2403.08540, Eq. 3 and §3.1, and
Muennighoff et al. 2023, arXiv:2305.16264, fit with α = β) makes them one free parameter; fixing one (``E = 1.69``)
takes it out of the search. Both are linear in θ::

    θ = M·φ + c,        ∂f/∂φ = Mᵀ·∂f/∂θ

with φ the k free parameters, M a P×k matrix of zeros and ones (one 1 per row of a free or tied parameter, none for a
fixed one) and c the fixed values. So the objectives, their analytic gradients and the batched L-BFGS work on φ
unchanged, the grid spans the free parameters only, and a fit needs at least k + 1 runs.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

from ..base.conventions import LOSS_RANGE
from ..base.errors import ArgumentError, FitError
from ..base.records import Record, record
from .objectives import grid

__all__ = ["Parametrisation", "FORM_PARAMETERS", "FIXED_EXPONENT_RANGE", "check_fixed_exponent", "parse_ties"]

#: The values a fixed exponent may take. Below 1e-3, N^α varies by under 2% over 1e6..1e12 parameters: the term is a
#: second E, not a power law (and α = 1e-300 divides by zero in Hoffmann's G = (αA/(βB))^(1/(α+β))). Published
#: exponents lie within 0.05..0.8 (Kaplan et al. 2020's α_N = 0.076; Hoffmann et al. 2022's α = 0.34, β = 0.28) and
#: the searches go to 2.5 (:data:`planner.fitting.varpro.EXPONENT_GRID`); 10 leaves room beyond.
FIXED_EXPONENT_RANGE = (1e-3, 10.0)

#: Per form: (internal parameter, the coefficient it gives, whether coefficient = exp(parameter)), in θ order.
FORM_PARAMETERS = {
    "parametric": (("a", "A", True), ("b", "B", True), ("e", "E", True), ("alpha", "alpha", False),
                   ("beta", "beta", False)),
    "kaplan": (("log_N_c", "N_c", True), ("log_D_c", "D_c", True), ("alpha_N", "alpha_N", False),
               ("alpha_D", "alpha_D", False)),
}


class TieOrFixError(FitError, ArgumentError):
    """A tied, fixed or shared coefficient that is malformed, out of range, names no coefficient of the form, or
    leaves nothing to fit: a usage mistake (the command line's exit status 2), and a :class:`FitError` for callers
    that catch those."""


def parse_ties(ties: Iterable) -> tuple[tuple[str, str], ...]:
    """``["alpha=beta"]`` or ``[("alpha", "beta")]`` → ``(("alpha", "beta"),)``."""
    out = []
    for tie in ties:
        if isinstance(tie, str):
            left, sep, right = tie.partition("=")
            if not sep or not left.strip() or not right.strip() or "=" in right:
                raise TieOrFixError(f"a tie is NAME=NAME like alpha=beta (got {tie!r})")
            tie = (left.strip(), right.strip())
        left, right = tie
        out.append((str(left), str(right)))
    return tuple(out)


def check_fixed_exponent(name: str, value: float) -> None:
    """TieOrFixError unless the fixed exponent ``name`` = ``value`` lies within :data:`FIXED_EXPONENT_RANGE`."""
    lo, hi = FIXED_EXPONENT_RANGE
    if not lo <= value <= hi:
        raise TieOrFixError(f"a fixed exponent {name} must lie within {lo:g}..{hi:g} (got {value:g}): below, its "
                            "term does not vary with N, D or C; published exponents are 0.05 to 0.8")


@record
class Parametrisation(Record):
    """The free parameters of a fit of ``form`` with ``ties`` (pairs of coefficient names) and ``fixed``
    (coefficient name → value in the coefficient's own units, e.g. ``{"E": 1.69}``).

    columns : for each free parameter, the indices into θ it sets (two or more for a tie).
    constant : θ's fixed values (0 where free).
    """

    form: str
    ties: tuple[tuple[str, str], ...] = ()
    fixed: tuple[tuple[str, float], ...] = ()

    @classmethod
    def make(cls, form: str, tie: Iterable = (), fix: Mapping[str, float] | None = None) -> "Parametrisation":
        """Validate ``tie`` and ``fix`` against the coefficients of ``form``; FitError naming what is wrong."""
        spec = FORM_PARAMETERS.get(form)
        if spec is None:
            raise TieOrFixError(f"tied and fixed coefficients are for the forms {', '.join(FORM_PARAMETERS)} "
                                f"(got {form!r})")
        names = [coef for _, coef, _ in spec]
        exponents = {coef for _, coef, is_log in spec if not is_log}
        ties = parse_ties(tie)
        fixed = {}
        for name, value in dict(fix or {}).items():
            if name not in names:
                raise TieOrFixError(f"cannot fix {name!r}: the {form} law's coefficients are {', '.join(names)}")
            v = float(value)
            if not (math.isfinite(v) and v > 0):     # every coefficient of both forms is positive
                raise TieOrFixError(f"a fixed {name} must be a finite number > 0 (got {value!r})")
            if name in exponents:
                check_fixed_exponent(name, v)
            elif name == "E" and v > LOSS_RANGE[1]:    # the irreducible loss is a loss: no fit reaches past this
                raise TieOrFixError(f"a fixed E is a loss in nats per token and must be at most {LOSS_RANGE[1]:g} "
                                    f"(got {v:g})")
            fixed[name] = v
        for left, right in ties:
            for name in (left, right):
                if name not in names:
                    raise TieOrFixError(f"cannot tie {name!r}: the {form} law's coefficients are {', '.join(names)}")
                if name in fixed:
                    raise TieOrFixError.worded(f"{name} is both tied and fixed; give one of {{tie}} and {{fix}} "
                                               "for it", tie="tie", fix="fix")
            if left == right:
                raise TieOrFixError(f"a tie needs two different coefficients (got {left}={right})")
            scale = dict((c, log) for _, c, log in spec)
            if scale[left] != scale[right]:
                raise TieOrFixError(f"cannot tie {left} to {right}: tie exponents to exponents or scales to scales "
                               f"(e.g. alpha=beta)")
        made = cls(form=form, ties=ties, fixed=tuple(fixed.items()))
        if made.n_free == 0:    # a search over nothing: refused here, not as an empty grid deep in the search
            raise TieOrFixError(f"every coefficient of the {form} law is fixed ({', '.join(fixed)}): nothing is left "
                                "to fit; leave at least one free, or write the law as a law file and plan with it")
        return made

    # -- structure ------------------------------------------------------------------------------------------------

    @property
    def spec(self):
        return FORM_PARAMETERS[self.form]

    @property
    def columns(self) -> tuple[tuple[int, ...], ...]:
        """Indices into θ of each free parameter, in θ order of their first index."""
        names = [coef for _, coef, _ in self.spec]
        parent = list(range(len(names)))

        def root(i):
            while parent[i] != i:
                i = parent[i]
            return i

        for left, right in self.ties:
            a, b = root(names.index(left)), root(names.index(right))
            parent[max(a, b)] = min(a, b)
        fixed = {names.index(n) for n, _ in self.fixed}
        groups: dict[int, list[int]] = {}
        for i in range(len(names)):
            if i not in fixed:
                groups.setdefault(root(i), []).append(i)
        return tuple(tuple(g) for _, g in sorted(groups.items()))

    @property
    def n_free(self) -> int:
        return len(self.columns)

    @property
    def is_identity(self) -> bool:
        """No tie and nothing fixed: φ = θ."""
        return not self.ties and not self.fixed

    @property
    def free_names(self) -> tuple[str, ...]:
        """The internal parameter name of each free column (its first θ index): ``("a", "b", "e", "alpha")``."""
        return tuple(self.spec[col[0]][0] for col in self.columns)

    @property
    def free_coefficients(self) -> tuple[str, ...]:
        """The coefficients the fit estimates (tied ones included, fixed ones not)."""
        free = {i for col in self.columns for i in col}
        return tuple(coef for i, (_, coef, _) in enumerate(self.spec) if i in free)

    @property
    def fixed_coefficients(self) -> dict[str, float]:
        return dict(self.fixed)

    def matrix(self):
        """(M, c): θ = φ·Mᵀ + c for rows φ."""
        import numpy as np

        P = len(self.spec)
        M = np.zeros((P, self.n_free))
        for j, col in enumerate(self.columns):
            M[list(col), j] = 1.0
        c = np.zeros(P)
        index = {coef: i for i, (_, coef, _) in enumerate(self.spec)}
        for name, v in self.fixed:
            c[index[name]] = math.log(v) if self.spec[index[name]][2] else v
        return M, c

    def full(self, phi):
        """θ of free parameters φ (one row or many)."""
        import numpy as np

        M, c = self.matrix()
        return np.asarray(phi, dtype=float) @ M.T + c

    def free(self, theta):
        """φ of θ (one row or many): each free parameter read at its first index."""
        import numpy as np

        theta = np.asarray(theta, dtype=float)
        return theta[..., [col[0] for col in self.columns]]

    def grid(self, spec: Mapping[str, Sequence[float]]):
        """The grid over the free parameters: the product of each free parameter's values in ``spec`` (a tied pair
        takes the values of its first parameter). An (S, k) array."""
        return grid(spec, self.free_names)

    def exact(self, coefficients: Mapping[str, float]) -> dict:
        """``coefficients`` with each fixed one set to its given value exactly (not exp(log v))."""
        return {**dict(coefficients), **dict(self.fixed)}

    # -- words ------------------------------------------------------------------------------------------------

    def describe(self) -> list[str]:
        """``["alpha = beta (tied)", "E = 1.69 (fixed)"]``: what the report and the law file say."""
        out = [f"{left} = {right} (tied)" for left, right in self.ties]
        out += [f"{name} = {value:g} (fixed, not fitted)" for name, value in self.fixed]
        return out

    @property
    def tie_strings(self) -> list[str]:
        return [f"{left}={right}" for left, right in self.ties]
