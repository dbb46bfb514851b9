"""The report of ``plan ladder-points``: one row per decay end (a runs file ``plan fit`` reads: ``n_params``,
``n_tokens``, ``loss``) and, in the footer and the JSON fields, the tokens the runs saved against separate runs."""

from __future__ import annotations

import math

from ..base.units import format_count, format_loss4, format_text
from .ladder import saving_line
from .types import Block, Column, Report

__all__ = ["ladder_points_report", "POINT_KEYS"]

POINT_KEYS = ("run", "branch", "n_params", "n_tokens", "loss", "learning_rate", "fork_tokens", "new_tokens")


def _rate(x) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.3g}"


def ladder_points_report(result, *, source: str) -> Report:
    """The points of :func:`planner.fitting.branches.ladder_points` (``result``) read from ``source``."""
    lad = result.ladder
    rows = [{"run": p.run, "branch": p.branch, "n_params": p.n_params, "n_tokens": p.n_tokens, "loss": p.loss,
             "learning_rate": p.learning_rate, "fork_tokens": p.fork_tokens, "new_tokens": r.new_tokens,
             "branch_shown": p.branch or "(trunk)"} for p, r in zip(result.points, lad.rungs)]
    columns = (Column("run", "run", format_text, align="left"),
               Column("branch_shown", "branch", format_text, align="left"),
               Column("n_params", "params N", format_count),
               Column("n_tokens", "tokens D", format_count),
               Column("loss", "loss", format_loss4, short="L"),
               Column("learning_rate", "final rate", _rate, short="η"),
               Column("new_tokens", "new tokens", format_count))
    cooldown = (f"Cooldowns: {lad.decay_fraction:.0%} of each branch's tokens (of each period on a stepped run), on "
                "average." if math.isfinite(lad.decay_fraction) else "")
    footer = [f"{len(rows)} points from {source}: the loss where each decay ends (a cooldown branch's last "
              "checkpoint; on a run's own curve, where the logged rate has decayed to at most half its peak).",
              saving_line(lad, "Σ D over the points") + " Each run trained its trunk once and each of its decays.",
              "New tokens: what each point adds, from where the previous one left the trunk to its own end.",
              *([cooldown] if cooldown else []),
              "Fit a law on them: plan ladder-points CURVES -o points.csv && plan fit points.csv"]
    return Report(blocks=(Block(rows),), columns=columns, keys=POINT_KEYS, title="Ladder points",
                  footer=tuple(footer),
                  fields={"source": source, "trained_tokens": lad.trained_tokens,
                          "separate_tokens": lad.separate_tokens, "saved_tokens": lad.saved_tokens,
                          "saved_fraction": lad.saved_fraction, "decay_fraction": lad.decay_fraction},
                  name="points", warnings=tuple(result.warnings))
