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
from .units import format_count, parse_quantity

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


def hardware_options(f):
    """--gpu, --gpus, --mfu, --usd-per-gpu-hour: the cluster a plan runs on."""
    f = click.option("--usd-per-gpu-hour", "price", type=QUANTITY, metavar="PRICE",
                     help="Price of one chip-hour in dollars; adds a cost column.")(f)
    f = click.option("--mfu", type=click.FloatRange(0, 1, min_open=True), metavar="FRACTION",
                     help="Model-FLOPs utilisation, 0 < MFU <= 1 [default: 0.40, Llama 3 405B on H100s].")(f)
    f = click.option("--gpus", type=click.IntRange(min=1), metavar="N", help="How many chips; adds wall-clock days.")(f)
    f = click.option("--gpu", metavar="ID", help="The chip, e.g. h100 (see 'plan hardware'); adds GPU-hours.")(f)
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


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format.")(f)


@click.group(cls=PlanGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@budget_options
@click.option("--gpu-hours", type=QUANTITY, metavar="HOURS", help="Budget in chip-hours instead of FLOPs (needs --gpu).")
@click.option("--days", type=QUANTITY, metavar="DAYS", help="Budget in wall-clock days (needs --gpu and --gpus).")
@click.option("--usd", type=QUANTITY, metavar="DOLLARS", help="Budget in dollars (needs --gpu and --usd-per-gpu-hour).")
@hardware_options
@click.option("--shape", "show_shapes", is_flag=True, help="Add a few trainable transformer shapes for each plan.")
@shape_options
@click.option("--hparams", "show_hparams", is_flag=True,
              help="Add DeepSeek's suggested learning rate and batch size for each budget.")
@law_options
@format_option
@click.version_option(__version__, "--version", prog_name="plan", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx, flops, flops_range, points, gpu_hours, days, usd, gpu, gpus, mfu, price, show_shapes, vocab, context,
        tied_embeddings, show_hparams, preset, law_file, sets, fmt):
    """Plan compute-optimal training runs from published scaling laws.

    \b
    Examples:
      plan --flops 1e21                      the plan for one budget, default law
      plan --flops 1e21 --preset kaplan2020  with another law
      plan --flops-range 1e20 1e24 --points 5
      plan --flops 1e21 --format json
      plan --gpus 512 --gpu h100 --days 21 --usd-per-gpu-hour 2.5 --shape
      plan presets                           the shipped laws
    """
    if ctx.invoked_subcommand is not None:
        return
    budgets = _budgets(flops, flops_range, points)
    other = _other_budget({"--gpu-hours": gpu_hours, "--days": days, "--usd": usd}, bool(budgets), gpu, gpus, price)
    cluster = _cluster(gpu, gpus, mfu, price)
    if not budgets and other is None:
        extras = [n for n, v in (("--gpu", gpu), ("--shape", show_shapes), ("--hparams", show_hparams)) if v]
        if extras:
            raise click.UsageError(f"{extras[0]} needs a budget: give --flops, --gpu-hours, --days or --usd")
        click.echo(ctx.get_help())
        ctx.exit(0)
    from .plan import compute_optimal
    from .render import PLAN_KEYS, law_footer, plan_columns, plan_rows

    law = load_law(preset, law_file, sets)
    footer = law_footer(law)
    if other is not None:
        from .hardware import flops_for_budget
        from .report import budget_line

        name, amount, unit = other
        budgets = [flops_for_budget(amount, unit, cluster)]
        footer.append(budget_line(amount, unit, cluster, budgets[0]))
    # A list of Python floats keeps numpy off the fast path; one budget or many, one call.
    rows = [row for C in budgets for row in plan_rows(law, compute_optimal(law, C))]
    columns, keys, sections = list(plan_columns(law)), list(PLAN_KEYS), []
    if cluster is not None or show_hparams or show_shapes:
        from .report import extend

        hparams_law = None
        if show_hparams:
            from .hparams import HPARAM_PRESET
            from .presets import load_preset

            hparams_law = load_preset(HPARAM_PRESET)
        shape_settings = None
        if show_shapes:
            vocab, context = _shape_settings(vocab, context)
            shape_settings = {"vocab": vocab, "n_ctx": context, "tied_embeddings": tied_embeddings}
        rows, more = extend(rows, law, cluster=cluster, mfu_given=mfu is not None, hparams_law=hparams_law,
                            shape_settings=shape_settings)
        columns += more.columns
        keys += more.keys
        footer += more.footer
        sections += more.sections
    emit(rows, fmt, columns, title=f"Compute-optimal plan · {law.id}", footer=footer, keys=keys, sections=sections)


def emit(rows, fmt, columns, title=None, footer=(), keys=None, sections=()):
    """Write ``rows`` to stdout in ``fmt``.

    ``keys`` are the row keys machine formats carry (the plan's by default). ``sections`` are further
    (rows, columns, title, footer) tables that human formats print after the main one; machine formats
    carry them inside the rows.
    """
    from . import render

    if fmt == "json":
        click.echo(render.to_json(rows, keys) if keys is not None else render.to_json(rows))
    else:
        render.table(rows, columns, title=title, footer=footer)
        for sec_rows, sec_columns, sec_title, sec_footer in sections:
            render.table(sec_rows, sec_columns, title=sec_title, footer=sec_footer)


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
    from . import report
    from .hardware import DEFAULT_MFU, DEFAULT_MFU_SOURCE
    from .presets import list_hardware

    chips = list_hardware()
    if fmt == "json":
        emit(report.chip_rows(chips), fmt, report.chip_columns(), keys=report.CHIP_KEYS)
        return
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(box=box.SIMPLE_HEAD)
    for col in report.chip_columns():
        t.add_column(col.header, justify="right" if col.key == "peak_flops_per_second" else "left",
                     no_wrap=col.key == "id", overflow="fold")
    for row in report.chip_rows(chips):
        t.add_row(*(escape(col.fmt(row[col.key])) for col in report.chip_columns()))
    Console().print(t)
    click.echo("TFLOP/s: dense BF16 tensor-core peak, no structured sparsity.")
    click.echo(f"Default MFU {DEFAULT_MFU:.2f} ({DEFAULT_MFU_SOURCE}); set it with --mfu.")


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
    from . import report
    from .shapes import shapes_for

    vocab, context = _shape_settings(vocab, context)
    shapes = shapes_for(n_params, count=count, vocab=vocab, n_ctx=context, tied_embeddings=tied_embeddings)
    emit(report.shape_rows(shapes, count), fmt, report.shape_columns(count),
         title=f"Shapes for N = {format_count(n_params)} {count} parameters",
         footer=report.shape_footer(shapes, count), keys=report.SHAPE_KEYS)


def main(args=None, prog_name="plan"):
    """Entry point of the ``plan`` console script."""
    cli.main(args=args, prog_name=prog_name)
