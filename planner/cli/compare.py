"""``plan compare``: the compute-optimal plans of several laws at the same budgets, side by side."""

from __future__ import annotations

import click

from .options import budget_options, ci_option, cluster_budget_options, format_option, laws_options, load_laws, parse_budgets, show


@click.command()
@budget_options
@cluster_budget_options
@laws_options
@ci_option
@format_option
def compare(preset_list, law_files, ci, fmt, **budget_options):
    """Compare the compute-optimal plans of several laws at the same budgets.

    One row per law (N, D, tokens per parameter, predicted loss, and how the law counts N), a
    summary of the spread, and one block per budget. The laws: --preset (comma-separated or
    repeated) and --law files (repeatable); every shipped preset without either.

    \b
    Examples:
      plan compare --flops 1e21
      plan compare --flops 1e21 --preset besiroglu2024,hoffmann2022,kaplan2020
      plan compare --flops 1e22 --preset epoch --law mylaw.toml
      plan compare --flops-range 1e21 1e23 --points 3 --format markdown
      plan compare --flops 1e24 --preset epoch,chinchilla --ci 80
      plan compare --flops 1e21 --gpu h100 --gpus 1024 --usd-per-gpu-hour 2.5
    """
    from ..report import answers

    budgets = parse_budgets(**budget_options)
    if not budgets.flops:
        raise click.UsageError("give a budget: --flops 1e21 or --flops-range START STOP (or --gpu-hours, --days, --usd)")
    laws = load_laws(preset_list, law_files)
    show(answers.compare(laws, budgets.flops, ci, budgets.cluster, budgets.mfu_given, budgets.note), fmt)
