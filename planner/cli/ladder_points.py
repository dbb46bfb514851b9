"""``plan ladder-points``: one (N, D, loss) point per decay end of warmup-stable-decay runs, for ``plan fit``, and the
tokens the shared trunks saved."""

from __future__ import annotations

import click

from .output import format_option, show
from .types import option

# Late imports: each command's own machinery (its fitting, its report) is imported inside the command, when it
# runs: plan --help imports every command module, and stays quick.

__all__ = ["ladder_points_command"]


@click.command("ladder-points")
@click.argument("curves_file", metavar="CURVES", type=click.Path(dir_okay=False, allow_dash=True))
@option("--run-column", metavar="NAME", help="Column with run ids.")
@option("--branch-column", metavar="NAME", help="Column naming each row's cooldown branch (empty on the trunk).")
@option("--n-params-column", metavar="NAME", help="Column with the run's parameter count N.")
@option("--tokens-column", metavar="NAME", help="Column with the tokens seen so far.")
@option("--loss-column", metavar="NAME", help="Column with the loss at each checkpoint.")
@option("--lr-column", metavar="NAME", help="Column with the learning rate at each checkpoint.")
@format_option
def ladder_points_command(curves_file, run_column, branch_column, n_params_column, tokens_column, loss_column,
                          lr_column, fmt):
    """One (N, D, loss) point per decay end of WSD runs, for plan fit, and the tokens saved.

    CURVES has one row per checkpoint, as plan curve reads it (run, n_params, tokens, loss, learning_rate where
    logged), and a branch column naming the cooldown branch each row belongs to (empty on the run's stable
    trunk). Each branch gives its last checkpoint; a trunk whose logged rate decays (a stepped WSD run) gives each
    checkpoint where a decay ends. The tokens saved: separate runs to each point against the trunk once plus each
    decay. With -o points.csv the points are a runs file for plan fit.

    \b
    Examples:
      plan ladder-points wsd-curves.csv
      plan ladder-points wsd-curves.csv -o points.csv && plan fit points.csv
      plan ladder-points stepped.csv --lr-column optim/learning_rate_group0 --format json
    """
    from ..files.curve_runs import read_curve_runs
    from ..fitting.branches import ladder_points
    from ..report.ladder_points import ladder_points_report

    data = read_curve_runs(curves_file, run_id=run_column, n_params=n_params_column, n_tokens=tokens_column,
                           loss=loss_column, learning_rate=lr_column, branch=branch_column)
    show(ladder_points_report(ladder_points(data.runs), source=data.source), fmt)
