"""Reports of the plan questions: compute-optimal plans, what-ifs, exact runs, target losses and comparisons.

Core results (:mod:`planner.planning.plan`, :mod:`planner.planning.whatif`) → :class:`~planner.report.types.Report`. No formatting of
whole outputs here (that is :mod:`planner.report.render`), and no arithmetic beyond picking fields (that is the core).
Rows carry raw floats under unit-named keys.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

from ..base.hints import command as suggest
from ..base.units import (as_floats, format_count, format_flops, format_gap, format_loss, format_percent, format_ratio,
                     format_factor, format_text)
from ..planning import checks
from .types import Block, Column, Report

__all__ = ["plan_report", "whatif_report", "target_report", "compare_report", "compare_targets_report",
           "plan_columns", "plan_rows", "law_footer", "compare_footer", "flops_convention", "PLAN_KEYS",
           "MOE_PLAN_KEYS", "WHATIF_KEYS", "TARGET_KEYS", "COMPARE_KEYS", "COMPARE_TARGET_KEYS", "repeated"]


#: Short headers of the plan quantities for narrow terminals (planner.report.render shows them with their legend).
FLOPS_SHORT: dict[str, Any] = dict(short="C", legend="C: FLOPs")
PARAMS_SHORT: dict[str, Any] = dict(short="N", legend="N: parameters")
TOKENS_SHORT: dict[str, Any] = dict(short="D", legend="D: tokens")
RATIO_SHORT: dict[str, Any] = dict(short="D/N", legend="D/N: tokens per parameter")

#: Keys of a plan row, in the order machine formats carry them.
PLAN_KEYS = ("preset", "flops", "n_params", "n_tokens", "tokens_per_param", "loss")
#: Keys of a mixture-of-experts plan row: N total, N_active, the granularity G and the law's FLOPs per token.
MOE_PLAN_KEYS = ("preset", "flops", "n_params", "n_active_params", "granularity", "n_tokens", "tokens_per_param",
                 "flops_per_token", "loss")


def flops_convention(law, each: bool = False) -> str:
    """How the law counts training compute, as its footers state it: ``C = 6·N·D FLOPs``, or for a mixture of
    experts Eq. 10 of Krajewski et al. 2024 on active parameters (with ``each``, E left a symbol, so that laws
    differing only in E state it once): the family's own :meth:`~planner.laws.questions.Questions.flops_rule`."""
    return law.model.flops_rule(each=each)


def _moe_columns(law) -> list[Column]:
    return [Column("flops", "FLOPs C", format_flops, **FLOPS_SHORT),
            Column("n_params", "total N", format_count, short="N", legend="N: total parameters"),
            Column("n_active_params", "active N", format_count, short="N_act", legend="N_act: active parameters"),
            Column("granularity", "G", lambda g: f"{g:g}"),
            Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT),
            Column("tokens_per_active_param", "D/active N", format_ratio, short="D/N_act",
                   legend="D/N_act: tokens per active parameter"),
            Column("flops_per_token", "FLOPs/token", format_flops, short="C/D", legend="C/D: FLOPs per token")]


def given(x) -> float | None:
    """A plan's N, D or D/N as a float, or None where the law gives none (a loss-against-compute envelope's plans
    carry them as not a number): rows say "not given" (—, JSON null), never a number."""
    x = float(x)
    return x if math.isfinite(x) or math.isinf(x) else None


def split_note(laws: Sequence) -> list[str]:
    """The footer line for laws whose plans give no N and D (:attr:`~planner.laws.Law.splits`), if any."""
    ids = [law.name for law in laws if not law.splits]
    if not ids:
        return []
    return [f"N and D: not given by {', '.join(ids)} (—): {'it predicts' if len(ids) == 1 else 'they predict'} the "
            "loss at a budget from compute alone, with no split of C into model size and tokens."]


def plan_columns(law) -> tuple[Column, ...]:
    """Columns of the plan table; the loss column only where the law has a loss model. A mixture of experts has
    total and active parameters, its granularity and its FLOPs per token (C = FLOPs/token × D); a law that gives
    no split of C, the budget and the loss alone."""
    if law.plan_fields:
        return tuple(_moe_columns(law) + [Column("loss", "loss*", format_loss)])
    if not law.splits:
        return (Column("flops", "FLOPs C", format_flops, **FLOPS_SHORT), Column("loss", "loss*", format_loss))
    cols = [
        Column("flops", "FLOPs C", format_flops, **FLOPS_SHORT),
        Column("n_params", "params N", format_count, **PARAMS_SHORT),
        Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT),
        Column("tokens_per_param", "tokens/param", format_ratio, **RATIO_SHORT),
    ]
    if law.has_loss:
        cols.append(Column("loss", "loss*", format_loss))
    # The check repeats the budget (to rounding): it gives way first where the terminal is narrow.
    cols.append(Column("flops_check", f"check {law.flops_per_param_token:g}·N·D", format_flops, optional=True))
    return tuple(cols)


def plan_rows(law, plan) -> list[dict]:
    """One row per budget of ``plan`` (a :class:`~planner.planning.plan.Plan`, scalar or array)."""
    fields = [as_floats(plan.flops), as_floats(plan.n_params), as_floats(plan.n_tokens),
              as_floats(plan.tokens_per_param),
              as_floats(plan.loss) if plan.loss is not None else itertools.repeat(None)]
    k = law.flops_per_param_token
    rows = [
        {"preset": law.name, "flops": float(C), "n_params": given(N), "n_tokens": given(D),
         "tokens_per_param": given(r), "loss": None if L is None else float(L),
         "flops_check": given(k * float(N) * float(D))}
        for C, N, D, r, L in zip(*fields)
    ]
    if law.plan_fields:
        for row, Na, G, f in zip(rows, as_floats(plan.n_active_params), as_floats(plan.granularity),
                                 as_floats(plan.flops_per_token)):
            row.update(n_active_params=Na, granularity=G, flops_per_token=f, flops_check=f * row["n_tokens"],
                       tokens_per_active_param=row["n_tokens"] / Na)
    return rows


def law_footer(law) -> list[str]:
    """The assumptions behind a plan: which law, its source, coefficients and conventions."""
    coefs = ", ".join(f"{k} = {v:.6g}" for k, v in law.coefficients.items())
    lines = [
        f"Law: {law.name} ({law.title}); {law.short_citation}" + (f", {law.citation['where']}" if law.citation.get("where") else ""),
        f"Coefficients: {coefs}" + "".join(f"; gives {g}" for g in [law.model.describe().get("gives")] if g),
        f"Conventions: N counts {law.parameters} parameters; {flops_convention(law)}.",
    ]
    if law.plan_fields:
        lines.append("Active vs total: compute, hardware time and cost count the active parameters N_act (and "
                     "routing), never 6·N·D with N counting every expert; G: each token goes to G experts of width "
                     "d_ff/G (searched over G = " + ", ".join(f"{g:g}" for g in law.model.granularities) + ").")
    if law.has_loss:
        lines.append(f"* Loss: nats/token on {law.dataset or 'the paper’s data set'}; indicative only, "
                     "not comparable across laws fitted on different data.")
    else:
        lines.append("Loss: none (this law is an allocation rule with no loss model).")
    return lines + split_note([law])




WHATIF_KEYS = ("preset", "plan", "flops", "n_params", "n_tokens", "tokens_per_param", "loss", "loss_gap",
               "compute_efficiency")
TARGET_KEYS = ("preset", "target_loss", "flops", "n_params", "n_tokens", "tokens_per_param", "loss")
COMPARE_KEYS = ("preset", "parameters", "flops", "n_params", "n_tokens", "tokens_per_param", "loss")
COMPARE_TARGET_KEYS = ("preset", "parameters", "target_loss", "flops", "n_params", "n_tokens", "tokens_per_param",
                       "loss")


def repeated(x, n: int) -> list:
    """``x`` as a list of n Python floats (a scalar repeated), or n Nones."""
    if x is None:
        return [None] * n
    xs = as_floats(x)
    return xs * n if len(xs) == 1 else xs


EFFICIENCY_NOTE = ("Loss gap: the run's loss minus the compute-optimal loss at the same budget. Efficiency: the "
                   "fraction of the run's budget the compute-optimal split needs to reach the run's loss.")


def plan_report(law, plans) -> Report:
    """The plain ``plan`` table: one row per budget."""
    rows = [row for p in plans for row in plan_rows(law, p)]
    return Report(blocks=(Block(rows),), columns=plan_columns(law), keys=MOE_PLAN_KEYS if law.plan_fields else PLAN_KEYS,
                  title=f"Compute-optimal plan · {law.name}", footer=tuple(law_footer(law)))


def whatif_rows(law, w, label: str = "what-if") -> list[dict]:
    """Two rows per budget: the run asked for, then the compute-optimal run of the same budget."""
    n = max(len(as_floats(w.flops)), len(as_floats(w.n_params)), len(as_floats(w.n_tokens)))
    o = w.optimum
    rows = []
    for i in range(n):
        run = dict(preset=law.name, plan=label, flops=repeated(w.flops, n)[i], n_params=repeated(w.n_params, n)[i],
                   n_tokens=repeated(w.n_tokens, n)[i], tokens_per_param=repeated(w.tokens_per_param, n)[i],
                   loss=repeated(w.loss, n)[i], loss_gap=repeated(w.loss_gap, n)[i],
                   compute_efficiency=repeated(w.compute_efficiency, n)[i])
        opt = dict(preset=law.name, plan="optimal", flops=repeated(o.flops, n)[i], n_params=repeated(o.n_params, n)[i],
                   n_tokens=repeated(o.n_tokens, n)[i], tokens_per_param=repeated(o.tokens_per_param, n)[i],
                   loss=repeated(o.loss, n)[i], loss_gap=0.0 if law.has_loss else None,
                   compute_efficiency=1.0 if law.has_loss else None)
        rows += [run, opt]
    return rows


def whatif_columns(law) -> tuple[Column, ...]:
    cols = [Column("plan", "plan", format_text, align="left"), Column("flops", "FLOPs C", format_flops, **FLOPS_SHORT),
            Column("n_params", "params N", format_count, **PARAMS_SHORT),
            Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT),
            Column("tokens_per_param", "tokens per param", format_ratio, **RATIO_SHORT)]
    if law.has_loss:
        cols += [Column("loss", "loss*", format_loss), Column("loss_gap", "loss gap", format_gap, short="gap",
                                                              legend="gap: loss gap"),
                 Column("compute_efficiency", "efficiency", format_percent, short="eff.", legend="eff.: efficiency")]
    return tuple(cols)


def whatif_report(law, whatifs: Sequence, title: str, label: str = "what-if") -> Report:
    """The what-if (or exact run) beside the optimum of the same budget, one block per budget."""
    rows = [row for w in whatifs for row in whatif_rows(law, w, label)]
    footer = tuple(law_footer(law)) + ((EFFICIENCY_NOTE,) if law.has_loss else ())
    return Report(blocks=(Block(rows),), columns=whatif_columns(law), keys=WHATIF_KEYS, title=f"{title} · {law.name}",
                  footer=footer)


def target_report(law, targets: Sequence[float], plans: Sequence) -> Report:
    """One row per target loss: the least compute that reaches it, and its optimal N and D."""
    rows = [dict(preset=law.name, target_loss=t, flops=float(p.flops), n_params=given(p.n_params),
                 n_tokens=given(p.n_tokens), tokens_per_param=given(p.tokens_per_param), loss=float(p.loss))
            for t, p in zip(targets, plans)]
    cols: tuple[Column, ...] = (
        Column("target_loss", "target loss*", format_loss, short="target*", legend="target*: target loss"),
        Column("flops", "least FLOPs C", format_flops, short="C", legend="C: least FLOPs"))
    if law.splits:
        cols += (Column("n_params", "params N", format_count, **PARAMS_SHORT),
                 Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT),
                 Column("tokens_per_param", "tokens per param", format_ratio, **RATIO_SHORT))
    return Report(blocks=(Block(rows),), columns=cols, keys=TARGET_KEYS, title=f"Compute for a target loss · {law.name}",
                  footer=tuple(law_footer(law)))


def _spread(rows, key, label) -> list[str]:
    """The spread of ``key`` over ``rows``, as a one-item list, or none where fewer than two rows give it (a law that
    gives no N and D is no part of their spread)."""
    rows = [r for r in rows if r[key] is not None]
    if len(rows) < 2:
        return []
    lo = min(rows, key=lambda r: r[key])
    hi = max(rows, key=lambda r: r[key])
    return [f"{label} from {format_count(lo[key])} ({lo['preset']}) to {format_count(hi[key])} ({hi['preset']}), "
            f"{format_factor(hi[key] / lo[key])}"]


def compare_report(laws: Sequence, budgets: Sequence[float], plans: Sequence[Sequence]) -> Report:
    """One block per budget, one row per law; ``plans[i][j]`` is law j's Plan at budget i."""
    blocks = []
    for C, row_plans in zip(budgets, plans):
        # each row carries what its own FLOP rule needs, C = flops_per_token · D (k·N·D, or a mixture of experts'
        # active parameters and routing at its granularity G), so its C can be checked from the row alone
        rows = [dict(preset=law.name, parameters=law.parameters, flops=float(p.flops), n_params=given(p.n_params),
                     n_active_params=given(getattr(p, "n_active_params", None) or p.n_params),
                     n_tokens=given(p.n_tokens), tokens_per_param=given(p.tokens_per_param),
                     loss=None if p.loss is None else float(p.loss),
                     granularity=None if getattr(p, "granularity", None) is None else float(p.granularity),
                     flops_per_token=given(checks.flops_per_token(law, p)))
                for law, p in zip(laws, row_plans)]
        routed = any(law.plan_fields for law in laws)
        # With a mixture of experts among them the laws' N count different things; their active N compare.
        n_key, n_label = ("n_active_params", "active N") if routed else ("n_params", "N")
        spreads = _spread(rows, n_key, n_label) + _spread(rows, "n_tokens", "D")
        notes = (f"Spread: {'; '.join(spreads)}.",) if spreads else ()
        blocks.append(Block(rows, title=f"C = {format_flops(C)} FLOPs", notes=notes))
    routed = any(law.plan_fields for law in laws)
    cols = (Column("preset", "preset", format_text, align="left"),
            Column("parameters", "N counts", format_text, align="left", optional=True),
            Column("n_params", "params N", format_count, **PARAMS_SHORT)) + \
        ((Column("n_active_params", "active N", format_count),) if routed else ()) + \
        (Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT),
         Column("tokens_per_param", "tokens per param", format_ratio, **RATIO_SHORT), Column("loss", "loss*", format_loss))
    keys = (COMPARE_KEYS[:5] + ("n_active_params",) + COMPARE_KEYS[5:] + ("granularity",) if routed else COMPARE_KEYS) \
        + ("flops_per_token",)
    return Report(blocks=tuple(blocks), columns=cols, keys=keys, title="Compute-optimal plans compared",
                  footer=tuple(compare_footer(laws)))


def compare_targets_report(laws: Sequence, targets: Sequence[float], plans: dict) -> Report:
    """One block per target loss, one row per law that reaches it; ``plans[law.id, target]`` is the least-compute
    Plan (a law missing for a target does not reach it)."""
    blocks = []
    for t in targets:
        rows = [dict(preset=law.name, parameters=law.parameters, target_loss=t, flops=float(p.flops),
                     n_params=given(p.n_params), n_tokens=given(p.n_tokens), tokens_per_param=given(p.tokens_per_param),
                     loss=float(p.loss))
                for law in laws if (p := plans.get((law.id, t))) is not None]
        notes: tuple[str, ...] = ()
        if len(rows) > 1:
            lo, hi = min(rows, key=lambda r: r["flops"]), max(rows, key=lambda r: r["flops"])
            spreads = [f"C from {format_flops(lo['flops'])} ({lo['preset']}) to {format_flops(hi['flops'])} "
                       f"({hi['preset']}), {format_factor(hi['flops'] / lo['flops'])}"] + _spread(rows, "n_params", "N")
            notes = (f"Spread: {'; '.join(spreads)}.",)
        blocks.append(Block(rows, title=f"target loss {format_loss(t)} nats/token", notes=notes))
    cols = (Column("preset", "preset", format_text, align="left"),
            Column("parameters", "N counts", format_text, align="left", optional=True),
            Column("flops", "least FLOPs C", format_flops, short="C", legend="C: least FLOPs"),
            Column("n_params", "params N", format_count, **PARAMS_SHORT),
            Column("n_tokens", "tokens D", format_count, **TOKENS_SHORT),
            Column("tokens_per_param", "tokens per param", format_ratio, **RATIO_SHORT))
    footer = compare_footer(laws)
    footer[1:2] = [footer[1].replace("; — marks an allocation rule, which predicts no loss", "")
                   .replace("not comparable across rows", "so the same target means different things across rows")]
    return Report(blocks=tuple(blocks), columns=cols, keys=COMPARE_TARGET_KEYS,
                  title="Least compute for a target loss, compared", footer=tuple(footer))


def _grouped(laws: Sequence, value) -> dict:
    """``value(law)`` → the ids of the laws that have it, in the laws' order."""
    out: dict = {}
    for law in laws:
        out.setdefault(value(law), []).append(law.id)
    return out


def _symbols(laws: Sequence) -> str:
    """`` (E = 64, 8)``: the values, law by law, of the symbols a shared FLOPs rule leaves open."""
    values = [law.model.flops_rule_symbols() for law in laws]
    parts = [f"{name} = {', '.join(f'{v[name]:g}' for v in values)}" for name in values[0]] if values else []
    return f" ({'; '.join(parts)})" if parts else ""


def compare_footer(laws: Sequence) -> list[str]:
    """The assumptions of a comparison, each stated once however many laws share it: FLOPs conventions, parameter
    counting, losses (line 2, if any law has a loss model), and the sources, one per paper."""
    dense = [law for law in laws if not law.plan_fields]
    ks = sorted({law.flops_per_param_token for law in dense})
    if len(ks) == 1:
        flops = f"C = {ks[0]:g}·N·D FLOPs for every {'dense ' if len(dense) < len(laws) else ''}law (forward 2·N·D, " \
            "backward 4·N·D)."
    else:
        flops = "C = k·N·D FLOPs with " + "; ".join(f"k = {law.flops_per_param_token:g} for {law.id}" for law in dense) + "."
    moe = [f"{', '.join(ids)}" + (_symbols([law for law in laws if law.id in ids]) if len(ids) > 1 else "")
           + f": {rule}." for rule, ids in _grouped([law for law in laws if law.plan_fields],
                                                    lambda law: flops_convention(law, each=True)).items()]
    flops = " ".join(([flops] if dense else []) + moe + (["Active N = N for a dense law."] if moe and dense else []))
    counts = "N counts total parameters (embeddings included)"
    other = {what: ids for what, ids in _grouped(laws, lambda law: law.parameters).items() if what != "total"}
    counts += ("; " + "; ".join(f"{what}: {', '.join(ids)}" for what, ids in other.items())) if other else ""
    lines = [f"Conventions: {flops} {counts}."]
    lossy = [law for law in laws if law.has_loss]
    if lossy:
        sets = "; ".join(f"{data}: {', '.join(ids)}"
                         for data, ids in _grouped(lossy, lambda law: law.dataset or "its paper’s data").items())
        lines.append(f"* Loss: nats/token, each on its own law’s data set ({sets}); indicative only, not comparable "
                     "across rows; — marks an allocation rule, which predicts no loss.")
    papers = _grouped(laws, lambda law: law.short_citation)
    lines.append("Sources: " + "; ".join(f"{paper} ({', '.join(ids)})" for paper, ids in papers.items())
                 + f"; the equations and tables of each: {suggest('presets', 'show', _shown_as(laws[0]))} and so on.")
    return lines + split_note(laws)


def _shown_as(law) -> str:
    """How ``plan presets show`` finds ``law``: its id if shipped, else its file."""
    return law.id if str(law.source).startswith("presets/") else str(law.source)
