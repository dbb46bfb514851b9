"""``plan fit``: fit a law to your own runs (``plan design``, the runs to train, is :mod:`planner.cli.design`).

Thin commands: the options map to a :class:`~planner.report.fit.FitRequest`, and one call answers it
(:func:`~planner.report.fit.fit_answer`, :func:`~planner.report.fit.compare_answer`,
:func:`~planner.report.isoflop.allocation_answer`: read, fit, bootstrap, back-test, report); the law file is written by
:func:`planner.cli.output.pending_law_file`. numpy and scipy load only when one of these commands runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..base.conventions import DEFAULT_BOOTSTRAP_RESAMPLES, HUBER_DELTA
from ..fitting.objectives import OVERESTIMATE_PENALTY
from ..files.safe import check_output
from ..report.fit import DEFAULT_REPORT_BUDGETS, FitRequest, compare_answer, dropped_resamples, fit_answer
from ..report.isoflop import allocation_answer
from .completion import complete_path
from .envelope import fit_envelope_command
from .inputs import read_runs_options, runs_options
from .isoflop import approach_options, read_approach_runs
from .joint import check_joint, fit_joint_command
from .output import Progress, command_line, format_option, show, warn, pending_law_file, written_law_id
from .schedule_option import parse_schedule
from .types import LEVEL, QUANTITY, SEED, Number, Resamples, option, parse_pairs, with_options


# ---------------------------------------------------------------------------------------------------------------------
# option groups

#: --tie, --fix and --holdout, as every command that fits a loss law takes them (plan fit, plan fit-tasks): one home.
TIE = option("--tie", "ties", multiple=True, metavar="NAME=NAME",
             help="Fit two coefficients as one, e.g. --tie alpha=beta (Gadre et al. 2024; repeatable).")
FIX = option("--fix", "fixes", multiple=True, metavar="NAME=VALUE",
             help="Hold a coefficient fixed, e.g. --fix E=1.69 (repeatable).")
HOLDOUT = option("--holdout", type=click.IntRange(min=1), metavar="K",
                 help="Back-test: fit without the K runs of largest compute and predict them.")


def model_options(f):
    """How the law is fitted: --tie, --fix, --objective, --huber-delta, --overestimate-penalty, --weights,
    --weight-by."""
    return with_options(f, [
        TIE,
        FIX,
        option("--objective", type=click.Choice(("huber-log", "least-squares", "asymmetric")), default="huber-log",
                     show_default=True,
                     help="Huber on log L (Hoffmann et al.), least squares on L (Gadre et al.'s curve fit), or "
                          "Huber on log L with over-predictions penalised (OLMo-core's ladder analysis)."),
        option("--huber-delta", "delta", type=Number(0, 10, low_open=True, what="a Huber delta"), default=HUBER_DELTA,
                     show_default=True, help="Huber delta of --objective huber-log and asymmetric."),
        option("--overestimate-penalty", "penalty", type=Number(1, 1e6, what="a penalty factor"), metavar="K",
                     help=f"How many times --objective asymmetric counts an over-predicted run "
                          f"[default: {OVERESTIMATE_PENALTY:g}, OLMo-core's recommendation for a lower-bound law]."),
        option("--weights", "weight_column", metavar="COLUMN",
                     help="Weight each run's term of the objective by this column of the runs file."),
        option("--weight-by", type=click.Choice(("compute",)),
                     help="Weight each run by sqrt(C), as OLMo-core's ladder analysis does."),
    ])


def errors_options(f):
    """How the errors are got: --errors, --bootstrap, --seed, --level."""
    return with_options(f, [
        option("--errors", type=click.Choice(("bootstrap", "asymptotic")), default="bootstrap",
                     show_default=True,
                     help="Bootstrap errors and intervals, or asymptotic (Gauss-Newton) errors, which understate "
                          "them on few runs."),
        option("--bootstrap", "n_boot", type=Resamples(1, 1_000_000), metavar="N",
                     help=f"Bootstrap resamples (seeded; e.g. 4000) [default: {DEFAULT_BOOTSTRAP_RESAMPLES}]."),
        option("--seed", type=SEED, default=0, show_default=True,
                     help="Seed of the bootstrap resampling."),
        option("--level", type=LEVEL, default=95.0,
                     show_default=True, help="Interval level in percent."),
    ])


def backtest_options(f):
    """Whom to trust: --holdout, --holdout-above, --compare, --rollout, --drop-outliers."""
    return with_options(f, [
        HOLDOUT,
        option("--holdout-above", type=QUANTITY, metavar="FLOPS",
                     help="Back-test: fit without the runs above FLOPS and predict them."),
        option("--compare", is_flag=True,
                     help="Fit the free and the alpha = beta law, Kaplan's form and Approach 2 on the same runs; "
                          "one row each."),
        option("--rollout", type=click.Choice(("size", "compute")), metavar="size|compute",
                     help="Rolling back-test: fit on the smallest model sizes (or compute levels), predict the next, "
                          "expand; says whether the error grows with the distance of the extrapolation."),
        option("--drop-outliers", is_flag=True,
                     help="Refit without the runs the outlier check names (log-residual beyond 3.5 robust standard "
                          "deviations, 1.4826 x MAD, of the median) and report how the plans moved."),
    ])


def check_weighting(objective, penalty, weight_column, weight_by, isoflop, curves, compare):
    """Usage errors of --overestimate-penalty, --weights and --weight-by."""
    if penalty is not None and objective != "asymmetric":
        raise click.UsageError("--overestimate-penalty is the factor of --objective asymmetric; add that, or drop it")
    if weight_column and weight_by:
        raise click.UsageError("give --weights COLUMN or --weight-by compute, not both")
    for given, name in ((weight_column, "--weights"), (weight_by, "--weight-by"),
                        (objective == "asymmetric", "--objective asymmetric")):
        if given and (isoflop or curves or compare):
            other = "--isoflop" if isoflop else "--curves" if curves else "--compare"
            raise click.UsageError(f"{name} is for the parametric and Kaplan fits; it does not combine with {other}")


def _check_combinations(form, isoflop, curves, ties, fixes, errors, n_boot, holdout, holdout_above, compare, output,
                        drop_outliers=False):
    """Usage errors for options that do not go together."""
    approach = "--curves" if curves else "--isoflop" if isoflop else None
    if approach and drop_outliers:
        raise click.UsageError(f"--drop-outliers checks the residuals of a loss law, which {approach} does not fit")
    if compare and drop_outliers:
        raise click.UsageError("--compare fits its own estimators; it does not combine with --drop-outliers")
    if isoflop and curves:
        raise click.UsageError("--isoflop (Approach 2, final losses) and --curves (Approach 1, training curves) are "
                               "two different fits; give one")
    if approach and form != "parametric":
        raise click.UsageError(f"{approach} fits an allocation rule; it does not combine with --form")
    if approach and (ties or fixes):
        raise click.UsageError(f"--tie and --fix are for the parametric and Kaplan fits, not {approach}")
    if approach and (holdout or holdout_above):
        raise click.UsageError(f"--holdout predicts losses, which an allocation rule ({approach}) does not give")
    if approach and errors == "asymptotic" and n_boot:
        raise click.UsageError("--bootstrap sets the resamples; it does not combine with --errors asymptotic")
    if errors == "asymptotic" and n_boot:
        raise click.UsageError("--bootstrap sets the resamples of --errors bootstrap; it does not combine with "
                               "--errors asymptotic")
    if holdout and holdout_above:
        raise click.UsageError("give --holdout K or --holdout-above FLOPS, not both")
    if compare:
        for given, name in ((form != "parametric", "--form"), (isoflop, "--isoflop"), (curves, "--curves"), (ties, "--tie"),
                            (fixes, "--fix"), (output is not None, "-o"), (n_boot, "--bootstrap")):
            if given:
                raise click.UsageError(f"--compare fits its own estimators; it does not combine with {name}")
    if output == "-":  # the report is on stdout; a law file named '-' is never what was meant
        raise click.UsageError("-o - would write a file named '-'; give a file name like -o mylaw.toml")


# ---------------------------------------------------------------------------------------------------------------------
# plan fit


@click.command("fit")
@click.argument("runs_files", metavar="RUNS...", nargs=-1, required=True, shell_complete=complete_path)
@option("-o", "--output", metavar="FILE", help="Write the fitted law to FILE (TOML, loadable with --law); with several "
        "runs files a template, one law file per ladder: -o '{stem}-joint.toml'.")
@option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@option("--form", type=click.Choice(("parametric", "kaplan")), default="parametric", show_default=True,
        help="Law to fit: Chinchilla's E + A/N^alpha + B/D^beta, or Kaplan's Eq. 1.5.")
@option("--isoflop", is_flag=True,
        help="Hoffmann's Approach 2 instead: a minimum per isoFLOP budget, then N_opt = G*C^a.")
@option("--envelope", is_flag=True,
        help="The loss-against-compute envelope L(C) = E + A*C^-alpha instead (the lowest loss per compute; "
             "pin the asymptote with --fix E=1.6, as marin does); for 'plan versus'.")
@option("--share", multiple=True, metavar="NAMES",
        help="Fit two or more runs files (ladders) at once with these coefficients common, e.g. --share E or "
             "--share alpha,beta (repeatable): their coefficients and the compute multipliers between them.")
@approach_options
@model_options
@errors_options
@backtest_options
@option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
        help="Budgets to plan at in the report (repeatable) [default: 1e20, 1e22, 1e24].")
@runs_options
@option("--id", "law_id", metavar="ID", help="Id of the written law [default: FILE's stem].")
@format_option(file_option=False)  # -o is the law file here
def fit_command(runs_files, output, force, law_id, fmt, **options):
    """Fit a scaling law to your own runs (CSV, TSV or JSON lines; - for stdin).

    One row per finished run with its parameters, tokens or training FLOPs, and final loss.
    Columns named n_params/params/N, tokens/n_tokens/D, flops/C and loss/L are found
    automatically. The fit follows Hoffmann et al.'s Approach 3 as Besiroglu et al. redid it:
    Huber (delta 1e-3) on log loss, summed, minimised by variable projection (the scales
    solved exactly on a grid of exponents, then L-BFGS in every coefficient); errors and
    intervals from 500 seeded bootstrap resamples. Runs whose residual is far outside the
    rest are named in a warning (--drop-outliers refits without them). Two or more runs files
    with --share are fitted at once with those coefficients common, and the compute
    multipliers between them reported (the first file is the base).

    \b
    Examples:
      plan fit runs.csv
      plan fit runs.csv -o mylaw.toml && plan --law mylaw.toml --flops 1e22
      plan fit runs.csv --bootstrap 4000 --seed 42 --flops 1e22
      plan fit ladder.csv --tie alpha=beta --objective least-squares
      plan fit ladder.csv --objective asymmetric --weight-by compute
      plan fit runs.csv --fix E=1.69
      plan fit runs.csv --holdout 2 --flops 1e24
      plan fit runs.csv --drop-outliers --flops 1e24
      plan fit ladder.csv --rollout size --format json
      plan fit runs.csv --compare --flops 1e22 --flops 1e24
      plan fit runs.jsonl --form kaplan
      plan fit isoflop_runs.csv --isoflop --bootstrap 1000
      plan fit curves.csv --curves --run-column run --bootstrap 1000
      plan fit optima.csv --envelope --fix E=1.6 -o baseline.toml
      plan fit c4.csv rw.csv rpj.csv --share E --tie alpha=beta -o '{stem}-joint.toml'
    """
    o = options
    fixes = parse_pairs(o["fixes"], "--fix", "E=1.69")
    if len(runs_files) > 1 or o["share"]:  # several ladders at once: a command of its own, planner.cli.joint
        check_joint({**o, "force": force}, runs_files, output, law_id)
        check_weighting(o["objective"], o["penalty"], None, None, False, False, False)
        if o["errors"] == "asymptotic" and o["n_boot"]:
            raise click.UsageError("--bootstrap sets the resamples of --errors bootstrap; it does not combine with "
                                   "--errors asymptotic")
        return fit_joint_command(
            runs_files, output=output, force=force, share=o["share"], ties=tuple(o["ties"]), fixes=fixes,
            objective=o["objective"], delta=o["delta"],
            penalty=OVERESTIMATE_PENALTY if o["penalty"] is None else o["penalty"],
            n_boot=0 if o["errors"] == "asymptotic" else (o["n_boot"] or DEFAULT_BOOTSTRAP_RESAMPLES), seed=o["seed"],
            level=o["level"], budgets=list(o["flops"]) or list(DEFAULT_REPORT_BUDGETS), fmt=fmt,
            command=command_line(click.get_current_context(), skip=("output", "force", "fmt")),
            **{name: o[name] for name in READ_PARAMS})
    runs_file = runs_files[0]
    _check_combinations(o["form"], o["isoflop"], o["curves"], o["ties"], fixes, o["errors"], o["n_boot"],
                        o["holdout"], o["holdout_above"], o["compare"], output, o["drop_outliers"])
    check_weighting(o["objective"], o["penalty"], o["weight_column"], o["weight_by"], o["isoflop"], o["curves"],
                     o["compare"])
    if o["rollout"] and (o["isoflop"] or o["curves"] or o["compare"]):
        raise click.UsageError("--rollout back-tests a loss law; it does not combine with "
                               + ("--isoflop" if o["isoflop"] else "--curves" if o["curves"] else "--compare"))
    if output is not None:
        check_output(output, force)  # before the fit, which can take minutes (and an empty name is refused)
    command = command_line(click.get_current_context(), skip=("output", "force", "fmt"))
    if o["envelope"]:  # the loss-against-compute envelope, a command of its own: planner.cli.envelope
        _check_envelope(o)
        return fit_envelope_command(
            runs_file, output=output, force=force, fixes=fixes,
            n_boot=0 if o["errors"] == "asymptotic" else (o["n_boot"] or DEFAULT_BOOTSTRAP_RESAMPLES), seed=o["seed"],
            level=o["level"], budgets=list(o["flops"]) or list(DEFAULT_REPORT_BUDGETS),
            law_id=written_law_id(output, law_id), fmt=fmt, command=command, **{name: o[name] for name in READ_PARAMS})
    request = _request(o, fixes, written_law_id(output, law_id))
    read = {name: o[name] for name in READ_PARAMS}
    if request.approach:  # Hoffmann's Approaches 2 and 1
        runs = read_approach_runs(runs_file, o["curves"], budget_column=o["budget_column"],
                                  run_column=o["run_column"], **read)
        with Progress() as progress:
            answer = allocation_answer(runs, request, progress=progress)
    else:
        runs = read_runs_options(runs_file, **read, weight_column=o["weight_column"])
        if o["compare"]:
            with Progress() as progress:
                show(compare_answer(runs, request, progress=progress), fmt)
            return
        with Progress() as progress:
            answer = fit_answer(runs, request, progress=progress)
        warn(dropped_resamples(answer.boot))
    pending = pending_law_file(output, force, answer.fit, answer.boot, law_id=request.law_id,
                               source=Path(runs.source).name, command=command)   # checked before the report shows
    show(answer.report, fmt)
    if pending is not None:
        pending.write()


#: The options of :func:`planner.cli.inputs.runs_options`: how RUNS is read.
READ_PARAMS = ("drop_highest_loss", "n_params_column", "tokens_column", "flops_column", "loss_column", "input_format")


def _request(o: dict, fixes: dict, law_id: str) -> FitRequest:
    """``plan fit``'s options as the :class:`~planner.report.fit.FitRequest` they ask for. The parametric and Kaplan
    fits bootstrap by default; Approaches 1 and 2 only when --bootstrap is given."""
    approach = "curves" if o["curves"] else "isoflop" if o["isoflop"] else ""
    if approach:
        n_boot = 0 if o["errors"] == "asymptotic" else (o["n_boot"] or 0)
    else:
        n_boot = o["n_boot"] or DEFAULT_BOOTSTRAP_RESAMPLES
    return FitRequest(form=o["form"], tie=tuple(o["ties"]), fix=tuple(fixes.items()), objective=o["objective"],
                      delta=o["delta"], errors=o["errors"], n_boot=n_boot, seed=o["seed"], level=o["level"],
                      budgets=tuple(o["flops"]) or DEFAULT_REPORT_BUDGETS, holdout=o["holdout"],
                      holdout_above=o["holdout_above"], law_id=law_id, approach=approach,
                      isoflop_method=o["isoflop_method"], isoflop_window=o["isoflop_window"],
                      allow_budget_mismatch=o["allow_budget_mismatch"],
                      schedule=parse_schedule(o["curve_schedule"], horizon=1e30) if o["curve_schedule"] else None,
                      drop_outliers=o["drop_outliers"],
                      penalty=OVERESTIMATE_PENALTY if o["penalty"] is None else o["penalty"],
                      weight_column=o["weight_column"], weight_by=o["weight_by"], rollout=o["rollout"])


def _check_envelope(o: dict) -> None:
    """--envelope fits L(C) alone: the options of the other fits are usage errors with it."""
    for given, name in ((o["isoflop"] or o["curves"], "--isoflop/--curves"), (o["ties"], "--tie"),
                        (o["compare"], "--compare"), (o["holdout"] or o["holdout_above"], "--holdout"),
                        (o["form"] != "parametric", "--form"), (o["rollout"], "--rollout"),
                        (o["drop_outliers"], "--drop-outliers"),
                        (o["weight_column"] or o["weight_by"], "--weights/--weight-by"),
                        (o["objective"] == "asymmetric", "--objective asymmetric")):
        if given:
            raise click.UsageError(f"--envelope fits L(C) = E + A*C^-alpha; it does not combine with {name}")
