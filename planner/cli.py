"""The ``plan`` command: parse, load the law, one core call, render.

Library errors (:class:`~planner.errors.PlannerError`) become one line on stderr and exit
status 1; bad arguments exit 2. Neither shows a traceback.
"""

from __future__ import annotations

import dataclasses
import sys

import click

from . import __version__
from .errors import PlannerError
from .presets import DEFAULT_PRESET
from .units import parse_quantity

#: --format choices (kept here so ``plan --help`` does not import render's dependencies).
FORMATS = ("table", "json", "csv", "markdown", "latex")


#: click >= 8.2 raises this for a group called without its subcommand (an empty tuple catches nothing before).
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class PlanGroup(click.Group):
    """A click group whose errors are one line: ``Error: ...`` on stderr."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PlannerError as e:
            raise click.ClickException(str(e)) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS_IS_HELP as e:  # 'plan plot' alone: its help, as click shows it, not "Error: Usage: ..."
            e.show()
            if not standalone_mode:
                raise
            sys.exit(e.exit_code)
        except click.ClickException as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            if not standalone_mode:
                raise
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


class Quantity(click.ParamType):
    """A positive finite number: ``1e21``, ``3.8e+25``, ``7B``, ``2T``."""

    name = "quantity"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        try:
            return parse_quantity(value)
        except PlannerError as e:
            self.fail(str(e), param, ctx)


QUANTITY = Quantity()


class Loss(click.ParamType):
    """A loss in nats/token: a finite number > 0."""

    name = "loss"

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"expected a loss in nats/token like 2.1; got {value!r}", param, ctx)
        if not (x > 0 and x != float("inf")):
            self.fail(f"expected a finite loss > 0 in nats/token; got {value!r}", param, ctx)
        return x


LOSS = Loss()


def _budgets(flops, flops_range, points):
    """The budgets asked for: each ``--flops``, then ``--points`` log-spaced ones over ``--flops-range``."""
    budgets = list(flops)
    if flops_range:
        lo, hi = flops_range
        if hi < lo:
            raise click.BadParameter(f"start must not exceed stop (got {lo:g} > {hi:g})", param_hint="'--flops-range'")
        if points == 1 or lo == hi:
            budgets.append(lo)
        else:
            budgets += [lo * (hi / lo) ** (i / (points - 1)) for i in range(points)]
    return budgets


def _parse_sets(values) -> dict[str, float]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE like alpha=0.35 (got {item!r})", param_hint="'--set'")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"{name.strip()!r} needs a number (got {value!r})", param_hint="'--set'") from None
    return out


def load_law(preset, law_file, sets):
    """The law chosen by ``--preset`` / ``--law`` with ``--set`` overrides."""
    from .presets import load_law_file, load_preset

    if preset and law_file:
        raise click.UsageError("give --preset or --law, not both")
    overrides = _parse_sets(sets)
    if law_file:
        law = load_law_file(law_file)
        return law.with_coefficients(**overrides) if overrides else law
    return load_preset(preset or DEFAULT_PRESET, overrides=overrides)


def law_options(f):
    """--preset, --law and --set, shared by every command that plans with one law."""
    f = click.option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                     help="Override one coefficient, e.g. --set alpha=0.35 (repeatable).")(f)
    f = click.option("--law", "law_file", type=click.Path(dir_okay=False), metavar="FILE",
                     help="A law file in the preset format (see 'plan presets show').")(f)
    f = click.option("--preset", "-p", metavar="ID", help=f"Preset id or alias [default: {DEFAULT_PRESET}].")(f)
    return f


def budget_options(f):
    """--flops, --flops-range and --points."""
    f = click.option("--points", type=click.IntRange(1, 10_000), default=5, show_default=True,
                     help="How many log-spaced budgets --flops-range gives.")(f)
    f = click.option("--flops-range", type=(QUANTITY, QUANTITY), metavar="START STOP",
                     help="Log-spaced budgets from START to STOP FLOPs.")(f)
    f = click.option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
                     help="Training compute in FLOPs, e.g. 1e21 (repeatable).")(f)
    return f


def ci_option(f):
    """--ci LEVEL: central intervals from the laws' published uncertainty."""
    return click.option("--ci", type=click.FloatRange(0, 100, min_open=True, max_open=True), metavar="LEVEL",
                        help="Add central LEVEL% intervals (e.g. 80) for N, D, tokens/param and loss, from the "
                             "law's published uncertainty or bootstrap samples.")(f)


def with_ci(report, laws, budgets, level):
    """``report`` with ``level``% bounds for each law that publishes uncertainty; a warning on stderr (and
    no interval) for each that does not."""
    from .reports import with_intervals
    from .uncertainty import NoUncertaintyError, plan_intervals

    found, missing = {}, []
    for law in laws:
        try:
            found[law.id] = plan_intervals(law, budgets, level)
        except NoUncertaintyError as e:
            missing.append((law.id, str(e)))
    if len(missing) == 1:
        warn([missing[0][1]])
    elif missing:
        warn([f"no intervals for {', '.join(i for i, _ in missing)}: they publish no uncertainty"])
    return with_intervals(report, found, level, [i for i, _ in missing])


def hardware_options(f):
    """--gpu, --gpus, --mfu, --usd-per-gpu-hour: the cluster a plan runs on."""
    f = click.option("--usd-per-gpu-hour", "price", type=QUANTITY, metavar="PRICE",
                     help="Price of one chip-hour in dollars; adds a cost column.")(f)
    f = click.option("--mfu", type=click.FloatRange(0, 1, min_open=True), metavar="FRACTION",
                     help="Model-FLOPs utilisation, 0 < MFU <= 1 [default: 0.40, Llama 3 405B on H100s].")(f)
    f = click.option("--gpus", type=click.IntRange(min=1), metavar="N", help="How many chips; adds wall-clock days.")(f)
    f = click.option("--gpu", metavar="ID", help="The chip, e.g. h100 (see 'plan hardware'); adds GPU-hours.")(f)
    return f


def cluster_budget_options(f):
    """--gpu-hours, --days, --usd (budgets in the units a cluster is bought in), then the cluster's options."""
    f = hardware_options(f)
    f = click.option("--usd", type=QUANTITY, metavar="DOLLARS",
                     help="Budget in dollars (needs --gpu and --usd-per-gpu-hour).")(f)
    f = click.option("--days", type=QUANTITY, metavar="DAYS", help="Budget in wall-clock days (needs --gpu and --gpus).")(f)
    f = click.option("--gpu-hours", type=QUANTITY, metavar="HOURS",
                     help="Budget in chip-hours instead of FLOPs (needs --gpu).")(f)
    return f


def shape_options(f):
    """--vocab, --context, --tied-embeddings: what a transformer shape is built with."""
    f = click.option("--tied-embeddings", is_flag=True, help="Share the input and output embedding matrix.")(f)
    f = click.option("--context", type=click.IntRange(min=1), metavar="TOKENS",
                     help="Training context (sequence length) of the shapes [default: 2048, Chinchilla's].")(f)
    f = click.option("--vocab", type=click.IntRange(min=1), metavar="TOKENS",
                     help="Vocabulary size of the shapes [default: 32000, Chinchilla's].")(f)
    return f


def _shape_settings(vocab, context):
    """--vocab and --context, or the defaults of planner.shapes (imported only when shapes are asked for)."""
    from .shapes import DEFAULT_CONTEXT, DEFAULT_VOCAB

    return (DEFAULT_VOCAB if vocab is None else vocab), (DEFAULT_CONTEXT if context is None else context)


def _cluster(gpu, gpus, mfu, price):
    """The cluster of --gpu/--gpus/--mfu/--usd-per-gpu-hour, or None; the others need --gpu."""
    if gpu is None:
        for value, name in ((gpus, "--gpus"), (mfu, "--mfu"), (price, "--usd-per-gpu-hour")):
            if value is not None:
                raise click.UsageError(f"{name} needs --gpu (the chip, e.g. --gpu h100; list them with 'plan hardware')")
        return None
    from .hardware import DEFAULT_MFU, Cluster
    from .presets import load_chip

    return Cluster(chip=load_chip(gpu), n_chips=gpus, mfu=DEFAULT_MFU if mfu is None else mfu, usd_per_chip_hour=price)


#: Budgets in other units: option name → (unit of planner.hardware.flops_for_budget, what else it needs).
_OTHER_BUDGETS = {"--gpu-hours": "gpu_hours", "--days": "wall_clock_days", "--usd": "usd"}


def _other_budget(given: dict, flops_given: bool, gpu, gpus, price):
    """The one budget given in GPU-hours, days or dollars as (option, amount, unit), or None; usage errors otherwise."""
    named = [name for name, value in given.items() if value is not None]
    if len(named) + flops_given > 1:
        got = (["--flops"] if flops_given else []) + named
        raise click.UsageError(f"give one budget: --flops, --gpu-hours, --days or --usd (got {' and '.join(got)})")
    if not named:
        return None
    name = named[0]
    needs = [("--gpu", gpu, "the chip, e.g. --gpu h100")]
    if name == "--days":
        needs.append(("--gpus", gpus, "how many chips"))
    if name == "--usd":
        needs.append(("--usd-per-gpu-hour", price, "the price of a chip-hour"))
    for option, value, what in needs:
        if value is None:
            raise click.UsageError(f"{name} needs {option} ({what})")
    return name, given[name], _OTHER_BUDGETS[name]


def constraint_options(f):
    """--unique-tokens, --inference-tokens, --max-params and --max-tokens: any of them plans under constraints."""
    f = click.option("--max-tokens", type=QUANTITY, metavar="D", help="Constraint: train on at most D tokens.")(f)
    f = click.option("--max-params", type=QUANTITY, metavar="N", help="Constraint: train at most N parameters.")(f)
    f = click.option("--inference-tokens", type=QUANTITY, metavar="T",
                     help="Constraint: tokens the model will serve; also plan the same loss for the least "
                          "training + inference FLOPs (Sardana et al. 2024).")(f)
    f = click.option("--unique-tokens", type=QUANTITY, metavar="U",
                     help="Constraint: unique training tokens available; more tokens repeat them "
                          "(Muennighoff et al. 2023).")(f)
    return f


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format.")(f)


@click.group(cls=PlanGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@budget_options
@cluster_budget_options
@click.option("--params", "n_params", type=QUANTITY, metavar="N",
              help="What-if: a model of N parameters, e.g. 7B (D follows from --flops; with --tokens, that exact run; "
                   "with --tokens and --unique-tokens, its loss on repeated data).")
@click.option("--tokens", "n_tokens", type=QUANTITY, metavar="D",
              help="What-if: D training tokens, e.g. 2T (N follows from --flops; with --params, that exact run).")
@click.option("--target-loss", "targets", type=LOSS, multiple=True, metavar="LOSS",
              help="The least compute that reaches this loss in nats/token (repeatable; with constraints, the plans "
                   "under them for this loss).")
@constraint_options
@click.option("--shape", "show_shapes", is_flag=True, help="Add a few trainable transformer shapes for each plan.")
@shape_options
@click.option("--hparams", "show_hparams", is_flag=True,
              help="Add DeepSeek's suggested learning rate and batch size for each budget.")
@law_options
@ci_option
@format_option
@click.version_option(__version__, "--version", prog_name="plan", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx, flops, flops_range, points, gpu_hours, days, usd, gpu, gpus, mfu, price, n_params, n_tokens, targets,
        unique_tokens, inference_tokens, max_params, max_tokens, show_shapes, vocab, context, tied_embeddings,
        show_hparams, preset, law_file, sets, ci, fmt):
    """Plan compute-optimal training runs from published scaling laws.

    \b
    Examples:
      plan --flops 1e21                      the plan for one budget, default law
      plan --flops 1e21 --preset kaplan2020  with another law
      plan --flops-range 1e20 1e24 --points 5
      plan --flops 1e21 --params 7B          what-if: a 7B model on this budget vs the optimum
      plan --params 7B --tokens 2T           that exact run vs the optimum of its compute
      plan --target-loss 2.1                 the least compute that reaches a loss
      plan --flops 1e23 --unique-tokens 300B --inference-tokens 10T
                                             under limited data, for serving
      plan --flops 1e22 --max-params 7B      the best plan within a size cap
      plan --gpus 512 --gpu h100 --days 21 --usd-per-gpu-hour 2.5 --shape
                                             a cluster's budget: model, cost, shapes
      plan --flops 1e21 --format markdown    also json, csv, latex
      plan --flops 1e24 --ci 80              with 80% intervals from the law's uncertainty
      plan compare --flops 1e21              every shipped law side by side
      plan cite besiroglu2024                BibTeX for a preset
      plan hardware                          the chips, their peak FLOP/s and sources
      plan shape --params 7B                 transformer shapes for a parameter count
      plan presets                           the shipped laws
      plan plot frontier -o frontier.png     a figure (needs matplotlib)
    """
    if ctx.invoked_subcommand is not None:
        return
    budgets = _budgets(flops, flops_range, points)
    other = _other_budget({"--gpu-hours": gpu_hours, "--days": days, "--usd": usd}, bool(budgets), gpu, gpus, price)
    cluster = _cluster(gpu, gpus, mfu, price)
    constraints = dict(unique_tokens=unique_tokens, inference_tokens=inference_tokens, max_params=max_params,
                       max_tokens=max_tokens)
    if any(constraints.values()):
        if ci is not None:
            raise click.UsageError("--ci does not combine with --unique-tokens, --inference-tokens, --max-params or "
                                   "--max-tokens yet: intervals bound unconstrained compute-optimal plans")
        if show_shapes or show_hparams:
            raise click.UsageError(f"{'--shape' if show_shapes else '--hparams'} does not combine with --unique-tokens, "
                                   "--inference-tokens, --max-params or --max-tokens yet; plan under constraints "
                                   "first, then ask 'plan --flops C --params N --shape' for the plan you choose")
        budget_note = None
        if other is not None:
            budgets, budget_note = _converted_budget(other, cluster)
        return plan_constrained(budgets, targets, n_params, n_tokens, preset, law_file, sets, fmt, cluster=cluster,
                                mfu=mfu, budget_note=budget_note, **constraints)
    if not (budgets or other or n_params or n_tokens or targets):
        extras = [n for n, v in (("--gpu", gpu), ("--shape", show_shapes), ("--hparams", show_hparams)) if v]
        if extras:
            raise click.UsageError(f"{extras[0]} needs a budget: give --flops, --gpu-hours, --days or --usd")
        given = [max(p.opts, key=len) for p in ctx.command.params if isinstance(p, click.Option)
                 and ctx.get_parameter_source(p.name) is click.core.ParameterSource.COMMANDLINE]
        if given:  # e.g. 'plan --format json': help text on stdout would break the pipe reading it
            raise click.UsageError(f"{given[0]} needs a budget: give --flops, --flops-range, --gpu-hours, --days, "
                                   "--usd, --params with --tokens, or --target-loss (plan --help lists them)")
        click.echo(ctx.get_help())
        ctx.exit(0)
    from . import checks, reports

    if targets and (budgets or other or n_params or n_tokens):
        given = "--flops" if budgets else other[0] if other else "--params" if n_params else "--tokens"
        raise click.UsageError(f"--target-loss finds the budget itself: give it without {given} "
                               "(or any budget, --params or --tokens)")
    budget_note = None
    if other is not None:
        budgets, budget_note = _converted_budget(other, cluster)
    if budgets and n_params and n_tokens:
        raise click.UsageError("with a budget give --params or --tokens, not both (the budget fixes the other); "
                               "without --flops, --params N --tokens D plans that exact run")
    if not budgets and bool(n_params) != bool(n_tokens):
        raise click.UsageError("--params and --tokens need a budget (--flops) or each other")
    if ci is not None and (targets or n_params or n_tokens):
        raise click.UsageError("--ci bounds compute-optimal plans: give it with --flops, not with --params, "
                               "--tokens or --target-loss")
    law = load_law(preset, law_file, sets)
    if targets or n_params or n_tokens:
        from . import whatif
    if targets:
        plans = [whatif.min_compute_for_loss(law, t) for t in targets]
        report = reports.target_report(law, targets, plans)
        warnings = checks.fitted_range_warnings(law, flops=[p.flops for p in plans],
                                                n_params=[p.n_params for p in plans], n_tokens=[p.n_tokens for p in plans])
    elif n_params or n_tokens:
        if not budgets:
            runs = [whatif.evaluate(law, n_params, n_tokens)]
            report = reports.whatif_report(law, runs, "This run vs the compute-optimal run", label="this run")
        elif n_params:
            runs = [whatif.plan_with_params(law, C, n_params) for C in budgets]
            report = reports.whatif_report(law, runs, f"What-if N = {_human_count(n_params)}")
        else:
            runs = [whatif.plan_with_tokens(law, C, n_tokens) for C in budgets]
            report = reports.whatif_report(law, runs, f"What-if D = {_human_count(n_tokens)}")
        warnings = checks.fitted_range_warnings(law, flops=[w.flops for w in runs], n_params=[w.n_params for w in runs],
                                                n_tokens=[w.n_tokens for w in runs])
        warnings += checks.undertrained_warnings(law, [w.tokens_per_param for w in runs],
                                                 [w.optimum.tokens_per_param for w in runs])
    else:
        from .plan import compute_optimal

        # A list of Python floats keeps numpy off the fast path; one budget or many, one call each.
        plans = [compute_optimal(law, C) for C in budgets]
        report = reports.plan_report(law, plans)
        if ci is not None:
            report = with_ci(report, [law], budgets, ci)
        warnings = checks.fitted_range_warnings(law, flops=budgets, n_params=[p.n_params for p in plans],
                                                n_tokens=[p.n_tokens for p in plans])
    if budget_note:
        report = dataclasses.replace(report, footer=tuple(report.footer) + (budget_note,))
    # Extend before warning: a failure here (no shape for so small an N) is then the only line on stderr.
    report = _extended(report, law, cluster, mfu, show_hparams, show_shapes, vocab, context, tied_embeddings)
    warn(warnings)
    emit_report(report, fmt)


def plan_constrained(budgets, targets, n_params, n_tokens, preset, law_file, sets, fmt, *, unique_tokens,
                     inference_tokens, max_params, max_tokens, cluster=None, mfu=None, budget_note=None):
    """Plans under limited data, inference demand and size caps (costed on ``cluster`` if given); or the loss of
    one run on repeated data."""
    from . import checks, constraint_reports
    from .constraints import plan_with_constraints, repeated_loss

    if n_params or n_tokens:
        if not (n_params and n_tokens and unique_tokens) or inference_tokens or max_params or max_tokens:
            raise click.UsageError("with --unique-tokens, --inference-tokens, --max-params or --max-tokens, --params "
                                   "and --tokens only ask for the loss of one run on repeated data: give --params N "
                                   "--tokens D --unique-tokens U alone (the what-if takes no constraint options)")
        if budgets or targets or cluster:
            raise click.UsageError("--params N --tokens D --unique-tokens U asks for the loss of one run: drop the "
                                   "budget (--flops, --flops-range, --gpu-hours, --days, --usd), --target-loss and "
                                   "the hardware options")
    elif budgets and targets:
        raise click.UsageError("give a budget (--flops, --flops-range, --gpu-hours, --days, --usd) or --target-loss, "
                               "not both")
    elif not (budgets or targets):
        raise click.UsageError("plans under constraints need a budget (--flops, --flops-range, --gpu-hours, --days, "
                               "--usd) or --target-loss")
    law = load_law(preset, law_file, sets)
    if n_params:
        run = repeated_loss(law, n_params, n_tokens, unique_tokens)
        report = constraint_reports.repeated_report(law, run)
        plans = [run]
    else:
        problem = dict(flops=budgets[0] if len(budgets) == 1 else budgets) if budgets else \
            dict(target_loss=targets[0] if len(targets) == 1 else list(targets))
        result = plan_with_constraints(law, **problem, unique_tokens=unique_tokens, max_params=max_params,
                                       max_tokens=max_tokens, inference_tokens=inference_tokens)
        report = constraint_reports.constrained_report(law, result)
        plans = list(result.plans.values())
    if budget_note:
        report = dataclasses.replace(report, footer=tuple(report.footer) + (budget_note,))
    report = _extended(report, law, cluster, mfu)
    warn(checks.fitted_range_warnings(law, **{key: [x for p in plans for x in _floats(getattr(p, key))]
                                              for key in ("flops", "n_params", "n_tokens") if hasattr(plans[0], key)}))
    emit_report(report, fmt)


def _floats(x) -> list[float]:
    """A float or an array as a list of floats."""
    return [float(v) for v in x.ravel()] if hasattr(x, "ravel") else [float(x)]


def _converted_budget(other, cluster):
    """A budget given in GPU-hours, days or dollars as FLOPs, and the line that shows the conversion."""
    from .extensions import budget_line
    from .hardware import flops_for_budget

    _, amount, unit = other
    C = flops_for_budget(amount, unit, cluster)
    return [C], budget_line(amount, unit, cluster, C)


def _extended(report, law, cluster, mfu, show_hparams=False, show_shapes=False, vocab=None, context=None,
              tied_embeddings=False):
    """``report`` with the cost on ``cluster``, suggested hyperparameters and shapes, as asked for."""
    if cluster is None and not show_hparams and not show_shapes:
        return report
    from .extensions import extend

    hparams_law = shape_settings = None
    if show_hparams:
        from .hparams import HPARAM_PRESET
        from .presets import load_preset

        hparams_law = load_preset(HPARAM_PRESET)
    if show_shapes:
        vocab, context = _shape_settings(vocab, context)
        shape_settings = {"vocab": vocab, "n_ctx": context, "tied_embeddings": tied_embeddings}
    return extend(report, law, cluster=cluster, mfu_given=mfu is not None, hparams_law=hparams_law,
                  shape_settings=shape_settings)


def _human_count(x: float) -> str:
    from .units import format_count

    return format_count(x)


def warn(messages) -> None:
    """Warnings go to stderr, one line each, so stdout stays parseable."""
    for message in dict.fromkeys(messages):
        click.echo(f"Warning: {message}", err=True)


def emit_report(report, fmt: str) -> None:
    """Write a :class:`~planner.render.Report` to stdout in ``fmt``."""
    from . import render

    if fmt == "table":
        render.print_table(report)
    else:
        click.echo(render.render(report, fmt))


def emit(rows, fmt, columns, title=None, footer=(), keys=None):
    """Write ``rows`` to stdout in ``fmt`` (one block; ``keys`` for machine formats, plan keys by default)."""
    from . import render

    report = render.Report(blocks=(render.Block(rows),), columns=columns, keys=keys or render.PLAN_KEYS,
                           title=title, footer=tuple(footer))
    emit_report(report, fmt)


@cli.command()
@budget_options
@cluster_budget_options
@click.option("--preset", "-p", "preset_list", multiple=True, metavar="ID,ID,...",
              help="Laws to compare, comma-separated or repeated [default: every shipped preset].")
@ci_option
@format_option
def compare(flops, flops_range, points, gpu_hours, days, usd, gpu, gpus, mfu, price, preset_list, ci, fmt):
    """Compare the compute-optimal plans of several laws at the same budgets.

    One row per law (N, D, tokens per parameter, predicted loss, and how the law counts N), a
    summary of the spread, and one block per budget.

    \b
    Examples:
      plan compare --flops 1e21
      plan compare --flops 1e21 --preset besiroglu2024,hoffmann2022,kaplan2020
      plan compare --flops-range 1e21 1e23 --points 3 --format markdown
      plan compare --flops 1e24 --preset epoch,chinchilla --ci 80
      plan compare --flops 1e21 --gpu h100 --gpus 1024 --usd-per-gpu-hour 2.5
    """
    from . import checks, reports
    from .plan import compute_optimal
    from .presets import list_presets, load_preset

    budgets = _budgets(flops, flops_range, points)
    other = _other_budget({"--gpu-hours": gpu_hours, "--days": days, "--usd": usd}, bool(budgets), gpu, gpus, price)
    cluster = _cluster(gpu, gpus, mfu, price)
    budget_note = None
    if other is not None:
        budgets, budget_note = _converted_budget(other, cluster)
    if not budgets:
        raise click.UsageError("give a budget: --flops 1e21 or --flops-range START STOP (or --gpu-hours, --days, --usd)")
    ids = [i.strip() for item in preset_list for i in item.split(",") if i.strip()]
    laws = [load_preset(i) for i in dict.fromkeys(ids)] if ids else list_presets()
    plans = [[compute_optimal(law, C) for law in laws] for C in budgets]
    warnings = []
    for j, law in enumerate(laws):
        col = [row[j] for row in plans]
        warnings += checks.fitted_range_warnings(law, flops=budgets, n_params=[p.n_params for p in col],
                                                 n_tokens=[p.n_tokens for p in col])
    report = reports.compare_report(laws, budgets, plans)
    if budget_note:
        report = dataclasses.replace(report, footer=tuple(report.footer) + (budget_note,))
    report = _extended(report, None, cluster, mfu)
    warn(warnings)
    emit_report(with_ci(report, laws, budgets, ci) if ci is not None else report, fmt)


@cli.command()
@click.argument("preset_ids", nargs=-1, metavar="[ID]...")
def cite(preset_ids):
    """Print BibTeX for presets (every shipped preset if no ID is given).

    \b
    Examples:
      plan cite besiroglu2024
      plan cite chinchilla kaplan2020 > refs.bib
    """
    from .presets import list_presets, load_preset
    from .reports import bibtex

    laws = [load_preset(i) for i in preset_ids] if preset_ids else list_presets()
    click.echo(bibtex(laws))


@cli.group(invoke_without_command=True)
@format_option
@click.pass_context
def presets(ctx, fmt):
    """List the shipped laws: ids, aliases and citations.

    \b
    Examples:
      plan presets
      plan presets --format markdown
      plan presets show chinchilla
    """
    if ctx.invoked_subcommand is not None:
        return
    from .presets import list_presets
    from .reports import presets_report

    emit_report(presets_report(list_presets(), DEFAULT_PRESET), fmt)


@presets.command("show")
@click.argument("preset_id", metavar="ID")
def presets_show(preset_id):
    """Print a preset's law file: coefficients, conventions, citation and notes.

    \b
    Example:
      plan presets show epoch
    """
    from .presets import load_preset, preset_source

    law = load_preset(preset_id)
    click.echo(preset_source(law), nl=False)


@cli.command("hardware")
@format_option
def hardware(fmt):
    """List the hardware catalogue: chips, dense BF16 peak FLOP/s and sources.

    \b
    Examples:
      plan hardware
      plan hardware --format json
      plan --flops 1e24 --gpu h100 --gpus 2048 --mfu 0.40 --usd-per-gpu-hour 2.50
    """
    from .extensions import hardware_report
    from .presets import list_hardware

    emit_report(hardware_report(list_hardware()), fmt)


@cli.command("shape")
@click.option("--params", "n_params", type=QUANTITY, required=True, metavar="N",
              help="Parameter count to build shapes for, e.g. 7e9 or 7B.")
@click.option("--count", type=click.Choice(("total", "non-embedding")), default="total", show_default=True,
              help="Whether N counts embeddings (Hoffmann) or not (Kaplan).")
@shape_options
@format_option
def shape(n_params, count, vocab, context, tied_embeddings, fmt):
    """A few decoder-only transformer shapes for a parameter count, with their exact sizes and FLOPs per token.

    \b
    Examples:
      plan shape --params 7e9
      plan shape --params 1.3B --count non-embedding --vocab 50257 --context 1024
      plan --flops 1e21 --shape
    """
    from .extensions import shape_report
    from .shapes import shapes_for

    vocab, context = _shape_settings(vocab, context)
    shapes = shapes_for(n_params, count=count, vocab=vocab, n_ctx=context, tied_embeddings=tied_embeddings)
    emit_report(shape_report(shapes, count, f"Shapes for N = {_human_count(n_params)} {count} parameters"), fmt)


def output_options(f):
    """-o/--output FILE (format by suffix) and --force."""
    f = click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")(f)
    f = click.option("--output", "-o", required=True, metavar="FILE", callback=_figure_path,
                     help="Where to write the figure: .png, .svg or .pdf.")(f)
    return f


def _figure_path(ctx, param, value):
    from .plots import figure_format

    try:
        figure_format(value)
    except ValueError as e:
        raise click.BadParameter(str(e), ctx, param) from None
    return value


@cli.group()
def plot():
    """Draw figures (PNG, SVG or PDF by the output's suffix); needs matplotlib: pip install 'planner[plot]'.

    \b
    Examples:
      plan plot frontier --preset epoch --preset chinchilla -o frontier.png
      plan plot isoflop --flops 1e20 --flops 1e22 --flops 1e24 -o isoflop.svg
      plan plot fit runs.csv -o fit.png
    """


@plot.command("frontier")
@click.option("--preset", "-p", "presets_", multiple=True, metavar="ID",
              help=f"Preset id, alias or law file (repeatable) [default: {DEFAULT_PRESET}].")
@click.option("--flops-range", type=(QUANTITY, QUANTITY), default=(1e18, 1e26), show_default=True,
              metavar="START STOP", help="Compute range of the x axis in FLOPs.")
@click.option("--ci", type=click.FloatRange(0, 100, min_open=True, max_open=True), default=80, show_default=True,
              metavar="LEVEL", help="Width of the interval bands, for laws that publish uncertainty.")
@click.option("--no-bands", is_flag=True, help="Draw no interval bands.")
@output_options
def plot_frontier(presets_, flops_range, ci, no_bands, output, force):
    """N_opt, D_opt and tokens per parameter against compute for one or more laws.

    \b
    Example:
      plan plot frontier --preset epoch --preset chinchilla -o frontier.png
    """
    from .plots import frontier_figure, require_matplotlib, save_figure
    from .presets import load_preset

    require_matplotlib()
    laws = [load_preset(p) for p in (presets_ or (DEFAULT_PRESET,))]
    lo, hi = flops_range
    if not lo < hi:
        raise click.BadParameter(f"start must be below stop (got {lo:g}, {hi:g})", param_hint="'--flops-range'")
    budgets = [lo * (hi / lo) ** (i / 199) for i in range(200)]
    fig = frontier_figure(laws, budgets, None if no_bands else ci)
    click.echo(f"wrote {save_figure(fig, output, force)}", err=True)


@plot.command("isoflop")
@click.option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
              help="A budget in FLOPs (repeatable) [default: 1e19 … 1e25, every 100×].")
@law_options
@click.option("--ci", type=click.FloatRange(0, 100, min_open=True, max_open=True), metavar="LEVEL",
              help="Mark a LEVEL% interval on each optimum's N, where the law publishes uncertainty.")
@output_options
def plot_isoflop(flops, preset, law_file, sets, ci, output, force):
    """Predicted loss against N at fixed budgets, each optimum marked.

    \b
    Example:
      plan plot isoflop --flops 1e20 --flops 1e22 --flops 1e24 -o isoflop.png
    """
    from .plots import isoflop_figure, require_matplotlib, save_figure

    from .uncertainty import has_uncertainty

    require_matplotlib()
    law = load_law(preset, law_file, sets)
    if ci is not None and not has_uncertainty(law):
        warn([f"law {law.id!r} publishes no uncertainty, so the plot has no interval"])
    fig = isoflop_figure(law, list(flops) or [1e19, 1e21, 1e23, 1e25], ci)
    click.echo(f"wrote {save_figure(fig, output, force)}", err=True)


def main(args=None, prog_name="plan"):
    """Entry point of the ``plan`` console script."""
    cli.main(args=args, prog_name=prog_name)


# 'plan fit' and 'plan design' live in cli_fit.py; importing it registers them on the group.
from . import cli_fit  # noqa: E402,F401
