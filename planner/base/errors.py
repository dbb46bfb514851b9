"""Exceptions raised by planner.

Every error a user can cause derives from :class:`PlannerError`, and also from the
built-in exception it resembles, so library callers can catch either. The CLI turns a
``PlannerError`` into one line on stderr and exit status 1.
"""

from contextvars import ContextVar
from types import MappingProxyType
from typing import Mapping, TypeVar

__all__ = [
    "PlannerError",
    "QuantityError",
    "PresetError",
    "UnknownPresetError",
    "LawFileError",
    "NoLossModelError",
    "InfeasibleError",
    "UnreachableLossError",
    "UnreachableAccuracyError",
    "UnknownTaskError",
    "UnknownChipError",
    "HardwareError",
    "UnsupportedLawError",
    "UnansweredError",
    "RunsError",
    "FitError",
    "ArgumentError",
    "NoUncertaintyError",
    "PlotDependencyError",
    "OutputExistsError",
    "NumericError",
    "did_you_mean",
    "unknown_key",
    "Worded",
    "literal",
]


def literal(text: str) -> str:
    """``text`` as it reads inside a template of :meth:`PlannerError.worded` or :class:`Worded` (braces doubled): a
    file name or a column a user chose must not be taken for a placeholder."""
    return text.replace("{", "{{").replace("}", "}}")


#: How the front end in charge words the placeholders of core messages (placeholder → its words). The command line
#: sets it to its flags for the length of a command (:mod:`planner.cli.group`); by default a message speaks of the
#: Python arguments. A context variable, so that a message composed into another (a footer line, an estimator's
#: error in a table) keeps the words it was made with.
FRONT_END_WORDS: "ContextVar[Mapping[str, str]]" = ContextVar("planner_front_end_words", default=MappingProxyType({}))


def _reworded(template: str, terms: "dict[str, str]", words: "Mapping[str, str] | None" = None) -> str:
    words = FRONT_END_WORDS.get() if words is None else words
    return template.format_map({**terms, **{k: v for k, v in words.items() if k in terms}})


class Worded(str):
    """A warning or note that names arguments through placeholders, as :meth:`PlannerError.worded` does for errors:
    made in the words of the front end in charge (:data:`FRONT_END_WORDS`: the command line's flags while a command
    runs, else the Python arguments); :meth:`in_words` gives it in any other words."""

    template: str
    terms: "dict[str, str]"

    def __new__(cls, template: str, **terms: str) -> "Worded":
        self = super().__new__(cls, _reworded(template, terms))
        self.template, self.terms = template, dict(terms)
        return self

    def in_words(self, words: "dict[str, str]") -> str:
        return _reworded(self.template, self.terms, words)


_Error = TypeVar("_Error", bound="PlannerError")


class PlannerError(Exception):
    """Base class of every error planner raises on purpose.

    An error made by :meth:`worded` names the arguments it blames through placeholders: ``str(e)`` speaks of the
    Python arguments (``max_params``), and a front end re-words it with its own names (the command line's flags,
    :mod:`planner.cli.errors`) through :meth:`in_words`.
    """

    #: The message with ``{placeholders}`` for the arguments it names (None: the message has none).
    template: str | None = None
    #: placeholder → the words ``str(e)`` uses for it (the Python argument).
    terms: dict[str, str] = {}

    @classmethod
    def worded(cls: "type[_Error]", template: str, **terms: str) -> "_Error":
        """The error whose message is ``template`` with each ``{placeholder}`` replaced by ``terms[placeholder]``."""
        error = cls(_reworded(template, terms))
        error.template, error.terms = template, dict(terms)
        return error

    def in_words(self, words: "dict[str, str]") -> str:
        """The message with the placeholders a front end has words for re-worded (the rest as ``str(self)``)."""
        if self.template is None:
            return str(self)
        return _reworded(self.template, self.terms, words)


class QuantityError(PlannerError, ValueError):
    """A quantity (budget, parameter count, token count) is not a finite positive number."""


class PresetError(PlannerError, ValueError):
    """A law file or preset is malformed: missing, misspelt or mistyped keys, bad values."""


class LawFileError(PresetError, OSError):
    """A law file cannot be read (missing, unreadable, or not TOML)."""


class UnknownPresetError(PlannerError, LookupError):
    """No shipped preset has that id or alias."""




class InfeasibleError(PlannerError, ValueError):
    """A request no plan can meet (a loss below the law's floor, caps that leave nothing)."""


class UnreachableLossError(InfeasibleError):
    """A target loss at or below the law's irreducible loss E: no amount of compute reaches it."""


class UnreachableAccuracyError(InfeasibleError):
    """A target accuracy a task law cannot reach: at or below chance, or at or beyond the accuracy of infinite compute."""


class UnknownTaskError(PlannerError, LookupError):
    """A task-law file has no task with that id."""


class UnsupportedLawError(PlannerError, ValueError):
    """The law's form does not support the request (repeated data needs the parametric form)."""


class UnansweredError(UnsupportedLawError):
    """A law family cannot answer this question about itself (a mixture of experts asked a question planned on
    k·N·D with one N, repeated data on a law Muennighoff et al. did not fit). ``question`` names the question."""

    question: str = ""

    def about(self, law: str, question: str, phrase: str) -> "UnansweredError":
        """This refusal for ``law`` asked ``question`` (a key of :data:`planner.laws.questions.QUESTIONS`, which the
        core words as ``phrase``): its ``{question}`` placeholder becomes ``{<question>}``, so a front end can word
        the question its own way."""
        template = (self.template or str(self)).replace("{question}", "{" + question + "}")
        error = type(self).worded(template, **{**self.terms, "law": law, question: phrase})
        assert isinstance(error, UnansweredError)   # worded() builds an instance of type(self)
        error.question = question
        return error


class NoLossModelError(UnansweredError):
    """The law is an allocation rule: it says how to split compute but predicts no loss."""


class UnknownChipError(PlannerError, LookupError):
    """No chip of the hardware catalogue has that id or alias."""


class HardwareError(PlannerError, ValueError):
    """A hardware conversion lacks what it needs (a chip count for days, a price for dollars)."""


class RunsError(PlannerError, ValueError):
    """A runs file (for ``plan fit``) cannot be read: missing columns, bad cells, bad values."""


class FitError(PlannerError, ValueError):
    """A law cannot be fitted to these runs: too few, not identifiable, or no valid optimum."""


class ArgumentError(PlannerError, ValueError):
    """An argument is malformed or names what is not there (a tie ``"alpha"`` without ``=beta``, a coefficient the
    form does not have): the caller's mistake in how it asked, which the command line reports as a usage error
    (exit status 2), as it does its own."""


class NoUncertaintyError(PlannerError, LookupError):
    """The law publishes no uncertainty (no bootstrap samples, intervals or standard errors)."""


class PlotDependencyError(PlannerError, ImportError):
    """Plotting needs matplotlib, the optional ``plot`` extra, and it is not installed."""


class NumericError(PlannerError, ArithmeticError):
    """A law's coefficients (or a request's values) are so extreme that the arithmetic leaves the floats: a plan
    would not be finite, or would not spend its budget (k·N·D ≠ C). Never printed as a plan."""


class OutputExistsError(PlannerError, FileExistsError):
    """An output file exists and --force was not given (or its folder is missing)."""


def did_you_mean(name: str, choices, n: int = 3, cutoff: float = 0.5) -> str:
    """``"; did you mean 'chinchilla' or 'chinchilla-approach2'?"`` for the choices close to ``name``, else ``""``."""
    # difflib: only a misspelt name needs it
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=n, cutoff=cutoff)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def unknown_key(key: str, allowed, table: str, where: str) -> PresetError:
    """The error for a key a law file's ``table`` does not take: the closest allowed key, else all of them."""
    hint = did_you_mean(key, allowed, n=1, cutoff=0.6) or f"; expected one of {', '.join(allowed)}"
    return PresetError(f"unknown key {key!r} in {table} of {where}{hint}")
