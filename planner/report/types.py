"""What a command prints, as data: :class:`Report`, made of :class:`Block` s of rows shown with :class:`Column` s.

A row is a dict with unit-named keys and raw floats (``flops``, ``n_params``, ``n_tokens``, ``tokens_per_param``,
``loss``...). The builders of :mod:`planner.report` make reports; :mod:`planner.report.render` turns any report into a
terminal table, markdown, LaTeX, CSV or JSON, so every command has every format. A feature adds columns (a Column, a
key in each row, the key in ``keys``), rows, blocks or sections; no renderer changes.
"""

from dataclasses import field, replace
from typing import Any, Callable, Mapping, Optional, Sequence

from ..base.records import Record, record
from ..base.text import printable

__all__ = ["Column", "Block", "Report"]

# No ``from __future__ import annotations`` here: string annotations make every dataclass field cost a regular
# expression match when the class is made, and these classes are made on every run of ``plan``.


@record   # a frozen dataclass made on every run of ``plan`` (planner.base.records)
class Column(Record):
    """A human column: the row key it shows, its header, and how to format a value.

    ``align`` is ``"right"`` for numbers, ``"left"`` for text. ``short`` is a header for a narrow terminal (``N``
    for ``params N``) and ``legend`` the line that explains it under such a table (``"N: parameters"``); ``wrap``
    lets a cell break at its spaces there (a value over its interval), as text does; ``stacked`` formats a value as
    lines where even that is too wide (a value over its interval, without brackets); an ``optional`` column (what it
    shows is in the footer too) is left out where nothing else fits.
    """

    key: str
    header: str
    fmt: Callable[[Any], str]
    align: str = "right"
    short: Optional[str] = None
    legend: Optional[str] = None
    wrap: bool = False
    optional: bool = False
    stacked: Optional[Callable[[Any], str]] = None

    def __repr__(self) -> str:
        return f"Column({self.key!r}, {self.header!r})"


@record   # a frozen dataclass made on every run of ``plan`` (planner.base.records)
class Block(Record):
    """Rows shown as one table, with an optional heading and summary lines under it."""

    rows: Sequence[dict]
    title: Optional[str] = None
    notes: Sequence[str] = ()

    #: Its rows are dicts, so it has no hash: said here, which spares generating a ``__hash__`` that would fail on the
    #: first of them (a dataclass made on every run of ``plan``).
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Block({self.title or 'untitled'!r}: {len(self.rows)} rows" + (
            f", {len(self.notes)} notes)" if self.notes else ")")


@record   # a frozen dataclass made on every run of ``plan`` (planner.base.records)
class Report(Record):
    """What a command prints: one or more blocks with shared columns, then footer lines.

    blocks : the tables, each with its rows.  columns : what the human formats (table, markdown, LaTeX) show.
    keys : what the machine formats (CSV, JSON) carry of every row of every block, raw floats under unit-named keys.
    title : the heading.  footer : the assumptions and sources, one line each.
    sections : further reports with columns of their own (each plan's shapes, a fit's plans), printed after this one
        by the human formats; machine formats carry their data in this report's rows (``nested``) or, for a
        document, under the section's ``name``.
    nested : keys of ``keys`` whose value in a row is a nested table (a list of dicts), with that table's keys: JSON
        keeps the nesting; CSV flattens it, one line per nested row, its keys prefixed ``<key>_``.
    fields : document-level values. A report with fields is a document: JSON renders it as an object, the fields
        first, then the rows of each named section under its ``name`` (and this report's own rows under its
        ``name``, if it has one). Without fields JSON is the list of rows.
    name : the key of this report's rows in a JSON document.
    warnings : caveats for the reader (an extrapolation, a fit on the edge of its search), one line each; the command
        line prints them on stderr.
    """

    blocks: Sequence[Block]
    columns: Sequence[Column]
    keys: Sequence[str]
    title: str | None = None
    footer: Sequence[str] = ()
    sections: Sequence["Report"] = ()
    nested: Mapping[str, Sequence[str]] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    warnings: Sequence[str] = ()

    #: Its blocks hold dicts, so it has no hash (as :class:`Block`).
    __hash__ = None  # type: ignore[assignment]

    @property
    def rows(self) -> list[dict]:
        return [row for block in self.blocks for row in block.rows]

    def to_records(self) -> list[dict]:
        """The machine rows: one dict per row of every block, under ``keys`` (what CSV and JSON carry)."""
        return [{k: row.get(k) for k in self.keys} for row in self.rows]

    def to_dict(self) -> dict:
        """The report as plain Python: its title, machine rows (:meth:`to_records`), footer, warnings, document
        fields and sections (each a dict too)."""
        out: dict[str, Any] = {"title": self.title, "rows": self.to_records(), "footer": list(self.footer),
               "warnings": list(dict.fromkeys(self.warnings))}
        if self.fields:
            out["fields"] = dict(self.fields)
        if self.sections:
            out["sections"] = [section.to_dict() for section in self.sections]
        return out

    def printable(self) -> "Report":
        """This report with the control characters of every text in it escaped (:func:`planner.base.text.printable`):
        title, footer, warnings, block titles and notes, text cells (nested tables and lists too), fields and
        sections. The one seam where text from files (a law's title, a task id) enters a human format; JSON escapes
        its own strings."""

        return replace(self, title=_printable(self.title), footer=_printable(tuple(self.footer)),
                       warnings=_printable(tuple(self.warnings)), fields=_printable(dict(self.fields)),
                       blocks=tuple(Block(rows=_printable(list(b.rows)), title=_printable(b.title),
                                          notes=_printable(tuple(b.notes))) for b in self.blocks),
                       sections=tuple(s.printable() for s in self.sections))

    def _repr_html_(self) -> str:
        """What Jupyter shows: the human table (formatted cells), footer and caveats as HTML."""
        # notebooks only: it imports html, off the plan --flops path
        from ..base.notebook import report_html

        return report_html(self)

    def __repr__(self) -> str:
        return (f"Report({self.title or 'untitled'!r}: {len(self.rows)} rows × {len(self.keys)} keys"
                + (f", {len(self.sections)} sections" if self.sections else "")
                + (f", {len(self.warnings)} warnings" if self.warnings else "") + ")")


def _printable(value: Any) -> Any:
    """``value`` with the control characters of its strings escaped, inside lists, tuples and dicts too."""
    if isinstance(value, str):

        return printable(value, keep="\n")
    if isinstance(value, (list, tuple)):
        return type(value)(_printable(v) for v in value)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value
