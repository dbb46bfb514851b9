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

__all__ = ["Column", "plan_columns", "plan_rows", "law_footer", "to_json", "table"]


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
    cells = [[col.fmt(row.get(col.key)) for col in columns] for row in rows]
    for i, col in enumerate(columns):
        # Numbers and header words never shrink: rich would cut 3.68e23 to 3.68e… to fit a narrow terminal.
        widest = max([len(r[i]) for r in cells] + [len(word) for word in col.header.split()])
        t.add_column(col.header, justify="right", no_wrap=False, min_width=widest)
    for r in cells:
        t.add_row(*r)
    needed = sum(c.min_width + 2 for c in t.columns)  # SIMPLE_HEAD pads each column by one space a side
    console.print(t, width=max(console.width, needed), crop=False)
    for line in footer:
        console.print(Text(line, style="dim"), soft_wrap=False)
