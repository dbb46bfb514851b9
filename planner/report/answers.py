"""The questions ``plan`` and ``plan compare`` answer, one function each: the core call and its Report, warnings in it.

:func:`plan` picks the question from what it is given, as the ``plan`` command documents it:

- a constraint (``unique_tokens``, ``inference_tokens``, ``max_params``, ``max_tokens``): plans under them
  (:func:`under_constraints`), or with ``n_params`` and ``n_tokens`` the loss of that run on repeated data
  (:func:`on_repeated_data`);
- ``target_losses``: the least compute that reaches each (:func:`least_compute`);
- ``n_params`` or ``n_tokens``: a what-if beside the optimum, or the exact run without budgets (:func:`what_if`);
  one of them alone, without budgets: the compute-optimal plan of that size or data (:func:`optimal_for`);
- else the compute-optimal plan of each budget (:func:`optimal_plans`), with ``ci``% intervals if asked.

Then the cost on a cluster, suggested hyperparameters and shapes are added (:func:`extended`). Which option
combinations make sense is the command's to check; these functions take plain values and laws the caller loaded
(the repetition constants and the hyperparameter law included: nothing here opens a file), import the core only
when a question needs it (a plain plan loads neither numpy nor the constraint solvers), and print nothing: warnings
come back in the report (:attr:`~planner.report.types.Report.warnings`), for the caller to show.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence, cast

from ..base.errors import (InfeasibleError, NoLossModelError, UnansweredError, UnreachableLossError,
                           UnsupportedLawError)
from ..base.units import as_floats, format_count
from ..planning import checks
from ..planning.plan import compute_optimal
from . import plans as reports
from .types import Report

__all__ = ["plan", "optimal_plans", "optimal_for", "what_if", "least_compute", "under_constraints", "on_repeated_data",
           "compare", "compare_targets", "extended", "tasks"]


def _warned(report: Report, warnings: Sequence[str]) -> Report:
    return dataclasses.replace(report, warnings=tuple(report.warnings) + tuple(warnings)) if warnings else report


#: The questions ``plan`` answers, as :func:`question` names them.
QUESTIONS = ("repeated run", "under constraints", "least compute", "optimal for", "what-if", "optimal")


def question(*, flops: Sequence[float] = (), n_params: float | None = None, n_tokens: float | None = None,
             target_losses: Sequence[float] = (), constrained: bool = False) -> str:
    """Which question ``plan`` answers for these arguments, one of :data:`QUESTIONS`; the one place it is decided
    (the command line validates its options for the question named here, and :func:`plan` answers it)::

        constraints and a run (N, D)     → "repeated run"        the loss of one run on repeated data
        constraints                      → "under constraints"   plans for budgets or target losses
        target losses                    → "least compute"       the least compute for each loss
        N or D alone, no budget          → "optimal for"         the plan whose N (or D) is optimal
        N or D (with budgets, or both)   → "what-if"             the run beside the optimum
        budgets                          → "optimal"             the compute-optimal plans
    """
    if constrained:
        return "repeated run" if n_params else "under constraints"
    if target_losses:
        return "least compute"
    if bool(n_params) != bool(n_tokens) and not flops:
        return "optimal for"
    if n_params or n_tokens:
        return "what-if"
    return "optimal"


def plan(law, flops: Sequence[float] = (), *, n_params: float | None = None, n_tokens: float | None = None,
         target_losses: Sequence[float] = (), unique_tokens: float | None = None,
         inference_tokens: float | None = None, max_params: float | None = None, max_tokens: float | None = None,
         ci: float | None = None, cluster=None, mfu_given: bool = True, budget_note: str | None = None,
         hparams_law=None, shape_settings: dict | None = None, repetition=None) -> Report:
    """The answer to one ``plan`` question (see the module's docstring for which), with ``budget_note`` in the
    footer, then extended with the cost on ``cluster``, hyperparameters from ``hparams_law`` and shapes as asked.
    ``repetition`` is the :class:`~planner.laws.Repetition` to use on limited data (the law's own by default)."""
    if shape_settings is not None and law.plan_fields:
        raise UnsupportedLawError(
            f"--shape builds dense transformer shapes for one N; {law.id} is a mixture of experts, whose shape "
            "follows from its plan by the paper's assumption d_model = 64·n_blocks (d_model = (64·N/(8E + 4))^(1/3), "
            "E·G experts of width 4·d_model/G per block): plan it without --shape")
    asked = question(flops=flops, n_params=n_params, n_tokens=n_tokens, target_losses=target_losses,
                     constrained=bool(unique_tokens or inference_tokens or max_params or max_tokens))
    if asked == "repeated run":
        assert n_params is not None and n_tokens is not None and unique_tokens is not None  # cli.plan checks
        report = on_repeated_data(law, n_params, n_tokens, unique_tokens, repetition)
    elif asked == "under constraints":
        report = under_constraints(law, flops, target_losses, unique_tokens=unique_tokens,
                                   inference_tokens=inference_tokens, max_params=max_params, max_tokens=max_tokens,
                                   repetition=repetition)
    elif asked == "least compute":
        report = least_compute(law, target_losses, ci)
    elif asked == "optimal for":
        report = optimal_for(law, n_params, n_tokens, ci)
    elif asked == "what-if":
        report = what_if(law, flops, n_params, n_tokens)
    else:
        report = optimal_plans(law, flops, ci)
    report = extended(_with_footer_line(report, budget_note), law, cluster, mfu_given, hparams_law, shape_settings)
    return _with_overrides(report, law)


def _with_overrides(report: Report, law) -> Report:
    """Rows of a law with --set overrides carry them (an ``overrides`` object in JSON), as its name does."""
    overrides = dict(getattr(law, "overrides", {}) or {})
    if not overrides:
        return report
    blocks = tuple(dataclasses.replace(b, rows=[dict(r, overrides=overrides) for r in b.rows]) for b in report.blocks)
    return dataclasses.replace(report, blocks=blocks, keys=tuple(report.keys) + ("overrides",))


def optimal_plans(law, flops: Sequence[float], ci: float | None = None) -> Report:
    """The compute-optimal plan of each budget, with central ``ci``% intervals if asked."""
    budgets = list(flops)
    # A list of Python floats keeps numpy off the fast path; one budget or many, one call each.
    with checks.guard(law):
        plans = [compute_optimal(law, C) for C in budgets]
    checks.check_plans(law, plans, budgets=budgets)
    report = reports.plan_report(law, plans)
    if ci is not None:
        # --ci only: the interval reports stay off the plan --flops path
        from .intervals import intervals

        report = intervals(report, [law], budgets, ci)
    warnings = list(_range_warnings(law, plans))
    return _warned(report, warnings + checks.granularity_warnings(law, [getattr(p, "granularity", 1) for p in plans]))


def optimal_for(law, n_params: float | None = None, n_tokens: float | None = None, ci: float | None = None) -> Report:
    """The compute-optimal plan whose N is ``n_params`` (or whose D is ``n_tokens``): the budget at which that size
    (or data) is optimal under the law, its other quantity and its loss; with central ``ci``% intervals (the budget
    too) if asked."""
    # what-ifs only: planning.whatif is off the plan --flops path
    from ..planning import whatif

    with checks.guard(law):
        if n_params:
            plan, given = whatif.optimal_for_params(law, n_params), ("N", "N_opt", n_params)
        else:
            assert n_tokens is not None  # N or D fixes the plan: the caller gives one
            plan, given = whatif.optimal_for_tokens(law, n_tokens), ("D", "D_opt", n_tokens)
    checks.check_plans(law, [plan])
    symbol, optimum, value = given
    other = "D" if symbol == "N" else "N"
    report = reports.plan_report(law, [plan])
    line = (f"Budget: the C at which {symbol} = {format_count(value)} is compute-optimal under {law.id} "
            f"({optimum}(C) = {format_count(value)}, inverted in closed form); {other} is the optimum's at that C.")
    report = dataclasses.replace(report, title=f"Compute-optimal plan for {symbol} = {format_count(value)} · {law.name}",
                                 footer=(line,) + tuple(report.footer))
    if ci is not None:
        # --ci only: the interval reports stay off the plan --flops path
        from .intervals import intervals

        report = intervals(report, [law], [plan.flops], ci, **{"n_params" if n_params else "n_tokens": [value]})
    return _warned(report, _range_warnings(law, [plan]))


def what_if(law, flops: Sequence[float], n_params: float | None = None, n_tokens: float | None = None) -> Report:
    """A model of ``n_params`` (or ``n_tokens`` of data) on each budget beside the optimum of that budget; without
    budgets, the run of ``n_params`` on ``n_tokens`` beside the optimum of its compute."""
    with checks.guard(law):
        return _what_if(law, flops, n_params, n_tokens)


def _what_if(law, flops, n_params, n_tokens) -> Report:
    # what-ifs only: planning.whatif is off the plan --flops path
    from ..planning import whatif

    if not flops:
        runs = [whatif.evaluate(law, n_params, n_tokens)]
        report = reports.whatif_report(law, runs, "This run vs the compute-optimal run", label="this run")
    elif n_params:
        runs = [whatif.plan_with_params(law, C, n_params) for C in flops]
        report = reports.whatif_report(law, runs, f"What-if N = {format_count(n_params)}")
    else:
        runs = [whatif.plan_with_tokens(law, C, n_tokens) for C in flops]
        report = reports.whatif_report(law, runs, f"What-if D = {format_count(n_tokens)}")
    checks.check_plans(law, runs, budgets=list(flops) or None, what="run")
    checks.check_plans(law, [w.optimum for w in runs], what="optimum")
    warnings = list(_range_warnings(law, runs))
    warnings += checks.undertrained_warnings(law, cast(list[float], [w.tokens_per_param for w in runs]),
                                             cast(list[float], [w.optimum.tokens_per_param for w in runs]))
    return _warned(report, warnings)


def least_compute(law, target_losses: Sequence[float], ci: float | None = None) -> Report:
    """The least compute that reaches each target loss, and its optimal N and D; with central ``ci``% intervals
    (of C, N, D and D/N) if asked."""
    # what-ifs only: planning.whatif is off the plan --flops path
    from ..planning.whatif import min_compute_for_loss

    with checks.guard(law):
        plans = [min_compute_for_loss(law, t) for t in target_losses]
    checks.check_plans(law, plans)
    warnings = list(_range_warnings(law, plans))
    report = reports.target_report(law, target_losses, plans)
    if ci is not None:
        # --ci only: the interval reports stay off the plan --flops path
        from .intervals import intervals

        report = intervals(report, [law], [p.flops for p in plans], ci, target_loss=list(target_losses))
    return _warned(report, warnings)


def under_constraints(law, flops: Sequence[float] = (), target_losses: Sequence[float] = (), *,
                      unique_tokens: float | None = None, inference_tokens: float | None = None,
                      max_params: float | None = None, max_tokens: float | None = None, repetition=None) -> Report:
    """The plans of each budget (or else each target loss) under limited data, inference demand and size caps."""
    # constraints only: the solvers of planning.constraints are off the plan --flops path
    from ..planning.constraints import plan_with_constraints
    from .constraints import constrained_report

    problem: dict[str, Any] = dict(flops=flops[0] if len(flops) == 1 else list(flops)) if flops else \
        dict(target_loss=target_losses[0] if len(target_losses) == 1 else list(target_losses))
    with checks.guard(law):
        result = plan_with_constraints(law, **problem, unique_tokens=unique_tokens, max_params=max_params,
                                       max_tokens=max_tokens, inference_tokens=inference_tokens, repetition=repetition)
    checks.check_plans(law, list(result.plans.values()))
    return _warned(constrained_report(law, result), _range_warnings(law, list(result.plans.values())))


def on_repeated_data(law, n_params: float, n_tokens: float, unique_tokens: float, repetition=None) -> Report:
    """The loss of ``n_params`` trained on ``n_tokens`` that repeat ``unique_tokens``, beside its loss on new data."""
    # constraints only: the solvers of planning.constraints are off the plan --flops path
    from ..planning.constraints import repeated_loss
    from .constraints import repeated_report

    with checks.guard(law, "loss"):
        run = repeated_loss(law, n_params, n_tokens, unique_tokens, repetition)
    bad = [k for k in ("epochs", "effective_tokens", "effective_params", "loss", "loss_all_unique")
           if not all(math.isfinite(x) and x > 0 for x in as_floats(getattr(run, k)))]
    if bad:
        raise InfeasibleError(f"--params {n_params:g} on --tokens {n_tokens:g} from --unique-tokens {unique_tokens:g} "
                              f"gives no finite {bad[0].replace('_', ' ')}: the values are too extreme to compute "
                              "with; give them within a few dozen orders of magnitude of each other")
    return _warned(repeated_report(law, run), _range_warnings(law, [run]))


def _range_warnings(law, plans) -> tuple[str, ...]:
    """:func:`planner.planning.checks.plan_warnings` over every plan of an answer at once (one message per quantity,
    "3 of 5 rows are ..."), where each plan carries its own."""
    return tuple(checks.plan_warnings(law, plans))


def compare(laws: Sequence, flops: Sequence[float], ci: float | None = None, cluster=None, mfu_given: bool = True,
            budget_note: str | None = None) -> Report:
    """The compute-optimal plans of several laws at the same budgets (costed on ``cluster`` if given, once per
    budget), with central ``ci``% intervals for the laws that publish uncertainty."""
    budgets = list(flops)
    plans: list[list[Any]] = [[None] * len(laws) for _ in budgets]
    for j, law in enumerate(laws):
        with checks.guard(law):
            for i, C in enumerate(budgets):
                plans[i][j] = compute_optimal(law, C)
        checks.check_plans(law, [row[j] for row in plans], budgets=budgets)
    warnings: list[str] = []
    for j, law in enumerate(laws):
        col = [row[j] for row in plans]
        warnings += _range_warnings(law, col)
        warnings += checks.granularity_warnings(law, [getattr(p, "granularity", 1) for p in col])
    report = _warned(_with_footer_line(reports.compare_report(laws, budgets, plans), budget_note), warnings)
    if cluster is not None:  # the laws share each budget, so they share its cost: once per budget
        # --gpu, --hparams, --shape only: the hardware and shape modules are off the plan --flops path
        from .compute import with_cost_per_budget

        report = with_cost_per_budget(report, cluster, mfu_given)
    if ci is not None:
        # --ci only: the interval reports stay off the plan --flops path
        from .intervals import intervals

        report = intervals(report, laws, budgets, ci)
    return report


def tasks(task_laws, names: Sequence[str] = (), *, n_params: float | None = None, n_tokens: float | None = None,
          flops: Sequence[float] = (), plan_law=None, targets: Sequence[float] = (), ci: float | None = None,
          budget_note: str | None = None) -> Report:
    """``plan --tasks``: the least compute for each target accuracy, else each task's forecast for the run
    (``n_params``, ``n_tokens``) or for ``plan_law``'s compute-optimal split of each budget (:mod:`.tasks`)."""
    # --tasks only: the task reports and forecasts are off the plan --flops path
    from . import tasks as task_reports

    if targets:
        report = task_reports.targets(task_laws, names, targets)
    else:
        report = task_reports.forecasts(task_laws, names, n_params=n_params, n_tokens=n_tokens, flops=flops,
                                        plan_law=plan_law if flops else None, ci=ci)
    return _with_footer_line(report, budget_note)


def compare_targets(laws: Sequence, target_losses: Sequence[float], ci: float | None = None, cluster=None,
                    mfu_given: bool = True) -> Report:
    """The least compute that reaches each target loss under each law, side by side (one block per target; costed on
    ``cluster`` per row, the budgets differing), with central ``ci``% intervals where a law publishes uncertainty.

    A law that cannot answer a target loss (an allocation rule predicts no loss; a mixture of experts needs its
    granularity: :class:`~planner.base.errors.UnansweredError`) is left out, and a target at or below a law's
    irreducible loss is out of its reach: such a law is left out of that target's block, and a warning says why (an
    error if no law is left)."""
    # what-ifs only: planning.whatif is off the plan --flops path
    from ..planning.whatif import min_compute_for_loss

    targets = list(target_losses)
    warnings: list[str] = []
    rules: list[str] = []                                  # allocation rules: no loss model
    refused: dict[str, tuple[UnansweredError, list[str]]] = {}   # other refusals, by template: the laws refusing
    plans: dict[tuple[str, float], Any] = {}
    lossy = []
    for law in laws:
        try:
            for t in targets:
                try:
                    with checks.guard(law):
                        plans[law.id, t] = min_compute_for_loss(law, t)
                except UnreachableLossError as e:
                    warnings.append(str(e))
        except NoLossModelError:
            rules.append(law.id)
        except UnansweredError as e:   # the law cannot answer a target loss at all: left out, with a note
            refused.setdefault(e.template or str(e), (e, []))[1].append(law.id)
        else:
            lossy.append(law)
    notes = [f"{', '.join(rules)} {'is an allocation rule' if len(rules) == 1 else 'are allocation rules'} with "
             "no loss model, so not in a target-loss comparison"] if rules else []
    notes += [e.in_words({"law": " and ".join(ids), e.question: "a target loss", "flops": "--flops"})
              + "; so not in a target-loss comparison" for e, ids in refused.values()]
    warnings[:0] = notes
    if not plans:
        raise (UnreachableLossError if lossy else UnansweredError if refused else NoLossModelError)(
            "no law given reaches " + ("any of these targets" if lossy else "a target: none has a loss model" if not refused
                                  else "a target: " + "; ".join(notes))
            + "; compare laws with a loss model (e.g. besiroglu2024, hoffmann2022, kaplan2020) at targets above "
              "their irreducible losses")
    for law in lossy:
        reached = [plans[law.id, t] for t in targets if (law.id, t) in plans]
        checks.check_plans(law, reached)
        warnings += _range_warnings(law, reached)
    report = reports.compare_targets_report(lossy, targets, plans)
    if cluster is not None:
        report = extended(report, None, cluster, mfu_given)
    if ci is not None:
        by_law = {law.id: [t for t in targets if (law.id, t) in plans] for law in lossy}
        # --ci only: the interval reports stay off the plan --flops path
        from .intervals import intervals

        report = intervals(report, [law for law in lossy if by_law[law.id]], [], ci, target_loss=by_law)
    return _warned(report, warnings)


def extended(report: Report, law, cluster=None, mfu_given: bool = True, hparams_law=None,
             shape_settings: dict | None = None) -> Report:
    """``report`` with the cost on ``cluster``, hyperparameters suggested by ``hparams_law`` (a
    :class:`~planner.laws.hparams.HparamLaw`, e.g. :data:`planner.files.presets.HYPERPARAMETER_PRESET`), and shapes built with
    ``shape_settings``, as asked."""
    if cluster is None and hparams_law is None and shape_settings is None:
        return report
    # --gpu, --hparams, --shape only: the hardware and shape modules are off the plan --flops path
    from .compute import extend

    return extend(report, law, cluster=cluster, mfu_given=mfu_given, hparams_law=hparams_law,
                  shape_settings=shape_settings)


def _with_footer_line(report: Report, line: str | None) -> Report:
    return dataclasses.replace(report, footer=tuple(report.footer) + (line,)) if line else report
