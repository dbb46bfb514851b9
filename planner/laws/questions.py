r"""Every question a law family answers about itself, asked the same way of every family.

A family (:mod:`planner.laws`) answers, for budgets C, sizes N, tokens D and losses ℓ (floats or arrays):

- ``loss(N, D)``, ``reducible(N, D)`` = L − E (without subtracting where the form allows), ``irreducible`` = E;
- ``compute_optimal(C)`` → (N_opt, D_opt), ``optimum(C)`` → (N_opt, D_opt, L_opt), ``optimal_loss(C)``,
  ``optimal_plan(C)`` → (N, D, L, extra fields of its plans);
- ``flops_for_params(N)``, ``flops_for_tokens(D)``: the budget at which N (or D) is optimal;
- ``least_compute(ℓ)`` = C_min(ℓ) and its logarithm, ``log_least_compute(ℓ)`` (nan where ℓ ≤ E);
- ``tokens_for_loss(N, ℓ)`` = D(N, ℓ) and ``params_for_loss(D, ℓ)`` = N(D, ℓ), inf where none reaches ℓ;
- ``training_flops(N, D)``, ``tokens_for_flops(N, C)``, ``params_for_flops(D, C)``: its own FLOP rule (C = k·N·D);
- ``on_unique_data(U, repetition)``: the law of a run on U unique tokens (Muennighoff et al. 2023), itself when U
  is None.

Closed forms live on the families; :class:`Questions` gives the rest from the one numeric fallback
(:mod:`planner.laws.solve`), and :class:`~planner.base.errors.UnansweredError` where a family cannot answer.
Callers outside :mod:`planner.laws` never ask a law which family it is: they ask it the question, inside
:func:`asking`, which names the question in the refusal.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, Mapping

from ..base.errors import NoLossModelError, UnansweredError
from ..base.units import Real

if TYPE_CHECKING:
    from .frontier import Frontier

__all__ = ["Questions", "LossQuestions", "QUESTIONS", "asking", "family_of", "law_name", "map_scalar"]

#: The questions a family may refuse, as the core names them (the command line words them with its flags:
#: :data:`planner.cli.errors.WORDS`).
QUESTIONS: Mapping[str, str] = {
    "plan": "a compute-optimal plan (compute_optimal)",
    "repeated_loss": "the loss on repeated data (repeated_loss)",
    "constraints": "planning under constraints (plan_with_constraints)",
    "compute_efficiency": "compute efficiency",
    "exact_run": "an exact run (evaluate)",
    "what_if_params": "a what-if (plan_with_params)",
    "what_if_tokens": "a what-if (plan_with_tokens)",
    "target_loss": "a target loss (min_compute_for_loss)",
    "optimal_for_params": "a plan for a given model size (optimal_for_params)",
    "optimal_for_tokens": "a plan for a given data budget (optimal_for_tokens)",
    "isoflop_profile": "an isoFLOP profile (D = C/(k·N) at one granularity)",
    "fit_diagnostic": "a fit diagnostic (runs of one N each)",
    "isoflop_design": "an isoFLOP design (D = C/(6·N) on one N)",
}

#: How the core names the remedies its refusals point to (the command line: its flags).
REMEDIES: Mapping[str, str] = {
    "flops": "compute_optimal(law, flops)",
    "unique_tokens": "unique_tokens",
    "preset_besiroglu2024": "the preset 'besiroglu2024'",
    "preset_muennighoff2023": "the preset 'muennighoff2023'",
    "versus": "planner.planning.versus.versus",
}


def family_of(law: Any) -> Any:
    """The law family behind ``law`` (a :class:`~planner.laws.Law`, or a family itself)."""
    return getattr(law, "model", law)


def law_name(law: Any) -> str:
    """The id of a :class:`~planner.laws.Law`, else its family's form."""
    return str(getattr(law, "id", None) or family_of(law).form)


@contextlib.contextmanager
def asking(law: Any, question: str) -> Iterator[None]:
    """Ask ``law`` the question ``question`` (a key of :data:`QUESTIONS`): a refusal raised inside names the law and
    the question."""
    try:
        yield
    except UnansweredError as e:
        if e.question:
            raise
        raise e.about(law_name(law), question, QUESTIONS[question]) from None


def map_scalar(fn: Callable[..., float], *args: Any) -> Any:
    """``fn`` on floats, or elementwise (numpy.vectorize) where an argument is an array."""
    if all(isinstance(x, (int, float)) for x in args):
        return fn(*args)
    import numpy as np

    return np.vectorize(fn, otypes=[float])(*args)


def refusal(template: str, **terms: str) -> UnansweredError:
    error = UnansweredError.worded(template, **{"question": "this question", "law": "this law", **terms})
    assert isinstance(error, UnansweredError)
    return error


def refuse_repeated_data(form: str) -> UnansweredError:
    """Repeated data on a law Muennighoff et al. did not fit."""
    return refusal("{unique_tokens} needs a parametric (Chinchilla-form) law, as Muennighoff et al. 2023 fit it; "
                    "{law} has the " + form + " form; use {preset_muennighoff2023} or another parametric preset",
                    unique_tokens=REMEDIES["unique_tokens"],
                    preset_muennighoff2023=REMEDIES["preset_muennighoff2023"])


class Questions:
    """What every family answers the same way: its FLOP rule C = k·N·D, and its plan from its optimum."""

    flops_per_param_token: float
    form: ClassVar[str]
    has_loss: ClassVar[bool]
    coefficient_names: ClassVar[tuple[str, ...]]
    #: Coefficients that may be zero (the irreducible loss); the rest must be > 0.
    nonnegative_names: ClassVar[tuple[str, ...]] = ("E",)
    #: Coefficients that must lie in (0, 1) (an allocation rule's exponent).
    unit_interval_names: ClassVar[tuple[str, ...]] = ()
    #: The fields its plans carry beyond C, N, D, D/N and L (a mixture of experts: active parameters, G, FLOPs per
    #: token); the command line shows them as columns.
    plan_fields: ClassVar[tuple[str, ...]] = ()
    #: Whether its plans split a budget into N and D. A family that does not (a loss-against-compute envelope) plans
    #: a loss at C with N and D not a number: the reports show them as not given, never as numbers.
    splits: ClassVar[bool] = True

    def flops_rule(self, each: bool = False) -> str:
        """How it counts training compute, as a sentence: ``C = 6·N·D FLOPs`` (``each``: with the coefficients that
        differ between laws of the family left symbols, so a comparison states the rule once)."""
        return f"C = {self.flops_per_param_token:g}·N·D FLOPs"

    def flops_rule_symbols(self) -> dict[str, float]:
        """The values of the symbols :meth:`flops_rule` leaves open with ``each`` (none for k·N·D)."""
        return {}

    def describe(self) -> dict[str, Any]:
        """What a catalogue shows of it beyond its coefficients (an allocation rule: what it gives)."""
        return {}

    def training_flops(self, n_params: Real, n_tokens: Real) -> Real:
        """C = k·N·D."""
        return self.flops_per_param_token * n_params * n_tokens

    def tokens_for_flops(self, n_params: Real, flops: Real) -> Real:
        """D = C/(k·N): the tokens ``flops`` buys for a model of ``n_params``."""
        return flops / (self.flops_per_param_token * n_params)

    def params_for_flops(self, n_tokens: Real, flops: Real) -> Real:
        """N = C/(k·D): the model ``flops`` buys on ``n_tokens``."""
        return flops / (self.flops_per_param_token * n_tokens)

    def compute_optimal(self, flops: Real) -> tuple[Real, Real]:
        raise NotImplementedError

    def optimum(self, flops: Real) -> tuple[Real, Real, Real | None]:
        """(N_opt, D_opt, L_opt), L_opt None without a loss model."""
        N, D = self.compute_optimal(flops)
        return N, D, None

    def optimal_plan(self, flops: Real) -> tuple[Real, Real, Real | None, dict[str, Real]]:
        """(N_opt, D_opt, L_opt, the extra fields of the family's plans: none for a dense law)."""
        N, D, L = self.optimum(flops)
        return N, D, L, {}

    def on_unique_data(self, unique_tokens: Real | None, repetition: Any = None) -> Any:
        """The law of runs on ``unique_tokens`` unique tokens with ``repetition``'s decay constants (a
        :class:`~planner.laws.repetition.Repetition`): itself with unlimited data (None)."""
        if unique_tokens is None:
            return self
        raise refuse_repeated_data(self.form)

    def largest_granularity(self) -> float | None:
        """The largest granularity its optimum searches (None: the family has no granularity)."""
        return None


class LossQuestions(Questions):
    """The questions of a family with a loss model; closed forms on the family, else the numeric fallback."""

    has_loss: ClassVar[bool] = True

    def loss(self, n_params: Real, n_tokens: Real) -> Real:
        raise NotImplementedError

    @property
    def irreducible(self) -> Real:
        """E: the loss no compute goes below (L_opt(C) → E as C → ∞)."""
        E: Real = getattr(self, "E")
        return E

    def reducible(self, n_params: Real, n_tokens: Real) -> Real:
        """L(N, D) − E."""
        return self.loss(n_params, n_tokens) - self.irreducible

    @property
    def frontier(self) -> Frontier | None:
        """L_opt(C) = E + K·C^(−γ) in closed form, or None where the family has none."""
        return None

    def optimum(self, flops: Real) -> tuple[Real, Real, Real | None]:
        N, D = self.compute_optimal(flops)
        return N, D, self.loss(N, D)

    def optimal_loss(self, flops: Real) -> Real:
        """L_opt(C): closed form (its :attr:`frontier`) where there is one, else numeric."""
        f = self.frontier
        if f is not None:
            return f.loss(flops)
        # the numeric fallback, for a family without a closed form: off the plan --flops path
        from .solve import optimal_loss_numeric

        out: Real = map_scalar(lambda c: optimal_loss_numeric(self, c), flops)
        return out

    def log_least_compute(self, loss: Real) -> Real:
        """ln C_min(ℓ), C_min(ℓ) = (K / (ℓ − E))^(1/γ) (inverting :attr:`frontier`); nan where ℓ ≤ E."""
        f = self.frontier
        if f is None:
            # the numeric fallback, for a family without a closed form: off the plan --flops path
            from .solve import min_flops_for_loss_numeric

            E = self.irreducible
            out: Real = map_scalar(lambda t: math.log(min_flops_for_loss_numeric(self, t)) if t > E else math.nan,
                                   loss)
            return out
        if isinstance(loss, (int, float)) and isinstance(f.K, (int, float)) and isinstance(f.E, (int, float)):
            return (math.log(f.K) - math.log(loss - f.E)) / f.gamma if loss > f.E else math.nan
        import numpy as np

        with np.errstate(invalid="ignore", divide="ignore"):
            rest = np.asarray(loss, dtype=float) - f.E
            logs: Real = np.where(rest > 0, (np.log(f.K) - np.log(np.where(rest > 0, rest, 1.0))) / f.gamma, np.nan)
        return logs

    def least_compute(self, loss: Real) -> Real:
        """C_min(ℓ): the least compute whose optimal split reaches ℓ; nan where ℓ ≤ E."""
        x = self.log_least_compute(loss)
        if isinstance(x, float):
            return math.exp(x) if not x > 709.0 else math.inf   # nan stays nan
        import numpy as np

        with np.errstate(over="ignore"):
            C: Real = np.exp(x)
        return C

    def flops_for_params(self, n_params: Real) -> Real:
        """The budget C at which ``n_params`` is compute-optimal (numeric root of log N_opt(C) = log N)."""
        # the numeric fallback, for a family without a closed form: off the plan --flops path
        from .solve import flops_for_optimum_numeric

        C: Real = map_scalar(lambda x: flops_for_optimum_numeric(self, "n_params", x), n_params)
        return C

    def flops_for_tokens(self, n_tokens: Real) -> Real:
        """The budget C at which ``n_tokens`` is compute-optimal (numeric root of log D_opt(C) = log D)."""
        # the numeric fallback, for a family without a closed form: off the plan --flops path
        from .solve import flops_for_optimum_numeric

        C: Real = map_scalar(lambda x: flops_for_optimum_numeric(self, "n_tokens", x), n_tokens)
        return C

    def tokens_for_loss(self, n_params: Real, loss: Real) -> Real:
        """D(N, ℓ): the tokens at which N parameters reach loss ℓ; inf where none does."""
        raise refusal("{question} is not available for {law}: its family has no D(N, ℓ)")

    def params_for_loss(self, n_tokens: Real, loss: Real) -> Real:
        """N(D, ℓ): the parameters at which D tokens reach loss ℓ (D may be inf); inf where none does."""
        raise refusal("{question} is not available for {law}: its family has no N(D, ℓ)")


def solve_term(rest: Real, coef: Real, power: Real) -> Real:
    """X with coef/X^power = rest: (coef/rest)^(1/power), inf where rest ≤ 0 (no X makes the term that small).
    The inverses D(N, ℓ) and N(D, ℓ) of the forms with a sum of power laws solve one term with it."""
    import numpy as np

    r = np.asarray(rest, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        X: Real = np.where(r > 0, (coef / np.where(r > 0, r, 1.0)) ** (1.0 / power), np.inf)
    return X


def refuse_without_loss(what: str) -> NoLossModelError:
    """The refusal of an allocation rule asked about losses."""
    error = NoLossModelError.worded(
        "{law} is an allocation rule with no loss model, and " + what + "; use a parametric preset such as "
        "{preset_besiroglu2024} or muennighoff2023", law="this law",
        preset_besiroglu2024=REMEDIES["preset_besiroglu2024"])
    assert isinstance(error, NoLossModelError)
    return error
