"""What a command reads: the law of --preset, --law and --set (or the laws of a comparison), and a runs file with
its column options."""

from __future__ import annotations

import click

from ..files.presets import DEFAULT_PRESET, list_presets, load_law_file, load_preset
from .completion import complete_preset, complete_presets
from ..base.hints import command as suggest
from .types import Text, option, parse_pairs, with_options

#: --preset's type: an empty id is refused, naming what to give.
PRESET_TEXT = Text(lambda: f"a preset id (list them with '{suggest('presets')}') or a law file")

__all__ = ["law_options", "load_law", "laws_options", "load_laws", "runs_options", "read_runs_options"]


def law_options(f):
    """--preset, --law and --set, shared by every command that plans with one law."""
    f = option("--set", "sets", multiple=True, metavar="NAME=VALUE",
                     help="Override one coefficient, e.g. --set alpha=0.35 (repeatable).")(f)
    f = option("--law", "law_file", type=click.Path(dir_okay=False), metavar="FILE",
                     help="A law file in the preset format (see 'plan presets show').")(f)
    f = option("--preset", "-p", metavar="ID", shell_complete=complete_preset, type=PRESET_TEXT,
               help=f"Preset id or alias [default: {DEFAULT_PRESET}].")(f)
    return f


def load_law(preset, law_file, sets):
    """The law chosen by ``--preset`` / ``--law`` with ``--set`` overrides."""
    if preset is not None and law_file is not None:
        raise click.UsageError("give --preset or --law, not both")
    for given, name in ((preset, "--preset"), (law_file, "--law")):
        if given is not None and not given.strip():
            raise click.BadParameter(f"is empty; give a preset id (list them with '{suggest('presets')}') or a law file",
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
                      input_format, weight_column=None, compute_only=False):
    """The runs that :func:`runs_options` describe (with ``weight_column``, their weights too; ``compute_only``: a
    file of FLOPs and loss alone is accepted)."""
    # the runs parser imports csv, json and planner.fitting
    from ..files.runs import read_runs

    return read_runs(runs_file, n_params=n_params_column, n_tokens=tokens_column, flops=flops_column,
                     loss=loss_column, fmt=input_format, weight=weight_column,
                     compute_only=compute_only).drop_highest_loss(drop_highest_loss)

