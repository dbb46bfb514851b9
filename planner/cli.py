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


def ci_option(f):
    """--ci LEVEL: central intervals from the law's published uncertainty."""
    return click.option("--ci", type=click.FloatRange(0, 100, min_open=True, max_open=True), metavar="LEVEL",
                        help="Add central LEVEL% intervals (e.g. 80) for N, D, tokens/param and loss, from the "
                             "law's published uncertainty or bootstrap samples.")(f)


def with_intervals(law, budgets, level, rows, columns, footer):
    """Rows, columns, JSON keys and footer of a plan with ``--ci`` bounds; a warning on stderr instead
    of an interval where the law publishes no uncertainty."""
    from .render import INTERVAL_KEYS, PLAN_KEYS, add_intervals, interval_columns
    from .uncertainty import NoUncertaintyError, plan_intervals

    try:
        intervals = plan_intervals(law, budgets, level)
        footer = list(footer) + [f"{level:g}% CI: {intervals.note}."]
    except NoUncertaintyError as e:
        click.echo(f"Warning: {e}", err=True)
        intervals = None
        footer = list(footer) + [f"No intervals: {law.id} publishes no uncertainty."]
    columns = interval_columns(columns, level) if intervals is not None else columns
    return add_intervals(rows, intervals, level), columns, PLAN_KEYS + INTERVAL_KEYS, footer


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format.")(f)


@click.group(cls=PlanGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@budget_options
@law_options
@ci_option
@format_option
@click.version_option(__version__, "--version", prog_name="plan", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx, flops, flops_range, points, preset, law_file, sets, ci, fmt):
    """Plan compute-optimal training runs from published scaling laws.

    \b
    Examples:
      plan --flops 1e21                      the plan for one budget, default law
      plan --flops 1e21 --preset kaplan2020  with another law
      plan --flops-range 1e20 1e24 --points 5
      plan --flops 1e21 --format json
      plan --flops 1e24 --ci 80              with 80% intervals
      plan plot frontier -o frontier.png     a figure (needs matplotlib)
      plan presets                           the shipped laws
    """
    if ctx.invoked_subcommand is not None:
        return
    budgets = _budgets(flops, flops_range, points)
    if not budgets:
        click.echo(ctx.get_help())
        ctx.exit(0)
    from .plan import compute_optimal
    from .render import law_footer, plan_columns, plan_rows

    law = load_law(preset, law_file, sets)
    # A list of Python floats keeps numpy off the fast path; one budget or many, one call.
    rows = [row for C in budgets for row in plan_rows(law, compute_optimal(law, C))]
    columns, footer, keys = plan_columns(law), law_footer(law), None
    if ci is not None:
        rows, columns, keys, footer = with_intervals(law, budgets, ci, rows, columns, footer)
    emit(rows, fmt, columns, title=f"Compute-optimal plan · {law.id}", footer=footer, keys=keys)


def emit(rows, fmt, columns, title=None, footer=(), keys=None):
    """Write ``rows`` to stdout in ``fmt``; ``keys`` are the machine formats' keys (plan keys by default)."""
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

    require_matplotlib()
    law = load_law(preset, law_file, sets)
    fig = isoflop_figure(law, list(flops) or [1e19, 1e21, 1e23, 1e25], ci)
    click.echo(f"wrote {save_figure(fig, output, force)}", err=True)


def main(args=None, prog_name="plan"):
    """Entry point of the ``plan`` console script."""
    cli.main(args=args, prog_name=prog_name)
