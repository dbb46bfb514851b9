"""The outlier check in ``plan fit``'s report: the warning naming the runs by their line in the runs file, and
--drop-outliers' account of the refit (which runs, by which rule, and how the allocation at each budget moved).
The rule is :mod:`planner.fitting.outliers`'."""

from __future__ import annotations

from pathlib import PurePath
from typing import NamedTuple

from ..base.caveats import OUTLIERS, Caveat
from ..base.units import format_count, format_flops, format_ratio

__all__ = ["OutlierDrop", "line_of", "outlier_warnings", "dropped_footer", "outlier_fields"]


class OutlierDrop(NamedTuple):
    """--drop-outliers: the fit on every run, the runs it was made on, and the lines of the runs dropped."""

    first: object
    runs: object
    lines: tuple


def line_of(runs, i: int):
    """The line of run ``i`` in its runs file (its number from 1 where the runs have no lines)."""
    return runs.lines[i] if runs.lines else i + 1


def _outliers_named(out, runs) -> str:
    return ", ".join(f"{line_of(runs, i)} (M = {z:+.1f})" for i, z in zip(out.indices, out.z))


def outlier_warnings(fit, runs, dropped) -> list[str]:
    """The outlier check's warning (a decisive :class:`~planner.base.caveats.Caveat` of kind ``OUTLIERS``, kept under
    ``--quiet``): the runs it names, or after ``--drop-outliers`` those the refit's own check names."""
    out = fit.outliers
    if not out:
        return []
    name = PurePath(runs.source).name
    if dropped is not None:
        return [Caveat(f"the refit's own check names {len(out)} more run(s) of {name} past the cut, at lines "
                       f"{_outliers_named(out, runs)}; they are kept (--drop-outliers drops one round)",
                       OUTLIERS, subject=name)]
    return [Caveat(f"{len(out)} run(s) of {name} are outliers, at lines {_outliers_named(out, runs)}: their "
                   f"log-residuals are more than {out.threshold:g} robust standard deviations (1.4826 x MAD = "
                   f"{out.scale:.3g}) from the median (modified z-score M, Iglewicz & Hoaglin 1993); --drop-outliers "
                   "refits without them", OUTLIERS, subject=name)]


def _moves(fit, dropped, plans) -> list[tuple]:
    """(C, N_opt every run, N_opt without, D/N every run, D/N without) at each budget of the plans."""
    out = []
    for C in [row["flops"] for row in plans.rows]:
        n_all, d_all = dropped.first.model.compute_optimal(C)
        n_kept, d_kept = fit.model.compute_optimal(C)
        out.append((C, float(n_all), float(n_kept), float(d_all / n_all), float(d_kept / n_kept)))
    return out


def dropped_footer(fit, dropped, plans) -> list[str]:
    if dropped is None:
        return []
    first = dropped.first
    lines = [f"Outliers dropped: {len(dropped.lines)} run(s) at lines "
             f"{_outliers_named(first.outliers, dropped.runs)} ({first.outliers.rule}); refitted on {fit.n_runs} "
             f"of {first.n_runs} runs."]
    for C, n_all, n_kept, r_all, r_kept in _moves(fit, dropped, plans):
        lines.append(f"At {format_flops(C)}: N_opt {format_count(n_all)} with every run, {format_count(n_kept)} without "
                     f"the outliers (x{n_kept / n_all:.3g}); D/N {format_ratio(r_all)} -> {format_ratio(r_kept)}.")
    return lines


def outlier_fields(fit, runs, dropped, plans) -> dict:
    out = fit.outliers
    fields: dict = {"outliers": [] if not out else [
        {"line": line_of(runs, i), "modified_z": z, "log_residual": r}
        for i, z, r in zip(out.indices, out.z, out.residuals)]}
    if out is not None:
        fields["outlier_rule"] = out.rule
    if dropped is not None:
        first = dropped.first.outliers
        fields["outliers_dropped"] = {
            "lines": list(dropped.lines), "modified_z": list(first.z), "n_runs_before": dropped.first.n_runs,
            "coefficients_every_run": dict(dropped.first.coefficients),
            "plans": [{"flops": C, "n_params_every_run": a, "n_params_without": b, "tokens_per_param_every_run": ra,
                       "tokens_per_param_without": rb} for C, a, b, ra, rb in _moves(fit, dropped, plans)]}
    return fields
