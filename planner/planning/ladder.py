"""Ladders of runs to train before fitting a law: separate runs, or a stepped warmup-stable-decay ladder.

A ladder trains each model size N at multiples m of its horizon D₁ (the Chinchilla horizon: the tokens a law finds
compute-optimal for N, or a fixed number of tokens per parameter). Two ways to run it:

- ``separate``: one run from scratch per (N, m), each to m·D₁ tokens with its own decay. Tokens per size: Σ m·D₁.
- ``wsd-s``: the stepped warmup-stable-decay schedule OLMo-core's ladder runs (allenai/OLMo-core,
  ``WSDSChinchillaRunConfigurator`` with the WSDS scheduler): one run per size to the largest multiple, cut into
  periods that end at each multiple m_i·D₁; the last ``decay_fraction`` of each period decays the learning rate
  (10% by default there), and the run goes on from the decayed point. The end of each period gives one (N, D, loss)
  point. Tokens per size: max m·D₁; saved against separate runs: Σ m·D₁ − max m·D₁.

With multiples 0.5, 1, 2, 4, 8: separate runs train 15.5·D₁ tokens per size, the stepped run 8·D₁, a saving of
7.5·D₁ (48%). Everything here is arithmetic on tokens; hyperparameters, shapes and cost are added by the report.
"""

from __future__ import annotations

from typing import Sequence

from ..base.errors import QuantityError
from ..base.records import Record, record
from ..base.units import check_finite

__all__ = ["SCHEDULES", "Rung", "LadderPlan", "plan_ladder", "ladder_from_rungs", "DEFAULT_DECAY_FRACTION"]

#: The ways to run a ladder (module docstring).
SCHEDULES = ("separate", "wsd-s")
#: The fraction of each period spent decaying: OLMo-core's WSDSChinchillaRunConfigurator default (decay_fraction 0.1).
DEFAULT_DECAY_FRACTION = 0.1


@record
class Rung(Record):
    """One point of a ladder: N parameters trained to ``n_tokens`` = ``multiple``·D₁ (``horizon_tokens``).

    run : which run of its size yields it (1 for every rung of a size under wsd-s; 1, 2, ... under separate).
    period_start, decay_start, period_end : where the period that ends at this point starts, where its decay starts
    and where it ends, in tokens from the start of its run (for a separate run: 0, (1 − f)·D, D).
    new_tokens : the tokens this rung adds to what the ladder trains (the period under wsd-s; the run under separate).
    """

    n_params: float
    multiple: float
    horizon_tokens: float
    n_tokens: float
    run: int
    period_start: float
    decay_start: float
    period_end: float
    new_tokens: float


@record
class LadderPlan(Record):
    """The rungs of a ladder (size-major, multiples ascending) and its token arithmetic."""

    schedule: str
    rungs: tuple[Rung, ...]
    decay_fraction: float
    trained_tokens: float
    separate_tokens: float

    @property
    def saved_tokens(self) -> float:
        """Σ over sizes of (Σ m·D₁ − what this schedule trains): 0 for separate runs."""
        return self.separate_tokens - self.trained_tokens

    @property
    def saved_fraction(self) -> float:
        return self.saved_tokens / self.separate_tokens


def plan_ladder(sizes: Sequence[float], horizons: Sequence[float], multiples: Sequence[float], schedule: str = "wsd-s",
           decay_fraction: float = DEFAULT_DECAY_FRACTION) -> LadderPlan:
    """The ladder of ``sizes`` (N) with horizons D₁ (``horizons``, one per size) at ``multiples`` of D₁.

    Multiples are sorted and must be distinct and > 0; ``decay_fraction`` is the part of each period (wsd-s) or run
    (separate) spent decaying, 0 < f < 0.5 as OLMo-core requires.
    """
    if schedule not in SCHEDULES:
        raise QuantityError(f"schedule must be one of {', '.join(SCHEDULES)} (got {schedule!r})")
    ms = sorted(float(m) for m in multiples)
    if not ms or ms[0] <= 0 or len(set(ms)) != len(ms):
        raise QuantityError(f"multiples must be distinct numbers > 0 (got {', '.join(f'{m:g}' for m in multiples)})")
    if not 0 < decay_fraction < 0.5:
        raise QuantityError(f"the decay fraction must be between 0 and 0.5 (got {decay_fraction:g})")
    if len(sizes) != len(horizons) or not sizes:
        raise QuantityError("give one horizon for each of at least one size")
    f = decay_fraction
    rungs: list[Rung] = []
    for N, D1 in zip(sizes, horizons):
        D1 = check_finite(D1, "the horizon D₁", f"N = {N:g} (D₁ = tokens per parameter × N, or N's optimal D)")
        previous = 0.0
        for i, m in enumerate(ms):
            end = check_finite(m * D1, "a rung's tokens m·D₁", f"N = {N:g}, D₁ = {D1:g} and multiple {m:g}")
            if schedule == "wsd-s":
                start, run, length = previous, 1, end - previous
            else:
                start, run, length = 0.0, i + 1, end
            rungs.append(Rung(n_params=float(N), multiple=m, horizon_tokens=float(D1), n_tokens=end, run=run,
                              period_start=start, decay_start=end - f * length, period_end=end, new_tokens=length))
            previous = end
    return ladder_from_rungs(schedule, rungs, f)


def ladder_from_rungs(schedule: str, rungs: Sequence[Rung], decay_fraction: float,
                      other_tokens: float = 0.0) -> LadderPlan:
    """The ladder of ``rungs`` with its token arithmetic: separate runs train Σ D over the rungs (one run from scratch
    to each point), this ladder Σ ``new_tokens`` + ``other_tokens`` (tokens trained that end at no point, e.g. a
    trunk's stable tail past its last branch). ``plan_ladder`` plans one; ``planner.fitting.branches`` reads one off
    the curves of a trained one."""
    trained = sum(r.new_tokens for r in rungs) + float(other_tokens)
    top = max((r.n_tokens for r in rungs), default=0.0)
    separate = check_finite(sum(r.n_tokens for r in rungs), "the ladder's tokens Σ m·D₁",
                            f"{len(rungs)} rungs of up to {top:g} tokens")
    trained = check_finite(trained, "the tokens the ladder trains", f"{len(rungs)} rungs of up to {top:g} tokens")
    return LadderPlan(schedule=schedule, rungs=tuple(rungs), decay_fraction=decay_fraction, trained_tokens=trained,
                      separate_tokens=separate)
