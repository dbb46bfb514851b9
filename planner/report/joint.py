"""The report of ``plan fit A.csv B.csv --share E``: the ladders' coefficients from the joint fit (the shared ones
equal), what sharing cost in the objective, and the compute multipliers between the ladders implied by the joint fit
and by the separate fits, with the joint bootstrap's intervals.

A document: its table is one row per ladder (:data:`JOINT_KEYS`), its section ``multipliers`` one row per budget
and ladder (:data:`MULTIPLIER_KEYS`), its fields the objectives, the sharing and each ladder's errors.
"""

from __future__ import annotations

from typing import Sequence

from ..base.units import format_coefficient, format_flops, format_general, format_text
from .intervals import interval_cell, interval_stack
from .types import Block, Column, Report
from .versus import multiplier_text

__all__ = ["joint_report", "JOINT_KEYS", "MULTIPLIER_KEYS"]

#: Keys of a ladder row.
JOINT_KEYS = ("ladder", "source", "n_runs", "E", "A", "B", "alpha", "beta", "objective", "separate_objective")
#: Keys of a multiplier row: k of ``ladder`` against the base, from the joint fit (with its interval) and the
#: separate fits.
MULTIPLIER_KEYS = ("flops", "ladder", "compute_multiplier", "compute_multiplier_low", "compute_multiplier_high",
                   "separate_compute_multiplier")
_COEFFICIENTS = ("E", "A", "B", "alpha", "beta")


def _multipliers(joint, mult) -> Report:
    base = joint.names[mult.base]
    rows = []
    for b, C in enumerate(mult.flops):
        for k, name in enumerate(joint.names):
            if k == mult.base:
                continue
            lo = None if mult.low is None else float(mult.low[k, b])
            hi = None if mult.high is None else float(mult.high[k, b])
            k_joint = float(mult.joint[k, b])
            rows.append({"flops": float(C), "ladder": name, "compute_multiplier": k_joint,
                         "compute_multiplier_low": lo, "compute_multiplier_high": hi,
                         "separate_compute_multiplier": float(mult.separate[k, b]),
                         "k_cell": (k_joint, lo, hi)})
    label = "k, joint" + (f" ({mult.level:g}% CI)" if mult.level is not None else "")
    columns = (Column("flops", "FLOPs C", format_flops), Column("ladder", "ladder", format_text, align="left"),
               Column("k_cell", label, interval_cell(multiplier_text), stacked=interval_stack(multiplier_text),
                      wrap=True),
               Column("separate_compute_multiplier", "k, separate", multiplier_text))
    footer: tuple[str, ...] = (f"k(C): the compute {base} needs to reach the ladder's loss at C, divided by C, each on its law's "
              "compute-optimal frontier (> 1: the ladder is worth more compute than it spends); from the joint fit "
              "and from each ladder fitted on its own.",)
    if mult.level is not None:
        footer += (f"{mult.level:g}% intervals: percentiles over the joint bootstrap's refits, each ladder's draw "
                   "paired with the base's of the same refit.",)
    return Report(blocks=(Block(rows),), columns=columns, keys=MULTIPLIER_KEYS, name="multipliers",
                  title=f"Compute multipliers against {base}", footer=footer)


def joint_report(joint, boots, mult, sources: Sequence[str]) -> Report:
    """The report of a :class:`~planner.fitting.joint.JointFit` ``joint`` fitted to runs from ``sources`` (one per
    ladder), its bootstrap ``boots`` (one :class:`~planner.fitting.BootstrapResult` per ladder, or None) and the
    :class:`~planner.fitting.joint_bootstrap.Multipliers` ``mult``."""
    shared = set(joint.shared)
    tied = [set(t.split("=")) for t in joint.fits[0].extra.get("tied", ())]
    shown = shared | {c for group in tied if group & shared for c in group}
    rows = []
    for name, source, fit, alone in zip(joint.names, sources, joint.fits, joint.separate):
        row = {"ladder": name, "source": source, "n_runs": fit.n_runs, **dict(fit.coefficients),
               "objective": fit.objective, "separate_objective": alone.objective}
        rows.append(row)

    def coefficient(name):
        return lambda v: format_coefficient(name, v)

    columns = [Column("ladder", "ladder", format_text, align="left"), Column("n_runs", "runs", str)]
    columns += [Column(c, f"{c} (shared)" if c in shown else c, coefficient(c)) for c in _COEFFICIENTS]
    columns += [Column("objective", "objective", format_general)]
    excess = joint.objective - joint.separate_objective
    footer = [f"Method: {joint.method}.",
              f"Objective: {joint.objective:.6g} jointly, {joint.separate_objective:.6g} summed over the separate fits "
              f"(sharing costs {excess:.3g}; it can only cost, and costs nothing where the ladders agree).",
              "Std. errors: " + ("bootstrap (fields 'ladders'), " + boots[0].method if boots is not None
                                 else "asymptotic over the joint fit (fields 'ladders')") + ".",
              "* Loss in the runs' own units (nats/token on their data); beyond the fitted range it is an "
              "extrapolation."]
    warnings = list(joint.warnings)
    for name, fit in zip(joint.names, joint.separate):
        warnings += [f"{name} (fitted alone): {w}" for w in fit.warnings]
    footer += [f"Warning: {w}" for w in warnings]
    ladders = {}
    for name, fit, alone, k in zip(joint.names, joint.fits, joint.separate, range(len(joint.fits))):
        entry = {"coefficients": dict(fit.coefficients), "asymptotic_standard_errors": dict(fit.standard_errors),
                 "separate_coefficients": dict(alone.coefficients), "residuals": dict(fit.residuals)}
        if boots is not None:
            entry["standard_errors"] = dict(boots[k].standard_errors)
            entry["intervals"] = {c: list(v) for c, v in boots[k].intervals.items()}
        ladders[name] = entry
    fields = {"shared": list(joint.shared), "tied": list(joint.fits[0].extra.get("tied", ())),
              "fixed": dict(joint.fits[0].extra.get("fixed", {})), "objective": joint.objective,
              "separate_objective": joint.separate_objective, "converged": joint.converged, "method": joint.method,
              "base": joint.names[mult.base], "ladders": ladders, "warnings": warnings}
    if boots is not None:
        fields["bootstrap"] = {"n_resamples": boots[0].n_resamples, "n_failed": boots[0].n_failed,
                               "seed": boots[0].seed, "level": boots[0].level, "method": boots[0].method}
    return Report(blocks=(Block(rows),), columns=tuple(columns), keys=JOINT_KEYS,
                  title=f"Joint fit · parametric law · {', '.join(joint.shared)} shared by {len(joint.fits)} ladders",
                  footer=tuple(footer), sections=(_multipliers(joint, mult),), fields=fields, name="ladders_table",
                  warnings=tuple(warnings))
