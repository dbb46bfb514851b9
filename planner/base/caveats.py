"""What a warning is: a message (a ``str``, so it goes wherever a warning line goes) that also knows its kind, whom
it is about, and whether it can change a decision.

The core returns these; :mod:`planner.report.caveats` folds warnings of one kind about several laws into one line
("3 of 12 laws extrapolate beyond the range they were fitted on: ...") and, for ``--quiet``, keeps the decisive ones.
A plain ``str`` warning is decisive and folds with nothing.
"""

from __future__ import annotations

__all__ = ["Caveat", "EXTRAPOLATION", "NO_INTERVALS"]

#: Kind of :func:`planner.planning.checks.fitted_range_warnings`: a plan outside the runs its law was fitted on.
EXTRAPOLATION = "extrapolation"
#: Kind of a law that publishes no uncertainty, so its row has no interval (what the table already shows).
NO_INTERVALS = "no-intervals"


class Caveat(str):
    """A warning line with ``kind`` (e.g. :data:`EXTRAPOLATION`), ``subject`` (the law it is about), ``detail`` (what
    the folded line names beside the subject, e.g. ``N``), ``fold`` (the predicate of the folded line, e.g. "extrapolate
    beyond the range they were fitted on") and ``decisive`` (False for a warning that only explains what the output
    shows, which ``--quiet`` leaves out)."""

    kind: str
    subject: str
    detail: str
    fold: str
    decisive: bool

    def __new__(cls, text: str, kind: str, subject: str = "", detail: str = "", fold: str = "",
                decisive: bool = True) -> "Caveat":
        self = super().__new__(cls, text)
        self.kind, self.subject, self.detail, self.fold, self.decisive = kind, subject, detail, fold, decisive
        return self
