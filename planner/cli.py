"""The ``plan`` command: parse, load the law, one core call, render.

Library errors (:class:`~planner.errors.PlannerError`) become one line on stderr and exit
status 1; bad arguments exit 2. Neither shows a traceback.
"""

from __future__ import annotations

import sys

import click

from . import __version__
from .errors import PlannerError
from .presets import DEFAULT_PRESET
from .units import parse_quantity

FORMATS = ("table", "json")


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


def constraint_options(f):
    """--unique-tokens, --inference-tokens, --max-params, --max-tokens, --target-loss, --params and --tokens."""
    f = click.option("--tokens", "n_tokens", type=QUANTITY, metavar="D",
                     help="With --params and --unique-tokens: the loss of training on D tokens.")(f)
    f = click.option("--params", "n_params", type=QUANTITY, metavar="N",
                     help="With --tokens and --unique-tokens: the loss of N parameters on repeated data.")(f)
    f = click.option("--target-loss", type=QUANTITY, multiple=True, metavar="LOSS",
                     help="Plan for this loss instead of a budget (repeatable).")(f)
    f = click.option("--max-tokens", type=QUANTITY, metavar="D", help="Train on at most D tokens.")(f)
    f = click.option("--max-params", type=QUANTITY, metavar="N", help="Train at most N parameters.")(f)
    f = click.option("--inference-tokens", type=QUANTITY, metavar="T",
                     help="Tokens the model will serve: also plan the same loss for the least "
                          "training + inference FLOPs (Sardana et al. 2024).")(f)
    f = click.option("--unique-tokens", type=QUANTITY, metavar="U",
                     help="Unique training tokens available; more tokens repeat them (Muennighoff et al. 2023).")(f)
    return f


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format.")(f)


@click.group(cls=PlanGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@budget_options
@constraint_options
@law_options
@format_option
@click.version_option(__version__, "--version", prog_name="plan", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx, flops, flops_range, points, preset, law_file, sets, fmt, **constraints):
    """Plan compute-optimal training runs from published scaling laws.

    \b
    Examples:
      plan --flops 1e21                      the plan for one budget, default law
      plan --flops 1e21 --preset kaplan2020  with another law
      plan --flops-range 1e20 1e24 --points 5
      plan --flops 1e21 --format json
      plan --flops 1e23 --unique-tokens 300B --inference-tokens 10T
                                             under limited data, for serving
      plan --flops 1e22 --max-params 7B      the best plan within a size cap
      plan presets                           the shipped laws
    """
    if ctx.invoked_subcommand is not None:
        return
    budgets = _budgets(flops, flops_range, points)
    asked = {name: value for name, value in constraints.items() if value not in (None, ())}
    if not budgets and not asked:
        click.echo(ctx.get_help())
        ctx.exit(0)
    from .plan import compute_optimal
    from .render import law_footer, plan_columns, plan_rows

    law = load_law(preset, law_file, sets)
    if asked:
        return plan_constrained(law, budgets, fmt, **constraints)
    # A list of Python floats keeps numpy off the fast path; one budget or many, one call.
    rows = [row for C in budgets for row in plan_rows(law, compute_optimal(law, C))]
    emit(rows, fmt, plan_columns(law), title=f"Compute-optimal plan · {law.id}", footer=law_footer(law))


def plan_constrained(law, budgets, fmt, unique_tokens, inference_tokens, max_params, max_tokens, target_loss,
                     n_params, n_tokens):
    """Plans under limited data, inference demand and size caps; or the loss of one run on repeated data."""
    from . import render_constraints as rc
    from .constraints import plan_with_constraints, repeated_loss
    from .render import law_footer

    if n_params is not None or n_tokens is not None:
        if n_params is None or n_tokens is None or unique_tokens is None:
            raise click.UsageError("the loss query needs --params, --tokens and --unique-tokens together")
        if budgets or target_loss or inference_tokens or max_params or max_tokens:
            raise click.UsageError("--params/--tokens ask for the loss of one run: drop --flops, --flops-range, "
                                   "--target-loss, --inference-tokens and the caps")
        run = repeated_loss(law, n_params, n_tokens, unique_tokens)
        return emit(rc.repeated_rows(law, run), fmt, rc.repeated_columns(), keys=rc.repeated_keys(),
                    title=f"Loss on repeated data · {law.id}",
                    footer=[rc.repetition_line(run.repetition, law.id, unique_tokens)] + law_footer(law))
    if budgets and target_loss:
        raise click.UsageError("give a budget (--flops, --flops-range) or --target-loss, not both")
    if not budgets and not target_loss:
        raise click.UsageError("plans under constraints need a budget (--flops or --flops-range) or --target-loss")
    problem = dict(flops=budgets[0] if len(budgets) == 1 else budgets) if budgets else \
        dict(target_loss=target_loss[0] if len(target_loss) == 1 else list(target_loss))
    result = plan_with_constraints(law, **problem, unique_tokens=unique_tokens, max_params=max_params,
                                   max_tokens=max_tokens, inference_tokens=inference_tokens)
    rows, footer = rc.constraint_rows(result), rc.constraint_footer(law, result)
    if fmt == "json":
        return emit(rows, fmt, (), keys=rc.constraint_keys(result))
    blocks = rc.constraint_blocks(result, rows)
    for i, (what, block) in enumerate(blocks):
        emit(block, fmt, rc.constraint_columns(result), title=f"Plan under constraints · {law.id} · {what}",
             footer=footer if i == len(blocks) - 1 else ())


def emit(rows, fmt, columns, title=None, footer=(), keys=None):
    """Write ``rows`` to stdout in ``fmt`` (JSON carries ``keys``, the plan keys by default)."""
    from . import render

    if fmt == "json":
        click.echo(render.to_json(rows, keys) if keys else render.to_json(rows))
    else:
        render.table(rows, columns, title=title, footer=footer)


@cli.group(invoke_without_command=True)
@click.pass_context
def presets(ctx):
    """List the shipped laws: ids, aliases and citations.

    \b
    Examples:
      plan presets
      plan presets show chinchilla
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table
    from rich import box
    from rich.markup import escape

    from .presets import list_presets

    t = Table(box=box.SIMPLE_HEAD)
    t.add_column("id (aliases)", overflow="fold")
    t.add_column("N counts", overflow="fold")
    t.add_column("source")
    for law in list_presets():
        name = law.id + (" *" if law.id == DEFAULT_PRESET else "")
        aliases = f"\n[dim]({', '.join(law.aliases)})[/dim]" if law.aliases else ""
        t.add_row(escape(name) + aliases, escape(law.parameters), escape(law.short_citation))
    Console().print(t)
    click.echo(f"* the default. Details: plan presets show ID")


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


def main(args=None, prog_name="plan"):
    """Entry point of the ``plan`` console script."""
    cli.main(args=args, prog_name=prog_name)
