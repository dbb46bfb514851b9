"""Reports of what a plan costs and looks like on hardware: what --gpu, --hparams and --shape add to a report, and
the reports of ``plan hardware`` and ``plan shape``.

A command builds its Report (:mod:`planner.report.plans`); :func:`extend` returns it with more:
each row gains unit-named keys (``gpu_hours``, ``wall_clock_days``, ``usd``, ``learning_rate``, ``batch_tokens``,
``shapes``), each added quantity a :class:`~planner.report.render.Column` so every output format picks it up, the
assumptions behind them go in the footer, and tables with columns of their own (hyperparameters, shapes) become the
report's ``sections``. Also the reports of ``plan hardware`` and ``plan shape``. No rich, no click, no I/O.
"""

from __future__ import annotations

import dataclasses

from ..base.hints import command as suggest
from ..base.conventions import DEFAULT_MFU, DEFAULT_MFU_SOURCE, FLOPS_PER_PARAM_TOKEN
from ..base.units import (as_floats, format_count, format_dollars, format_fixed, format_flops, format_general,
                          format_integer, format_ratio, format_tflops)
from ..compute.hardware import Cluster, cost
from ..compute.shapes import DEFAULT_ASPECT_RATIOS, hoffmann_flops_per_token, kaplan_flops_per_token, shapes_for
from ..laws.hparams import suggest_hparams
from .types import Block, Column, Report

__all__ = [
    "extend", "COST_KEYS", "HPARAM_KEYS", "SHAPE_KEYS", "CHIP_KEYS",
    "with_cost", "with_cost_per_budget", "cost_columns", "cost_footer", "budget_line",
    "with_hparams", "hparam_columns", "hparam_footer", "convention_note",
    "shape_rows", "shape_columns", "shape_footer", "shape_report", "parameter_count",
    "chip_rows", "chip_columns", "hardware_report",
]

#: Keys added to a plan row by --gpu: the hardware assumed, then what the run costs.
COST_KEYS = ("gpu", "gpus", "mfu", "usd_per_gpu_hour", "gpu_hours", "wall_clock_days", "usd")
HPARAM_KEYS = ("learning_rate", "batch_tokens")
SHAPE_KEYS = ("n_layer", "d_model", "n_heads", "d_head", "d_ff", "vocab", "n_ctx", "tied_embeddings", "aspect_ratio",
              "n_params", "n_params_non_embedding", "flops_per_token_hoffmann", "flops_per_token_kaplan",
              "flops_per_token_6n", "hoffmann_over_6n", "kaplan_over_6n")
CHIP_KEYS = ("id", "name", "aliases", "peak_flops_per_second", "source")


def extend(report: Report, law=None, cluster: Cluster | None = None, mfu_given: bool = True, hparams_law=None,
           shape_settings: dict | None = None) -> Report:
    """``report`` with hardware cost (``cluster``), suggested hyperparameters (from ``hparams_law``, a
    :class:`~planner.laws.hparams.HparamLaw`) and shapes (``shape_settings``: vocab, n_ctx, tied_embeddings; N counted as ``law``
    counts it) for each row's budget and N.

    The cost becomes columns of the report's own table (its rows all have ``flops``); hyperparameters and shapes
    have columns of their own, so human formats show them as sections after it, while machine formats carry them in
    the rows: ``learning_rate`` and ``batch_tokens`` as plain keys, ``shapes`` as a nested table.
    """
    blocks = [list(block.rows) for block in report.blocks]
    columns, keys, footer = list(report.columns), list(report.keys), list(report.footer)
    sections, nested = list(report.sections), dict(report.nested)
    if cluster is not None:
        blocks = [with_cost(rows, cluster) for rows in blocks]
        columns += cost_columns(cluster)
        keys += COST_KEYS
        footer += cost_footer(cluster, mfu_given=mfu_given)
    if hparams_law is not None:
        blocks = [[r for row in rows for r in with_hparams([row], _suggestion(hparams_law, row))] for rows in blocks]
        keys += HPARAM_KEYS
        budgets = list({_run(row): row for rows in blocks for row in rows}.values())  # one line per run
        sections.append(Report(blocks=(Block(budgets),), columns=hparam_columns(), keys=("flops",) + HPARAM_KEYS,
                               title=f"Suggested hyperparameters · {hparams_law.id}",
                               footer=tuple(hparam_footer(hparams_law, law))))
    if shape_settings is not None:
        count = parameter_count(law)
        blocks = [[dict(row) for row in rows] for rows in blocks]
        for row in (row for rows in blocks for row in rows):
            shapes = shapes_for(row["n_params"], count=count, **shape_settings)
            row["shapes"] = shape_rows(shapes, count)
            label = row.get("plan") or "plan"
            sections.append(shape_report(shapes, count, f"Shapes for N = {format_count(row['n_params'])} {count} "
                                                        f"parameters ({label} at {format_flops(row['flops'])} FLOPs)"))
        keys.append("shapes")
        nested["shapes"] = SHAPE_KEYS
    new_blocks = tuple(dataclasses.replace(block, rows=rows) for block, rows in zip(report.blocks, blocks))
    return dataclasses.replace(report, blocks=new_blocks, columns=tuple(columns), keys=tuple(keys),
                               footer=tuple(footer), sections=tuple(sections), nested=nested)


# ---------------------------------------------------------------------------------------------------------------------
# hardware time and money


def with_cost(rows, cluster: Cluster) -> list[dict]:
    """Each row with the cluster it assumes and its GPU-hours, wall-clock days and dollars (None where unknown).

    A row's training compute is its ``training_flops`` where it has one (a plan under constraints, whose ``flops``
    is the budget it was planned for and whose inference-aware plan trains past it), else its ``flops``.
    """
    out = []
    for row in rows:
        c = cost(row.get("training_flops", row.get("flops")), cluster)   # NumericError where they overflow
        out.append({**row, "gpu": cluster.chip.id, "gpus": cluster.n_chips, "mfu": cluster.mfu,
                    "usd_per_gpu_hour": cluster.usd_per_chip_hour, "gpu_hours": c.gpu_hours,
                    "wall_clock_days": c.wall_clock_days, "usd": c.usd})
    return out


def with_cost_per_budget(report: Report, cluster: Cluster, mfu_given: bool = True) -> Report:
    """``report`` (one block per budget, as ``plan compare`` makes) with the cost of each budget once, in its block's
    title, not once per row: every row of a block spends the same C. Machine formats still carry the cost keys in
    every row (as :func:`extend` gives them), so a script reads one row as it reads any other."""
    blocks = []
    for block in report.blocks:
        rows = with_cost(block.rows, cluster)
        title = block.title
        if rows:
            r = rows[0]
            parts = [f"{format_count(r['gpu_hours'])} GPU-hours"]
            if r["wall_clock_days"] is not None:
                parts.append(f"{format_ratio(r['wall_clock_days'])} days")
            if r["usd"] is not None:
                parts.append(format_dollars(r["usd"]))
            title = f"{title or format_flops(r['flops']) + ' FLOPs'} · " + ", ".join(parts)
        blocks.append(dataclasses.replace(block, rows=rows, title=title))
    return dataclasses.replace(report, blocks=tuple(blocks), keys=tuple(report.keys) + COST_KEYS,
                               footer=tuple(report.footer) + tuple(cost_footer(cluster, mfu_given=mfu_given)))


def cost_columns(cluster: Cluster) -> tuple[Column, ...]:
    """GPU-hours always; days with a chip count; dollars with a price."""
    cols = [Column("gpu_hours", "GPU-hours", format_count, short="GPU-h", legend="GPU-h: GPU-hours")]
    if cluster.n_chips is not None:
        cols.append(Column("wall_clock_days", "days", format_ratio))
    if cluster.usd_per_chip_hour is not None:
        cols.append(Column("usd", "cost", format_dollars))
    return tuple(cols)


def cost_footer(cluster: Cluster, mfu_given: bool = True) -> list[str]:
    """The hardware assumptions, MFU always shown, and the formula behind the columns."""
    chip = cluster.chip
    count = f"{cluster.n_chips:,} × " if cluster.n_chips is not None else ""
    mfu = f"MFU {cluster.mfu:.2f}" + ("" if mfu_given else f" (default; {DEFAULT_MFU_SOURCE})")
    price = f"; ${cluster.usd_per_chip_hour:,.2f} per GPU-hour" if cluster.usd_per_chip_hour is not None else ""
    return [
        f"Hardware: {count}{chip.name}, {format_tflops(chip.peak_flops_per_second)} TFLOP/s dense BF16 each "
        f"(source: {chip.source}); {mfu}{price}.",
        "Time: GPU-hours = C / (peak × MFU) / 3600; wall-clock = C / (chips × peak × MFU).",
    ]


def budget_line(amount: float, unit: str, cluster: Cluster, flops: float) -> str:
    """How a budget in GPU-hours, days or dollars became FLOPs, with the arithmetic."""
    rate = f"{format_tflops(cluster.chip.peak_flops_per_second)} TFLOP/s × MFU {cluster.mfu:g}"
    if unit == "gpu_hours":
        arithmetic = f"{format_count(amount)} GPU-hours × 3600 s × {rate}"
    elif unit == "wall_clock_days":
        arithmetic = f"{amount:g} days × 86400 s × {cluster.n_chips:,} {cluster.chip.id} × {rate}"
    else:
        assert cluster.usd_per_chip_hour is not None  # a budget in dollars needs the price (parse_budgets checks)
        hours = amount / cluster.usd_per_chip_hour
        arithmetic = (f"${format_count(amount)} ÷ ${cluster.usd_per_chip_hour:,.2f} per GPU-hour = "
                      f"{format_count(hours)} GPU-hours × 3600 s × {rate}")
    return f"Budget: {arithmetic} = {format_flops(flops)} FLOPs."


# ---------------------------------------------------------------------------------------------------------------------
# hyperparameters


def with_hparams(rows, suggestion) -> list[dict]:
    """Each row with the suggested learning rate and batch size for its budget (one suggestion per row)."""
    return [{**row, "learning_rate": float(lr), "batch_tokens": float(b)}
            for row, lr, b in zip(rows, as_floats(suggestion.learning_rate), as_floats(suggestion.batch_tokens))]


def hparam_columns() -> tuple[Column, ...]:
    """The budget and its suggested hyperparameters (a table of its own in the terminal: the plan is wide enough)."""
    return (Column("flops", "FLOPs C", format_flops),
            Column("learning_rate", "learning rate η_opt", lambda x: format_general(x, 3)),
            Column("batch_tokens", "batch B_opt (tokens)", format_count))


def _suggestion(law, row: dict):
    """The suggestion of hyperparameter law ``law`` (:class:`~planner.laws.hparams.HparamLaw`) at the plan row's N,
    D and C."""
    return suggest_hparams(law, row["n_params"], row["n_tokens"], row["flops"])


def convention_note(law, plan_law) -> list[str]:
    """A line if hyperparameter law ``law`` depends on N and the plan's law (``plan_law``) counts N otherwise."""
    uses_n = "n_params" in law.learning_rate.exponents or "n_params" in law.batch_tokens.exponents
    if not uses_n or plan_law is None or parameter_count(plan_law) == (
            "non-embedding" if law.parameters.startswith("non-embedding") else "total"):
        return []
    return [f"{plan_law.id} counts N as {parameter_count(plan_law)} parameters and {law.id} as {law.parameters}: "
            f"the numbers are for the plan's N taken as {law.id} counts it."]


def _run(row: dict) -> tuple:
    return row["flops"], row.get("n_params"), row.get("n_tokens")


def hparam_footer(law, plan_law=None) -> list[str]:
    """Where the suggestion comes from (the hyperparameter law ``law``), and, if the plan's law (``plan_law``) counts
    N otherwise than the hyperparameter law, a line that says so."""
    lines = [f"{law.formula()} ({law.short_citation}); N {law.parameters}, at each plan's N, D and C: a "
             f"starting point for a sweep, not a guarantee (every law: {suggest('hparams', '--list')})."]
    return lines + convention_note(law, plan_law)


# ---------------------------------------------------------------------------------------------------------------------
# shapes


def parameter_count(law) -> str:
    """Which parameters the law's N counts, as :func:`planner.compute.shapes.shapes_for` names it."""
    return "non-embedding" if law.parameters.startswith("non-embedding") else "total"


def shape_rows(shapes, count: str = "total") -> list[dict]:
    """One row per shape: its dimensions, exact parameter counts and training FLOPs per token three ways.

    ``flops_per_token_6n`` is 6·N with N counted as ``count``, the figure C = 6·N·D assumes.
    """
    rows = []
    for s in shapes:
        six_n = FLOPS_PER_PARAM_TOKEN * s.counted(count)
        hoffmann, kaplan = hoffmann_flops_per_token(s), kaplan_flops_per_token(s)
        rows.append({
            "n_layer": s.n_layer, "d_model": s.d_model, "n_heads": s.n_heads, "d_head": s.d_head, "d_ff": s.d_ff,
            "vocab": s.vocab, "n_ctx": s.n_ctx, "tied_embeddings": s.tied_embeddings, "aspect_ratio": s.aspect_ratio,
            "n_params": s.n_params, "n_params_non_embedding": s.n_params_non_embedding,
            "flops_per_token_hoffmann": hoffmann, "flops_per_token_kaplan": kaplan, "flops_per_token_6n": six_n,
            "hoffmann_over_6n": hoffmann / six_n, "kaplan_over_6n": kaplan / six_n,
        })
    return rows


def shape_columns(count: str = "total") -> tuple[Column, ...]:
    return (
        Column("n_layer", "layers", format_integer), Column("d_model", "d_model", format_integer),
        Column("n_heads", "heads", format_integer), Column("d_ff", "d_ff", format_integer),
        Column("aspect_ratio", "d/L", lambda x: format_fixed(x, 0)),
        Column("n_params", "params", format_count), Column("n_params_non_embedding", "non-emb", format_count),
        Column("flops_per_token_hoffmann", "App.F", format_count),
        Column("hoffmann_over_6n", "App.F/6N", format_fixed), Column("kaplan_over_6n", "Kaplan/6N", format_fixed),
    )


def shape_footer(shapes, count: str = "total") -> list[str]:
    s = shapes[0]
    tied = "tied" if s.tied_embeddings else "untied"
    return [
        f"Shapes: vocab {s.vocab:,}, context {s.n_ctx:,}, {tied} embeddings, d_ff = 4·d_model, heads of {s.d_head}"
        f"{' and ' + str(shapes[-1].d_head) if shapes[-1].d_head != s.d_head else ''}; aspect ratios d/layer near "
        f"{', '.join(f'{r:g}' for r in DEFAULT_ASPECT_RATIOS)} (published families span about 40–205; Kaplan et al. 2020 Fig. 5: loss flat over a wide range).",
        f"FLOPs per training token (App.F column) against 6N with N {'total' if count == 'total' else 'non-embedding'}, as C = 6·N·D "
        "assumes; App.F = Hoffmann et al. 2022 Appendix F, embeddings and logits included, × 3 for forward + "
        "backward; Kaplan = 3·(2·N_non-emb + 2·n_layer·n_ctx·d_attn), Kaplan et al. 2020 Table 1.",
    ]


def shape_report(shapes, count: str, title: str) -> Report:
    """A table of ``shapes`` (N counted as ``count``) with its notes."""
    return Report(blocks=(Block(shape_rows(shapes, count)),), columns=shape_columns(count), keys=SHAPE_KEYS,
                  title=title, footer=tuple(shape_footer(shapes, count)))


# ---------------------------------------------------------------------------------------------------------------------
# the hardware catalogue


def chip_rows(chips) -> list[dict]:
    return [{"id": c.id, "name": c.name, "aliases": list(c.aliases), "peak_flops_per_second": c.peak_flops_per_second,
             "source": c.source} for c in chips]


def chip_columns() -> tuple[Column, ...]:
    return (Column("id", "id", str, align="left"), Column("name", "name", str, align="left"),
            Column("aliases", "aliases", lambda a: ", ".join(a), align="left"),
            Column("peak_flops_per_second", "TFLOP/s", format_tflops), Column("source", "source", str, align="left"))


def hardware_report(chips) -> Report:
    """``plan hardware``: the catalogue, what its peak means, and the default MFU with its source."""
    return Report(blocks=(Block(chip_rows(chips)),), columns=chip_columns(), keys=CHIP_KEYS, title=None,
                  footer=("TFLOP/s: dense BF16 tensor-core peak, no structured sparsity.",
                          f"Default MFU {DEFAULT_MFU:.2f} ({DEFAULT_MFU_SOURCE}); set it with --mfu."))
