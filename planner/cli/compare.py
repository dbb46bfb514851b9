"""``plan compare``: the compute-optimal plans of several laws at the same budgets, side by side."""

from __future__ import annotations

import click

from .options import budget_options, ci_option, cluster_budget_options, format_option, option, parse_budgets, show


@click.command()
@budget_options
@cluster_budget_options
@option("--preset", "-p", "preset_list", multiple=True, metavar="ID,ID,...",
              help="Laws to compare, comma-separated or repeated [default: every shipped preset].")
@ci_option
@format_option
def compare(preset_list, ci, fmt, **budget_options):
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
    from ..report import answers

    budgets = parse_budgets(**budget_options)
    if not budgets.flops:
        raise click.UsageError("give a budget: --flops 1e21 or --flops-range START STOP (or --gpu-hours, --days, --usd)")
    laws = _laws(preset_list)
    show(answers.compare(laws, budgets.flops, ci, budgets.cluster, budgets.mfu_given, budgets.note), fmt)


def _laws(preset_list):
    """The presets of ``--preset`` (comma-separated or repeated, each once), or every shipped preset."""
    from ..presets import list_presets, load_preset

    ids = [i.strip() for item in preset_list for i in item.split(",") if i.strip()]
    return [load_preset(i) for i in dict.fromkeys(ids)] if ids else list_presets()
