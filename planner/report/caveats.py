"""Warnings as a reader sees them, and ``--quiet``.

- :func:`fold`: each warning once; warnings of one kind about two or more laws (:class:`~planner.base.caveats.Caveat`
  with a ``fold`` predicate) become one line, "10 of 13 laws extrapolate beyond the range they were fitted on:
  besiroglu2024 (N, C), busbridge2025 (N), ...", where the line they replace stood first. The stderr of the command
  line and the "Caveats" of the human formats show warnings folded; JSON carries every warning as it was raised.
- :func:`quiet`: a report without its footers (its sections' too) and with only the warnings that can change a
  decision: an extrapolation beyond a law's fitted range, a run far from the optimum, a constraint that cannot be
  met or a target a law cannot reach, an optimum at the edge of the searched range, a fit that is not trustworthy.
  Left out: warnings that only explain what the table shows (a law without intervals has no interval in its row).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from .types import Report

__all__ = ["fold", "decisive", "quiet", "shown", "laws_in"]


def fold(warnings: Sequence[str], among: int | None = None) -> list[str]:
    """``warnings`` each once, those of one foldable kind about two or more subjects as one line in place of the first
    (``among``: how many laws the output shows, for "3 of ``among`` laws"); the rest as they are."""
    unique: list[Any] = list(dict.fromkeys(warnings))  # str, or Caveat (a str with kind, subject, fold...)
    kinds: dict[Any, list] = {}
    for w in unique:
        if getattr(w, "fold", "") and getattr(w, "subject", ""):
            kinds.setdefault(w.kind, []).append(w)
    out, done = [], set()
    for w in unique:
        group = kinds.get(getattr(w, "kind", None), [])
        subjects = list(dict.fromkeys(c.subject for c in group))
        if len(subjects) < 2 or w not in group:
            out.append(w)
        elif w.kind not in done:
            done.add(w.kind)
            named = ", ".join(s + _details([c.detail for c in group if c.subject == s]) for s in subjects)
            n = len(subjects)
            count = (("both" if n == 2 else f"all {n}") if among == n else f"{n} of {among}") \
                if among and among >= n else str(n)
            out.append(f"{count} laws {w.fold}: {named}")
    return out


def _details(details: Sequence[str]) -> str:
    named = [d for d in dict.fromkeys(details) if d]
    return f" ({', '.join(named)})" if named else ""


def laws_in(report: Report) -> int | None:
    """How many laws the report's rows name (their ``preset``), or None if they name none."""
    return len({row["preset"] for row in report.rows if row.get("preset")}) or None


def shown(report: Report, quiet: bool = False) -> list[str]:
    """The report's warnings as the human formats and stderr show them: :func:`fold` ed over the laws it names (with
    ``quiet``, only the :func:`decisive` ones)."""
    return fold(decisive(report.warnings) if quiet else report.warnings, laws_in(report))


def decisive(warnings: Sequence[str]) -> list[str]:
    """The warnings that can change a decision (every plain string; a Caveat unless marked otherwise)."""
    return [w for w in warnings if getattr(w, "decisive", True)]


def quiet(report: Report) -> Report:
    """``report`` as ``--quiet`` shows it: the tables, their notes and the column legend, without footers (of its
    sections too), and only the :func:`decisive` warnings."""
    return dataclasses.replace(report, footer=(), warnings=tuple(decisive(report.warnings)),
                               sections=tuple(quiet(section) for section in report.sections))
