"""The options of a plan: budgets (--flops, --flops-range, --points, or --gpu-hours, --days, --usd on the cluster of
--gpu, --gpus, --mfu, --usd-per-gpu-hour) and what parses them, constraints, transformer shapes, task laws, --ci."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import click

from ..base.conventions import DEFAULT_MFU
from ..base.hints import command as suggest
from ..base.units import QUANTITY_RANGE
from ..files.presets import load_chip
from .completion import complete_chip, complete_task, complete_task_law
from .types import ACCURACY, LEVEL, MFU, QUANTITY, QUANTITY_OR_ZERO, option

if TYPE_CHECKING:
    from ..compute.hardware import Cluster

__all__ = ["budget_options", "hardware_options", "cluster_budget_options", "BUDGET_PARAMS", "Budgets", "parse_budgets",
           "flops_budgets", "constraint_options", "shape_options", "shape_settings", "task_options", "ci_option"]


def budget_options(f):
    """--flops, --flops-range and --points."""
    f = option("--points", type=click.IntRange(1, 10_000), default=5, show_default=True, needs=("flops_range",),
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
    # The hardware arithmetic and its report line: only a budget in GPU-hours, days or dollars needs them.
    from ..compute.hardware import flops_for_budget
    from ..report.compute import budget_line

    name, amount, unit = other
    C = float(flops_for_budget(amount, unit, cluster))
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
    for needed, value, what in needs:
        if value is None:
            raise click.UsageError(f"{name} needs {needed} ({what})")
    return name, given[name], _OTHER_BUDGETS[name]


def _cluster(gpu, gpus, mfu, price):
    """The cluster of --gpu/--gpus/--mfu/--usd-per-gpu-hour, or None; the others need --gpu."""
    if gpu is None:
        for value, name in ((gpus, "--gpus"), (mfu, "--mfu"), (price, "--usd-per-gpu-hour")):
            if value is not None:

                raise click.UsageError(f"{name} needs --gpu (the chip, e.g. --gpu h100; list them with "
                                       f"'{suggest('hardware')}')")
        return None
    # only --gpu needs the hardware module
    from ..compute.hardware import Cluster

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


def shape_options(f, needs: tuple[str, ...] = ()):
    """--vocab, --context, --tied-embeddings: what a transformer shape is built with (``needs``: the options without
    which they are refused, as :class:`~planner.cli.types.Once` takes them)."""
    f = option("--tied-embeddings", is_flag=True, needs=needs, help="Share the input and output embedding matrix.")(f)
    f = option("--context", type=click.IntRange(min=1), metavar="TOKENS", needs=needs,
                     help="Training context (sequence length) of the shapes [default: 2048, Chinchilla's].")(f)
    f = option("--vocab", type=click.IntRange(min=1), metavar="TOKENS", needs=needs,
                     help="Vocabulary size of the shapes [default: 32000, Chinchilla's].")(f)
    return f


def shape_settings(vocab, context, tied_embeddings) -> dict:
    """What --vocab, --context and --tied-embeddings ask for, with the defaults of planner.compute.shapes (imported
    only when shapes are asked for), as :func:`planner.compute.shapes.shapes_for` takes them."""
    # only --shape and plan shape need the module
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
