"""How a report's table fits a terminal width: the layouts tried, widest first, and the width of each column.

:func:`choose` tries, in order, until one fits: the full headers; cells of wrapping columns broken at their spaces
(an interval under its value); the short headers (a "Columns:" legend under the table names them); both, without
the table's outer padding; that without the optional columns (whose content the footer gives); then *tight*: two
spaces between columns, no edges, each interval under its value without brackets (:attr:`Column.stacked`), with and
without the optional columns. Where even that is too wide the columns are *split* into several tables, one under
the other, each repeating the columns that name a row (the leading text columns, else the first column). Only a
terminal too narrow for a row's name and one more column gets one record per row (``None``).

No rich here: the widths are arithmetic over the formatted cells, so the choice is the same in any console.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from .types import Column

__all__ = ["Layout", "STYLES", "choose", "column_widths", "table_width", "cells", "row_cells"]

#: How each layout style draws a rich table (keyword arguments of rich.table.Table): "pad" pads every column by one
#: space each side, "flush" drops the outer two, "tight" keeps one space right of each column but the last and no
#: edges (two spaces between columns).
STYLES: dict[str, dict[str, Any]] = {"pad": dict(pad_edge=True, padding=(0, 1), show_edge=True),
          "flush": dict(pad_edge=False, padding=(0, 1), show_edge=True),
          "tight": dict(pad_edge=False, padding=(0, 1, 0, 0), show_edge=False)}


class Layout:
    """How the tables of a report are drawn: ``groups`` of columns, one table each (one group unless the columns
    had to be split), whether wrapping columns break at spaces (``wrap``), and the table style (:data:`STYLES`).

    A plain class, not a NamedTuple or dataclass, whose creation would cost every ``plan`` run its start-up time."""

    __slots__ = ("groups", "wrap", "style")

    def __init__(self, groups: tuple[tuple[Column, ...], ...], wrap: bool, style: str):
        self.groups, self.wrap, self.style = groups, wrap, style

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column shown, each once, in order."""
        return tuple(dict.fromkeys(c for group in self.groups for c in group))


def _frame(n: int, style: str) -> int:
    """Characters a SIMPLE_HEAD table of ``n`` columns spends outside its cells: padding, dividers and edges."""
    return {"pad": 3 * n + 1, "flush": 3 * n - 1, "tight": 2 * n - 2}[style]


def row_cells(row: dict, columns: Sequence[Column]) -> list[str]:
    """The formatted cells of one row, as every human format shows them (a cell may hold several lines)."""
    return [col.fmt(row.get(col.key)) for col in columns]


def cells(rows: Sequence[dict], columns: Sequence[Column]) -> list[list[str]]:
    """The formatted cells of ``rows`` (a cell may hold several lines: a value over its interval)."""
    return [row_cells(row, columns) for row in rows]


def column_widths(cells: Sequence[Sequence[str]], columns: Sequence[Column], width: int, wrap: bool = False,
                  style: str = "pad") -> list[int]:
    """Column widths for a SIMPLE_HEAD table of ``width`` characters drawn in ``style``.

    Start from each column's natural width (its header and cells unwrapped); while too wide, narrow the
    widest column that can still give, one character at a time, down to its minimum (longest header word,
    longest number, longest word of text, and with ``wrap`` longest word of a wrapping column's cells).
    """
    natural = [max([len(col.header)] + [_longest_line(r[i]) for r in cells]) for i, col in enumerate(columns)]
    least = [max([_min_len(col.header, col, words=True)] + [_min_len(r[i], col, words=wrap and col.wrap)
                                                             for r in cells])
             for i, col in enumerate(columns)]
    widths = list(natural)
    excess = sum(widths) - (width - _frame(len(columns), style))
    while excess > 0:
        give = [i for i in range(len(widths)) if widths[i] > least[i]]
        if not give:
            break
        widths[max(give, key=lambda i: widths[i])] -= 1
        excess -= 1
    return widths


def table_width(rows, columns, natural: bool = False, wrap: bool = False, style: str = "pad") -> int:
    """The least width a SIMPLE_HEAD table needs with no number folded (headers and text wrap at spaces, and with
    ``wrap`` the cells of wrapping columns), or with ``natural`` its width with nothing wrapped."""
    widths = column_widths(cells(rows, columns), columns, 10**6 if natural else 0, wrap, style)
    return sum(widths) + _frame(len(columns), style)


def _longest_line(cell: str) -> int:
    return max(len(line) for line in cell.split("\n"))


def _min_len(cell: str, col: Column, words: bool = False) -> int:
    """The narrowest a cell may get: numbers never break; text and headers wrap at spaces (and, with ``words``,
    any cell); a cell of several lines is as narrow as its widest line allows."""
    if words or col.align == "left":
        return max((len(w) for w in cell.split()), default=0)
    return _longest_line(cell)


def choose(columns: Sequence[Column], rows: Sequence[dict], width: int) -> Layout | None:
    """The first layout (see the module's docstring) in which ``rows`` fit ``width`` characters, or None."""
    full = tuple(columns)
    short = tuple(dataclasses.replace(c, header=c.short) if c.short else c for c in full)
    tight = tuple(dataclasses.replace(c, fmt=c.stacked) if c.stacked else c for c in short)
    wraps, shorts = any(c.wrap for c in full), any(c.short for c in full)
    optional = any(c.optional for c in full)
    tries = [(full, False, "pad")] + ([(full, True, "pad")] if wraps else []) + \
        ([(short, False, "pad")] if shorts else []) + ([(short, True, "flush")] if wraps or shorts else [])
    if optional:
        tries.append((_required(short), True, "flush"))
    tries.append((tight, True, "tight"))
    if optional:
        tries.append((_required(tight), True, "tight"))
    for cols, wrap, style in tries:
        if table_width(rows, cols, wrap=wrap, style=style) <= width:
            return Layout((cols,), wrap, style)
    groups = _split(rows, _required(tight), width)
    return Layout(groups, True, "tight") if groups else None


def _required(columns: Sequence[Column]) -> tuple[Column, ...]:
    return tuple(c for c in columns if not c.optional)


def _split(rows, columns: Sequence[Column], width: int) -> tuple[tuple[Column, ...], ...] | None:
    """``columns`` in consecutive groups, each with the columns that name a row (the leading left-aligned ones, else
    the first) and as many of the others as fit ``width``; None if the names and one column do not fit."""
    n_keys = next((i for i, c in enumerate(columns) if c.align != "left"), len(columns)) or 1
    keys, rest = tuple(columns[:n_keys]), tuple(columns[n_keys:])
    if not rest:   # every column names the row (all left-aligned): nothing to spread over tables
        return None
    fits = lambda group: table_width(rows, keys + group, wrap=True, style="tight") <= width  # noqa: E731
    groups: list[tuple[Column, ...]] = []
    left = list(rest)
    while left:  # greedy: as many columns as fit in each table
        group: tuple[Column, ...] = (left.pop(0),)
        if not fits(group):
            return None
        while left and fits(group + (left[0],)):
            group += (left.pop(0),)
        groups.append(group)
    # The same number of tables, the columns spread evenly over them where they fit so (no table of one column).
    size = -(-len(rest) // len(groups))
    even = [rest[i:i + size] for i in range(0, len(rest), size)]
    if len(even) == len(groups) and all(fits(group) for group in even):
        groups = even
    return tuple(keys + group for group in groups) or None
