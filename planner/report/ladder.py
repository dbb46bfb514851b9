"""How to run each rung of ``plan design``: learning rate, batch, warm-up, shape, wall-clock and cost, and the
stepped warmup-stable-decay ladder's token arithmetic.

:func:`with_run_settings` adds to rows that have ``n_params``, ``n_tokens`` and ``flops`` (an isoFLOP grid's or a
ladder's) what a launcher needs: the hyperparameter law's η, B and warm-up with B in whole sequences and the steps
that follow, one transformer shape, and the cost on a cluster. :func:`ladder_report` lays out a
:class:`~planner.planning.ladder.LadderPlan`. No rich, no click, no I/O.
"""

from __future__ import annotations

from ..base.units import (check_finite, format_count, format_dollars, format_flops, format_general, format_integer,
                          format_ratio)
from ..compute.hardware import cost
from ..compute.shapes import shapes_for
from ..planning.ladder import LadderPlan
from .compute import convention_note
from .hparams import hparam_row
from .types import Block, Column, Report

__all__ = ["RUN_KEYS", "with_run_settings", "run_columns", "run_footer", "ladder_report", "saving_line", "LADDER_KEYS"]

HPARAM_RUN_KEYS = ("learning_rate", "batch_tokens", "sequence_length", "batch_sequences", "batch_tokens_trainable",
                   "warmup_tokens", "warmup_steps", "steps")
SHAPE_RUN_KEYS = ("n_layer", "d_model", "n_heads")
COST_RUN_KEYS = ("gpu", "gpus", "mfu", "gpu_hours", "wall_clock_days", "usd")
RUN_KEYS = HPARAM_RUN_KEYS + SHAPE_RUN_KEYS + COST_RUN_KEYS
LADDER_KEYS = ("n_params", "multiple", "horizon_tokens", "n_tokens", "tokens_per_param", "flops", "run",
               "period_start_tokens", "decay_start_tokens", "period_end_tokens", "new_tokens", "decay_start_step")


def with_run_settings(rows, hparam_law=None, cluster=None, count: str = "total", sequence_length: int = 2048,
                      power_of_two: bool = False, shape: bool = True) -> list[dict]:
    """Each row with η, B (whole sequences), warm-up and steps from ``hparam_law`` at the row's (N, D) (or its
    ``hparam_tokens``, the horizon a stepped run is tuned at), a shape for its N counted as ``count``, and the cost
    of its compute (``cost_flops``, else ``flops``) on ``cluster``."""

    out = []
    for row in rows:
        row = dict(row)
        if hparam_law is not None:
            horizon = row["hparam_tokens"] if "hparam_tokens" in row else row["n_tokens"]
            h = hparam_row(hparam_law, row["n_params"], horizon, None, sequence_length, power_of_two)
            row.update({k: h[k] for k in HPARAM_RUN_KEYS if k in h})
            row["steps"] = round(row["n_tokens"] / h["batch_tokens_trainable"])
            if "decay_start_tokens" in row:
                row["decay_start_step"] = round(row["decay_start_tokens"] / h["batch_tokens_trainable"])
        if shape:
            shapes = shapes_for(row["n_params"], count=count)
            s = shapes[len(shapes) // 2]                     # the middle aspect ratio of shapes_for's
            row.update(n_layer=s.n_layer, d_model=s.d_model, n_heads=s.n_heads)
        if cluster is not None:
            c = cost(row["cost_flops"] if "cost_flops" in row else row["flops"], cluster)
            row.update(gpu=cluster.chip.id, gpus=cluster.n_chips, mfu=cluster.mfu, gpu_hours=c.gpu_hours,
                       wall_clock_days=c.wall_clock_days, usd=c.usd)
        out.append(row)
    return out


def run_columns(hparams: bool, shape: bool, cluster) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    """The human columns and machine keys :func:`with_run_settings` added."""

    columns: list[Column] = []
    keys: tuple[str, ...] = ()
    if hparams:
        columns += [Column("learning_rate", "η", lambda x: format_general(x, 3)),
                    Column("batch_sequences", "batch (seqs)", format_integer),
                    Column("warmup_steps", "warm-up steps", format_integer, short="warm-up",
                           legend="warm-up: steps of warm-up"),
                    Column("steps", "steps", format_integer)]
        keys += HPARAM_RUN_KEYS
    if shape:
        columns += [Column("n_layer", "layers", format_integer, optional=True),
                    Column("d_model", "d_model", format_integer, optional=True)]
        keys += SHAPE_RUN_KEYS
    if cluster is not None:
        columns.append(Column("gpu_hours", "GPU-hours", format_count))
        if cluster.n_chips:
            columns.append(Column("wall_clock_days", "days", format_ratio))
        if cluster.usd_per_chip_hour:
            columns.append(Column("usd", "cost", format_dollars))
        keys += COST_RUN_KEYS
    return tuple(columns), keys


def run_footer(hparam_law, cluster, count: str, sequence_length: int, hparams_at: str, plan_law=None) -> list[str]:
    """What the added columns assume: the hyperparameter law (and whether it counts N as the plan's law does), the
    shapes, the cluster."""

    lines = []
    if hparam_law is not None:
        lines.append(f"Hyperparameters: {hparam_law.id}, {hparam_law.formula()} ({hparam_law.short_citation}), at "
                     f"{hparams_at}; batch in whole sequences of {sequence_length:,} tokens.")
        lines += convention_note(hparam_law, plan_law)
    lines.append(f"Shapes: the middle aspect ratio of 'plan shape' for N counted as {count} parameters.")
    if cluster is not None:
        lines.append(f"Cost: {cluster.chip.id} at MFU {cluster.mfu:g}"
                     + (f", {cluster.n_chips:,} chips" if cluster.n_chips else "")
                     + (f", ${cluster.usd_per_chip_hour:g} per chip-hour" if cluster.usd_per_chip_hour else "") + ".")
    return lines


def saving_line(lad: LadderPlan, separate: str) -> str:
    """The tokens a ladder trains against separate runs to each of its points (``separate`` says how those add up)."""
    return (f"Tokens: {format_count(lad.trained_tokens)} trained against {format_count(lad.separate_tokens)} for "
            f"separate runs ({separate}), saving {format_count(lad.saved_tokens)} ({lad.saved_fraction:.0%}).")


def ladder_report(lad: LadderPlan, law, horizon_note: str, k: float, *, hparam_law=None, cluster=None, count="total",
                  sequence_length: int = 2048, power_of_two: bool = False) -> Report:
    """The rungs of ``lad`` (one row each, size-major), how to run them, and the tokens the schedule saves."""
    rows = []
    for r in lad.rungs:
        check_finite(k * r.n_params * r.n_tokens, f"a rung's compute {k:g}·N·D", f"N = {r.n_params:g} and "
                     f"D = {r.n_tokens:g}")
        rows.append({"n_params": r.n_params, "multiple": r.multiple, "horizon_tokens": r.horizon_tokens,
                     "n_tokens": r.n_tokens, "tokens_per_param": r.n_tokens / r.n_params,
                     "flops": k * r.n_params * r.n_tokens, "run": r.run, "period_start_tokens": r.period_start,
                     "decay_start_tokens": r.decay_start, "period_end_tokens": r.period_end,
                     "new_tokens": r.new_tokens, "decay_start_step": None,
                     "hparam_tokens": r.horizon_tokens if lad.schedule == "wsd-s" else r.n_tokens,
                     "cost_flops": k * r.n_params * r.period_end})
    rows = with_run_settings(rows, hparam_law, cluster, count, sequence_length, power_of_two)
    extra_columns, extra_keys = run_columns(hparam_law is not None, True, cluster)
    columns = (Column("n_params", "params N", format_count), Column("multiple", "× D₁", lambda m: f"{m:g}×"),
               Column("n_tokens", "tokens D", format_count), Column("flops", "FLOPs C", format_flops),
               ) + extra_columns
    f = lad.decay_fraction
    if lad.schedule == "wsd-s":
        how = (f"Schedule wsd-s: one run per size to its largest multiple; each period ends at a multiple of D₁ and "
               f"decays over its last {f:.0%} (allenai/OLMo-core WSDSChinchillaRunConfigurator), then the run "
               "goes on from the decayed point.")
    else:
        how = f"Schedule separate: one run from scratch per rung, each decaying over its last {f:.0%}."
    footer = [f"Horizon D₁: {horizon_note}; C = {k:g}·N·D.", how, saving_line(lad, "Σ m·D₁ per size")]
    if cluster is not None:

        total = cost(sum(k * r.n_params * r.new_tokens for r in lad.rungs), cluster)
        footer.append(f"The whole ladder: {format_count(float(total.gpu_hours))} GPU-hours"
                      + (f", {format_ratio(float(total.wall_clock_days))} days" if total.wall_clock_days else "")
                      + (f", ${total.usd:,.0f}" if total.usd else "")
                      + "; each rung's cost is its run's up to that point.")
    footer += run_footer(hparam_law, cluster, count, sequence_length,
                         "each size's 1× horizon D₁ (one run has one rate)" if lad.schedule == "wsd-s"
                         else "each run's N and D", law)
    return Report(blocks=(Block(rows),), columns=columns, keys=LADDER_KEYS + extra_keys,
                  title=f"Ladder · {lad.schedule} · horizons from {law.id}", footer=tuple(footer),
                  fields={"schedule": lad.schedule, "decay_fraction": f, "trained_tokens": lad.trained_tokens,
                          "separate_tokens": lad.separate_tokens, "saved_tokens": lad.saved_tokens},
                  name="rungs")
