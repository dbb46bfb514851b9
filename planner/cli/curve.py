"""``plan curve``: where a run will end, by each method that applies, and what another schedule would give."""

from __future__ import annotations

import click

from .output import Progress, format_option, show, warn
from .schedule_option import SCHEDULE, parse_schedule
from .types import QUANTITY, option, with_options

# Late imports: each command's own machinery (its fitting, its report) is imported inside the command, when it
# runs: plan --help imports every command module, and stays quick.

__all__ = ["curve", "curve_inputs"]


def curve_input_options(f):
    """CURVES and what to read of it: --horizon, --run, --schedule, --batch-tokens and the column names."""
    return with_options(f, [
        click.argument("curves_file", metavar="CURVES", type=click.Path(dir_okay=False, allow_dash=True)),
        option("--horizon", type=QUANTITY, required=True, metavar="TOKENS",
               help="The horizon in tokens at which to predict the run's loss, e.g. 20B."),
        option("--run", "run_id", metavar="ID", help="The run to predict [default: the file's last run]."),
        option("--schedule", "schedule_text", type=SCHEDULE, metavar="SPEC",
               help="The run's schedule to the horizon, e.g. cosine:peak=3e-4,warmup=100M,final=0.1 (horizon from "
                    "--horizon) [default: its learning_rate column]."),
        option("--batch-tokens", type=QUANTITY, metavar="TOKENS",
               help="Tokens per optimiser step [default: the batch_size_in_tokens column]."),
        option("--no-backtest", is_flag=True, help="Skip the rolling back-test (faster; no method is favoured)."),
        option("--run-column", metavar="NAME", help="Column with run ids."),
        option("--n-params-column", metavar="NAME", help="Column with the run's parameter count N."),
        option("--tokens-column", metavar="NAME", help="Column with the tokens seen so far."),
        option("--loss-column", metavar="NAME", help="Column with the loss at each checkpoint."),
        option("--lr-column", metavar="NAME", help="Column with the learning rate at each checkpoint."),
    ])


@click.command("curve")
@curve_input_options
@option("--alternative", "alternatives", type=SCHEDULE, multiple=True, metavar="SPEC",
        help="Another schedule for the same run, e.g. wsd:peak=3e-4,warmup=100M,decay=0.2 (repeatable).")
@format_option
def curve(curves_file, horizon, run_id, schedule_text, alternatives, batch_tokens, no_backtest, run_column,
          n_params_column, tokens_column, loss_column, lr_column, fmt):
    """Predict a run's final loss at a horizon from loss curves, by each method that applies.

    CURVES has one row per checkpoint: run, n_params, tokens so far, loss, and learning_rate where logged. The
    methods: the multi-power law (Luo et al. 2025) and Tissue et al.'s law (2024), fitted on the finished runs of
    the run's size and its own logged part; and L(D) = E + B·D^-beta over the finished runs' final losses. A
    rolling back-test on the finished runs says which to trust. --alternative predicts the same run under
    another schedule, with the difference and its interval.

    \b
    Examples:
      plan curve curves.csv --horizon 38B --run 190M-10x
      plan curve curves.csv --horizon 20B --run mine --schedule cosine:peak=3e-4,warmup=200M,final=0.1
      plan curve curves.csv --horizon 20B --run mine --alternative wsd:peak=3e-4,warmup=200M,decay=0.2
      plan curve curves.csv --horizon 20B --format json -o forecast.json
    """
    from ..fitting.curve_forecast import MIN_OBSERVED_FRACTION, forecast_curve, schedule_alternatives, unseen_decay
    from ..report.curve import curve_report

    runs, target, step, schedule = curve_inputs(curves_file, horizon, run_id, schedule_text, batch_tokens,
                                                run_id=run_column, n_params=n_params_column,
                                                n_tokens=tokens_column, loss=loss_column, learning_rate=lr_column)
    others = [parse_schedule(a, horizon=horizon) for a in alternatives]
    with Progress() as note:
        result = forecast_curve(runs, target, horizon, schedule=schedule, step_tokens=step, backtest=not no_backtest,
                          progress=note)
        alts = schedule_alternatives(runs, target, horizon, others, schedule=schedule, step_tokens=step) \
            if others else ()
    decay = unseen_decay(runs, target, horizon, others, schedule=schedule, step_tokens=step) if others else None
    rule = (f"History rule: a curve law is not extrapolated from a run in progress alone before "
            f"{MIN_OBSERVED_FRACTION:.0%} of its horizon (on the OLMo ladder a 10x run's first 20% alone misses its "
            f"final loss by about 3%, its first 50% by at most 1.2%).")
    show(curve_report(result, alts, rule=rule, warnings=[decay] if decay else []), fmt)


def curve_inputs(curves_file, horizon, chosen, schedule_text, batch_tokens, **columns):
    """What plan curve and plan plot curve read: the curves of CURVES (run trunks; cooldown branches left out with a
    warning), the target run (--run, else the file's last), the tokens per step and the --schedule given."""
    from ..base.errors import RunsError
    from ..files.curve_runs import read_curve_runs

    data = read_curve_runs(curves_file, **columns)
    runs = tuple(r for r in data.runs if not r.branch)  # cooldown branches: plan ladder-points
    if len(runs) < len(data.runs):
        warn([f"{data.source}: {len(data.runs) - len(runs)} cooldown branches left out (a branch's rows start where "
              f"it left its run, so no curve law can follow it); plan ladder-points reads them"])
    if not runs:
        raise RunsError(f"{data.source}: every row belongs to a cooldown branch; plan curve follows runs from their "
                        f"start (rows with an empty branch)")
    target = chosen or runs[-1].run
    if target not in {r.run for r in runs}:
        raise click.BadParameter(f"no run '{target}' in {data.source} (runs: "
                                 f"{', '.join(r.run for r in runs)})", param_hint="--run")
    step = batch_tokens or data.step_tokens.get(target)
    if step is None:
        raise RunsError(f"{data.source} has no batch_size_in_tokens column: give the tokens per optimiser step "
                        f"with --batch-tokens (the curve laws sum the learning rate step by step)")
    schedule = parse_schedule(schedule_text, horizon=horizon) if schedule_text else None
    return runs, target, step, schedule
