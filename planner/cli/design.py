"""``plan design``: the runs to train before a fit, and how to run each: an isoFLOP grid, or a ladder of sizes at
multiples of their horizon (separate runs, or a stepped warmup-stable-decay run per size), each rung with its
learning rate, batch, warm-up, shape, wall-clock and cost."""

from __future__ import annotations

import click

from .hparams import DEFAULT_SEQUENCE_LENGTH
from .inputs import law_options, load_law
from .output import format_option, show
from .plan_options import budget_options, flops_budgets, hardware_options, parse_budgets
from .types import QUANTITY, Number, option

# Late imports: each command's own machinery (its fitting, its report) is imported inside the command, when it
# runs: plan --help imports every command module, and stays quick.


def _quantities(items, option_name: str) -> list[float]:
    """Comma-separated or repeated quantities (7B, 1e9) of ``option_name``; a usage error naming it otherwise."""
    from ..base.errors import PlannerError
    from ..base.units import parse_quantity

    out = []
    for word in (w.strip() for item in items for w in item.split(",")):
        if word:
            try:
                out.append(parse_quantity(word))
            except PlannerError as e:
                raise click.BadParameter(str(e), param_hint=f"'{option_name}'") from None
    return out


@click.command("design")
@budget_options
@option("--models", "n_models", type=click.IntRange(3, 1000), default=9, show_default=True,
        help="Model sizes per budget (isoFLOP grid).")
@option("--span", type=Number(1, 1e6, low_open=True, what="a ratio of sizes"), default=16.0, show_default=True,
        help="Ratio of the largest to the smallest size per budget (centred on the prior's N_opt).")
@option("--params", "sizes", multiple=True, metavar="N,N,...",
        help="A ladder instead of a grid: these model sizes (comma-separated or repeated), each at --multiples of "
             "its horizon.")
@option("--multiples", default="1", show_default=True, metavar="M,M,...",
        help="Multiples of each size's horizon D₁ to train to, e.g. 0.5,1,2,4,8.")
@option("--schedule", type=click.Choice(["separate", "wsd-s"]), default="separate", show_default=True,
        help="separate: one run per rung; wsd-s: one stepped warmup-stable-decay run per size, decaying at each "
             "multiple (OLMo-core's ladder).")
@option("--decay-fraction", type=Number(0, 0.5, low_open=True, high_open=True, what="a fraction"), default=0.1,
        show_default=True, help="The part of each period (or run) spent decaying.")
@option("--tokens-per-param", type=QUANTITY, metavar="R",
        help="Horizon D₁ = R·N (OLMo-core: 20) [default: the law's compute-optimal D for N].")
@option("--hparams", "hparam_law", metavar="LAW",
        help="Add each rung's learning rate, batch and warm-up from this hyperparameter law (see 'plan hparams').")
@option("--sequence-length", type=click.IntRange(1, 10_000_000), default=DEFAULT_SEQUENCE_LENGTH, show_default=True,
        metavar="TOKENS", help="The sequence length batches are counted in.")
@option("--power-of-two", is_flag=True, help="Round each batch to a power-of-two number of sequences.")
@hardware_options
@law_options
@format_option
def design(flops, flops_range, points, n_models, span, sizes, multiples, schedule, decay_fraction, tokens_per_param,
           hparam_law, sequence_length, power_of_two, gpu, gpus, mfu, price, preset, law_file, sets, fmt):
    """Propose the runs to train for a fit, and how to run each.

    An isoFLOP grid for 'plan fit --isoflop' (--flops: sizes log-spaced around the prior law's
    compute-optimal N, each with D = C/(6N)), or a ladder (--params: sizes, each trained to
    --multiples of its horizon D₁). --schedule wsd-s trains one stepped warmup-stable-decay
    run per size, decaying at each multiple, and reports the tokens saved against separate
    runs. --hparams adds each rung's learning rate, batch (whole sequences) and warm-up;
    --gpu (with --gpus, --usd-per-gpu-hour) its GPU-hours, days and cost. The CSV has one
    row per rung with the steps a launcher needs.

    \b
    Examples:
      plan design --flops 1e18 --flops 1e19 --flops 1e20
      plan design --flops-range 1e18 1e20 --points 3
      plan design --flops 1e19 --models 7 --span 10 --format csv > grid.csv
      plan design --flops 1e19 --hparams porian2024-olmo --gpu h100 --gpus 8
      plan design --params 60M,150M,400M,1B --schedule wsd-s --multiples 0.5,1,2,4,8
      plan design --params 190M,370M --schedule wsd-s --multiples 0.5,1,2,4,8 --tokens-per-param 20
          --hparams porian2024-olmo --gpu h100 --gpus 64 --usd-per-gpu-hour 2 --format csv
    """
    from ..report.compute import parameter_count

    law = load_law(preset, law_file, sets)
    cluster = parse_budgets((), None, 5, None, None, None, gpu, gpus, mfu, price).cluster
    hlaw = None
    if hparam_law is not None:
        from ..files.presets import load_hparam_law

        hlaw = load_hparam_law(hparam_law)
    count = parameter_count(law)
    settings = dict(hparam_law=hlaw, cluster=cluster, count=count, sequence_length=sequence_length,
                    power_of_two=power_of_two)
    budgets = flops_budgets(flops, flops_range, points)
    if sizes:
        if budgets:
            raise click.UsageError("give --params (a ladder) or --flops (an isoFLOP grid), not both")
        show(_ladder(law, _quantities(sizes, "--params"), multiples, schedule, decay_fraction, tokens_per_param,
                     settings), fmt)
        return
    if schedule != "separate" or multiples != "1" or tokens_per_param is not None:
        raise click.UsageError("--schedule, --multiples and --tokens-per-param lay out a ladder: give its sizes "
                               "with --params")
    if not budgets:
        raise click.UsageError("give the grid's budgets: --flops C (repeatable) or --flops-range START STOP, or a "
                               "ladder's sizes: --params N,N,...")
    import dataclasses

    from ..fitting import design_isoflop
    from ..report.fit import design_report
    from ..report.ladder import run_columns, run_footer, with_run_settings

    report = design_report(design_isoflop(budgets, law, n_models=n_models, span=span), law, span)
    if hlaw is None and cluster is None:    # the grid alone: its CSV is the runs file plan fit reads back
        show(report, fmt)
        return
    block = report.blocks[0]
    rows = with_run_settings(block.rows, **settings)
    columns, keys = run_columns(hlaw is not None, True, cluster)
    report = dataclasses.replace(report, blocks=(dataclasses.replace(block, rows=rows),),
                                 columns=tuple(report.columns) + columns, keys=tuple(report.keys) + keys,
                                 footer=tuple(report.footer) + tuple(run_footer(hlaw, cluster, count,
                                                                                sequence_length, "each run's N and D",
                                                                                law)))
    show(report, fmt)


def _ladder(law, sizes, multiples, schedule, decay_fraction, tokens_per_param, settings):
    from ..base.errors import QuantityError
    from ..planning.ladder import plan_ladder
    from ..planning.whatif import optimal_for_params
    from ..report.ladder import ladder_report

    ms = _quantities([multiples], "--multiples")
    k = law.flops_per_param_token
    if tokens_per_param is not None:
        horizons = [tokens_per_param * N for N in sizes]
        note = f"{tokens_per_param:g} tokens per parameter"
    else:
        from ..planning.checks import guard

        with guard(law):
            horizons = [float(optimal_for_params(law, N).n_tokens) for N in sizes]
        note = f"{law.name}'s compute-optimal D for each N"
    try:
        lad = plan_ladder(sizes, horizons, ms, schedule, decay_fraction)
    except QuantityError as e:
        raise click.BadParameter(str(e), param_hint="'--multiples'") from None
    return ladder_report(lad, law, note, k, **settings)
