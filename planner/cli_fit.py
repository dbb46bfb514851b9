"""``plan fit`` and ``plan design``: fit a law to your own runs; propose runs to train.

Thin commands over :mod:`planner.runs` (read), :mod:`planner.fit` (fit, bootstrap, design)
and :mod:`planner.lawfile` (law file text). Registered on the ``plan`` group by cli.py.
numpy and scipy load only when one of these commands runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from .cli import QUANTITY, cli, law_options, load_law
from .cli_plot import output_options, plot
from .units import format_count, format_flops, format_loss, format_ratio

#: Budgets the report plans at when no --flops is given.
DEFAULT_REPORT_BUDGETS = (1e20, 1e22, 1e24)


def _warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def _progress_bar(total: int):
    """A rich progress bar on stderr, and the callback that advances it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    # Off when stderr is not a terminal: there a transient bar only leaves a stray blank line in the log.
    progress = Progress(TextColumn("bootstrap"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True, disable=not console.is_terminal)
    task = progress.add_task("bootstrap", total=total)
    return progress, lambda done, _total: progress.update(task, completed=done)


def _law_id(output: str | None, given: str | None) -> str:
    if given:
        return given
    if output:
        return Path(output).stem
    return "fitted"


def _plan_rows(fit, boot, budgets):
    from .plan import compute_optimal

    rows = []
    for C in budgets:
        p = compute_optimal(fit.model, C)
        row = {"flops": float(C), "n_params": float(p.n_params), "n_tokens": float(p.n_tokens),
               "tokens_per_param": float(p.tokens_per_param), "loss": None if p.loss is None else float(p.loss)}
        if boot is not None:
            for key, (lo, hi) in boot.plan_intervals(C).items():
                row[f"{key}_low"], row[f"{key}_high"] = lo, hi
        rows.append(row)
    return rows


def _report_json(fit, boot, rows, runs) -> str:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    out = {
        "source": runs.source, "form": fit.form, "n_runs": fit.n_runs, "method": fit.method,
        "coefficients": dict(fit.coefficients), "standard_errors": dict(fit.standard_errors),
        "standard_error_method": fit.standard_error_method,
        "exponents": {"a": fit.exponents[0], "b": fit.exponents[1]},
        "residuals": dict(fit.residuals), "data_range": {k: list(v) for k, v in fit.data_range.items()},
        "objective": fit.objective, "converged": fit.converged, "n_starts": fit.n_starts,
        "n_distinct_optima": fit.n_distinct_optima, "warnings": list(fit.warnings), "plans": rows,
    }
    if boot is not None:
        out["bootstrap"] = {"n_resamples": boot.n_resamples, "n_failed": boot.n_failed, "seed": boot.seed,
                            "level": boot.level, "intervals": {k: list(v) for k, v in boot.intervals.items()},
                            "standard_errors": dict(boot.standard_errors), "method": boot.method}
    return json.dumps(clean(out), indent=2)


def _fmt_coef(name: str, v: float) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    if name in ("A", "B", "N_c", "D_c", "coefficient"):
        return f"{v:.5g}" if abs(v) < 1e6 else f"{v:.4e}"
    return f"{v:.4g}"


def _report_table(fit, boot, rows, runs) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    console.print(Text(f"Fit · {fit.form} law · {fit.n_runs} runs from {Path(runs.source).name}", style="italic"),
                  soft_wrap=True)
    t = Table(box=box.SIMPLE_HEAD)
    t.add_column("coefficient")
    t.add_column("estimate", justify="right")
    t.add_column("std. error", justify="right")
    if boot is not None:
        t.add_column(f"{boot.level:g}% interval", justify="right")
    for name, value in fit.coefficients.items():
        se = boot.standard_errors[name] if boot is not None else fit.standard_errors.get(name)
        cells = [name, _fmt_coef(name, value), _fmt_coef(name, se)]
        if boot is not None:
            lo, hi = boot.intervals[name]
            cells.append(f"{_fmt_coef(name, lo)} – {_fmt_coef(name, hi)}")
        t.add_row(*cells)
    console.print(t)

    p = Table(title="Compute-optimal plans with this law", box=box.SIMPLE_HEAD, title_justify="left")
    for header in ("FLOPs C", "params N", "tokens D", "tokens/param", "loss*"):
        p.add_column(header, justify="right")
    for row in rows:
        def cell(key, fmt):
            text = fmt(row[key]) if row.get(key) is not None else "—"
            if f"{key}_low" in row:
                text += f" ({fmt(row[key + '_low'])}–{fmt(row[key + '_high'])})"
            return text
        p.add_row(format_flops(row["flops"]), cell("n_params", format_count), cell("n_tokens", format_count),
                  cell("tokens_per_param", format_ratio), cell("loss", format_loss))
    console.print(p)

    a, b = fit.exponents
    rng = fit.data_range
    res = fit.residuals
    lines = [
        f"Exponents: N_opt ∝ C^{a:.4f}, D_opt ∝ C^{b:.4f}.",
        f"Residuals of log L: RMS {res['rms']:.4f}, max |r| {res['max_abs']:.4f}"
        + (f"; RMS in loss {res['rms_loss']:.4f} nats." if "rms_loss" in res else "."),
        f"Fitted on N {format_count(rng['n_params'][0])}–{format_count(rng['n_params'][1])}, "
        f"D {format_count(rng['n_tokens'][0])}–{format_count(rng['n_tokens'][1])}, "
        f"C {format_flops(rng['flops'][0])}–{format_flops(rng['flops'][1])}"
        + (f" ({', '.join(runs.derived)} derived with C = {runs.flops_per_param_token:g}·N·D)." if runs.derived else "."),
        f"Method: {fit.method}"
        + (f"; {fit.n_distinct_optima} distinct end points; objective {fit.objective:.6g}" if fit.n_starts else "")
        + ("." if fit.converged else "; NOT converged."),
        "Std. errors: " + (f"bootstrap ({boot.n_resamples} resamples, seed {boot.seed}; {boot.n_failed} failed); "
                           f"intervals are percentiles" if boot is not None else fit.standard_error_method) + ".",
    ]
    if boot is not None:
        lines.append(f"Plan ranges in brackets: {boot.level:g}% bootstrap percentiles.")
    lines.append("* Loss in the runs' own units (nats/token on their data); beyond the fitted range it is an extrapolation.")
    for line in lines:
        console.print(Text(line, style="dim"), soft_wrap=False)


def runs_options(f):
    """How to read RUNS: --drop-highest-loss and the column and format overrides (plan fit, plan plot fit)."""
    options = [
        click.option("--drop-highest-loss", type=click.IntRange(0), default=0, metavar="K",
                     help="Leave out the K runs of highest loss (Besiroglu et al. drop 5)."),
        click.option("--n-params-column", metavar="NAME", help="Column with parameter counts N."),
        click.option("--tokens-column", metavar="NAME", help="Column with training tokens D."),
        click.option("--flops-column", metavar="NAME", help="Column with training FLOPs C (D = C/6N if no tokens)."),
        click.option("--loss-column", metavar="NAME", help="Column with final losses L."),
        click.option("--input-format", type=click.Choice(("csv", "tsv", "jsonl")),
                     help="Format of RUNS [default: from the extension, else sniffed]."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def read_runs_options(runs_file, drop_highest_loss, n_params_column, tokens_column, flops_column, loss_column,
                      input_format):
    """The runs that :func:`runs_options` describe."""
    from .runs import read_runs

    return read_runs(runs_file, n_params=n_params_column, n_tokens=tokens_column, flops=flops_column,
                     loss=loss_column, fmt=input_format).drop_highest_loss(drop_highest_loss)


@cli.command("fit")
@click.argument("runs_file", metavar="RUNS")
@click.option("-o", "--output", metavar="FILE", help="Write the fitted law to FILE (TOML, loadable with --law).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("--form", type=click.Choice(("parametric", "kaplan")), default="parametric", show_default=True,
              help="Law to fit: Chinchilla's E + A/N^alpha + B/D^beta, or Kaplan's Eq. 1.5.")
@click.option("--isoflop", is_flag=True,
              help="Hoffmann's Approach 2 instead: a parabola per isoFLOP budget, then N_opt = G*C^a.")
@click.option("--bootstrap", "n_boot", type=click.IntRange(0, 1_000_000), default=0, metavar="N",
              help="Refit on N resamples of the runs for percentile intervals (e.g. 4000).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the bootstrap resampling.")
@click.option("--level", type=click.FloatRange(0, 100, min_open=True, max_open=True), default=95.0,
              show_default=True, help="Interval level in percent.")
@click.option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS",
              help="Budgets to plan at in the report (repeatable) [default: 1e20, 1e22, 1e24].")
@runs_options
@click.option("--id", "law_id", metavar="ID", help="Id of the written law [default: FILE's stem].")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True,
              help="Output format.")
def fit_command(runs_file, output, force, form, isoflop, n_boot, seed, level, flops, drop_highest_loss,
                n_params_column, tokens_column, flops_column, loss_column, input_format, law_id, fmt):
    """Fit a scaling law to your own runs (CSV, TSV or JSON lines; - for stdin).

    One row per finished run with its parameters, tokens or training FLOPs, and final loss.
    Columns named n_params/params/N, tokens/n_tokens/D, flops/C and loss/L are found
    automatically. The fit follows Hoffmann et al.'s Approach 3 as Besiroglu et al. redid it:
    Huber (delta 1e-3) on log loss, L-BFGS from 4,500 starts, best kept.

    \b
    Examples:
      plan fit runs.csv
      plan fit runs.csv -o mylaw.toml && plan --law mylaw.toml --flops 1e22
      plan fit runs.csv --bootstrap 4000 --seed 42 --flops 1e22
      plan fit runs.jsonl --form kaplan
      plan fit isoflop_runs.csv --isoflop
    """
    from . import fit as fitting
    from .files import check_output, write_atomic
    from .lawfile import law_file_text
    from .presets import load_law_file

    if isoflop and form != "parametric":
        raise click.UsageError("--isoflop fits Approach 2's allocation rule; it does not combine with --form")
    if isoflop and n_boot:
        raise click.UsageError("--bootstrap is for the parametric and Kaplan fits, not --isoflop")
    if output == "-":  # the report is on stdout; a law file named '-' is never what was meant
        raise click.UsageError("-o - would write a file named '-'; give a file name like -o mylaw.toml")
    if output:
        check_output(output, force)  # before the fit, which can take minutes

    runs = read_runs_options(runs_file, drop_highest_loss, n_params_column, tokens_column, flops_column, loss_column,
                             input_format)
    N, D, L = runs.n_params, runs.n_tokens, runs.loss
    if isoflop:
        result = fitting.fit_isoflop(N, D, L, flops=runs.flops, flops_per_param_token=runs.flops_per_param_token)
    elif form == "kaplan":
        result = fitting.fit_kaplan(N, D, L, flops_per_param_token=runs.flops_per_param_token)
    else:
        result = fitting.fit_parametric(N, D, L, flops_per_param_token=runs.flops_per_param_token)
    for message in result.warnings:
        _warn(message)

    boot = None
    if n_boot:
        progress, callback = _progress_bar(n_boot)
        with progress:
            boot = fitting.bootstrap(N, D, L, n_resamples=n_boot, seed=seed, fit=result, form=result.form,
                                     level=level, progress=callback)
        if boot.n_failed:
            _warn(f"{boot.n_failed} of {boot.n_resamples} bootstrap resamples gave no valid fit and were dropped")

    budgets = list(flops) or list(DEFAULT_REPORT_BUDGETS)
    rows = _plan_rows(result, boot, budgets)
    if fmt == "json":
        click.echo(_report_json(result, boot, rows, runs))
    else:
        _report_table(result, boot, rows, runs)

    if output:
        command = "plan fit " + " ".join(
            [Path(runs.source).name] + ([f"--form {form}"] if form != "parametric" else [])
            + (["--isoflop"] if isoflop else []) + ([f"--drop-highest-loss {drop_highest_loss}"] if drop_highest_loss else [])
            + ([f"--bootstrap {n_boot} --seed {seed}"] if n_boot else []))
        from .errors import PresetError

        try:
            text = law_file_text(result, boot, law_id=_law_id(output, law_id), source=Path(runs.source).name,
                                 command=command)
            write_atomic(output, text, force, check=load_law_file)  # a file that does not load never appears
        except (PresetError, ValueError) as e:
            raise click.ClickException(f"the fit cannot be written as a law file ({e}); nothing was written "
                                       f"to {output}") from None
        click.echo(f"Wrote {output}; plan with it: plan --law {output} --flops 1e22", err=True)


@cli.command("design")
@click.option("--flops", type=QUANTITY, multiple=True, metavar="FLOPS", required=True,
              help="A budget of the isoFLOP grid (repeatable), e.g. --flops 1e18 --flops 1e19.")
@click.option("--models", "n_models", type=click.IntRange(3, 1000), default=9, show_default=True,
              help="Model sizes per budget.")
@click.option("--span", type=click.FloatRange(1, min_open=True), default=16.0, show_default=True,
              help="Ratio of the largest to the smallest size per budget (centred on the prior's N_opt).")
@law_options
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table", show_default=True,
              help="Output format (csv is a runs-file template for plan fit).")
def design_command(flops, n_models, span, preset, law_file, sets, fmt):
    """Propose an isoFLOP grid of runs to train for 'plan fit --isoflop'.

    For each budget, sizes log-spaced around the prior law's compute-optimal N (default law
    unless --preset/--law), each with D = C/(6N) tokens.

    \b
    Examples:
      plan design --flops 1e18 --flops 1e19 --flops 1e20
      plan design --flops 1e19 --models 7 --span 10 --format csv > grid.csv
    """
    from .fit import design_isoflop
    from .render import Column, table

    law = load_law(preset, law_file, sets)
    d = design_isoflop(list(flops), prior=law, n_models=n_models, span=span)
    rows = [{"flops": float(c), "n_params": float(n), "n_tokens": float(t), "tokens_per_param": float(t / n)}
            for c, n, t in zip(d.flops, d.n_params, d.n_tokens)]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    elif fmt == "csv":
        click.echo("flops,n_params,n_tokens,loss")
        for r in rows:
            click.echo(f"{r['flops']:.6g},{r['n_params']:.6g},{r['n_tokens']:.6g},")
    else:
        cols = (Column("flops", "FLOPs C", format_flops), Column("n_params", "params N", format_count),
                Column("n_tokens", "tokens D", format_count), Column("tokens_per_param", "tokens/param", format_ratio))
        table(rows, cols, title=f"IsoFLOP design · centred on {law.id}",
              footer=[f"Train each run, record its final loss, then: plan fit runs.csv --isoflop "
                      f"(or the parametric fit).", f"Sizes span a factor {span:g} around {law.id}'s N_opt(C); "
                      f"C = {law.flops_per_param_token:g}·N·D."])


@plot.command("fit")
@click.argument("runs_file", metavar="RUNS")
@click.option("--form", type=click.Choice(("parametric", "kaplan")), default="parametric", show_default=True,
              help="Law to fit, as 'plan fit --form'.")
@click.option("--preset", "-p", metavar="ID", help="Diagnose this preset on RUNS instead of fitting a law.")
@click.option("--law", "law_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Diagnose this law file (e.g. one 'plan fit -o' wrote) on RUNS instead of fitting a law.")
@runs_options
@output_options
def plot_fit(runs_file, form, preset, law_file, output, force, **read):
    """Fit diagnostics for RUNS: predicted against observed loss, and residuals against N.

    Fits the law to RUNS as 'plan fit' does, or takes one with --preset or --law.

    \b
    Examples:
      plan plot fit runs.csv -o fit.png
      plan plot fit runs.csv --law mylaw.toml -o fit.svg
    """
    from .plots import fit_figure, require_matplotlib, save_figure

    require_matplotlib()
    runs = read_runs_options(runs_file, **read)
    if preset or law_file:
        law = load_law(preset, law_file, ())
        model, label = law.model, f"{law.id} on {Path(runs.source).name}"
        caption = f"Law: {law.short_citation}."
    else:
        from . import fit as fitting

        fitter = fitting.fit_kaplan if form == "kaplan" else fitting.fit_parametric
        result = fitter(runs.n_params, runs.n_tokens, runs.loss, flops_per_param_token=runs.flops_per_param_token)
        for message in result.warnings:
            _warn(message)
        model, label = result.model, f"{form} fit to {Path(runs.source).name}"
        caption = f"Fit: {result.method}." if result.method else ""
    derived = f"; {', '.join(runs.derived)} derived from the other columns" if runs.derived else ""
    runs_line = f"Runs: {runs.source}, {len(runs)} runs{derived}."
    fig = fit_figure(runs.n_params, runs.n_tokens, runs.loss, model, label=label, caption=" ".join((caption, runs_line)))
    click.echo(f"wrote {save_figure(fig, output, force)}", err=True)
