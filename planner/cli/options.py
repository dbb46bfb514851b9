"""What the ``plan`` commands share: parameter types, option decorators, what the options parse to, and output.

Parsing only: the click types for quantities and losses, the option groups (law, budgets, cluster, constraints,
shapes, ``--ci``, ``--format``), the law they name, the budgets they give, and the two output streams (results on
stdout, warnings on stderr). No planning here: commands hand what this parses to :mod:`planner.report.answers`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import click

from ..base.errors import PlannerError
from ..files.presets import DEFAULT_PRESET
from ..report.render import FORMATS
from ..base.units import QUANTITY_RANGE, parse_quantity

if TYPE_CHECKING:
    from ..compute.hardware import Cluster


# ---------------------------------------------------------------------------------------------------------------------
# options and parameter types: the seam where every value enters


class Once(click.Option):
    """A single-valued option that refuses to be given twice: click would keep the last value silently
    (``--params 7B --params 8B`` planned 8B)."""

    def add_to_parser(self, parser, ctx) -> None:
        if self.multiple or self.count or self.is_flag:
            return super().add_to_parser(parser, ctx)
        parser.add_option(obj=self, opts=self.opts, dest=self.name, action="append", nargs=self.nargs)

    def consume_value(self, ctx, opts):
        value = opts.get(self.name)
        if isinstance(value, list) and not (self.multiple or self.count or self.is_flag):
            if len(value) > 1:
                shown = ", ".join(" ".join(v) if isinstance(v, (tuple, list)) else str(v) for v in value)
                raise click.BadParameter(f"given {len(value)} times ({shown}); give it once", ctx=ctx, param=self)
            opts = {**opts, self.name: value[0]}
        return super().consume_value(ctx, opts)


def with_options(f, options):
    """``f`` decorated with each of ``options``, in the order given (as they show in --help)."""
    for decorator in reversed(options):
        f = decorator(f)
    return f


def option(*decls, **attrs):
    """``click.option`` whose single-valued options refuse to be repeated (:class:`Once`): every option of planner's
    commands is declared with it."""
    attrs.setdefault("cls", Once)
    return click.option(*decls, **attrs)


class Quantity(click.ParamType):
    """A positive finite number: ``1e21``, ``3.8e+25``, ``7B``, ``2T`` (with ``zero``, also 0)."""

    name = "quantity"

    def __init__(self, zero: bool = False):
        self.zero = zero

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        if self.zero and str(value).strip() in ("0", "0.0", "0e0"):
            return 0.0
        try:
            return parse_quantity(value)
        except PlannerError as e:
            self.fail(str(e), param, ctx)


QUANTITY = Quantity()
#: A quantity that may be zero (--inference-tokens 0: no demand, the plain plan).
QUANTITY_OR_ZERO = Quantity(zero=True)


class Number(click.ParamType):
    """A finite number between ``low`` and ``high`` (each end open or closed): ``nan`` and ``inf`` are refused,
    which click's FloatRange lets through."""

    name = "number"

    def __init__(self, low: float, high: float, low_open: bool = False, high_open: bool = False, what: str = ""):
        self.low, self.high, self.low_open, self.high_open, self.what = low, high, low_open, high_open, what

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = None
        lo_ok = x is not None and (x > self.low if self.low_open else x >= self.low)
        hi_ok = x is not None and (x < self.high if self.high_open else x <= self.high)
        if not (lo_ok and hi_ok):
            ends = f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"
            self.fail(f"expected {self.what or 'a finite number'} in {ends}; got {value!r}", param, ctx)
        return x


#: --ci and --level: a central interval's level in percent.
LEVEL = Number(0, 100, low_open=True, high_open=True, what="a percentage")
#: --mfu: a fraction of peak; below one useful FLOP in a million is taken for a typo (planner's bound, not a paper's).
MFU = Number(1e-6, 1, what="a model-FLOPs utilisation")


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


class Accuracy(click.ParamType):
    """An accuracy: a number strictly between 0 and 1 (``0.6``)."""

    name = "accuracy"

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"expected an accuracy like 0.6; got {value!r}", param, ctx)
        if not 0 < x < 1:
            self.fail(f"expected an accuracy between 0 and 1 (a fraction, like 0.6 for 60%); got {value!r}", param, ctx)
        return x


ACCURACY = Accuracy()


# ---------------------------------------------------------------------------------------------------------------------
# shell completion (click's _PLAN_COMPLETE): preset ids, chip ids; --format's choices and paths complete by their type


def _names(items, incomplete: str, listed: bool = False):
    """Completion items: the ``(name, help)`` pairs that start with ``incomplete`` (with ``listed``, with its last
    comma-separated item: ``epoch,chin`` completes to ``epoch,chinchilla``)."""
    from click.shell_completion import CompletionItem

    head, _, last = incomplete.rpartition(",") if listed else ("", "", incomplete)
    prefix = head + "," if head else ""
    return [CompletionItem(prefix + name, help=help) for name, help in items if name.startswith(last)]


def _preset_names():
    from ..files.presets import list_presets

    return [(name, f"{law.title} ({law.short_citation})") for law in list_presets()
            for name in (law.id, *law.aliases)]


def complete_preset(ctx, param, incomplete):
    """Preset ids and aliases (law files complete as paths once the text has a / or a suffix)."""
    return _names(_preset_names(), incomplete)


def complete_presets(ctx, param, incomplete):
    """Preset ids and aliases, for a comma-separated list."""
    return _names(_preset_names(), incomplete, listed=True)


def complete_chip(ctx, param, incomplete):
    """Chip ids and aliases of the hardware catalogue."""
    from ..files.presets import list_hardware

    return _names([(name, chip.name) for chip in list_hardware() for name in (chip.id, *chip.aliases)], incomplete)


def complete_path(ctx, param, incomplete):
    """A file argument (RUNS, LADDER): the shell lists the files. (Not a click.Path: the reader checks the file
    itself, with planner's own messages, and takes - for stdin.)"""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def complete_task_law(ctx, param, incomplete):
    """Shipped task-law ids and aliases (--tasks)."""
    from ..files.presets import list_task_laws

    return _names([(name, f"{laws.title} ({laws.short_citation})") for laws in list_task_laws()
                   for name in (laws.id, *laws.aliases)], incomplete)


def complete_task(ctx, param, incomplete):
    """The tasks of the --tasks law on the line so far (of every shipped task law if none is given yet)."""
    from ..base.errors import PlannerError
    from ..files.presets import list_task_laws, load_task_laws

    given = (ctx.params.get("task_law") if ctx is not None else None)
    try:
        laws = [load_task_laws(given)] if given else list_task_laws()
    except PlannerError:
        return []
    names = {task.id: task.name for law in laws for task in law.tasks}
    return _names(sorted(names.items()), incomplete)


# ---------------------------------------------------------------------------------------------------------------------
# the law: --preset, --law, --set


def law_options(f):
    """--preset, --law and --set, shared by every command that plans with one law."""
    f = option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                     help="Override one coefficient, e.g. --set alpha=0.35 (repeatable).")(f)
    f = option("--law", "law_file", type=click.Path(dir_okay=False), metavar="FILE",
                     help="A law file in the preset format (see 'plan presets show').")(f)
    f = option("--preset", "-p", metavar="ID", shell_complete=complete_preset,
               help=f"Preset id or alias [default: {DEFAULT_PRESET}].")(f)
    return f


def parse_pairs(values, option: str = "--set", example: str = "alpha=0.35") -> dict[str, float]:
    """NAME=VALUE items (--set, --fix) as {name: number}, the last of a repeated name kept; a usage error naming
    ``option`` otherwise."""
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE like {example} (got {item!r})", param_hint=f"'{option}'")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"{name.strip()!r} needs a number (got {value!r})",
                                     param_hint=f"'{option}'") from None
    return out


def load_law(preset, law_file, sets):
    """The law chosen by ``--preset`` / ``--law`` with ``--set`` overrides."""
    from ..files.presets import load_law_file, load_preset

    if preset is not None and law_file is not None:
        raise click.UsageError("give --preset or --law, not both")
    for given, name in ((preset, "--preset"), (law_file, "--law")):
        if given is not None and not given.strip():
            raise click.BadParameter("is empty; give a preset id (list them with 'plan presets') or a law file",
                                     param_hint=f"'{name}'")
    overrides = parse_pairs(sets)
    if law_file:
        law = load_law_file(law_file)
        return law.with_coefficients(**overrides) if overrides else law
    return load_preset(preset or DEFAULT_PRESET, overrides=overrides)


def laws_options(f):
    """--preset ID,ID,... and --law FILE, both repeatable: the laws of a command that sets several side by side
    (plan compare, plan plot frontier)."""
    f = option("--law", "law_files", type=click.Path(dir_okay=False), multiple=True, metavar="FILE",
               help="A law file to include (repeatable), e.g. one 'plan fit -o' wrote.")(f)
    f = option("--preset", "-p", "preset_list", multiple=True, metavar="ID,ID,...", shell_complete=complete_presets,
               help="Laws to include, comma-separated or repeated.")(f)
    return f


def load_laws(preset_list, law_files, default=None) -> list:
    """The laws of :func:`laws_options`: each preset of ``--preset`` (comma-separated or repeated), then each
    ``--law`` file, each once; with neither, ``default`` (a list of preset ids), or every shipped preset."""
    from ..files.presets import list_presets, load_law_file, load_preset

    ids = [i.strip() for item in preset_list for i in item.split(",") if i.strip()]
    laws = [load_preset(i) for i in dict.fromkeys(ids)] + [load_law_file(f) for f in dict.fromkeys(law_files)]
    if laws:
        unique = list({(law.id, law.source): law for law in laws}.values())  # an alias and its id: one law
        ids = [law.id for law in unique]
        twice = next((i for i in ids if ids.count(i) > 1), None)
        if twice:
            files = " and ".join(repr(law.source) for law in unique if law.id == twice)
            raise click.UsageError(f"two laws have the id {twice!r} ({files}): rows are named by id, so give one of "
                                   "them another (the law file's id = \"...\" line)")
        return unique
    return [load_preset(i) for i in default] if default is not None else list_presets()


# ---------------------------------------------------------------------------------------------------------------------
# budgets: --flops, --flops-range, --points; --gpu-hours, --days, --usd on the cluster of --gpu, --gpus, --mfu, --usd-per-gpu-hour


def budget_options(f):
    """--flops, --flops-range and --points."""
    f = option("--points", type=click.IntRange(1, 10_000), default=5, show_default=True,
                     help="How many log-spaced budgets --flops-range gives.")(f)
    f = option("--flops-range", type=(QUANTITY, QUANTITY), metavar="START STOP",
                     help="Log-spaced budgets from START to STOP FLOPs.")(f)
    f = option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
                     help="Training compute in FLOPs, e.g. 1e21 (repeatable).")(f)
    return f


def hardware_options(f):
    """--gpu, --gpus, --mfu, --usd-per-gpu-hour: the cluster a plan runs on."""
    f = option("--usd-per-gpu-hour", "price", type=QUANTITY, metavar="PRICE",
                     help="Price of one chip-hour in dollars; adds a cost column.")(f)
    f = option("--mfu", type=MFU, metavar="FRACTION",
                     help="Model-FLOPs utilisation, 0 < MFU <= 1 [default: 0.40, Llama 3 405B on H100s].")(f)
    f = option("--gpus", type=click.IntRange(min=1), metavar="N", help="How many chips; adds wall-clock days.")(f)
    f = option("--gpu", metavar="ID", shell_complete=complete_chip,
               help="The chip, e.g. h100 (see 'plan hardware'); adds GPU-hours.")(f)
    return f


def cluster_budget_options(f):
    """--gpu-hours, --days, --usd (budgets in the units a cluster is bought in), then the cluster's options."""
    f = hardware_options(f)
    f = option("--usd", type=QUANTITY, metavar="DOLLARS",
                     help="Budget in dollars (needs --gpu and --usd-per-gpu-hour).")(f)
    f = option("--days", type=QUANTITY, metavar="DAYS", help="Budget in wall-clock days (needs --gpu and --gpus).")(f)
    f = option("--gpu-hours", type=QUANTITY, metavar="HOURS",
                     help="Budget in chip-hours instead of FLOPs (needs --gpu).")(f)
    return f


#: The parameter names of :func:`budget_options` and :func:`cluster_budget_options`, which :func:`parse_budgets` takes.
BUDGET_PARAMS = ("flops", "flops_range", "points", "gpu_hours", "days", "usd", "gpu", "gpus", "mfu", "price")


class Budgets(NamedTuple):
    """What the budget and cluster options ask for.

    ``flops``: the budgets in FLOPs (a budget in GPU-hours, days or dollars converted on ``cluster``); ``option``: the
    option that gave them (``--flops`` for --flops and --flops-range), None if none did; ``note``: how a converted
    budget became FLOPs, with the arithmetic; ``cluster``: the cluster of --gpu, or None; ``mfu_given``: whether --mfu
    was given (else the footer names the default's source). A named tuple: cheaper to define than a dataclass
    on the start-up path of every command.
    """

    flops: tuple[float, ...] = ()
    option: str | None = None
    note: str | None = None
    cluster: Cluster | None = None
    mfu_given: bool = False


def parse_budgets(flops, flops_range, points, gpu_hours, days, usd, gpu, gpus, mfu, price) -> Budgets:
    """The budgets and cluster of the options; a usage error for more than one kind of budget, or an option
    missing what it needs."""
    budgets = flops_budgets(flops, flops_range, points)
    other = _other_budget({"--gpu-hours": gpu_hours, "--days": days, "--usd": usd}, bool(budgets), gpu, gpus, price)
    cluster = _cluster(gpu, gpus, mfu, price)
    if other is None:
        return Budgets(tuple(budgets), "--flops" if budgets else None, None, cluster, mfu is not None)
    from ..compute.hardware import flops_for_budget
    from ..report.compute import budget_line

    name, amount, unit = other
    C = flops_for_budget(amount, unit, cluster)
    lo, hi = QUANTITY_RANGE
    if not lo <= C <= hi:
        raise click.BadParameter(f"{amount:g} on {cluster.chip.id} at MFU {cluster.mfu:g} is {C:g} FLOPs, outside the "
                                 f"{lo:g}..{hi:g} planner computes with; give a smaller budget", param_hint=f"'{name}'")
    return Budgets((C,), name, budget_line(amount, unit, cluster, C), cluster, mfu is not None)


def flops_budgets(flops, flops_range, points) -> list[float]:
    """The budgets asked for: each ``--flops``, then ``--points`` log-spaced ones over ``--flops-range``."""
    budgets = list(flops)
    if flops_range:
        lo, hi = flops_range
        if hi < lo:
            raise click.BadParameter(f"start must not exceed stop (got {lo:g} > {hi:g})", param_hint="'--flops-range'")
        if points == 1 or lo == hi:
            budgets.append(lo)
        else:
            # In logarithms: hi/lo itself may overflow (1e200 / 1e-200).
            a, b = math.log(lo), math.log(hi)
            budgets += [lo] + [math.exp(a + (b - a) * i / (points - 1)) for i in range(1, points - 1)] + [hi]
    return budgets


#: Budgets in other units: option name → unit of planner.compute.hardware.flops_for_budget.
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


def _cluster(gpu, gpus, mfu, price):
    """The cluster of --gpu/--gpus/--mfu/--usd-per-gpu-hour, or None; the others need --gpu."""
    if gpu is None:
        for value, name in ((gpus, "--gpus"), (mfu, "--mfu"), (price, "--usd-per-gpu-hour")):
            if value is not None:
                raise click.UsageError(f"{name} needs --gpu (the chip, e.g. --gpu h100; list them with 'plan hardware')")
        return None
    from ..compute.hardware import Cluster
    from ..base.conventions import DEFAULT_MFU
    from ..files.presets import load_chip

    return Cluster(chip=load_chip(gpu), n_chips=gpus, mfu=DEFAULT_MFU if mfu is None else mfu, usd_per_chip_hour=price)


# ---------------------------------------------------------------------------------------------------------------------
# what else a plan can ask for


def constraint_options(f):
    """--unique-tokens, --inference-tokens, --max-params and --max-tokens: any of them plans under constraints."""
    f = option("--max-tokens", type=QUANTITY, metavar="D", help="Constraint: train on at most D tokens.")(f)
    f = option("--max-params", type=QUANTITY, metavar="N", help="Constraint: train at most N parameters.")(f)
    f = option("--inference-tokens", type=QUANTITY_OR_ZERO, metavar="T",
                     help="Constraint: tokens the model will serve; also plan the same loss for the least "
                          "training + inference FLOPs (Sardana et al. 2024).")(f)
    f = option("--unique-tokens", type=QUANTITY, metavar="U",
                     help="Constraint: unique training tokens available; more tokens repeat them "
                          "(Muennighoff et al. 2023).")(f)
    return f


def shape_options(f):
    """--vocab, --context, --tied-embeddings: what a transformer shape is built with."""
    f = option("--tied-embeddings", is_flag=True, help="Share the input and output embedding matrix.")(f)
    f = option("--context", type=click.IntRange(min=1), metavar="TOKENS",
                     help="Training context (sequence length) of the shapes [default: 2048, Chinchilla's].")(f)
    f = option("--vocab", type=click.IntRange(min=1), metavar="TOKENS",
                     help="Vocabulary size of the shapes [default: 32000, Chinchilla's].")(f)
    return f


def shape_settings(vocab, context, tied_embeddings) -> dict:
    """What --vocab, --context and --tied-embeddings ask for, with the defaults of planner.compute.shapes (imported
    only when shapes are asked for), as :func:`planner.compute.shapes.shapes_for` takes them."""
    from ..compute.shapes import DEFAULT_CONTEXT, DEFAULT_VOCAB

    return {"vocab": DEFAULT_VOCAB if vocab is None else vocab, "n_ctx": DEFAULT_CONTEXT if context is None else context,
            "tied_embeddings": tied_embeddings}


def task_options(f):
    """--tasks, --task and --target-accuracy: benchmark accuracy from a task law (plan --tasks)."""
    f = option("--target-accuracy", "target_accuracies", type=ACCURACY, multiple=True, metavar="ACC",
                     help="The least compute that reaches this accuracy on each --task (with --tasks; repeatable).")(f)
    f = option("--task", "task_names", multiple=True, metavar="NAME", shell_complete=complete_task,
                     help="Only this task of the --tasks law, e.g. mmlu (repeatable) [default: all].")(f)
    f = option("--tasks", "task_law", metavar="ID|FILE", shell_complete=complete_task_law,
                     help="Forecast benchmark accuracy with this task law, e.g. bhagia2024 (see 'plan tasks'), for "
                          "--params N --tokens D or the split of --flops.")(f)
    return f


def ci_option(f):
    """--ci LEVEL: central intervals from the laws' published uncertainty."""
    return option("--ci", type=LEVEL, metavar="LEVEL",
                  help="Add central LEVEL% intervals (e.g. 80) for N, D, tokens/param and loss (and the budget, for "
                       "a target loss or a size alone), from the law's published uncertainty or bootstrap samples.")(f)


# ---------------------------------------------------------------------------------------------------------------------
# output: results on stdout, warnings on stderr


def format_option(f=None, *, document: str | None = None, default: str | None = None, file_option: bool = True):
    """--format: every renderer's format (:data:`planner.report.render.FORMATS`), and with it -o/--output FILE and --force
    (:func:`output_options`), so every command that prints a report can write it to a file. A command whose output is
    a document in a format of its own (a law file, BibTeX) takes ``document`` too, as its default unless ``default``
    says otherwise; one whose -o means something else (plan fit's law file) takes ``file_option=False``."""
    choices = ((document,) if document else ()) + FORMATS
    decorator = option("--format", "fmt", type=click.Choice(choices), default=default or choices[0], show_default=True,
                       help="Output format [with -o FILE: from FILE's suffix].")

    def decorate(f):
        f = decorator(f)
        return output_options(f, document) if file_option else f

    return decorate(f) if f is not None else decorate


def warn(messages) -> None:
    """Warnings go to stderr, one line each, so stdout stays parseable."""
    from .group import one_line

    for message in dict.fromkeys(messages):
        click.echo(f"Warning: {one_line(message)}", err=True)


def show_document(fmt: str, document: str, source, report) -> None:
    """A command whose output may be a document of its own (``document``, e.g. toml): ``source()``'s text as it is
    for that format, else the report ``report()`` builds, in ``fmt``; on stdout or in the file of -o."""
    if output_format(fmt) == document:
        emit(source())
    else:
        show(report(), fmt)


def show(report, fmt: str) -> None:
    """A :class:`~planner.report.types.Report`: its warnings on stderr, then the report on stdout in ``fmt``
    (through :func:`planner.cli.streams.write_results`, so a stream that cannot take it is one error line), or in
    the file of -o (the format from its suffix unless --format was given; its warnings listed in it as caveats)."""
    from ..report import render
    from .streams import terminal_width, write_results

    warn(report.warnings)
    fmt = output_format(fmt)
    if _output_file() is not None:
        emit(render.render_report(report, fmt, width=FILE_WIDTH))
    elif fmt == "table":
        from rich.console import Console

        write_results(lambda: render.print_table(report, Console(width=terminal_width(), emoji=False)))
    else:
        text = render.render(report, fmt)
        write_results(lambda: click.echo(text))


def command_line(ctx: click.Context, skip: tuple[str, ...] = ()) -> str:
    """The command as the user typed it, from what click parsed: every argument and every option given on the
    command line (not defaults), but those named in ``skip``; quoted for a shell. A law file records it so that
    running it again reproduces the file."""
    import shlex

    words = ["plan"] + ctx.command_path.split()[1:]   # the program name, whatever the caller called it
    for param in ctx.command.params:
        if param.name in skip or ctx.get_parameter_source(param.name) is not click.core.ParameterSource.COMMANDLINE:
            continue
        value = ctx.params[param.name]
        values = value if getattr(param, "multiple", False) else [value]
        for v in values:
            if isinstance(param, click.Argument):
                words.append(str(v))
            elif getattr(param, "is_flag", False):
                words.append(max(param.opts, key=len))
            else:
                words.append(max(param.opts, key=len))
                words += [_word(x) for x in v] if isinstance(v, tuple) else [_word(v)]
    return " ".join(shlex.quote(w) for w in words)


def _word(value) -> str:
    """A parsed value as a command-line word: a float as its shortest ``%g`` form when that reads back exactly
    (``6.89e+09``, not ``6890000000.0``)."""
    if isinstance(value, float) and float(f"{value:g}") == value:
        return f"{value:g}"
    return str(value)


# ---------------------------------------------------------------------------------------------------------------------
# -o FILE: a report (or document) written to a file, atomically, never over a file without --force

#: A file's suffix → the format -o writes there when --format is not given.
SUFFIX_FORMATS = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".csv": "csv", ".json": "json",
                  ".txt": "table", ".toml": "toml", ".bib": "bibtex"}
#: The width of a terminal table written to a file (there is no terminal to measure).
FILE_WIDTH = 100
_OUTPUT = "planner.output"  # key of ctx.meta: (path, force, document format) of -o


def output_options(f, document: str | None = None):
    """-o/--output FILE and --force, recorded for :func:`show` and :func:`emit` (not passed to the command).

    --force is eager, so -o can refuse an existing file while the options are parsed, before any work."""
    def remember(ctx, param, value):
        if value is not None and value != "-":
            from ..base.errors import PlannerError
            from ..files.safe import check_output

            try:
                check_output(value, ctx.meta.get(_OUTPUT + ".force", False))
            except PlannerError as e:
                raise click.ClickException(str(e)) from None
            ctx.meta[_OUTPUT] = (value, ctx.meta.get(_OUTPUT + ".force", False), document)
        return value

    def force(ctx, param, value):
        ctx.meta[_OUTPUT + ".force"] = ctx.meta.get(_OUTPUT + ".force", False) or value
        return value

    f = option("--force", is_flag=True, is_eager=True, expose_value=False, callback=force,
                     help="Overwrite FILE of -o if it exists.")(f)
    f = option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
                     expose_value=False, callback=remember,
                     help="Write to FILE instead of stdout (.md, .tex, .csv, .json, .txt"
                          + (f", .{_DOCUMENT_SUFFIX[document]}" if document else "") + ": the format, unless "
                          "--format says; atomically, never over a file without --force).")(f)
    return f


_DOCUMENT_SUFFIX = {"toml": "toml", "bibtex": "bib"}


def _output_file():
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(_OUTPUT) if ctx is not None else None


def output_format(fmt: str) -> str:
    """``fmt``, unless --format was left at its default and -o names a file whose suffix says another format."""
    ctx, target = click.get_current_context(silent=True), _output_file()
    if target is None or ctx.get_parameter_source("fmt") not in (None, click.core.ParameterSource.DEFAULT):
        return fmt
    path, _, document = target
    from pathlib import PurePath

    suffix = PurePath(path).suffix.lower()
    found = SUFFIX_FORMATS.get(suffix)
    if found in ("toml", "bibtex") and found != document:
        found = None
    if found is None:
        known = ", ".join(s for s, f in SUFFIX_FORMATS.items() if f not in ("toml", "bibtex") or f == document)
        raise click.UsageError(f"cannot tell the format of {path!r} from its suffix {suffix or '(none)'!r}: give "
                               f"--format, or a file ending {known}")
    return found


def emit(text: str) -> None:
    """``text`` on stdout, or in the file of -o: written atomically (:func:`planner.files.safe.write_atomic`), never over
    an existing file without --force; stderr says where it went."""
    target = _output_file()
    if target is None:
        from .streams import write_results

        write_results(lambda: click.echo(text, nl=not text.endswith("\n")))
        return
    from ..files.safe import write_atomic

    path, force, _ = target
    write_atomic(path, text if text.endswith("\n") else text + "\n", force)
    click.echo(f"Wrote {path}", err=True)


def write_law_file(output: str, force: bool, fit, boot, *, law_id: str, source: str, command: str) -> None:
    """A fitted law (``fit``, its bootstrap ``boot`` or None) as a law file at ``output``: written atomically and only
    if it loads back; one error line if the fit cannot be a law file; stderr says how to plan with it."""
    from ..base.errors import PresetError
    from ..files.safe import write_atomic
    from ..files.lawfile import load_law_file
    from ..files.lawwriter import law_file_text

    try:
        text = law_file_text(fit, boot, law_id=law_id, source=source, command=command)
        write_atomic(output, text, force, check=load_law_file)  # a file that does not load never appears
    except (PresetError, ValueError) as e:
        raise click.ClickException(f"the fit cannot be written as a law file ({e}); nothing was written "
                                   f"to {output}") from None
    click.echo(f"Wrote {output}; plan with it: plan --law {output} --flops 1e22", err=True)


def dropped_resamples(boot) -> list[str]:
    """The warning that some bootstrap resamples failed, if any did."""
    if boot is None or not boot.n_failed:
        return []
    return [f"{boot.n_failed} of {boot.n_resamples} bootstrap resamples gave no valid fit and were dropped"]


# ---------------------------------------------------------------------------------------------------------------------
# runs files (plan fit, plan plot fit)


def runs_options(f):
    """How to read RUNS: --drop-highest-loss and the column and format overrides (plan fit, plan plot fit)."""
    return with_options(f, [
        option("--drop-highest-loss", type=click.IntRange(0), default=0, metavar="K",
                     help="Leave out the K runs of highest loss (Besiroglu et al. drop 5)."),
        option("--n-params-column", metavar="NAME", help="Column with parameter counts N."),
        option("--tokens-column", metavar="NAME", help="Column with training tokens D."),
        option("--flops-column", metavar="NAME", help="Column with training FLOPs C (D = C/6N if no tokens)."),
        option("--loss-column", metavar="NAME", help="Column with final losses L."),
        option("--input-format", type=click.Choice(("csv", "tsv", "jsonl")),
                     help="Format of RUNS [default: from the extension, else sniffed]."),
    ])


def read_runs_options(runs_file, drop_highest_loss, n_params_column, tokens_column, flops_column, loss_column,
                      input_format):
    """The runs that :func:`runs_options` describe."""
    from ..files.runs import read_runs

    return read_runs(runs_file, n_params=n_params_column, n_tokens=tokens_column, flops=flops_column,
                     loss=loss_column, fmt=input_format).drop_highest_loss(drop_highest_loss)
