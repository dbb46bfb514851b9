"""Report → text: the terminal table, markdown, LaTeX, CSV and JSON, and nothing else.

Every command builds a :class:`~planner.report.types.Report` once; each output format is a small function over it.
Human formats (table, markdown, LaTeX) show the columns with their formatted numbers; machine formats (CSV, JSON)
carry every row's keys as raw floats. Only the terminal table uses rich, imported when one is printed.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from typing import TYPE_CHECKING, Callable, Sequence, cast

from .types import Column, Report

if TYPE_CHECKING:
    from rich.console import JustifyMethod

__all__ = ["to_json", "to_csv", "to_markdown", "to_latex", "to_html", "latex_escape", "table", "print_table", "render",
           "render_report", "FORMATS", "TEXT_FORMATS"]

#: Every --format choice; "table" is the rich terminal table.
FORMATS = ("table", "json", "csv", "markdown", "latex")


def _clean(value):
    """JSON has no NaN or infinity: carry them as null (inside nested tables too)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _json_value(report: Report):
    """A report as JSON data: the list of its rows under its keys, or for a document (``fields``) an object of its
    fields, then each named section's JSON data under its name."""
    rows = _clean(report.to_records())
    warnings = caveats(report)
    if not report.fields:
        # Still a list of rows (scripts index it); each row carries the report's caveats, only when there are any.
        return [dict(row, warnings=warnings) for row in rows] if warnings else rows
    out = {k: _clean(v) for k, v in report.fields.items()}
    if warnings:
        out["warnings"] = list(dict.fromkeys(list(out.get("warnings", ())) + warnings))
    if report.name:
        out[report.name] = rows
    for section in report.sections:
        if section.name:
            out[section.name] = _json_value(section) if section.fields else _clean(section.to_records())
    return out


def caveats(report: Report) -> list[str]:
    """The report's warnings, each once, in order: what the human formats list under "Caveats" and JSON carries
    under ``warnings`` (CSV stays pure rows; the command line also prints them on stderr)."""
    return list(dict.fromkeys(report.warnings))


def to_json(report: Report) -> str:
    """A JSON list, one object per row, raw floats under unit-named keys (with the report's ``warnings`` in each row
    when it has any); a document (``report.fields``) is an object, its ``warnings`` a key of its own. Strict JSON:
    NaN and infinities are null."""
    # the json format only
    import json

    return json.dumps(_json_value(report), indent=2, allow_nan=False)


def table(rows: Sequence[dict], columns: Sequence[Column], title: str | None = None,
          footer: Sequence[str] = (), console=None, wrap: bool = False, pad_edge: bool = True) -> None:
    """Print a rich table of ``rows`` and the ``footer`` lines to ``console`` (stdout by default); with ``wrap`` the
    cells of wrapping columns may break at spaces, and without ``pad_edge`` the outer padding is dropped."""
    # the reporting layer imports no rich (tests/test_report_answers.py): only the table needs it
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(emoji=False)
    # Text objects, never strings: a string would be read as rich markup, and a law id like '[/bold]' is not markup.
    t = Table(title=None if title is None else Text(title, style="table.title"), box=box.SIMPLE_HEAD,
              title_justify="left", pad_edge=pad_edge)
    cells = [_cells(row, columns) for row in rows]
    for col, width in zip(columns, column_widths(cells, columns, console.width, wrap, pad_edge)):
        # Fixed widths: numbers never fold; headers (and text cells) wrap at spaces when room is short.
        t.add_column(Text(col.header, style="table.header"), justify=cast("JustifyMethod", col.align), width=width,
                     overflow="fold")
    for r in cells:
        t.add_row(*(Text(c) for c in r))
    console.print(t)
    for line in footer:
        console.print(Text(line, style="dim"), soft_wrap=False)


def column_widths(cells: Sequence[Sequence[str]], columns: Sequence[Column], width: int, wrap: bool = False,
                  pad_edge: bool = True) -> list[int]:
    """Column widths for a SIMPLE_HEAD table of ``width`` characters.

    Start from each column's natural width (its header and cells unwrapped); while too wide, narrow the
    widest column that can still give, one character at a time, down to its minimum (longest header word,
    longest number, longest word of text, and with ``wrap`` longest word of a wrapping column's cells).
    """
    natural = [max([len(col.header)] + [len(r[i]) for r in cells]) for i, col in enumerate(columns)]
    least = [max([_min_len(col.header, col, words=True)] + [_min_len(r[i], col, words=wrap and col.wrap)
                                                             for r in cells])
             for i, col in enumerate(columns)]
    widths = list(natural)
    # One space of padding each side of a column and one between columns; the outer two only with pad_edge.
    budget = width - (3 * len(columns) + (1 if pad_edge else -1))
    excess = sum(widths) - budget
    while excess > 0:
        give = [i for i in range(len(widths)) if widths[i] > least[i]]
        if not give:
            break
        widths[max(give, key=lambda i: widths[i])] -= 1
        excess -= 1
    return widths


def _cells(row: dict, columns: Sequence[Column]) -> list[str]:
    return [col.fmt(row.get(col.key)) for col in columns]


def to_csv(report: Report) -> str:
    """CSV with a header of unit-named keys; floats at full precision (repr), empty where None.

    One rectangular table, so any CSV reader takes it. A nested table (``report.nested``, e.g. ``shapes``) is
    flattened: each of its rows becomes one CSV line that repeats the outer row's values, its keys prefixed
    (``shapes_n_layer``...); an outer row with no nested rows keeps one line with those cells empty.
    """
    # the csv format only
    import csv

    flat = [k for k in report.keys if k not in report.nested]
    header = flat + [f"{k}_{sub}" for k in report.keys if k in report.nested for sub in report.nested[k]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in report.rows:
        outer = [_csv_cell(row.get(k)) for k in flat]
        inner: list[list[str]] = [[]]
        for k in (k for k in report.keys if k in report.nested):
            subs = [[_csv_cell(sub.get(s)) for s in report.nested[k]] for sub in row.get(k) or ()]
            inner = [a + b for a in inner for b in (subs or [[""] * len(report.nested[k])])]
        for cells in inner:
            w.writerow(outer + cells)
    return buf.getvalue().rstrip("\n")


def _csv_cell(value):
    value = _clean(value)
    if isinstance(value, list):  # a list of names (a chip's aliases): one cell
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):  # a small table (--set overrides): one cell
        return "; ".join(f"{k} = {v!r}" for k, v in value.items())
    return "" if value is None else repr(value) if isinstance(value, float) else value


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\|*_`[]<>#"})


def _md(text: str) -> str:
    return str(text).translate(_MD_SPECIAL)


def to_markdown(report: Report) -> str:
    """GitHub pipe tables (one per block), then the footer as a list and the warnings as a "Caveats" list: ready to
    paste into a proposal."""
    out = []
    if report.title:
        out += [f"**{_md(report.title)}**", ""]
    cols = report.columns
    for block in report.blocks:
        if block.title:
            out += [f"*{_md(block.title)}*", ""]
        out.append("| " + " | ".join(_md(c.header) for c in cols) + " |")
        out.append("|" + "|".join(":---" if c.align == "left" else "---:" for c in cols) + "|")
        out += ["| " + " | ".join(_md(x) for x in _cells(row, cols)) + " |" for row in block.rows]
        out.append("")
        out += [_md(note) + "  " for note in block.notes]
        if block.notes:
            out.append("")
    out += [f"- {_md(line)}" for line in report.footer]
    if caveats(report):
        out += ["", "**Caveats**", ""] + [f"- {_md(line)}" for line in caveats(report)]
    return "\n\n".join(["\n".join(out).rstrip("\n")] + [to_markdown(section) for section in report.sections])


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                # Unicode the house formats use, spelt so any LaTeX engine accepts it.
                "·": r"\textperiodcentered{}", "×": r"$\times$", "—": "---", "–": "--", "’": "'",
                "≈": r"$\approx$", "≤": r"$\leq$", "≥": r"$\geq$", "α": r"$\alpha$", "β": r"$\beta$",
                "γ": r"$\gamma$", "η": r"$\eta$", "†": r"\textsuperscript{\dag}", "…": r"\ldots{}"}


def latex_escape(text: str) -> str:
    """Escape LaTeX's specials (& % $ # _ { } ~ ^ \\) and spell out the Unicode planner prints."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(text))


def _tex_cell(text: str) -> str:
    """A table cell: ``1.00e21`` becomes $1.00\\times10^{21}$; anything else is escaped."""
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)e([+-]?\d+)", text)
    if m:
        return f"${m.group(1)}\\times10^{{{int(m.group(2))}}}$"
    return latex_escape(text)


def to_latex(report: Report) -> str:
    """A booktabs ``tabular`` per block inside one ``table``, the footer below it in small type, then the warnings as a
    "Caveats" list."""
    cols = report.columns
    spec = "".join("l" if c.align == "left" else "r" for c in cols)
    out = [r"% needs \usepackage{booktabs}", r"\begin{table}[htbp]", r"\centering"]
    if report.title:
        out.append(rf"\caption{{{latex_escape(report.title)}}}")
    for i, block in enumerate(report.blocks):
        if i:
            out.append(r"\medskip")
        if block.title:
            out.append(rf"\par\textit{{{latex_escape(block.title)}}}\par\smallskip")
        out.append(rf"\begin{{tabular}}{{{spec}}}")
        out.append(r"\toprule")
        out.append(" & ".join(latex_escape(c.header) for c in cols) + r" \\")
        out.append(r"\midrule")
        out += [" & ".join(_tex_cell(x) for x in _cells(row, cols)) + r" \\" for row in block.rows]
        out.append(r"\bottomrule")
        out.append(r"\end{tabular}")
        out += [rf"\par\smallskip{{\footnotesize {latex_escape(note)}}}" for note in block.notes]
    if report.footer or report.warnings:
        out.append(r"\par\smallskip")
        out.append(r"\begin{minipage}{\linewidth}\footnotesize")
        out += [latex_escape(line) + r"\par" for line in report.footer]
        if report.warnings:
            out += [r"\smallskip\textbf{Caveats}", r"\begin{itemize}\setlength{\itemsep}{0pt}"]
            out += [rf"\item {latex_escape(line)}" for line in caveats(report)]
            out.append(r"\end{itemize}")
        out.append(r"\end{minipage}")
    out.append(r"\end{table}")
    # Each section is a float of its own: it has its own columns.
    return "\n\n".join(["\n".join(out)] + [to_latex(section) for section in report.sections])


def to_html(report: Report) -> str:
    """Small HTML tables (one per block) with the footer and caveats as small print: a notebook's view of a report
    (:func:`planner.base.notebook.report_html`, which :meth:`planner.report.types.Report._repr_html_` shows)."""
    # notebooks only: planner.base.notebook imports html, off the plan --flops path
    from ..base.notebook import report_html

    return report_html(report)


#: Text formats: each a function Report → str.
TEXT_FORMATS: dict[str, Callable[[Report], str]] = {
    "json": to_json, "csv": to_csv, "markdown": to_markdown, "latex": to_latex,
}


def render(report: Report, fmt: str) -> str:
    """``report`` as text in ``fmt`` (any of FORMATS except "table", which needs a console)."""
    return TEXT_FORMATS[fmt](report)


def render_report(report: Report, fmt: str, width: int = 100) -> str:
    """``report`` as text in any of :data:`FORMATS`; "table" is the terminal table drawn ``width`` columns wide with
    no colour, its warnings listed under "Caveats" at the end (text bound for a file or a notebook, where no stderr
    shows them; ``planner.render_report`` in the public API)."""
    if fmt != "table":
        return render(report, fmt)

    # the reporting layer imports no rich (tests/test_report_answers.py): only the table needs it
    from rich.console import Console

    out = io.StringIO()
    print_table(report, Console(file=out, width=width, no_color=True, emoji=False, color_system=None), with_caveats=True)
    return out.getvalue()


def print_table(report: Report, console=None, with_caveats: bool = False) -> None:
    """The terminal table: one rich table per block, summary notes, then the footer in dim type (and with
    ``with_caveats`` the report's warnings; in a terminal the command line prints them on stderr instead).

    When the terminal is narrower than the table needs, each row is printed as ``header: value``
    lines instead, so nothing is folded mid-number.
    """
    # the reporting layer imports no rich (tests/test_report_answers.py): only the table needs it
    from rich.console import Console
    from rich.text import Text

    console = console or Console(emoji=False)
    layout = _layout(report, console.width)
    columns = layout[0] if layout else report.columns
    # A single untitled block carries the report's title as the table's own title, where the title fits over it.
    inline = len(report.blocks) == 1 and not report.blocks[0].title and \
        len(report.title or "") <= _table_width(report.blocks[0].rows, columns, natural=True)
    if report.title and (not inline or layout is None):
        console.print(Text(report.title, style="bold"), soft_wrap=False)
    for block in report.blocks:
        if block.title:
            console.print(Text(block.title, style="italic"), soft_wrap=False)
        if layout:
            table(block.rows, columns, title=report.title if inline else None, console=console, wrap=layout[1],
                  pad_edge=layout[2])
        else:
            _records(block.rows, report.columns, console)
        for note in block.notes:
            console.print(note, markup=False, highlight=False, emoji=False)
        if block.notes:
            console.print()
    if layout and columns != tuple(report.columns):
        legend = [part for c in report.columns if c.short and c.legend for part in c.legend.split("; ")]
        legend = sorted(dict.fromkeys(legend), key=lambda part: part.startswith("("))  # what intervals are: last
        console.print(Text("Columns: " + "; ".join(legend) + ".", style="dim"))
    for line in report.footer:
        console.print(Text(line, style="dim"))
    if with_caveats and report.warnings:
        console.print(Text("Caveats:", style="bold"))
        for line in caveats(report):
            console.print(Text(f"- {line}"))
    for section in report.sections:
        console.print()
        print_table(section, console, with_caveats)


def _layout(report: Report, width: int):
    """How the report's tables fit ``width`` columns, as (columns, wrap, pad_edge), or None (one record per row).

    Tried in order, the first that fits wins: the full headers; cells of wrapping columns broken at their spaces
    (an interval under its value); the short headers (a "Columns:" legend under the table names them); both,
    without the table's outer padding; and that without the optional columns (whose content the footer gives).
    """
    full = tuple(report.columns)
    short = tuple(dataclasses.replace(c, header=c.short) if c.short else c for c in full)
    wraps, shorts = any(c.wrap for c in full), any(c.short for c in full)
    tries = [(full, False, True)] + ([(full, True, True)] if wraps else []) + \
        ([(short, False, True)] if shorts else []) + ([(short, True, False)] if wraps or shorts else [])
    if any(c.optional for c in full):
        tries.append((tuple(c for c in short if not c.optional), True, False))
    rows = report.rows
    for columns, wrap, pad_edge in tries:
        if _table_width(rows, columns, wrap=wrap, pad_edge=pad_edge) <= width:
            return columns, wrap, pad_edge
    return None


def _table_width(rows, columns, natural: bool = False, wrap: bool = False, pad_edge: bool = True) -> int:
    """The least width a SIMPLE_HEAD table needs with no number folded (headers and text wrap at spaces, and with
    ``wrap`` the cells of wrapping columns), or with ``natural`` its width with nothing wrapped."""
    cells = [_cells(row, columns) for row in rows]
    widths = column_widths(cells, columns, 10**6 if natural else 0, wrap, pad_edge)
    return sum(widths) + 3 * len(columns) + (1 if pad_edge else -1)


def _min_len(cell: str, col: Column, words: bool = False) -> int:
    """The narrowest a cell may get: numbers never break; text and headers wrap at spaces (and, with ``words``,
    any cell)."""
    if words or col.align == "left":
        return max((len(w) for w in cell.split()), default=0)
    return len(cell)


def _records(rows, columns, console) -> None:
    # the reporting layer imports no rich (tests/test_report_answers.py): only the table needs it
    from rich.text import Text

    label = max(len(c.header) for c in columns)
    for i, row in enumerate(rows):
        if i:
            console.print()
        for col, cell in zip(columns, _cells(row, columns)):
            console.print(Text(f"{col.header:>{label}}  {cell}"), soft_wrap=False)
