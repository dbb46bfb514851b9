"""Compute-optimal plans: the one call most users need.

``compute_optimal(law, flops)`` takes a :class:`~planner.laws.Law` (or a bare law
family from :mod:`planner.laws`) and a float or array of budgets, and returns a
:class:`Plan` of the same shape (a :class:`MoEPlan`, with active parameters and granularity, for a mixture of
experts). A plan carries its guarantees: it is checked (finite, and spending its budget under the law's FLOP rule,
:func:`planner.planning.checks.check_plans`) and its ``warnings`` say where it extrapolates past the law's fitted
range or sits at the edge of a search, as the command line prints them.
"""

from dataclasses import field
from typing import Any

from ..base.records import Record, record

from ..base.units import Real, as_floats, check_positive, format_count, format_flops, format_loss, format_ratio
from ..laws.questions import asking, family_of
from . import checks

# No ``from __future__ import annotations``: a dataclass with string annotations costs more to make (see
# planner/laws/law.py), and Plan is made on every run of ``plan``.

__all__ = ["Plan", "MoEPlan", "compute_optimal", "optimal_split"]


@record   # a frozen dataclass made on every run of ``plan`` (planner.base.records)
class Plan(Record):
    """A training run: budget, size, data, and the law's predicted loss.

    flops : training compute C in FLOPs.
    n_params : N, counted as the law counts it (total or non-embedding).
    n_tokens : D, training tokens.
    tokens_per_param : D / N.
    loss : predicted loss in nats/token on the law's own data set, or None where the law
        has no loss model. Indicative only: not comparable across laws fitted on different data.
    """

    flops: Real
    n_params: Real
    n_tokens: Real
    tokens_per_param: Real
    loss: Real | None = None
    #: The law it was planned with (None for a plan made by hand): the source of its :attr:`warnings`.
    planned_with: object = field(default=None, repr=False, compare=False)

    #: The fields, in the order records and tables show them.
    FIELDS = ("flops", "n_params", "n_tokens", "tokens_per_param", "loss")

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why to read it with care, one sentence each, as the command line prints them beside it: an extrapolation
        past the law's fitted range, an optimum at the largest granularity searched. Worked out when asked (on 10^6
        budgets they cost more than the plan)."""
        if self.planned_with is None:
            return ()
        law = self.planned_with
        return tuple(checks.plan_warnings(law, [self])
                     + checks.granularity_warnings(law, as_floats(getattr(self, "granularity", None))))

    def __repr__(self) -> str:
        # notebooks only: planner.base.notebook imports html, off the plan --flops path
        from ..base.notebook import shown

        return (f"Plan(flops={shown(self.flops, format_flops)}, n_params={shown(self.n_params, format_count)}, "
                f"n_tokens={shown(self.n_tokens, format_count)}, loss={shown(self.loss, format_loss)})")

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain Python: floats, or lists of floats for arrays (``loss`` None without a loss model)."""
        # notebooks only: planner.base.notebook imports html, off the plan --flops path
        from ..base.notebook import floats_or_lists

        return {name: floats_or_lists(getattr(self, name)) for name in self.FIELDS}

    def to_records(self) -> list[dict[str, float | None]]:
        """One dict per budget, raw floats under the field names: ``pandas.DataFrame(plan.to_records())`` is a table
        (planner itself does not need pandas)."""
        columns = [as_floats(getattr(self, name)) if getattr(self, name) is not None else None
                   for name in self.FIELDS]
        n = max(len(c) for c in columns if c is not None)
        columns = [c * n if c is not None and len(c) == 1 else c for c in columns]
        return [{name: (None if c is None else float(c[i])) for name, c in zip(self.FIELDS, columns)}
                for i in range(n)]

    def _repr_html_(self) -> str:
        # notebooks only: planner.base.notebook imports html, off the plan --flops path
        from ..base.notebook import html_table

        fmts = (format_flops, format_count, format_count, format_ratio, format_loss)
        records = self.to_records()
        shown_fields = [(name, f) for name, f in zip(self.FIELDS, fmts) if name != "loss" or self.loss is not None]
        return html_table([name for name, _ in shown_fields], [[f(r[name]) for name, f in shown_fields]
                                                               for r in records], caption="Plan")


@record
class MoEPlan(Plan):
    """A mixture-of-experts plan (:class:`~planner.laws.FineGrainedMoE`): N counts every expert, compute the active
    parameters and routing.

    n_active_params : N_active, the non-embedding parameters one token uses (routing excluded).
    granularity : G, experts per token of width d_ff/G.
    flops_per_token : training FLOPs per token of the law's own count (Eq. 10 of Krajewski et al. 2024), so that
        ``flops = flops_per_token · n_tokens``.
    """

    n_active_params: Real | None = None
    granularity: Real | None = None
    flops_per_token: Real | None = None

    def __repr__(self) -> str:
        xs = as_floats(self.granularity)
        extra = (f", n_active_params={format_count(as_floats(self.n_active_params)[0])}, granularity={xs[0]:g}"
                 if len(xs) == 1 else "")
        return "MoE" + super().__repr__()[:-1] + extra + ")"


def compute_optimal(law: Any, flops: Real) -> Plan:
    """The compute-optimal (N, D) for each budget, with the predicted loss where the law has one.

    ``flops`` is a float or an array of budgets in FLOPs; every field of the result has its shape. The law's family
    answers (:meth:`~planner.laws.questions.Questions.optimal_plan`); a family whose plans carry more (a mixture of
    experts: active parameters, granularity, FLOPs per token) gives a :class:`MoEPlan`.
    """
    C = check_positive(flops, "flops")
    with asking(law, "plan"), checks.guard(law):
        plan = unchecked_optimum(law, C)
    checks.check_plans(law, [plan])
    return plan


def unchecked_optimum(law: Any, C: Real) -> Plan:
    """The compute-optimal plan at the (checked) budgets ``C``, before the checks :func:`compute_optimal` makes:
    for callers that check it under their own name (the optimum beside a what-if)."""
    N, D, loss, extra = family_of(law).optimal_plan(C)
    if extra:
        return MoEPlan(flops=C, n_params=N, n_tokens=D, tokens_per_param=D / N, loss=loss, planned_with=law, **extra)
    return Plan(flops=C, n_params=N, n_tokens=D, tokens_per_param=D / N, loss=loss, planned_with=law)


def optimal_split(model: Any, flops: Real) -> tuple[Real, Real, Real | None]:
    """(N_opt, D_opt, L_opt) of a law family at ``flops`` (already checked), L_opt None without a loss model.
    Coefficients may be arrays that broadcast against ``flops``."""
    N, D, L, _ = family_of(model).optimal_plan(flops)   # a family that splits no C: N and D not a number
    return N, D, L
