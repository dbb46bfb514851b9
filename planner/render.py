"""Rows → text. Build the rows once; each output format is a small function over them.

A row is a dict with unit-named keys and raw floats (``flops``, ``n_params``,
``n_tokens``, ``tokens_per_param``, ``loss``...). Human formats format the numbers;
machine formats (JSON) carry them raw. Only :func:`table` uses rich.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from .units import format_count, format_flops, format_loss, format_ratio

__all__ = ["as_floats", "Column", "Block", "Report", "plan_columns", "plan_rows", "law_footer", "to_json", "to_csv",
           "to_markdown", "to_latex", "table", "print_table", "render", "FORMATS"]


@dataclass(frozen=True)
class Column:
    """A human column: the row key it shows, its header, and how to format a value.

    ``align`` is ``"right"`` for numbers, ``"left"`` for text.
    """

    key: str
    header: str
    fmt: Callable[[float], str]
    align: str = "right"


def plan_columns(law) -> tuple[Column, ...]:
    """Columns of the plan table; the loss column only where the law has a loss model."""
    cols = [
        Column("flops", "FLOPs C", format_flops),
        Column("n_params", "params N", format_count),
        Column("n_tokens", "tokens D", format_count),
        Column("tokens_per_param", "tokens/param", format_ratio),
    ]
    if law.has_loss:
        cols.append(Column("loss", "loss*", format_loss))
    cols.append(Column("flops_check", f"check {law.flops_per_param_token:g}·N·D", format_flops))
    return tuple(cols)

#: Keys of a plan row, in the order machine formats carry them.
PLAN_KEYS = ("preset", "flops", "n_params", "n_tokens", "tokens_per_param", "loss")


def as_floats(x) -> list[float]:
    """A float, an array (any shape, flattened) or an iterable as a list of floats; None as no values."""
    if x is None:
        return []
    if isinstance(x, (int, float)):
        return [float(x)]
    return [float(v) for v in (x.ravel() if hasattr(x, "ravel") else x)]


def plan_rows(law, plan) -> list[dict]:
    """One row per budget of ``plan`` (a :class:`~planner.plan.Plan`, scalar or array)."""
    import itertools

    fields = [as_floats(plan.flops), as_floats(plan.n_params), as_floats(plan.n_tokens),
              as_floats(plan.tokens_per_param),
              as_floats(plan.loss) if plan.loss is not None else itertools.repeat(None)]
    k = law.flops_per_param_token
    return [
        {"preset": law.id, "flops": float(C), "n_params": float(N), "n_tokens": float(D),
         "tokens_per_param": float(r), "loss": None if L is None else float(L), "flops_check": k * float(N) * float(D)}
        for C, N, D, r, L in zip(*fields)
    ]


def law_footer(law) -> list[str]:
    """The assumptions behind a plan: which law, its source, coefficients and conventions."""
    coefs = ", ".join(f"{k} = {v:.6g}" for k, v in law.coefficients.items())
    k = law.flops_per_param_token
    lines = [
        f"Law: {law.id} ({law.title}); {law.short_citation}" + (f", {law.citation['where']}" if law.citation.get("where") else ""),
        f"Coefficients: {coefs}" + (f"; gives {law.model.gives}" if law.form == "allocation" else ""),
        f"Conventions: N counts {law.parameters} parameters; C = {k:g}·N·D FLOPs.",
    ]
    if law.has_loss:
        lines.append(f"* Loss: nats/token on {law.dataset or 'the paper’s data set'}; indicative only, "
                     "not comparable across laws fitted on different data.")
    else:
        lines.append("Loss: none (this law is an allocation rule with no loss model).")
    return lines


def _clean(value):
    """JSON has no NaN or infinity: carry them as null (inside nested tables too)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def to_json(rows: Sequence[dict], keys: Sequence[str] = PLAN_KEYS) -> str:
    """A JSON list, one object per row, raw floats under unit-named keys."""
    return json.dumps([{k: _clean(row.get(k)) for k in keys} for row in rows], indent=2)


def table(rows: Sequence[dict], columns: Sequence[Column], title: str | None = None,
          footer: Sequence[str] = (), console=None) -> None:
    """Print a rich table of ``rows`` and the ``footer`` lines to ``console`` (stdout by default)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    cells = [_cells(row, columns) for row in rows]
    for col, width in zip(columns, column_widths(cells, columns, console.width)):
        # Fixed widths: numbers never fold; headers (and text cells) wrap at spaces when room is short.
        t.add_column(col.header, justify=col.align, width=width, overflow="fold")
    for r in cells:
        t.add_row(*(Text(c) for c in r))
    console.print(t)
    for line in footer:
        console.print(Text(line, style="dim"), soft_wrap=False)


def column_widths(cells: Sequence[Sequence[str]], columns: Sequence[Column], width: int) -> list[int]:
    """Column widths for a SIMPLE_HEAD table of ``width`` characters.

    Start from each column's natural width (its header and cells unwrapped); while too wide, narrow the
    widest column that can still give, one character at a time, down to its minimum (longest header word,
    longest number, longest word of text).
    """
    natural = [max([len(col.header)] + [len(r[i]) for r in cells]) for i, col in enumerate(columns)]
    least = [max([_min_len(col.header, col, words=True)] + [_min_len(r[i], col) for r in cells])
             for i, col in enumerate(columns)]
    widths = list(natural)
    budget = width - (3 * len(columns) + 1)  # one space of padding each side and one between columns
    excess = sum(widths) - budget
    while excess > 0:
        give = [i for i in range(len(widths)) if widths[i] > least[i]]
        if not give:
            break
        widths[max(give, key=lambda i: widths[i])] -= 1
        excess -= 1
    return widths


# ---------------------------------------------------------------------------------------------------------------------
# Reports: blocks of rows plus the notes that make them citable, in any format.
#
# A feature adds columns (Column + a key in each row + the key in ``keys``) or rows; the format functions below only
# iterate over blocks, columns and keys, so none of them changes.


@dataclass(frozen=True)
class Block:
    """Rows shown as one table, with an optional heading and summary lines under it."""

    rows: Sequence[dict]
    title: str | None = None
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class Report:
    """What a command prints: one or more blocks with shared columns, then footer lines.

    ``columns`` drive the human formats (table, markdown, LaTeX); ``keys`` the machine formats (CSV, JSON),
    which carry every row of every block, raw floats under unit-named keys.
    """

    blocks: Sequence[Block]
    columns: Sequence[Column]
    keys: Sequence[str] = PLAN_KEYS
    title: str | None = None
    footer: Sequence[str] = ()
    #: Further tables with their own columns (e.g. each plan's transformer shapes, the suggested hyperparameters),
    #: printed after this one by the human formats. Machine formats carry their data in this report's rows instead.
    sections: Sequence["Report"] = ()
    #: Keys of ``keys`` whose value in a row is a nested table (a list of dicts), with that table's keys: JSON keeps
    #: the nesting; CSV flattens it, one line per nested row, its keys prefixed ``<key>_`` (see :func:`to_csv`).
    nested: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @property
    def rows(self) -> list[dict]:
        return [row for block in self.blocks for row in block.rows]


def _cells(row: dict, columns: Sequence[Column]) -> list[str]:
    return [col.fmt(row.get(col.key)) for col in columns]


def report_json(report: Report) -> str:
    return to_json(report.rows, report.keys)


def to_csv(report: Report) -> str:
    """CSV with a header of unit-named keys; floats at full precision (repr), empty where None.

    One rectangular table, so any CSV reader takes it. A nested table (``report.nested``, e.g. ``shapes``) is
    flattened: each of its rows becomes one CSV line that repeats the outer row's values, its keys prefixed
    (``shapes_n_layer``...); an outer row with no nested rows keeps one line with those cells empty.
    """
    import csv
    import io

    flat = [k for k in report.keys if k not in report.nested]
    header = flat + [f"{k}_{sub}" for k in report.keys if k in report.nested for sub in report.nested[k]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in report.rows:
        outer = [_csv_cell(row.get(k)) for k in flat]
        inner = [[]]
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
    return "" if value is None else repr(value) if isinstance(value, float) else value


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\|*_`[]<>#"})


def _md(text: str) -> str:
    return str(text).translate(_MD_SPECIAL)


def to_markdown(report: Report) -> str:
    """GitHub pipe tables (one per block), then the footer as a list: ready to paste into a proposal."""
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
    import re

    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)e([+-]?\d+)", text)
    if m:
        return f"${m.group(1)}\\times10^{{{int(m.group(2))}}}$"
    return latex_escape(text)


def to_latex(report: Report) -> str:
    """A booktabs ``tabular`` per block inside one ``table``, the footer below it in small type."""
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
    if report.footer:
        out.append(r"\par\smallskip")
        out.append(r"\begin{minipage}{\linewidth}\footnotesize")
        out += [latex_escape(line) + r"\par" for line in report.footer]
        out.append(r"\end{minipage}")
    out.append(r"\end{table}")
    # Each section is a float of its own: it has its own columns.
    return "\n\n".join(["\n".join(out)] + [to_latex(section) for section in report.sections])


#: Text formats: each a function Report → str.
TEXT_FORMATS: dict[str, Callable[[Report], str]] = {
    "json": report_json, "csv": to_csv, "markdown": to_markdown, "latex": to_latex,
}

#: Every --format choice; "table" is the rich terminal table.
FORMATS = ("table",) + tuple(TEXT_FORMATS)


def render(report: Report, fmt: str) -> str:
    """``report`` as text in ``fmt`` (any of FORMATS except "table", which needs a console)."""
    return TEXT_FORMATS[fmt](report)


def print_table(report: Report, console=None) -> None:
    """The terminal table: one rich table per block, summary notes, then the footer in dim type.

    When the terminal is narrower than the table needs, each row is printed as ``header: value``
    lines instead, so nothing is folded mid-number.
    """
    from rich.console import Console
    from rich.text import Text

    console = console or Console()
    # A single untitled block carries the report's title as the table's own title.
    inline = len(report.blocks) == 1 and not report.blocks[0].title
    if report.title and not inline:
        console.print(Text(report.title, style="bold"), soft_wrap=False)
    for block in report.blocks:
        if block.title:
            console.print(Text(block.title, style="italic"), soft_wrap=False)
        fits = _table_width(block.rows, report.columns) <= console.width
        if report.title and inline and not fits:
            console.print(Text(report.title, style="bold"), soft_wrap=False)
        if fits:
            table(block.rows, report.columns, title=report.title if inline else None, console=console)
        else:
            _records(block.rows, report.columns, console)
        for note in block.notes:
            console.print(note, markup=False, highlight=False)
        if block.notes:
            console.print()
    for line in report.footer:
        console.print(Text(line, style="dim"))
    for section in report.sections:
        console.print()
        print_table(section, console)


def _table_width(rows, columns) -> int:
    """The least width a SIMPLE_HEAD table needs with no number folded (headers and text wrap at spaces)."""
    cells = [_cells(row, columns) for row in rows]
    return sum(column_widths(cells, columns, 0)) + 3 * len(columns) + 1


def _min_len(cell: str, col: Column, words: bool = False) -> int:
    """The narrowest a cell may get: numbers never break; text and headers wrap at spaces."""
    if words or col.align == "left":
        return max((len(w) for w in cell.split()), default=0)
    return len(cell)


def _records(rows, columns, console) -> None:
    from rich.text import Text

    label = max(len(c.header) for c in columns)
    for i, row in enumerate(rows):
        if i:
            console.print()
        for col, cell in zip(columns, _cells(row, columns)):
            console.print(Text(f"{col.header:>{label}}  {cell}"), soft_wrap=False)
