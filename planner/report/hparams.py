"""The report of ``plan hparams``: every hyperparameter law's learning rate, batch and warm-up for one plan.

One row per law (:mod:`planner.laws.hparams`): η and B with the law's band where it has one, B rounded to whole
sequences of the trainer's length (a power of two when asked), the warm-up its recipe implies in tokens and steps,
and how the law counts N and B. The footer states the plan, the spread between the laws in one line, and each law's
formula and source. No rich, no click, no I/O.
"""

from __future__ import annotations

import math
from typing import Sequence

from ..base.hints import command as suggest
from ..base.errors import NumericError
from ..base.units import format_count, format_flops, format_general, format_integer
from ..laws.hparams import HparamLaw, spread, suggest_hparams, trainable_batch
from .types import Block, Column, Report

__all__ = ["HPARAMS_KEYS", "hparam_row", "hparams_report", "spread_line", "laws_report", "fit_report"]

#: What CSV and JSON carry of each law's row.
HPARAMS_KEYS = ("law", "n_params", "n_tokens", "flops", "learning_rate", "learning_rate_low", "learning_rate_high",
                "batch_tokens", "batch_tokens_low", "batch_tokens_high", "sequence_length", "batch_sequences",
                "batch_tokens_trainable", "warmup_tokens", "warmup_steps", "parameters", "batch_units", "source")


def hparam_row(law: HparamLaw, n_params: float, n_tokens: float, flops: float | None, sequence_length: int,
               power_of_two: bool = False) -> dict:
    """One law's suggestion for the run (N, D, C) as a report row (unit-named keys, raw floats)."""
    try:
        s = suggest_hparams(law, n_params, n_tokens, flops)
    except (OverflowError, ZeroDivisionError):
        s = None
    if s is None or not all(math.isfinite(float(x)) and x > 0 for x in (s.flops, s.learning_rate, s.batch_tokens)):
        raise NumericError(f"{law.id} gives no finite learning rate and batch for N = {format_count(n_params)}, "
                           f"D = {format_count(n_tokens)}: the run is too extreme to compute with")
    sequences, tokens = trainable_batch(float(s.batch_tokens), sequence_length, power_of_two)
    # the warm-up at the batch the trainer runs (DeepSeek's 2,000 steps stay 2,000 steps)
    warmup = None if law.warmup is None else float(law.warmup.tokens(n_params, tokens, n_tokens))
    return {"law": law.id, "n_params": float(n_params), "n_tokens": float(n_tokens), "flops": float(s.flops),
            "learning_rate": float(s.learning_rate), "learning_rate_low": s.learning_rate_low,
            "learning_rate_high": s.learning_rate_high, "batch_tokens": float(s.batch_tokens),
            "batch_tokens_low": s.batch_tokens_low, "batch_tokens_high": s.batch_tokens_high,
            "sequence_length": sequence_length, "batch_sequences": sequences, "batch_tokens_trainable": tokens,
            "warmup_tokens": warmup, "warmup_steps": None if warmup is None else round(warmup / tokens),
            "parameters": law.parameters, "batch_units": law.batch_units, "source": law.short_citation}


def _with_band(value_key: str, fmt):
    def show(row) -> str:
        low, high = row.get(f"{value_key}_low"), row.get(f"{value_key}_high")
        text = fmt(row[value_key])
        return text if low is None else f"{text} ({fmt(low)}–{fmt(high)})"
    return show


def _lr(x) -> str:
    return format_general(x, 3)


def _columns() -> tuple[Column, ...]:
    return (Column("law", "law", str, align="left"),
            Column("learning_rate_text", "learning rate η", str),
            Column("batch_tokens_text", "batch B (tokens)", str),
            Column("batch_sequences", "trainable batch", format_integer, short="seqs",
                   legend="seqs: the batch in whole sequences"),
            Column("batch_tokens_trainable", "tokens/step", format_count),
            Column("warmup_tokens", "warm-up tokens", format_count, short="warm-up",
                   legend="warm-up: its tokens"),
            Column("warmup_steps", "warm-up steps", format_integer),
            Column("parameters", "N counted", str, align="left", optional=True))


def _banded(rows: Sequence[dict]) -> list[dict]:
    """Rows whose η and B cells show the band in the human formats (a row key of its own, so machine formats keep
    the raw floats)."""
    return [{**row, "learning_rate_text": _with_band("learning_rate", _lr)(row),
             "batch_tokens_text": _with_band("batch_tokens", format_count)(row)} for row in rows]


def spread_line(rows: Sequence[dict]) -> str:
    """The laws' disagreement in one line: max/min of η and of B, and which laws are at the ends."""
    def ends(key: str) -> str:
        lo = min(rows, key=lambda r: r[key])
        hi = max(rows, key=lambda r: r[key])
        fmt = _lr if key == "learning_rate" else format_count
        return (f"{spread([r[key] for r in rows]):.1f}× ({fmt(lo[key])} {lo['law']} to "
                f"{fmt(hi[key])} {hi['law']})")
    return f"Spread across {len(rows)} laws: η {ends('learning_rate')}; B {ends('batch_tokens')}."


def hparams_report(laws: Sequence[HparamLaw], n_params: float, n_tokens: float, flops: float | None = None, *,
                   sequence_length: int = 2048, power_of_two: bool = False, plan_note: str = "",
                   plan_parameters: str | None = None) -> Report:
    """Every law of ``laws`` for the run of ``n_params`` parameters on ``n_tokens`` tokens (``flops`` if the plan
    states its compute). ``plan_note`` says where the plan came from; ``plan_parameters`` how the plan counts N
    (a warning names the laws that count it otherwise)."""
    rows = [hparam_row(law, n_params, n_tokens, flops, sequence_length, power_of_two) for law in laws]
    C = rows[0]["flops"]
    rounding = "the nearest power of two" if power_of_two else "whole sequences"
    footer = [f"Plan: N = {format_count(n_params)} parameters, D = {format_count(n_tokens)} tokens, "
              f"C = {format_flops(C)} FLOPs" + (f" ({plan_note})" if plan_note else "") + ".",
              spread_line(rows) if len(rows) > 1 else "",
              f"Trainable batch: B rounded to {rounding} of {sequence_length:,} tokens; warm-up steps at that batch.",
              ] + [f"{law.id}: {law.formula()}; N {law.parameters}, batch counted in {law.batch_text}"
                   + (f", warm-up {law.warmup.describe()}" if law.warmup else ", no warm-up stated")
                   + (f", {law.level:.0%} band from {len(law.samples)} bootstrap fits" if law.samples else "")
                   + f" ({law.short_citation})." for law in laws]
    warnings = []
    if plan_parameters:
        other = [law.id for law in laws if not law.parameters.startswith(plan_parameters.split()[0])]
        if other:
            warnings.append(f"the plan counts N as {plan_parameters} parameters, but {', '.join(other)} count N "
                            "otherwise: give --params as those laws count it for their numbers to apply")
    return Report(blocks=(Block(_banded(rows)),), columns=_columns(), keys=HPARAMS_KEYS,
                  title="Learning rate and batch size · every law", footer=tuple(line for line in footer if line),
                  warnings=tuple(warnings))


def laws_report(laws: Sequence[HparamLaw]) -> Report:
    """The hyperparameter laws themselves: id, formula, how N and the batch are counted, warm-up, source."""
    rows = [{"law": law.id, "title": law.title, "formula": law.formula(), "parameters": law.parameters,
             "batch_units": law.batch_text,
             "warmup": law.warmup.describe() if law.warmup else "not stated", "regime": law.regime,
             "aliases": ", ".join(law.aliases), "source": law.short_citation} for law in laws]
    columns = (Column("law", "id", str, align="left"), Column("formula", "law", str, align="left", wrap=True),
               Column("parameters", "N counted", str, align="left"),
               Column("batch_units", "batch in", str, align="left"),
               Column("warmup", "warm-up", str, align="left"), Column("source", "source", str, align="left"))
    return Report(blocks=(Block(rows),), columns=columns,
                  keys=("law", "title", "formula", "parameters", "batch_units", "warmup", "regime", "aliases",
                        "source"),
                  title="Hyperparameter laws",
                  footer=(f"Use one with '{suggest('hparams', '--params', '7B', '--tokens', '2T', '--hparams', laws[0].id)}' "
                          f"or '{suggest('--flops', '1e22', '--hparams', laws[0].id)}'.",))


def _law_json(fit, name: str) -> dict:
    """One fitted law as the issue's JSON object: coefficient, exponents keyed n_params and tokens, and their
    intervals where the bootstrap gave them."""
    k, exponents = getattr(fit, name)
    out = {"coefficient": k, "exponents": dict(exponents)}
    if fit.intervals:
        out["intervals"] = {key: list(fit.intervals[f"{name}.{key}"]) for key in ("coefficient", "n_params", "tokens")}
    return out


def fit_report(fit, source: str) -> Report:
    """``plan fit-hparams``: the best configuration of each (N, D) and the fitted laws with their intervals."""
    def term(name: str, symbol: str) -> str:
        k, e = getattr(fit, name)
        text = f"{symbol} = {k:.4g}·N^{e['n_params']:.4f}·D^{e['tokens']:.4f}"
        if fit.intervals:
            iv = {key: fit.intervals[f"{name}.{key}"] for key in ("coefficient", "n_params", "tokens")}
            text += (f" ({fit.level:.0%} intervals: k {iv['coefficient'][0]:.4g}–{iv['coefficient'][1]:.4g}, "
                     f"N^ {iv['n_params'][0]:.4f}–{iv['n_params'][1]:.4f}, D^ {iv['tokens'][0]:.4f}–"
                     f"{iv['tokens'][1]:.4f})")
        return text
    columns = (Column("n_params", "params N", format_count), Column("tokens", "tokens D", format_count),
               Column("learning_rate", "best η", _lr), Column("batch_tokens", "best B (tokens)", format_count),
               Column("loss", "loss", lambda x: f"{x:.4f}"), Column("near_optimal", "near-optimal", format_integer))
    boot = (f"bootstrap: {len(fit.samples)} refits over the (N, D) points (seed {fit.seed})" if fit.samples
            else "no bootstrap")
    footer = (term("learning_rate", "η") + ".", term("batch_tokens", "B") + " tokens.",
              f"Fitted by least squares in log space on the {sum(o['near_optimal'] for o in fit.optima)} "
              f"configurations within {fit.near:.2%} of the best loss of each (N, D) (as Li et al. 2025, "
              f"arXiv:2503.04715); {boot}.")
    return Report(blocks=(Block(list(fit.optima)),), columns=columns,
                  keys=("n_params", "tokens", "learning_rate", "batch_tokens", "loss", "near_optimal"),
                  title=f"Hyperparameter law fitted to {source}", footer=footer, name="optima",
                  fields={"learning_rate": _law_json(fit, "learning_rate"),
                          "batch_tokens": _law_json(fit, "batch_tokens"), "near_optimal": fit.near,
                          "level": fit.level, "n_configurations": fit.n_configurations,
                          "n_resamples": len(fit.samples)})
