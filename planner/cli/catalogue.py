"""``plan presets``, ``plan presets show``, ``plan cite``, ``plan hardware`` and ``plan shape``: look something up.

What ships with planner (laws, their papers, chips) and the transformer shapes of a parameter count; each command
is a lookup and a report.
"""

from __future__ import annotations

import click

from ..base.units import format_count
from ..compute.shapes import shapes_for
from ..files.presets import DEFAULT_PRESET, list_hardware, list_presets, load_preset, preset_source
from ..report.catalogue import bibtex, citations_report, law_report, presets_report
from ..report.compute import hardware_report, shape_report
from .completion import complete_preset
from .output import format_option, show, show_document
from .plan_options import shape_options, shape_settings
from .types import QUANTITY, option


@click.group(invoke_without_command=True)
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

    show(presets_report(list_presets(), DEFAULT_PRESET), fmt)


@presets.command("show")
@click.argument("preset_id", metavar="ID", shell_complete=complete_preset)
@format_option(document="toml")
def presets_show(preset_id, fmt):
    """Print a preset's law file: coefficients, conventions, citation and notes.

    ID is a preset id or alias, or a law file's path. The law file itself by default (--format toml);
    any other format shows the law as a report.

    \b
    Examples:
      plan presets show epoch
      plan presets show epoch --format json
      plan presets show epoch -o mylaw.toml   a law file to edit
    """
    law = load_preset(preset_id)
    show_document(fmt, "toml", lambda: preset_source(law), lambda: law_report(law))


@click.command()
@click.argument("preset_ids", nargs=-1, metavar="[ID]...", shell_complete=complete_preset)
@format_option(document="bibtex")
def cite(preset_ids, fmt):
    """Print BibTeX for presets (every shipped preset if no ID is given).

    BibTeX by default (--format bibtex); any other format lists the papers as a report.

    \b
    Examples:
      plan cite besiroglu2024
      plan cite chinchilla kaplan2020 -o refs.bib
      plan cite --format markdown
    """
    laws = [load_preset(i) for i in preset_ids] if preset_ids else list_presets()
    show_document(fmt, "bibtex", lambda: bibtex(laws), lambda: citations_report(laws))


@click.command("hardware")
@format_option
def hardware(fmt):
    """List the hardware catalogue: chips, dense BF16 peak FLOP/s and sources.

    \b
    Examples:
      plan hardware
      plan hardware --format json
      plan --flops 1e24 --gpu h100 --gpus 2048 --mfu 0.40 --usd-per-gpu-hour 2.50
    """
    show(hardware_report(list_hardware()), fmt)


@click.command("shape")
@option("--params", "n_params", type=QUANTITY, required=True, metavar="N",
              help="Parameter count to build shapes for, e.g. 7e9 or 7B.")
@option("--count", type=click.Choice(("total", "non-embedding")), default="total", show_default=True,
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
    shapes = shapes_for(n_params, count=count, **shape_settings(vocab, context, tied_embeddings))
    show(shape_report(shapes, count, f"Shapes for N = {format_count(n_params)} {count} parameters"), fmt)
