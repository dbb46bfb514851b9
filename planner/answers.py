"""The questions ``plan`` and ``plan compare`` answer, one function each: the core call, its Report, its warnings.

:func:`plan` picks the question from what it is given, as the ``plan`` command documents it:

- a constraint (``unique_tokens``, ``inference_tokens``, ``max_params``, ``max_tokens``): plans under them
  (:func:`under_constraints`), or with ``n_params`` and ``n_tokens`` the loss of that run on repeated data
  (:func:`on_repeated_data`);
- ``target_losses``: the least compute that reaches each (:func:`least_compute`);
- ``n_params`` or ``n_tokens``: a what-if beside the optimum, or the exact run without budgets (:func:`what_if`);
- else the compute-optimal plan of each budget (:func:`optimal_plans`), with ``ci``% intervals if asked.

Then the cost on a cluster, suggested hyperparameters and shapes are added (:func:`planner.extensions.extend`).
Which option combinations make sense is the command's to check; these functions take plain values, import the core
only when a question needs it (a plain plan loads neither numpy nor the constraint solvers), and neither print nor
read files: warnings come back with the report, for the caller to show.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple, Sequence

from . import checks, reports
from .render import Report, as_floats
from .units import format_count

__all__ = ["Answer", "plan", "optimal_plans", "what_if", "least_compute", "under_constraints", "on_repeated_data",
           "compare", "intervals", "extended"]


class Answer(NamedTuple):
    """A report to show and the warnings (one line each) that go with it (a named tuple: quick to define on the
    start-up path of ``plan``)."""

    report: Report
    warnings: tuple[str, ...] = ()


def plan(law, flops: Sequence[float] = (), *, n_params=None, n_tokens=None, target_losses: Sequence[float] = (),
         unique_tokens=None, inference_tokens=None, max_params=None, max_tokens=None, ci=None, cluster=None,
         mfu_given: bool = True, budget_note: str | None = None, hparams: bool = False,
         shape_settings: dict | None = None) -> Answer:
    """The answer to one ``plan`` question (see the module's docstring for which), with ``budget_note`` in the
    footer, then extended with the cost on ``cluster``, hyperparameters and shapes as asked."""
    if unique_tokens or inference_tokens or max_params or max_tokens:
        if n_params:
            answer = on_repeated_data(law, n_params, n_tokens, unique_tokens)
        else:
            answer = under_constraints(law, flops, target_losses, unique_tokens=unique_tokens,
                                       inference_tokens=inference_tokens, max_params=max_params, max_tokens=max_tokens)
    elif target_losses:
        answer = least_compute(law, target_losses)
    elif n_params or n_tokens:
        answer = what_if(law, flops, n_params, n_tokens)
    else:
        answer = optimal_plans(law, flops, ci)
    # Extend before the warnings are shown: a failure here (no shape for so small an N) is then the only line on stderr.
    report = extended(_with_footer_line(answer.report, budget_note), law, cluster, mfu_given, hparams, shape_settings)
    return Answer(report, answer.warnings)


def optimal_plans(law, flops: Sequence[float], ci: float | None = None) -> Answer:
    """The compute-optimal plan of each budget, with central ``ci``% intervals if asked."""
    from .plan import compute_optimal

    budgets = list(flops)
    # A list of Python floats keeps numpy off the fast path; one budget or many, one call each.
    plans = [compute_optimal(law, C) for C in budgets]
    report, warnings = reports.plan_report(law, plans), []
    if ci is not None:
        report, warnings = intervals(report, [law], budgets, ci)
    warnings += checks.fitted_range_warnings(law, flops=budgets, n_params=[p.n_params for p in plans],
                                             n_tokens=[p.n_tokens for p in plans])
    return Answer(report, tuple(warnings))


def what_if(law, flops: Sequence[float], n_params=None, n_tokens=None) -> Answer:
    """A model of ``n_params`` (or ``n_tokens`` of data) on each budget beside the optimum of that budget; without
    budgets, the run of ``n_params`` on ``n_tokens`` beside the optimum of its compute."""
    from . import whatif

    if not flops:
        runs = [whatif.evaluate(law, n_params, n_tokens)]
        report = reports.whatif_report(law, runs, "This run vs the compute-optimal run", label="this run")
    elif n_params:
        runs = [whatif.plan_with_params(law, C, n_params) for C in flops]
        report = reports.whatif_report(law, runs, f"What-if N = {format_count(n_params)}")
    else:
        runs = [whatif.plan_with_tokens(law, C, n_tokens) for C in flops]
        report = reports.whatif_report(law, runs, f"What-if D = {format_count(n_tokens)}")
    warnings = checks.fitted_range_warnings(law, flops=[w.flops for w in runs], n_params=[w.n_params for w in runs],
                                            n_tokens=[w.n_tokens for w in runs])
    warnings += checks.undertrained_warnings(law, [w.tokens_per_param for w in runs],
                                             [w.optimum.tokens_per_param for w in runs])
    return Answer(report, tuple(warnings))


def least_compute(law, target_losses: Sequence[float]) -> Answer:
    """The least compute that reaches each target loss, and its optimal N and D."""
    from .whatif import min_compute_for_loss

    plans = [min_compute_for_loss(law, t) for t in target_losses]
    warnings = checks.fitted_range_warnings(law, flops=[p.flops for p in plans], n_params=[p.n_params for p in plans],
                                            n_tokens=[p.n_tokens for p in plans])
    return Answer(reports.target_report(law, target_losses, plans), tuple(warnings))


def under_constraints(law, flops: Sequence[float] = (), target_losses: Sequence[float] = (), *, unique_tokens=None,
                      inference_tokens=None, max_params=None, max_tokens=None) -> Answer:
    """The plans of each budget (or else each target loss) under limited data, inference demand and size caps."""
    from .constraint_reports import constrained_report
    from .constraints import plan_with_constraints

    problem = dict(flops=flops[0] if len(flops) == 1 else list(flops)) if flops else \
        dict(target_loss=target_losses[0] if len(target_losses) == 1 else list(target_losses))
    result = plan_with_constraints(law, **problem, unique_tokens=unique_tokens, max_params=max_params,
                                   max_tokens=max_tokens, inference_tokens=inference_tokens)
    return Answer(constrained_report(law, result), _range_warnings(law, list(result.plans.values())))


def on_repeated_data(law, n_params, n_tokens, unique_tokens) -> Answer:
    """The loss of ``n_params`` trained on ``n_tokens`` that repeat ``unique_tokens``, beside its loss on new data."""
    from .constraint_reports import repeated_report
    from .constraints import repeated_loss

    run = repeated_loss(law, n_params, n_tokens, unique_tokens)
    return Answer(repeated_report(law, run), _range_warnings(law, [run]))


def _range_warnings(law, plans) -> tuple[str, ...]:
    """:func:`planner.checks.fitted_range_warnings` over the C, N and D that ``plans`` (floats or arrays) have."""
    return tuple(checks.fitted_range_warnings(law, **{key: [x for p in plans for x in as_floats(getattr(p, key))]
                                                      for key in ("flops", "n_params", "n_tokens")
                                                      if hasattr(plans[0], key)}))


def compare(laws: Sequence, flops: Sequence[float], ci: float | None = None, cluster=None, mfu_given: bool = True,
            budget_note: str | None = None) -> Answer:
    """The compute-optimal plans of several laws at the same budgets (costed on ``cluster`` if given), with central
    ``ci``% intervals for the laws that publish uncertainty."""
    from .plan import compute_optimal

    budgets = list(flops)
    plans = [[compute_optimal(law, C) for law in laws] for C in budgets]
    warnings = []
    for j, law in enumerate(laws):
        col = [row[j] for row in plans]
        warnings += checks.fitted_range_warnings(law, flops=budgets, n_params=[p.n_params for p in col],
                                                 n_tokens=[p.n_tokens for p in col])
    report = reports.compare_report(laws, budgets, plans)
    report = extended(_with_footer_line(report, budget_note), None, cluster, mfu_given)
    if ci is not None:
        report, missing = intervals(report, laws, budgets, ci)
        warnings += missing
    return Answer(report, tuple(warnings))


def intervals(report: Report, laws: Sequence, flops: Sequence[float], level: float) -> tuple[Report, list[str]]:
    """``report`` with ``level``% bounds for each law that publishes uncertainty, and a warning for those that do
    not (they get no interval)."""
    from .uncertainty import NoUncertaintyError, plan_intervals

    found, missing = {}, []
    for law in laws:
        try:
            found[law.id] = plan_intervals(law, flops, level)
        except NoUncertaintyError as e:
            missing.append((law.id, str(e)))
    if len(missing) == 1:
        warnings = [missing[0][1]]
    elif missing:
        warnings = [f"no intervals for {', '.join(i for i, _ in missing)}: they publish no uncertainty"]
    else:
        warnings = []
    return reports.with_intervals(report, found, level, [i for i, _ in missing]), warnings


def extended(report: Report, law, cluster=None, mfu_given: bool = True, hparams: bool = False,
             shape_settings: dict | None = None) -> Report:
    """``report`` with the cost on ``cluster``, hyperparameters suggested by the shipped
    :data:`~planner.hparams.HPARAM_PRESET` law, and shapes built with ``shape_settings``, as asked."""
    if cluster is None and not hparams and shape_settings is None:
        return report
    from .extensions import extend

    hparams_law = None
    if hparams:
        from .hparams import HPARAM_PRESET
        from .presets import load_preset

        hparams_law = load_preset(HPARAM_PRESET)
    return extend(report, law, cluster=cluster, mfu_given=mfu_given, hparams_law=hparams_law,
                  shape_settings=shape_settings)


def _with_footer_line(report: Report, line: str | None) -> Report:
    return dataclasses.replace(report, footer=tuple(report.footer) + (line,)) if line else report
