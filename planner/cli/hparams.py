"""``plan hparams``: every hyperparameter law's learning rate, batch size and warm-up for one plan, side by side;
``plan fit-hparams``: such a law fitted to your own sweep."""

from __future__ import annotations

from typing import Any

import click

from ..fitting.hparams import DEFAULT_NEAR
from .inputs import law_options, load_law
from .output import Progress, format_option, pending_file, show
from .types import QUANTITY, SEED, Number, Resamples, option

# Late imports: each command's own machinery (its fitting, its report) is imported inside the command, when it
# runs: plan --help imports every command module, and stays quick.

#: The sequence length a batch is rounded to when --sequence-length is not given (OLMo-core's and Porian et al.'s).
DEFAULT_SEQUENCE_LENGTH = 2048


def hparam_options(f):
    """--hparams LAW,... (ids, aliases or files), --sequence-length and --power-of-two."""
    f = option("--power-of-two", is_flag=True, help="Round the batch to a power-of-two number of sequences.")(f)
    f = option("--sequence-length", type=click.IntRange(1, 10_000_000), default=DEFAULT_SEQUENCE_LENGTH,
               show_default=True, metavar="TOKENS", help="The trainer's sequence length the batch is rounded to.")(f)
    f = option("--hparams", "hparam_laws", multiple=True, metavar="LAW,LAW,...",
               help="Hyperparameter laws to show (ids, aliases or hparams law files; comma-separated or repeated) "
                    "[default: every shipped law].")(f)
    return f


def load_hparam_laws(items) -> list:
    """The hyperparameter laws of --hparams (each once), or every shipped one."""
    from ..files.presets import list_hparam_laws, load_hparam_law

    names = [i.strip() for item in items for i in item.split(",") if i.strip()]
    if not names:
        return list_hparam_laws()
    laws: dict[str, Any] = {}
    for name in names:
        law = load_hparam_law(name)
        laws.setdefault(law.id, law)
    return list(laws.values())


def resolve_plan(law, flops, n_params, n_tokens) -> tuple[float, float, float | None, str]:
    """(N, D, C or None, where the plan came from) for the options given; a usage error for a combination that is
    not a plan."""
    k = law.flops_per_param_token
    if n_params and n_tokens:
        if flops:
            raise click.UsageError("give --params N --tokens D (that run) or --flops with one of them, not all three")
        return n_params, n_tokens, None, "the run given"
    if flops and (n_params or n_tokens):
        if n_params:
            return n_params, flops / (k * n_params), flops, f"D = C/({k:g}·N)"
        return flops / (k * n_tokens), n_tokens, flops, f"N = C/({k:g}·D)"
    from ..planning.checks import guard

    if flops:
        from ..planning.plan import compute_optimal

        with guard(law):
            plan = compute_optimal(law, flops)
        return float(plan.n_params), float(plan.n_tokens), flops, f"{law.name}'s compute-optimal split"
    if n_params or n_tokens:
        from ..planning.whatif import optimal_for_params, optimal_for_tokens

        with guard(law):
            plan = optimal_for_params(law, n_params) if n_params else optimal_for_tokens(law, n_tokens)
        return float(plan.n_params), float(plan.n_tokens), float(plan.flops), f"{law.name}'s optimum for it"
    raise click.UsageError("give a plan: --flops C (the law's optimum), --params N and/or --tokens D")


@click.command("hparams")
@option("--flops", type=QUANTITY, metavar="C", help="A budget: the scaling law's compute-optimal N and D for it.")
@option("--params", "n_params", type=QUANTITY, metavar="N",
        help="A model of N parameters: with --tokens that run; with --flops, D = C/(6N); alone, its optimum.")
@option("--tokens", "n_tokens", type=QUANTITY, metavar="D", help="D training tokens (as --params).")
@hparam_options
@option("--list", "list_laws", is_flag=True, help="List the shipped hyperparameter laws and exit.")
@law_options
@format_option
def hparams(flops, n_params, n_tokens, hparam_laws, sequence_length, power_of_two, list_laws, preset, law_file, sets,
            fmt):
    """Learning rate, batch size and warm-up for a plan, from every hyperparameter law.

    One row per law (Step Law, Porian et al. as OLMo-core codes it, DeepSeek, and any law
    file 'plan fit-hparams' wrote): the peak learning rate, the batch in tokens with the law's
    5–95% band where it has one, the batch rounded to whole sequences a trainer can run, and
    the warm-up the law's recipe implies. The footer states the spread between the laws and
    how each counts N and its batch. The plan is a run (--params and --tokens) or a scaling
    law's optimum (--flops; --preset/--law choose the law).

    \b
    Examples:
      plan hparams --params 70B --tokens 1.4T
      plan hparams --flops 1e21
      plan hparams --flops 1e22 --preset hoffmann2022 --hparams steplaw,porian
      plan hparams --params 1B --tokens 20B --sequence-length 4096 --power-of-two
      plan hparams --params 7B --tokens 2T --hparams fitted-hparams.toml --format json
      plan hparams --list
    """
    from ..report.hparams import hparams_report, laws_report

    laws = load_hparam_laws(hparam_laws)
    if list_laws:
        show(laws_report(laws), fmt)
        return
    law = load_law(preset, law_file, sets)
    N, D, C, note = resolve_plan(law, flops, n_params, n_tokens)
    exact = n_params and (n_tokens or flops) or (n_tokens and flops)
    show(hparams_report(laws, N, D, C, sequence_length=sequence_length, power_of_two=power_of_two, plan_note=note,
                        plan_parameters=None if exact else law.parameters), fmt)


@click.command("fit-hparams")
@click.argument("sweep_file", metavar="SWEEP", type=click.Path(dir_okay=False, allow_dash=True))
@option("--near", type=Number(0, 1, high_open=True, what="a fraction of the best loss"), default=DEFAULT_NEAR,
        show_default=True, help="The near-optimal set: configurations within this fraction of their (N, D)'s best "
                                "loss (Step Law: 0.25%).")
@option("--bootstrap", "n_resamples", type=Resamples(0, 100_000), default=1000, show_default=True,
        metavar="N", help="Bootstrap refits over the (N, D) points for the 5–95% intervals (0: none).")
@option("--seed", type=SEED, default=0, show_default=True, help="Seed of the bootstrap.")
@option("-o", "--output", metavar="FILE", help="Write the fitted law to FILE (a hyperparameter-law file for "
                                               "--hparams).")
@option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@option("--id", "law_id", metavar="ID", help="Id of the written law [default: FILE's stem].")
@option("--n-params-column", metavar="NAME", help="Column with parameter counts N.")
@option("--tokens-column", metavar="NAME", help="Column with training tokens D.")
@option("--lr-column", metavar="NAME", help="Column with the peak learning rate.")
@option("--batch-column", metavar="NAME", help="Column with the batch size in tokens.")
@option("--loss-column", metavar="NAME", help="Column with the final loss.")
@option("--input-format", type=click.Choice(("csv", "tsv", "jsonl")),
        help="Format of SWEEP [default: from the extension, else sniffed].")
@format_option(file_option=False)
def fit_hparams(sweep_file, near, n_resamples, seed, output, force, law_id, n_params_column, tokens_column, lr_column,
                batch_column, loss_column, input_format, fmt):
    """Fit learning-rate and batch-size power laws in N and D to your own sweep.

    SWEEP has one row per trained configuration: columns n_params, tokens, learning_rate,
    batch_tokens (the batch in tokens) and loss (other names with the --*-column options).
    For each (N, D): the best configuration and the near-optimal set (within --near of the
    best loss, as Step Law does); then ln η and ln B regressed on ln N and ln D over those
    sets, with bootstrap intervals. -o writes a law file 'plan hparams --hparams FILE',
    'plan --hparams FILE' and 'plan design --hparams FILE' accept.

    \b
    Examples:
      plan fit-hparams sweep.csv
      plan fit-hparams sweep.csv --near 0.005 --bootstrap 200 --format json
      plan fit-hparams sweep.csv -o my-hparams.toml
      plan hparams --params 7B --tokens 2T --hparams my-hparams.toml
    """
    from pathlib import Path

    from ..files.runs import read_sweep
    from ..fitting.hparams import fit_hparams as fit, hparam_law_from_fit
    from ..report.hparams import fit_report

    sweep = read_sweep(sweep_file, fmt=input_format, n_params=n_params_column, tokens=tokens_column,
                       learning_rate=lr_column, batch_tokens=batch_column, loss=loss_column)
    with Progress() as progress:
        result = fit(sweep, near=near, n_resamples=n_resamples, seed=seed, progress=progress)
    from ..files.hparamfile import hparam_law_file_text, parse_hparam_law_text

    source = Path(sweep.source).name
    pending = pending_file(output, force, lambda: hparam_law_file_text(
        hparam_law_from_fit(result, law_id or Path(output or "").stem, source)), parse_hparam_law_text,
        "a hyperparameter-law file", ("use it", "hparams", "--params", "1B", "--tokens", "20B", "--hparams", "{output}"))
    show(fit_report(result, source), fmt)
    if pending is not None:
        pending.write()
