"""The ``plan`` command itself: parse its options into a :class:`PlanRequest`, load the law, answer, render.

Its subcommands live in the modules :data:`planner.cli.group.SUBCOMMANDS` names; the options they share in
:mod:`planner.cli.types`, :mod:`planner.cli.inputs`, :mod:`planner.cli.plan_options` and :mod:`planner.cli.output`.
"""

from __future__ import annotations

from typing import NamedTuple

import click

from .. import __distribution__, __version__
from ..base.hints import command as suggest
from ..files.presets import HYPERPARAMETER_PRESET, load_hparam_law, load_task_laws, repetition_for
from ..report import answers
from ..report.answers import question
from .group import PlanGroup
from .inputs import law_options, load_law
from .output import format_option, show
from .plan_options import (BUDGET_PARAMS, Budgets, budget_options, ci_option, cluster_budget_options,
                           constraint_options, parse_budgets, shape_options, shape_settings, task_options)
from .types import LOSS, QUANTITY, option

__all__ = ["cli", "PlanRequest"]


_CONSTRAINTS = "--unique-tokens, --inference-tokens, --max-params or --max-tokens"
_BUDGETS = "--flops, --flops-range, --gpu-hours, --days, --usd"


class PlanRequest(NamedTuple):
    """What the options of ``plan`` ask for, parsed: the budgets and cluster, a run (``n_params``, ``n_tokens``),
    target losses, constraints, intervals, and whether to add shapes and hyperparameters.

    Immutable; a named tuple rather than a frozen dataclass, which would cost every ``plan`` run a few
    milliseconds of start-up (bench/bench_cli.py) to generate its methods.
    """

    budgets: Budgets
    n_params: float | None = None
    n_tokens: float | None = None
    targets: tuple[float, ...] = ()
    unique_tokens: float | None = None
    inference_tokens: float | None = None
    max_params: float | None = None
    max_tokens: float | None = None
    ci: float | None = None
    show_shapes: bool = False
    show_hparams: str | None = None
    vocab: int | None = None
    context: int | None = None
    tied_embeddings: bool = False
    task_law: str | None = None
    task_names: tuple[str, ...] = ()
    target_accuracies: tuple[float, ...] = ()

    @classmethod
    def from_options(cls, **options) -> PlanRequest:
        """The request of the root command's options (by parameter name), its budgets parsed."""
        budgets = parse_budgets(**{name: options.pop(name) for name in BUDGET_PARAMS})
        return cls(budgets=budgets, **options)

    @property
    def constrained(self) -> bool:
        return bool(self.unique_tokens or self.inference_tokens or self.max_params or self.max_tokens)

    @property
    def asks_nothing(self) -> bool:
        """Neither a budget, a run, a target loss nor a constraint: the command shows its help."""
        return not (self.constrained or self.budgets.flops or self.n_params or self.n_tokens or self.targets
                    or self.target_accuracies)

    @property
    def question(self) -> str:
        """Which question these options ask: decided by :func:`planner.report.answers.question`, which answers it."""

        return question(flops=self.budgets.flops, n_params=self.n_params, n_tokens=self.n_tokens,
                        target_losses=self.targets, constrained=self.constrained)

    def validate(self) -> PlanRequest:
        """This request, if ``plan`` can answer it; else a usage error (exit 2) naming the options and the fix."""
        if self.task_law or self.task_names or self.target_accuracies:
            self._check_tasks()
        elif self.asks_nothing:
            extras = [name for name, given in (("--gpu", self.budgets.cluster), ("--shape", self.show_shapes),
                                               ("--hparams", self.show_hparams)) if given]
            if extras:
                raise click.UsageError(f"{extras[0]} needs a budget: give --flops, --gpu-hours, --days or --usd")
        elif self.question in ("repeated run", "under constraints"):
            self._check_constrained()
        else:
            self._check_unconstrained()
        return self

    def _check_constrained(self) -> None:
        """Under constraints: plans for budgets or target losses, or the loss of one run on repeated data."""
        budgets, targets = self.budgets.flops, self.targets
        if self.ci is not None:
            raise click.UsageError(f"--ci does not combine with {_CONSTRAINTS} yet: intervals bound unconstrained "
                                   "compute-optimal plans")
        if self.show_shapes or self.show_hparams:
            raise click.UsageError(f"{'--shape' if self.show_shapes else '--hparams'} does not combine with "
                                   f"{_CONSTRAINTS} yet; plan under constraints first, then add it to a plan without "
                                   "them: --flops C --params N for the plan you choose")
        if self.n_params or self.n_tokens:
            if not (self.n_params and self.n_tokens and self.unique_tokens) or self.inference_tokens or \
                    self.max_params or self.max_tokens:
                raise click.UsageError(f"with {_CONSTRAINTS}, --params and --tokens only ask for the loss of one run "
                                       "on repeated data: give --params N --tokens D --unique-tokens U alone (the "
                                       "what-if takes no constraint options)")
            if budgets or targets or self.budgets.cluster:
                raise click.UsageError(f"--params N --tokens D --unique-tokens U asks for the loss of one run: drop "
                                       f"the budget ({_BUDGETS}), --target-loss and the hardware options")
        elif budgets and targets:
            raise click.UsageError(f"give a budget ({_BUDGETS}) or --target-loss, not both")
        elif not (budgets or targets):
            raise click.UsageError(f"plans under constraints need a budget ({_BUDGETS}) or --target-loss")

    def _check_unconstrained(self) -> None:
        """Without constraints: budgets, a what-if on them, one exact run, or target losses, one of them."""
        budgets, run, targets = self.budgets.flops, self.n_params or self.n_tokens, self.targets
        if targets and (budgets or run):
            given = self.budgets.option or ("--params" if self.n_params else "--tokens")
            raise click.UsageError(f"--target-loss finds the budget itself: give it without {given} "
                                   "(or any budget, --params or --tokens)")
        if budgets and self.n_params and self.n_tokens:
            raise click.UsageError("with a budget give --params or --tokens, not both (the budget fixes the other); "
                                   "without --flops, --params N --tokens D plans that exact run")
        if self.ci is not None and run and (budgets or (self.n_params and self.n_tokens)):
            raise click.UsageError("--ci bounds compute-optimal plans: give it with --flops, --target-loss, or "
                                   "--params or --tokens alone, not with a what-if or an exact run")

    def _check_tasks(self) -> None:
        """With --tasks: forecasts for one run (--params and --tokens) or for budgets, or --target-accuracy alone."""
        if not self.task_law:
            given = "--target-accuracy" if self.target_accuracies else "--task"
            raise click.UsageError(f"{given} needs --tasks ID (a task law, e.g. --tasks bhagia2024; list them with "
                                   f"'{suggest('tasks')}')")
        other = [o for o, on in ((_CONSTRAINTS, self.constrained), ("--target-loss", self.targets),
                                 ("--shape", self.show_shapes), ("--hparams", self.show_hparams)) if on]
        if other:
            raise click.UsageError(f"--tasks forecasts benchmark accuracy; it does not combine with {other[0]}")
        if self.budgets.cluster and self.budgets.option in (None, "--flops"):
            raise click.UsageError("with --tasks, --gpu only converts a budget (--gpu-hours, --days or --usd) into "
                                   "FLOPs; a forecast has no cost to add")
        run = self.n_params or self.n_tokens
        if self.target_accuracies:
            if self.budgets.flops or run or self.ci is not None:
                given = "--ci" if self.ci is not None else self.budgets.option or ("--params" if self.n_params else
                                                                                   "--tokens")
                raise click.UsageError(f"--target-accuracy finds the compute itself: give it without {given}")
        elif self.budgets.flops and run:
            raise click.UsageError("with --tasks give --params N --tokens D (that run) or a budget such as --flops C "
                                   "(its compute-optimal split), not both")
        elif not self.budgets.flops and not (self.n_params and self.n_tokens):
            raise click.UsageError("--tasks needs a run to forecast: --params N with --tokens D, a budget such as "
                                   "--flops C, or --target-accuracy ACC")

    def answer(self, law):
        """The report answering this request under ``law``; the other laws it needs (the hyperparameter table, the
        repetition constants a law borrows) are loaded here, so the core opens no file."""
        if self.task_law:
            return answers.tasks(load_task_laws(self.task_law), self.task_names, n_params=self.n_params,
                                 n_tokens=self.n_tokens, flops=self.budgets.flops, plan_law=law,
                                 targets=self.target_accuracies, ci=self.ci, budget_note=self.budgets.note)
        hparams_law = repetition = None
        if self.show_hparams:
            hparams_law = load_hparam_law(self.show_hparams)
        if self.unique_tokens:   # the law's own [repetition] table, else the constants it borrows
            repetition = repetition_for(law)
        b = self.budgets
        return answers.plan(law, b.flops, n_params=self.n_params, n_tokens=self.n_tokens, target_losses=self.targets,
                            unique_tokens=self.unique_tokens, inference_tokens=self.inference_tokens,
                            max_params=self.max_params, max_tokens=self.max_tokens, ci=self.ci, cluster=b.cluster,
                            mfu_given=b.mfu_given, budget_note=b.note, hparams_law=hparams_law, repetition=repetition,
                            shape_settings=shape_settings(self.vocab, self.context, self.tied_embeddings)
                            if self.show_shapes else None)


@click.group(cls=PlanGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@budget_options
@cluster_budget_options
@option("--params", "n_params", type=QUANTITY, metavar="N",
        help="A model of N parameters, e.g. 7B: alone, the budget at which N is compute-optimal and its tokens; "
             "with --flops, a what-if (D follows); with --tokens, that exact run; with --tokens and "
             "--unique-tokens, its loss on repeated data.")
@option("--tokens", "n_tokens", type=QUANTITY, metavar="D",
        help="D training tokens, e.g. 2T: alone, the budget at which D is compute-optimal and its model size; "
             "with --flops, a what-if (N follows); with --params, that exact run.")
@option("--target-loss", "targets", type=LOSS, multiple=True, metavar="LOSS",
              help="The least compute that reaches this loss in nats/token (repeatable; with constraints, the plans "
                   "under them for this loss).")
@constraint_options
@option("--shape", "show_shapes", is_flag=True, help="Add a few trainable transformer shapes for each plan.")
@lambda f: shape_options(f, needs=("show_shapes",))
@option("--hparams", "show_hparams", is_flag=False, flag_value=HYPERPARAMETER_PRESET, metavar="[LAW]",
        help="Add the learning rate and batch size a hyperparameter law suggests for each plan (an id such as "
             f"steplaw or porian2024, or a file; alone: {HYPERPARAMETER_PRESET}; 'plan hparams' compares them "
             "all).")
@task_options
@law_options
@ci_option
@format_option
@click.version_option(__version__, "--version", prog_name="plan",
                      message=f"%(prog)s ({__distribution__}) %(version)s")
@click.pass_context
def cli(ctx, preset, law_file, sets, fmt, **options):
    """Plan compute-optimal training runs from published scaling laws.

    \b
    Examples:
      plan --flops 1e21                      the plan for one budget, default law
      plan --flops 1e21 --preset kaplan2020  with another law
      plan --flops-range 1e20 1e24 --points 5
      plan --params 7B                       a 7B model: the budget at which it is optimal, its tokens
      plan --tokens 2T                       2T tokens: the budget and model size they are optimal for
      plan --flops 1e21 --params 7B          what-if: a 7B model on this budget vs the optimum
      plan --params 7B --tokens 2T           that exact run vs the optimum of its compute
      plan --target-loss 2.1                 the least compute that reaches a loss
      plan --flops 1e23 --unique-tokens 300B --inference-tokens 10T
                                             under limited data, for serving
      plan --flops 1e22 --max-params 7B      the best plan within a size cap
      plan --gpus 512 --gpu h100 --days 21 --usd-per-gpu-hour 2.5 --shape
                                             a cluster's budget: model, cost, shapes
      plan --flops 1e21 --format markdown    also json, csv, latex
      plan --flops 1e21 -o plan.md           to a file, in the format of its suffix
      plan --flops 1e24 --ci 80              with 80% intervals from the law's uncertainty
      plan --params 7B --tokens 4T --tasks bhagia2024
                                             benchmark accuracy forecasts (plan tasks)
      plan --target-accuracy 0.6 --task mmlu --tasks bhagia2024
                                             the least compute for 60% on MMLU
      plan compare --flops 1e21              every shipped law side by side
      plan cite besiroglu2024                BibTeX for a preset
      plan hardware                          the chips, their peak FLOP/s and sources
      plan shape --params 7B                 transformer shapes for a parameter count
      plan presets                           the shipped laws
      plan plot frontier -o frontier.png     a figure (needs matplotlib)
    """
    if ctx.invoked_subcommand is not None:
        return
    request = PlanRequest.from_options(**options).validate()
    if request.asks_nothing:
        _help(ctx)
    law = load_law(preset, law_file, sets)
    show(request.answer(law), fmt)


def _help(ctx) -> None:
    """The help text, when no option was given; options without a budget are a usage error instead (e.g.
    'plan --format json': help text on stdout would break the pipe reading it)."""
    given = [max(p.opts, key=len) for p in ctx.command.params if isinstance(p, click.Option)
             and ctx.get_parameter_source(p.name) is click.core.ParameterSource.COMMANDLINE]
    if given:
        raise click.UsageError(f"{given[0]} needs a budget: give --flops, --flops-range, --gpu-hours, --days, "
                               f"--usd, --params, --tokens or --target-loss ({suggest('--help')} lists them)")
    click.echo(ctx.get_help())
    ctx.exit(0)
