"""A scaling law with what is needed to use it honestly: its family, source, conventions and published tables.

:class:`Law` is what a law file (a shipped preset or a user's file) describes, once :mod:`planner.files.lawfile` has read
and validated every table of it. Its tables are plain data (no numpy, no I/O): :class:`Uncertainty` here, the rarer
ones in :mod:`planner.laws.tables` and :mod:`planner.laws.repetition`.
"""

import dataclasses
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, Union, cast

from ..base.errors import ArgumentError, PresetError, did_you_mean, literal
from ..base.records import Record, record

if TYPE_CHECKING:
    from .allocation import AllocationRule
    from .busbridge import BusbridgeLaw
    from .distillation import DistillationLaw
    from .envelope import EnvelopeLaw
    from .kaplan import KaplanLaw
    from .moe import FineGrainedMoE
    from .parametric import ParametricLaw
    from .repetition import Repetition
    from .tables import Calibration

__all__ = ["Law", "Family", "Uncertainty", "check_coefficient", "short_citation"]

#: Any law family of :mod:`planner.laws`.
Family = Union["ParametricLaw", "KaplanLaw", "AllocationRule", "BusbridgeLaw", "FineGrainedMoE", "EnvelopeLaw"]

# No ``from __future__ import annotations`` here: string annotations make every dataclass field cost a regular
# expression match when the class is made, and these classes are made on every run of ``plan`` (bench/bench_cli.py).

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@record   # a frozen dataclass made on every run of ``plan`` (planner.base.records)
class Uncertainty(Record):
    """A law's published uncertainty (its ``[uncertainty]`` table), validated at load.

    Which of these a file gives decides how :func:`planner.planning.uncertainty.coefficient_samples` draws: bootstrap
    ``samples`` (rows over ``sample_names``) as they are; else ``intervals`` at ``interval_level`` per coefficient,
    joined by ``correlation`` over ``correlation_names`` where given; else ``standard_errors``.
    """

    standard_errors: Mapping[str, float] = field(default_factory=lambda: _EMPTY)
    intervals: Mapping[str, tuple[float, float]] = field(default_factory=lambda: _EMPTY)
    interval_level: float = 95.0
    correlation_names: tuple[str, ...] = ()
    correlation: tuple[tuple[float, ...], ...] = ()
    correlation_source: str = ""
    sample_names: tuple[str, ...] = ()
    samples: tuple[tuple[float, ...], ...] = ()
    method: str = ""
    n_resamples: int | None = None
    n_failed: int | None = None
    seed: int | None = None

    #: Its tables are mappings, so it has no hash: said here, which spares generating a ``__hash__`` that would fail
    #: on the first of them (a dataclass made on every run of ``plan``).
    __hash__ = None  # type: ignore[assignment]

    @property
    def publishes(self) -> bool:
        """Whether anything can be drawn from it (samples, intervals or standard errors)."""
        return bool(self.samples or self.intervals or self.standard_errors)

    def __repr__(self) -> str:
        what = [f"{len(self.samples)} samples" if self.samples else "",
                f"{self.interval_level:g}% intervals" if self.intervals else "",
                "standard errors" if self.standard_errors else ""]
        return f"Uncertainty({', '.join(w for w in what if w) or 'none'})"


@record   # a frozen dataclass made on every run of ``plan`` (planner.base.records)
class Law(Record):
    """A scaling law with its source and conventions.

    id, title : how it is named.  model : the law family that does the arithmetic (:mod:`planner.laws`).
    citation : authors, year, title, arxiv, where, url.  parameters : what N counts ("total", "non-embedding").
    dataset : the data its losses are on (a predicted loss is indicative only, and specific to this data set).
    fitted_range : ``n_params``, ``n_tokens``, ``flops`` → (low, high) of the runs it was fitted on.
    uncertainty, repetition, calibration : its published tables, or None.
    distillation : the paper's distillation law for students of this (supervised) law (``[distillation]``), or None.
    fit : how a fitted law file was made (``[fit]``).  source : the file it was read from.
    overrides : coefficients replaced by ``--set`` (name → value); empty for the law as published.
    """

    id: str
    title: str
    model: Family
    citation: Mapping[str, Union[str, int]]
    parameters: str = "total"
    dataset: str = ""
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    fitted_range: Mapping[str, tuple[float, float]] = field(default_factory=lambda: _EMPTY)
    uncertainty: Uncertainty | None = None
    repetition: "Repetition | None" = None
    calibration: "Calibration | None" = None
    distillation: "DistillationLaw | None" = None
    fit: Mapping[str, object] = field(default_factory=lambda: _EMPTY)
    source: str = ""
    overrides: Mapping[str, float] = field(default_factory=lambda: _EMPTY)

    #: Its citation and tables are mappings, so it has no hash (as :class:`Uncertainty`).
    __hash__ = None  # type: ignore[assignment]

    @property
    def form(self) -> str:
        return self.model.form

    @property
    def has_loss(self) -> bool:
        return self.model.has_loss

    @property
    def routed(self) -> bool:
        """Whether the law is a mixture of experts whose N counts every expert and whose compute counts the
        active ones (:class:`~planner.laws.moe.FineGrainedMoE`)."""
        return getattr(self.model, "routed", False)

    @property
    def splits(self) -> bool:
        """Whether its plans split a budget into N and D (:attr:`planner.laws.questions.Questions.splits`)."""
        return self.model.splits

    @property
    def plan_fields(self) -> tuple[str, ...]:
        """The fields its plans carry beyond C, N, D, D/N and L (:attr:`planner.laws.questions.Questions.plan_fields`)."""
        return self.model.plan_fields

    @property
    def coefficients(self) -> dict[str, float]:
        return {name: getattr(self.model, name) for name in self.model.coefficient_names}

    @property
    def flops_per_param_token(self) -> float:
        return self.model.flops_per_param_token

    @property
    def short_citation(self) -> str:
        """``'Hoffmann et al. 2022, arXiv:2203.15556'``."""
        return short_citation(self.citation)

    @property
    def name(self) -> str:
        """The id, and the overrides where there are any: ``'besiroglu2024 with alpha = 0.35'``."""
        if not self.overrides:
            return self.id
        return f"{self.id} with " + ", ".join(f"{k} = {v:g}" for k, v in self.overrides.items())

    def with_coefficients(self, **overrides: float) -> "Law":
        """A copy with some coefficients replaced (``alpha=0.35``), each validated as a law file's would be."""
        for name, value in overrides.items():
            try:
                check_coefficient(type(self.model), name, value, where="\0")
            except PresetError as e:   # named as the core names an override; the command line words it --set
                text = literal(str(e)).replace("\0", "{set}")
                raise OverrideError.worded(text, set="with_coefficients") from None
        model = cast("Family", dataclasses.replace(cast(Any, self.model), **overrides))
        note = "coefficients overridden: " + ", ".join(f"{k} = {v:g}" for k, v in overrides.items())
        return dataclasses.replace(self, model=model, notes=self.notes + (note,),
                                   overrides=MappingProxyType({**self.overrides, **overrides}))

    def __repr__(self) -> str:
        coefs = ", ".join(f"{k}={v:.6g}" for k, v in self.coefficients.items())
        return f"Law({self.name!r}, {self.form}: {coefs}; {self.short_citation})"


def short_citation(citation: Mapping[str, object]) -> str:
    """``'Hoffmann et al. 2022, arXiv:2203.15556'`` from a citation table."""
    c = citation
    authors = [a.strip() for a in str(c.get("authors", "")).split(" and ") if a.strip()]
    if not authors:
        who = "unknown authors"
    elif len(authors) == 1:
        who = authors[0]
    else:
        who = authors[0].split()[-1] + (" et al." if len(authors) > 2 else " and " + authors[1].split()[-1])
    text = f"{who} {c.get('year', '')}".strip()
    if c.get("arxiv"):
        text += f", arXiv:{c['arxiv']}"
    return text


class OverrideError(PresetError, ArgumentError):
    """An override of :meth:`Law.with_coefficients` the law cannot take (a name its form has not, a value out of
    range): the caller's argument, so a usage error on the command line (``--set``, exit 2)."""


def check_coefficient(family: type, name: str, value: object, where: str) -> float:
    """``value`` as a float if it may be coefficient ``name`` of ``family``; PresetError naming it and ``where``
    (``"[coefficients] of presets/x.toml"``, ``"--set"``).

    Every coefficient is a finite number; the family's ``nonnegative_names`` (the irreducible loss: E, or c of
    the MoE law) are ≥ 0; an allocation rule's exponent lies in (0, 1); the rest are > 0.
    """
    allowed: tuple[str, ...] = getattr(family, "coefficient_names")
    if name not in allowed:
        hint = did_you_mean(name, allowed, n=1, cutoff=0.6) or f"; the {getattr(family, 'form')} form has {', '.join(allowed)}"
        raise PresetError(f"unknown coefficient {name!r} in {where}{hint}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PresetError(f"{name!r} must be a number (got {type(value).__name__} {value!r}) in {where}")
    try:
        value = float(value)
    except OverflowError:
        raise PresetError(f"{name!r} must be a number planner can compute with (got an integer of "
                          f"{len(str(abs(value)))} digits) in {where}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise PresetError(f"{name!r} must be finite (got {value!r}) in {where}")
    if name in getattr(family, "nonnegative_names", ("E",)):
        if value < 0:
            raise PresetError(f"{name!r} must be >= 0 (got {value:g}) in {where}")
    elif name in getattr(family, "unit_interval_names", ()):
        if not 0 < value < 1:
            raise PresetError(f"'exponent' must be between 0 and 1 (got {value:g}) in {where}")
    elif value <= 0:
        raise PresetError(f"{name!r} must be > 0 (got {value:g}) in {where}")
    return value
