"""``plan versus BASE VARIANT``: is a change worth its compute at the scale we care about?

BASE and VARIANT are each a preset id, a law file (``.toml``) or a runs file fitted on the spot with the options of
``plan fit``. The comparison is :func:`planner.planning.versus.versus` (k(C), the speedup, the crossover), its
intervals :func:`planner.planning.versus.versus_intervals` over both laws' coefficient draws (a runs file's own
bootstrap), the report :func:`planner.report.versus.versus_report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from ..base.conventions import DEFAULT_BOOTSTRAP_RESAMPLES
from ..base.errors import PlannerError
from .errors import message
from .completion import complete_path
from .fit import model_options
from .inputs import read_runs_options, runs_options
from .output import Progress, format_option, show
from .plan_options import budget_options, flops_budgets
from .types import LEVEL, QUANTITY, SEED, Resamples, option, parse_pairs

# Late imports: each command's own machinery (its fitting, its report) is imported inside the command, when it
# runs: plan --help imports every command module, and stays quick.

if TYPE_CHECKING:
    from ..fitting.result import BootstrapResult, FitResult

#: Suffixes of a law file; any other existing file is read as runs.
_LAW_SUFFIXES = (".toml",)


def _is_law_file(text: str) -> bool:
    return Path(text).suffix.lower() in _LAW_SUFFIXES


def _load(text: str, role: str, fit_request, runs_columns: dict, want_samples: bool):
    """The law BASE or VARIANT names: a law file, a runs file (fitted as ``plan fit`` would, bootstrapped only if
    intervals are asked for), or a preset. Returns (law, warnings)."""
    from ..files.presets import load_law_file, load_preset

    if not text.strip():
        raise click.BadParameter("is empty; give a preset id, a law file or a runs file", param_hint=role)
    if text != "-" and not Path(text).exists():
        if _is_law_file(text) or Path(text).suffix.lower() in (".csv", ".tsv", ".jsonl", ".json"):
            raise click.BadParameter(f"no such file {text!r}; give an existing law or runs file, or a preset id",
                                     param_hint=role)
        return load_preset(text), []
    if _is_law_file(text):
        return load_law_file(text), []
    from ..files.lawwriter import law_from_fit
    from ..report.fit import fit_answer

    runs = read_runs_options(text, **runs_columns)
    request = fit_request._replace(errors="bootstrap" if want_samples else "asymptotic",
                                   law_id=Path(text).stem or role.strip("'").lower())
    try:
        with Progress() as progress:  # a bar on stderr once a fit or its bootstrap takes more than a second
            answer = fit_answer(runs, request, progress=progress)
    except PlannerError as e:  # name the file: two are fitted
        raise click.ClickException(f"fitting {role.strip(chr(39))} runs file {text!r}: {message(e)}") from None
    # a parametric fit (FitRequest's default form): its FitResult and BootstrapResult
    law = law_from_fit(cast("FitResult", answer.fit), cast("BootstrapResult | None", answer.boot),
                       law_id=request.law_id, source=Path(runs.source).name)
    return law, [f"{law.id}: {w}" for w in answer.report.warnings]


def _samples(law, seed: int, warnings: list):
    """``law``'s coefficient draws, or None (held at its estimate, with a warning) if it publishes none."""
    from ..planning.uncertainty import coefficient_samples, has_uncertainty

    if not has_uncertainty(law):
        warnings.append(f"{law.id} publishes no uncertainty: its coefficients are held at their estimates, so the "
                        "intervals show the other law's uncertainty only")
        return None
    return coefficient_samples(law, seed=seed)


def comparison_options(f):
    """BASE, VARIANT and how a runs file among them is fitted (as 'plan fit'): --form, --tie, --fix, --objective,
    --huber-delta, --overestimate-penalty, --weights, --weight-by, --bootstrap, --seed and the runs-file options."""
    f = runs_options(f)
    f = option("--seed", type=SEED, default=0, show_default=True,
               help="Seed of the base's bootstrap; the variant's is SEED + 1, so the two resamplings are "
                    "independent.")(f)
    f = option("--bootstrap", "n_boot", type=Resamples(2, 1_000_000), metavar="N",
               help=f"Bootstrap resamples per runs file with --ci [default: {DEFAULT_BOOTSTRAP_RESAMPLES}].")(f)
    f = model_options(f)
    f = option("--form", type=click.Choice(("parametric", "kaplan")), default="parametric", show_default=True,
               help="Law to fit to a runs file (as 'plan fit --form').")(f)
    f = click.argument("variant", metavar="VARIANT", shell_complete=complete_path)(f)
    return click.argument("base", metavar="BASE", shell_complete=complete_path)(f)


def load_pair(base, variant, ci, form, ties, fixes, objective, delta, n_boot, seed, penalty=None, weight_column=None,
              weight_by=None, **runs_columns):
    """(base law, variant law, their draws or None without ``ci``, warnings) for :func:`comparison_options`."""
    from ..fitting.objectives import OVERESTIMATE_PENALTY
    from ..planning.uncertainty import DEFAULT_SEED
    from ..report.fit import FitRequest
    from .fit import check_weighting

    if n_boot and ci is None:
        raise click.UsageError("--bootstrap sets the resamples behind --ci; give --ci LEVEL with it")
    check_weighting(objective, penalty, weight_column, weight_by, isoflop=False, curves=False, compare=False)
    fixes = parse_pairs(fixes, "--fix", "E=1.69")
    request = FitRequest(form=form, tie=tuple(ties), fix=tuple(fixes.items()), objective=objective, delta=delta,
                         n_boot=n_boot or DEFAULT_BOOTSTRAP_RESAMPLES, seed=seed, level=ci or 95.0,
                         penalty=OVERESTIMATE_PENALTY if penalty is None else penalty, weight_column=weight_column,
                         weight_by=weight_by)
    runs_columns["weight_column"] = weight_column
    base_law, warnings = _load(base, "'BASE'", request, runs_columns, ci is not None)
    variant_law, more = _load(variant, "'VARIANT'", request._replace(seed=seed + 1), runs_columns, ci is not None)
    warnings += more
    draws = None
    if ci is not None:
        # The variant's draws from published intervals use the next seed: independent of the base's.
        draws = (_samples(base_law, DEFAULT_SEED, warnings), _samples(variant_law, DEFAULT_SEED + 1, warnings))
        if draws == (None, None):
            raise click.ClickException(f"neither {base_law.id} nor {variant_law.id} publishes an uncertainty, so --ci "
                                       "has nothing to draw from; give a runs file (bootstrapped) or a law with one")
    return base_law, variant_law, draws, warnings


def guarded(fn, base, variant, budgets):
    """``fn()`` after each law's frontier is computed at ``budgets`` on its own, so that a law whose coefficients are
    too extreme to compute with is named in one error line (:func:`planner.planning.checks.guard`); the comparison
    itself is guarded on the base, whose inverse it takes."""
    import numpy as np

    from ..planning import checks, whatif

    for law in (base, variant):
        with checks.guard(law, "frontier"):
            whatif.optimal_loss(law, float(budgets[0]) if len(budgets) == 1 else np.asarray(budgets, dtype=float))
    with checks.guard(base, "comparison"):
        return fn()


def check_range(value, name: str) -> None:
    if value and value[1] < value[0]:
        raise click.BadParameter(f"start must not exceed stop (got {value[0]:g} > {value[1]:g})",
                                 param_hint=f"'{name}'")


@click.command("versus")
@comparison_options
@budget_options
@option("--throughput", type=(QUANTITY, QUANTITY), metavar="BASE_TPS VARIANT_TPS",
        help="Tokens per second of the base and the variant: adds the wall-clock speedup k·tps_var/tps_base.")
@option("--ci", type=LEVEL, metavar="LEVEL",
        help="Central LEVEL% intervals (e.g. 90) on the losses, k, the speedup and the crossover, from both laws' "
             "coefficient draws (a runs file is bootstrapped, each ladder's runs resampled on their own).")
@option("--crossover-range", type=(QUANTITY, QUANTITY), metavar="START STOP",
        help="Look for the crossover over START..STOP FLOPs [default: the budgets' range].")
@format_option
def versus_command(base, variant, flops, flops_range, points, throughput, ci, crossover_range, fmt, **fitting):
    """Compare a VARIANT recipe with a BASE one as a compute multiplier.

    BASE and VARIANT are preset ids, law files (.toml), or runs files (CSV, TSV, JSON lines)
    fitted as 'plan fit' fits them. At each budget: both laws' losses on their compute-optimal
    frontier, the compute multiplier k(C) (the compute the base needs to reach the variant's
    loss at C, over C), with --throughput the wall-clock speedup k·tps_var/tps_base, and the
    crossover budget where the frontiers meet (or "none in range").

    \b
    Examples:
      plan versus hoffmann2022 besiroglu2024 --flops 1e21 --flops 1e24
      plan versus base.csv variant.csv --flops-range 1e19 1e23 --points 5 --ci 90
      plan versus base.toml variant.toml --flops 1e21 --throughput 433986 410000
      plan versus base.csv variant.csv --flops 1e22 --tie alpha=beta --format json
    """
    from ..planning.versus import versus, versus_intervals
    from ..report.versus import versus_report

    budgets = flops_budgets(flops, flops_range, points)
    if not budgets:
        raise click.UsageError("give the budgets to compare at: --flops 1e21 (repeatable) or --flops-range START STOP")
    check_range(crossover_range, "--crossover-range")
    base_law, variant_law, draws, warnings = load_pair(base, variant, ci, **fitting)
    result = guarded(lambda: versus(base_law, variant_law, budgets, throughput, crossover_range), base_law,
                     variant_law, budgets)
    intervals = None
    if draws is not None:
        base_draws, variant_draws = draws
        intervals = guarded(lambda: versus_intervals(base_law, variant_law, budgets, ci, base_draws, variant_draws,
                                                     throughput, crossover_range), base_law, variant_law, budgets)
    show(versus_report(base_law, variant_law, result, intervals, throughput, warnings), fmt)

