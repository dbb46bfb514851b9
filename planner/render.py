"""Rows → text. Build the rows once; each output format is a small function over them.

A row is a dict with unit-named keys and raw floats (``flops``, ``n_params``,
``n_tokens``, ``tokens_per_param``, ``loss``...). Human formats format the numbers;
machine formats (JSON) carry them raw. Only :func:`table` uses rich.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Callable, Sequence

from .units import format_count, format_flops, format_loss, format_ratio

__all__ = ["Column", "plan_columns", "plan_rows", "law_footer", "to_json", "table", "add_intervals",
           "interval_columns", "INTERVAL_KEYS"]


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: Callable[[float], str]


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


def plan_rows(law, plan) -> list[dict]:
    """One row per budget of ``plan`` (a :class:`~planner.plan.Plan`, scalar or array)."""
    import itertools

    def seq(x):
        return [x] if isinstance(x, (int, float)) else list(x.ravel()) if hasattr(x, "ravel") else list(x)

    fields = [seq(plan.flops), seq(plan.n_params), seq(plan.n_tokens), seq(plan.tokens_per_param),
              seq(plan.loss) if plan.loss is not None else itertools.repeat(None)]
    k = law.flops_per_param_token
    return [
        {"preset": law.id, "flops": float(C), "n_params": float(N), "n_tokens": float(D),
         "tokens_per_param": float(r), "loss": None if L is None else float(L), "flops_check": k * float(N) * float(D)}
        for C, N, D, r, L in zip(*fields)
    ]


#: Quantities of a plan row that ``--ci`` bounds; each gets ``<key>_lo`` and ``<key>_hi``.
INTERVAL_QUANTITIES = ("n_params", "n_tokens", "tokens_per_param", "loss")
#: Keys ``--ci`` adds to a plan row, in the order machine formats carry them.
INTERVAL_KEYS = ("ci_level",) + tuple(f"{q}_{end}" for q in INTERVAL_QUANTITIES for end in ("lo", "hi"))


def add_intervals(rows, intervals, level) -> list[dict]:
    """Copies of plan ``rows`` with the bounds of ``intervals`` (a PlanIntervals over the same budgets,
    in the same order) under ``<quantity>_lo`` / ``_hi``; with ``intervals=None`` (the law publishes no
    uncertainty) the bounds are None, never a false interval."""
    def seq(x):
        return [None] * len(rows) if x is None else [x] if isinstance(x, (int, float)) else [float(v) for v in x]

    out = [dict(row, ci_level=level) for row in rows]
    for q in INTERVAL_QUANTITIES:
        for end in ("lo", "hi"):
            values = seq(getattr(intervals, f"{q}_{end}")) if intervals is not None else [None] * len(rows)
            for row, v in zip(out, values):
                row[f"{q}_{end}"] = v
    for row in out:
        for q in INTERVAL_QUANTITIES:
            row[f"{q}_ci"] = (row.get(q), row[f"{q}_lo"], row[f"{q}_hi"])  # for the table only
    return out


def interval_columns(columns, level) -> tuple[Column, ...]:
    """``columns`` with each bounded quantity shown as its value over its ``level``% interval."""
    def span(f, lo, hi):
        a, b = f(lo), f(hi)
        # One suffix for both ends when they share it: 75.2–129B, not 75.2B–129B.
        return f"{a[:-1]}–{b}" if a[-1:].isalpha() and a[-1:] == b[-1:] else f"{a}–{b}"

    def cell(f):
        return lambda t: f(t[0]) if t[1] is None else f"{f(t[0])}\n{span(f, t[1], t[2])}"

    return tuple(Column(f"{c.key}_ci", f"{c.header}\n{level:g}% CI", cell(c.fmt)) if c.key in INTERVAL_QUANTITIES
                 else c for c in columns)


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
    """JSON has no NaN or infinity: carry them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
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
    for col in columns:
        t.add_column(col.header, justify="right", no_wrap=False)
    for row in rows:
        t.add_row(*(col.fmt(row.get(col.key)) for col in columns))
    console.print(t)
    for line in footer:
        console.print(Text(line, style="dim"), soft_wrap=False)
