"""Report → text: the terminal table, markdown, LaTeX, CSV and JSON, and nothing else.

Every command builds a :class:`~planner.report.types.Report` once; each output format is a small function over it.
Human formats (table, markdown, LaTeX) show the columns with their formatted numbers; machine formats (CSV, JSON)
carry every row's keys as raw floats. Only the terminal table uses rich, imported when one is printed.
"""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING, Callable, Sequence, cast

from .caveats import shown
from .layout import STYLES, choose, column_widths, table_width
from .layout import row_cells as _cells
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
    warnings = list(dict.fromkeys(report.warnings))  # every warning as raised: data, never folded
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
    """The report's warnings as the human formats list them under "Caveats": each once, those of one kind about
    several laws folded into one line (:func:`planner.report.caveats.shown`). JSON carries every warning as raised
    under ``warnings``; CSV stays pure rows; the command line prints them, folded, on stderr."""
    return shown(report)


def to_json(report: Report) -> str:
    """A JSON list, one object per row, raw floats under unit-named keys (with the report's ``warnings`` in each row
    when it has any); a document (``report.fields``) is an object, its ``warnings`` a key of its own. Strict JSON:
    NaN and infinities are null."""
    # the json format only
    import json

    return json.dumps(_json_value(report), indent=2, allow_nan=False)


def table(rows: Sequence[dict], columns: Sequence[Column], title: str | None = None,
          footer: Sequence[str] = (), console=None, wrap: bool = False, style: str = "pad") -> None:
    """Print a rich table of ``rows`` and the ``footer`` lines to ``console`` (stdout by default); with ``wrap`` the
    cells of wrapping columns may break at spaces; ``style`` is one of :data:`planner.report.layout.STYLES`."""
    # the reporting layer imports no rich (tests/test_report_answers.py): only the table needs it
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(emoji=False)
    # Text objects, never strings: a string would be read as rich markup, and a law id like '[/bold]' is not markup.
    t = Table(title=None if title is None else Text(title, style="table.title"), box=box.SIMPLE_HEAD,
              title_justify="left", **STYLES[style])
    cells = [_cells(row, columns) for row in rows]
    for col, width in zip(columns, column_widths(cells, columns, console.width, wrap, style)):
        # Fixed widths: numbers never fold; headers (and text cells) wrap at spaces when room is short.
        t.add_column(Text(col.header, style="table.header"), justify=cast("JustifyMethod", col.align), width=width,
                     overflow="fold")
    for r in cells:
        t.add_row(*(Text(c) for c in r))
    console.print(t)
    for line in footer:
        console.print(Text(line, style="dim"), soft_wrap=False)


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
    """``report`` as text in ``fmt`` (any of FORMATS except "table", which needs a console); the control characters
    of its text escaped in every format but JSON, whose strings escape them themselves (:meth:`Report.printable`)."""
    return TEXT_FORMATS[fmt](report if fmt == "json" else report.printable())


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

    Where the terminal is narrower than the table, short headers with a "Columns:" legend, wrapped cells, tighter
    spacing or the columns split over several tables make it fit (:func:`planner.report.layout.choose`); only a
    terminal too narrow for even that gets each row as ``header: value`` lines, so nothing is folded mid-number.
    """
    # the reporting layer imports no rich (tests/test_report_answers.py): only the table needs it
    from rich.console import Console
    from rich.text import Text

    console = console or Console(emoji=False)
    report = report.printable()   # text from files reaches the terminal with its control characters escaped
    layout = choose(report.columns, report.rows, console.width)
    # A single untitled block carries the report's title as the table's own title, where the title fits over it.
    inline = layout is not None and len(layout.groups) == 1 and len(report.blocks) == 1 and \
        not report.blocks[0].title and \
        len(report.title or "") <= table_width(report.blocks[0].rows, layout.groups[0], natural=True)
    if report.title and not inline:
        console.print(Text(report.title, style="bold"), soft_wrap=False)
    for block in report.blocks:
        if block.title:
            console.print(Text(block.title, style="italic"), soft_wrap=False)
        if layout is None:
            _records(block.rows, report.columns, console)
        for i, group in enumerate(layout.groups if layout else ()):
            if i:
                console.print()
            assert layout is not None  # the loop runs only with a layout
            table(block.rows, group, title=report.title if inline else None, console=console, wrap=layout.wrap,
                  style=layout.style)
        for note in block.notes:
            console.print(note, markup=False, highlight=False, emoji=False)
        if block.notes:
            console.print()
    shown = layout.columns if layout else ()
    if any(c.short and c.header == c.short != full.header for c, full in zip(shown, _originals(shown, report))):
        legend = [part for c in report.columns if c.short and c.legend for part in c.legend.split("; ")]
        legend = sorted(dict.fromkeys(legend), key=lambda part: part.startswith("("))  # what intervals are: last
        console.print(Text("Columns: " + "; ".join(legend) + ".", style="dim"))
    if report.footer:   # one print: each costs rich a render pass (bench/bench_cli.py)
        console.print(Text("\n".join(report.footer), style="dim"))
    if with_caveats and report.warnings:
        console.print(Text("Caveats:", style="bold"))
        for line in caveats(report):
            console.print(Text(f"- {line}"))
    for section in report.sections:
        console.print()
        print_table(section, console, with_caveats)


def _originals(shown, report: Report) -> list[Column]:
    """The report's own column behind each shown one (matched by key)."""
    by_key = {c.key: c for c in report.columns}
    return [by_key[c.key] for c in shown]


def _records(rows, columns, console) -> None:
    # the reporting layer imports no rich (tests/test_report_answers.py): only the table needs it
    from rich.text import Text

    label = max(len(c.header) for c in columns)
    for i, row in enumerate(rows):
        if i:
            console.print()
        for col, cell in zip(columns, _cells(row, columns)):
            console.print(Text(f"{col.header:>{label}}  {cell}"), soft_wrap=False)
