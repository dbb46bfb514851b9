"""Reports of ``plan distill``: a student distilled from a given teacher beside the same student trained supervised,
and the compute-optimal distillation of a student per scenario beside supervised training on the same budget
(Busbridge et al. 2025, arXiv:2502.08606).

:func:`answer` is the question the command asks (the core call, then the Report with its warnings); the builders
only pick fields. Rows carry raw floats under unit-named keys.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from ..base.units import format_count, format_flops, format_loss4, format_text
from ..planning import checks
from ..planning.distill import SCENARIOS, compute_optimal_distillation, distill
from .types import Block, Column, Report

__all__ = ["answer", "run_report", "budget_report", "RUN_KEYS", "BUDGET_KEYS"]

RUN_KEYS = ("preset", "method", "n_params", "n_tokens", "teacher_params", "teacher_tokens", "teacher_loss", "loss",
            "loss_advantage", "student_flops", "teacher_logit_flops")
BUDGET_KEYS = ("preset", "flops", "plan", "n_params", "n_tokens", "teacher_params", "teacher_tokens", "teacher_loss",
               "loss", "loss_advantage", "student_flops", "teacher_logit_flops", "teacher_training_flops")

_SCENARIO_NOTES = {
    "best": "best: the teacher costs nothing (fully amortised), so its loss L_T is chosen freely",
    "inference": "inference: the teacher exists; its logits for the student are paid for (2·N_T·D_S), its training "
                 "is not (teacher D —: the optimum wants the teacher trained towards its infinite-data loss)",
    "pretrain": "pretrain: the teacher is trained (6·N_T·D_T) and its logits stored for reuse",
    "pretrain+inference": "pretrain+inference: the teacher is trained and serves this one student, the worst case",
}


def answer(law, n_params: float, *, n_tokens: float | None = None, teacher_loss: float | None = None,
           teacher_params: float | None = None, teacher_tokens: float | None = None, flops: Sequence[float] = (),
           scenarios: Sequence[str] | None = None) -> Report:
    """``plan distill``: with ``n_tokens``, the student distilled from the teacher given (its loss, or its size and
    tokens) beside the student trained supervised; with ``flops``, the compute-optimal distillation per scenario
    (all four of Table 2 unless ``scenarios``) beside supervised training on the same budget."""
    if n_tokens is not None:
        run = distill(law, n_params, n_tokens, teacher_loss=teacher_loss, teacher_params=teacher_params,
                      teacher_tokens=teacher_tokens)
        report = run_report(law, run)
        warnings = checks.fitted_range_warnings(
            law, n_params=[n_params] + ([teacher_params] if teacher_params else []),
            n_tokens=[n_tokens] + ([teacher_tokens] if teacher_tokens else []))
    else:
        chosen = tuple(scenarios) if scenarios else SCENARIOS
        plans = [[compute_optimal_distillation(law, C, n_params, s) for s in chosen] for C in flops]
        report = budget_report(law, plans)
        teachers = [p.teacher_params for row in plans for p in row if p.teacher_params]
        warnings = checks.fitted_range_warnings(law, n_params=[n_params] + teachers)
    return _with_warnings(report, warnings)


def _with_warnings(report: Report, warnings) -> Report:
    return dataclasses.replace(report, warnings=tuple(warnings)) if warnings else report


def _columns(first: Column) -> tuple[Column, ...]:
    # Short headers: the paper's symbols (Busbridge et al. 2025, Eq. 8: N_S, D_S student; N_T, D_T, L_T teacher).
    return (first, Column("n_params", "student N", format_count, short="N_S", legend="N_S: student parameters"),
            Column("n_tokens", "tokens D", format_count, short="D_S", legend="D_S: student tokens"),
            Column("teacher_params", "teacher N", format_count, short="N_T", legend="N_T: teacher parameters"),
            Column("teacher_tokens", "teacher D", format_count, short="D_T", legend="D_T: teacher tokens"),
            Column("teacher_loss", "teacher loss*", format_loss4, short="L_T*", legend="L_T*: teacher loss"),
            Column("loss", "loss*", format_loss4),
            Column("loss_advantage", "gain vs supervised", _signed, short="gain", legend="gain: gain vs supervised"))


def _signed(x: float | None) -> str:
    return "—" if x is None else f"{x:+.4f}"


def run_report(law, run) -> Report:
    """One distilled student beside the same student trained supervised on the same tokens."""
    distilled = dict(preset=law.id, method="distilled", n_params=run.n_params, n_tokens=run.n_tokens,
                     teacher_params=run.teacher_params, teacher_tokens=run.teacher_tokens,
                     teacher_loss=run.teacher_loss, loss=run.loss, loss_advantage=run.supervised_loss - run.loss,
                     student_flops=run.student_flops, teacher_logit_flops=run.teacher_logit_flops)
    supervised = dict(preset=law.id, method="supervised", n_params=run.n_params, n_tokens=run.n_tokens,
                      teacher_params=None, teacher_tokens=None, teacher_loss=None, loss=run.supervised_loss,
                      loss_advantage=0.0, student_flops=run.student_flops, teacher_logit_flops=None)
    gain = run.supervised_loss - run.loss
    verdict = (f"Distillation reaches {gain:.4f} nats lower loss than supervised training on the same "
               f"{format_count(run.n_tokens)} tokens." if gain > 0 else
               f"Supervised training reaches {-gain:.4f} nats lower loss than distillation on the same "
               f"{format_count(run.n_tokens)} tokens: the teacher holds the student back." if gain < 0 else
               "Distillation and supervised training reach the same loss.")
    teacher = (f"teacher of {format_count(run.teacher_params)} parameters on {format_count(run.teacher_tokens)} tokens, "
               f"L_T = L(N_T, D_T) = {run.teacher_loss:.4f}" if run.teacher_params else
               f"teacher of loss L_T = {run.teacher_loss:.4f} (given)")
    footer = [
        f"Distilled: L_S(N_S, D_S, L_T) of Eq. 8 from a {teacher}; supervised: L~_S = L(N_S, D_S) of Eq. 1, the same "
        "student on the same tokens without a teacher.",
        "Compute: 6·N_S·D_S for the student either way"
        + (f"; the teacher's logits add 2·N_T·D_S = {format_flops(run.teacher_logit_flops)} FLOPs."
           if run.teacher_logit_flops else "."),
    ] + _law_lines(law)
    cols = _columns(Column("method", "method", format_text, align="left"))
    return Report(blocks=(Block([distilled, supervised], notes=(verdict,)),), columns=cols, keys=RUN_KEYS,
                  title=f"Distilled vs supervised student · {law.id}", footer=tuple(footer))


def budget_report(law, plans: Sequence[Sequence]) -> Report:
    """One block per budget: the compute-optimal distillation of each scenario, then supervised training."""
    blocks = []
    for row_plans in plans:
        first = row_plans[0]
        rows = [dict(preset=law.id, flops=p.flops, plan=p.scenario, n_params=p.n_params, n_tokens=p.n_tokens,
                     teacher_params=p.teacher_params, teacher_tokens=p.teacher_tokens, teacher_loss=p.teacher_loss,
                     loss=p.loss, loss_advantage=p.loss_advantage, student_flops=p.student_flops,
                     teacher_logit_flops=p.teacher_logit_flops, teacher_training_flops=p.teacher_training_flops)
                for p in row_plans]
        rows.append(dict(preset=law.id, flops=first.flops, plan="supervised", n_params=first.n_params,
                         n_tokens=first.supervised_tokens, teacher_params=None, teacher_tokens=None,
                         teacher_loss=None, loss=first.supervised_loss, loss_advantage=0.0,
                         student_flops=first.flops, teacher_logit_flops=0.0, teacher_training_flops=0.0))
        wins = [p.scenario for p in row_plans if p.better == "distillation"]
        losses = [p.scenario for p in row_plans if p.better != "distillation"]
        verdict = " ".join(filter(None, [
            f"Distillation beats supervised training in: {', '.join(wins)}." if wins else "",
            f"Supervised training is better than distilling in: {', '.join(losses)}." if losses else ""]))
        blocks.append(Block(rows, title=f"C = {format_flops(first.flops)} FLOPs, student of "
                                        f"{format_count(first.n_params)} parameters", notes=(verdict,)))
    chosen = [p.scenario for p in plans[0]] if plans else []
    footer = [
        "Compute (Eq. 9, F(N) = 2N): 6·N_S·D_S + 2·N_T·(δ_Lgt·D_S + δ_Pre·3·D_T) = C; scenarios (Table 2): "
        + "; ".join(_SCENARIO_NOTES[s] for s in chosen) + ".",
        "Each scenario's D_S, N_T, D_T minimise the student's loss L_S (Eq. 8) at that compute (Eq. 10); supervised: "
        "the same student trained on C/(6·N_S) tokens, L(N_S, D) of Eq. 1. Gain: supervised loss minus the row's.",
    ] + _law_lines(law)
    cols = _columns(Column("plan", "plan", format_text, align="left"))
    return Report(blocks=tuple(blocks), columns=cols, keys=BUDGET_KEYS,
                  title=f"Compute-optimal distillation vs supervised training · {law.id}", footer=tuple(footer))


def _law_lines(law) -> list[str]:
    d = law.distillation
    sup = ", ".join(f"{k} = {v:.6g}" for k, v in law.coefficients.items())
    dist = ", ".join(f"{k}' = {getattr(d, k):.6g}" if k in ("A", "B", "alpha", "beta", "gamma") else
                     f"{k} = {getattr(d, k):.6g}" for k in d.coefficient_names)
    where = f", {law.citation['where']}" if law.citation.get("where") else ""
    return [f"Law: {law.id} ({law.title}); {law.short_citation}{where}",
            f"Supervised (Eq. 1): {sup}; distillation (Eq. 8): {dist}.",
            f"* Loss: nats/token on {law.dataset or 'the paper’s data set'}; N counts {law.parameters} parameters; "
            "indicative only, not comparable across laws fitted on different data."]
