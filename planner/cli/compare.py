"""``plan compare``: the compute-optimal plans of several laws at the same budgets, side by side."""

from __future__ import annotations

import click

from ..report import answers
from .inputs import laws_options, load_laws
from .output import format_option, show
from .plan_options import budget_options, ci_option, cluster_budget_options, parse_budgets
from .types import LOSS, option


@click.command()
@budget_options
@cluster_budget_options
@option("--target-loss", "targets", type=LOSS, multiple=True, metavar="LOSS",
        help="Instead of a budget: the least compute that reaches this loss under each law (repeatable).")
@laws_options
@ci_option
@format_option
def compare(targets, preset_list, law_files, ci, fmt, **budget_options):
    """Compare the compute-optimal plans of several laws at the same budgets.

    One row per law (N, D, tokens per parameter, predicted loss, and how the law counts N), a
    summary of the spread, and one block per budget. The laws: --preset (comma-separated or
    repeated) and --law files (repeatable); every shipped preset without either.

    \b
    Examples:
      plan compare --flops 1e21
      plan compare --flops 1e24 -q          the table and the warnings that matter, no footer
      plan compare --flops 1e21 --preset besiroglu2024,hoffmann2022,kaplan2020
      plan compare --flops 1e22 --preset epoch --law mylaw.toml
      plan compare --flops-range 1e21 1e23 --points 3 --format markdown
      plan compare --flops 1e24 --preset epoch,chinchilla --ci 80
      plan compare --target-loss 2.1 --preset epoch,chinchilla,kaplan2020
      plan compare --flops 1e21 --gpu h100 --gpus 1024 --usd-per-gpu-hour 2.5
    """
    budgets = parse_budgets(**budget_options)
    if targets and budgets.flops:
        raise click.UsageError(f"--target-loss finds each law's budget itself: give it without {budgets.option}")
    if not (budgets.flops or targets):
        raise click.UsageError("give a budget: --flops 1e21 or --flops-range START STOP (or --gpu-hours, --days, "
                               "--usd), or --target-loss LOSS")
    laws = load_laws(preset_list, law_files)
    if targets:
        show(answers.compare_targets(laws, targets, ci, budgets.cluster, budgets.mfu_given), fmt)
    else:
        show(answers.compare(laws, budgets.flops, ci, budgets.cluster, budgets.mfu_given, budgets.note), fmt)
