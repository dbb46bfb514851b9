"""Writing a fitted law as a law file (the format of :mod:`planner.files.lawfile`), in the one TOML style of
:mod:`planner.files.tomlwriter`: what ``plan fit -o`` writes, and reads back with ``plan --law``."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Iterable

from .. import __version__
from ..laws.law import Law
from .lawfile import parse_law_text
from .tomlfile import RANGE_KEYS
from .tomlwriter import assign, finite_values, inline_table, toml_pair, toml_rows, toml_string

if TYPE_CHECKING:
    from ..fitting.result import BootstrapResult, FitResult

__all__ = ["law_file_text", "law_from_fit"]


def law_file_text(fit: FitResult, boot: BootstrapResult | None = None, *, law_id: str = "fitted",
                  title: str | None = None, source: str = "runs", command: str = "", notes: Iterable[str] = ()) -> str:
    """The TOML text of a law file for ``fit`` (a :class:`~planner.fitting.FitResult`).

    boot : an optional :class:`~planner.fitting.BootstrapResult` whose samples and intervals go in
        ``[uncertainty]``.
    law_id, title : the law's id and title.  source : the runs' source, for the citation.
    command : the command that made it, recorded in ``[citation] where``.
    """
    form = fit.form
    title = title or f"{form.capitalize()} law fitted to {source}"
    made = [f"Tied in the fit: {t.replace('=', ' = ')}." for t in fit.extra.get("tied", ())]
    made += [f"Fixed in the fit (not fitted): {n} = {v:g}." for n, v in fit.extra.get("fixed", {}).items()]
    notes = [f"Fitted by planner to {fit.n_runs} runs from {source}: {fit.method}.",
             "Loss is on the data set of those runs; it is indicative only and not comparable with other laws.",
             *made, *notes, *(f"Fit warning: {w}" for w in fit.warnings)]
    lines = [
        f"# Written by plan fit (planner {__version__}) from {fit.n_runs} runs in {source}.",
        assign("id", law_id),
        assign("title", title),
        assign("form", form),
        "notes = [", *(f"  {toml_string(n)}," for n in notes), "]",
        "",
        "[citation]",
        assign("authors", "planner fit"),
        assign("year", datetime.date.today().year),
        assign("title", f"Fit to {source}"),
        assign("where", command or "plan fit"),
        "",
        "[conventions]",
        assign("parameters", "as-reported") + "   # as counted in the runs file",
        assign("flops_per_param_token", float(fit.flops_per_param_token)),
        assign("dataset", f"the training data of the runs in {source}"),
        "",
    ]
    if form == "allocation":
        lines += ["[rule]", assign("gives", fit.extra["model_kwargs"]["gives"]), ""]
    lines += ["[coefficients]", *(assign(name, float(v)) for name, v in fit.coefficients.items()), ""]
    rng = fit.data_range
    ranges = [assign(key, [float(x) for x in rng[key]]) for key in RANGE_KEYS if key in rng]
    lines += ["[fitted_range]", "# Ranges of the runs the law was fitted on.", *ranges, ""]
    lines += [
        "[fit]",
        assign("source", source),
        assign("method", fit.method),
        assign("n_runs", int(fit.n_runs)),
        assign("n_starts", int(fit.n_starts)),
        assign("objective", float(fit.objective)),
        assign("converged", bool(fit.converged)),
    ]
    if "objective_function" in fit.extra:
        lines.append(assign("objective_function", fit.extra["objective_function"]))
    if "huber_delta" in fit.extra:
        lines.append(assign("huber_delta", float(fit.extra["huber_delta"])))
    if "overestimate_penalty" in fit.extra:
        lines.append(assign("overestimate_penalty", float(fit.extra["overestimate_penalty"])))
    if fit.extra.get("weights"):
        lines.append(assign("weights", fit.extra["weights"]))
    if fit.extra.get("tied"):
        lines.append(assign("tied", list(fit.extra["tied"])))
    if fit.extra.get("fixed"):
        lines.append("fixed = " + inline_table(fit.extra["fixed"]))
    lines += [f"{key}_range = {toml_pair(rng[key])}" for key in RANGE_KEYS if key in rng]
    lines.append("residuals = " + inline_table(finite_values(fit.residuals)))
    # The errors the report showed: the bootstrap's when there is one (as [uncertainty] below), else the fit's own.
    ses, se_method = ((boot.standard_errors, f"bootstrap: {boot.method}") if boot is not None
                      else (fit.standard_errors, fit.standard_error_method))
    lines += ["standard_errors = " + inline_table(finite_values(ses)), assign("standard_error_method", se_method), ""]
    if boot is not None:
        level = float(boot.level)
        lines += [
            "[uncertainty]",
            f"# {boot.method}.",
            assign("method", "bootstrap"),
            assign("n_resamples", int(boot.n_resamples)),
            assign("n_failed", int(boot.n_failed)),
            assign("seed", int(boot.seed) if boot.seed is not None else -1),
            "standard_errors = " + inline_table(finite_values(boot.standard_errors)),
            assign("interval_level", level if level != int(level) else int(level)),
            "intervals = " + inline_table(boot.intervals, toml_pair),
            assign("sample_names", list(boot.names)),
            *toml_rows("samples", boot.samples, 10),
            "",
        ]
    return "\n".join(lines)


def law_from_fit(fit: FitResult, boot: BootstrapResult | None = None, **kwargs: str) -> Law:
    """The :class:`~planner.laws.Law` that :func:`law_file_text` writes for ``fit``, read back: what ``plan --law``
    would plan with (its bootstrap samples become its ``[uncertainty]``)."""
    source = kwargs.get("source", "runs")
    return parse_law_text(law_file_text(fit, boot, **kwargs), f"the fit to {source}")

