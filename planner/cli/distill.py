"""``plan distill``: a distilled student beside a supervised one, for a given teacher or at a compute budget."""

from __future__ import annotations

import click

from ..base.conventions import DISTILLATION_SCENARIOS
from ..files.presets import DISTILLATION_PRESET
from ..report.distill import answer
from .inputs import load_law
from .output import format_option, show
from .types import LOSS, QUANTITY, option

__all__ = ["distill"]


@click.command("distill")
@option("--student", "n_params", type=QUANTITY, required=True, metavar="N",
              help="The student's non-embedding parameters, e.g. 1B.")
@option("--tokens", "n_tokens", type=QUANTITY, metavar="D", help="Tokens the student is distilled on.")
@option("--teacher-loss", type=LOSS, metavar="LOSS", help="The teacher's loss in nats/token (with --tokens).")
@option("--teacher-params", type=QUANTITY, metavar="N",
              help="The teacher's parameters (with --teacher-tokens; its loss from the supervised law).")
@option("--teacher-tokens", type=QUANTITY, metavar="D", help="The teacher's training tokens.")
@option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
              help="Total compute in FLOPs: plan the distillation (repeatable).")
@option("--scenario", type=click.Choice(tuple(DISTILLATION_SCENARIOS)), multiple=True,
              help="Which teacher costs count (Busbridge et al. Table 2; repeatable) [default: all four].")
@option("--set", "sets", multiple=True, metavar="NAME=VALUE",
              help="Override one coefficient of the supervised law, e.g. --set gamma=0.5 (repeatable).")
@option("--law", "law_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="A law file with a [distillation] table.")
@option("--preset", "-p", metavar="ID", help=f"Preset with a distillation law [default: {DISTILLATION_PRESET}].")
@format_option
def distill(n_params, n_tokens, teacher_loss, teacher_params, teacher_tokens, flops, scenario, sets, law_file, preset,
            fmt):
    """A student distilled from a teacher against the same student trained supervised (Busbridge et al. 2025).

    With --tokens and a teacher (--teacher-loss, or --teacher-params and --teacher-tokens): the distilled and the
    supervised loss side by side. With --flops: the tokens and the teacher that give the lowest student loss at that
    compute, in each scenario of what the teacher costs, beside supervised training on the whole budget.

    \b
    Examples:
      plan distill --student 1B --tokens 20B --teacher-loss 2.3
      plan distill --student 1B --tokens 20B --teacher-params 7B --teacher-tokens 140B
      plan distill --flops 1e22 --student 1B
      plan distill --flops 1e22 --student 1B --scenario pretrain+inference --format json
    """
    _check(n_tokens, teacher_loss, teacher_params, teacher_tokens, flops, scenario)

    law = load_law(preset if (preset or law_file) else DISTILLATION_PRESET, law_file, sets)
    show(answer(law, n_params, n_tokens=n_tokens, teacher_loss=teacher_loss, teacher_params=teacher_params,
                teacher_tokens=teacher_tokens, flops=flops, scenarios=scenario or None), fmt)


def _check(n_tokens, teacher_loss, teacher_params, teacher_tokens, flops, scenario) -> None:
    """Usage errors (exit 2) for option combinations ``plan distill`` cannot answer."""
    teacher_given = [name for name, value in (("--teacher-loss", teacher_loss), ("--teacher-params", teacher_params),
                                              ("--teacher-tokens", teacher_tokens)) if value is not None]
    if flops and n_tokens is not None:
        raise click.UsageError("give --tokens (a given run) or --flops (plan the distillation), not both")
    if flops:
        if teacher_given:
            raise click.UsageError(f"with --flops planner chooses the teacher; drop {teacher_given[0]} (or give "
                                   "--tokens D instead of --flops for that teacher)")
        return
    if n_tokens is None:
        raise click.UsageError("give --tokens D with a teacher (--teacher-loss, or --teacher-params and "
                               "--teacher-tokens), or --flops C to plan the distillation")
    if scenario:
        raise click.UsageError("--scenario prices the teacher in a compute budget: give it with --flops")
    if teacher_loss is not None and (teacher_params is not None or teacher_tokens is not None):
        raise click.UsageError("give the teacher by --teacher-loss or by --teacher-params and --teacher-tokens, "
                               "not both")
    if teacher_loss is None and (teacher_params is None or teacher_tokens is None):
        missing = "--teacher-tokens" if teacher_params is not None else "--teacher-params" \
            if teacher_tokens is not None else "--teacher-loss (or --teacher-params and --teacher-tokens)"
        raise click.UsageError(f"--tokens needs the teacher: give {missing}")
