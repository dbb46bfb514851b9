"""A fitted law → the text of a law file in the preset format (TOML, built by hand).

Pure: returns a string; the CLI writes it. The file loads with
:func:`planner.presets.load_law_file`, so ``plan --law mylaw.toml`` plans with the fit.
It carries the fit's data range (``[fitted_range]`` and ``[fit]``) and, when bootstrapped,
``[uncertainty]`` with ``sample_names``, ``samples``, ``standard_errors``, ``interval_level``
and ``intervals`` (the layout of ``presets/besiroglu2024.toml``).
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Iterable

from . import __version__

__all__ = ["law_file_text"]


def _str(s: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    return json.dumps(s, ensure_ascii=False)


def _num(x: float, digits: int = 17) -> str:
    """A TOML float: ``repr``-exact by default; never ``nan``/``inf`` (callers filter them)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write {x!r} to a law file")
    text = repr(x) if digits >= 17 else f"{x:.{digits}g}"
    if not any(c in text for c in ".eE"):
        text += ".0"
    return text


def _inline(mapping: dict, fmt=_num) -> str:
    return "{ " + ", ".join(f"{k} = {fmt(v)}" for k, v in mapping.items()) + " }"


def _pair(lo_hi) -> str:
    return f"[{_num(lo_hi[0])}, {_num(lo_hi[1])}]"


def _finite(mapping) -> dict:
    return {k: v for k, v in mapping.items() if v is not None and math.isfinite(v)}


def law_file_text(fit, boot=None, *, law_id: str = "fitted", title: str | None = None, source: str = "runs",
                  command: str = "", notes: Iterable[str] = ()) -> str:
    """The TOML text of a law file for ``fit`` (a :class:`~planner.fit.FitResult`).

    boot : an optional :class:`~planner.fit.BootstrapResult` whose samples and intervals go in
        ``[uncertainty]``.
    law_id, title : the law's id and title.  source : the runs' source, for the citation.
    command : the command that made it, recorded in ``[citation] where``.
    """
    form = fit.form
    title = title or f"{form.capitalize()} law fitted to {source}"
    k = fit.flops_per_param_token
    lines = [
        f"# Written by plan fit (planner {__version__}) from {fit.n_runs} runs in {source}.",
        f"id = {_str(law_id)}",
        f"title = {_str(title)}",
        f"form = {_str(form)}",
        "notes = [",
        f"  {_str(f'Fitted by planner to {fit.n_runs} runs from {source}: {fit.method}.')},",
        f"  {_str('Loss is on the data set of those runs; it is indicative only and not comparable with other laws.')},",
    ]
    lines += [f"  {_str(n)}," for n in list(notes) + [f"Fit warning: {w}" for w in fit.warnings]]
    lines += [
        "]",
        "",
        "[citation]",
        f"authors = {_str('planner fit')}",
        f"year = {datetime.date.today().year}",
        f"title = {_str(f'Fit to {source}')}",
        f"where = {_str(command or 'plan fit')}",
        "",
        "[conventions]",
        f"parameters = {_str('as-reported')}   # as counted in the runs file",
        f"flops_per_param_token = {_num(k)}",
        f"dataset = {_str(f'the training data of the runs in {source}')}",
        "",
    ]
    if form == "allocation":
        lines += ["[rule]", f"gives = {_str(fit.extra['model_kwargs']['gives'])}", ""]
    lines += ["[coefficients]"] + [f"{name} = {_num(v)}" for name, v in fit.coefficients.items()] + [""]
    rng = fit.data_range
    lines += ["[fitted_range]", "# Ranges of the runs the law was fitted on."]
    lines += [f"{key} = {_pair(rng[key])}" for key in ("n_params", "n_tokens", "flops") if key in rng] + [""]
    lines += [
        "[fit]",
        f"source = {_str(source)}",
        f"method = {_str(fit.method)}",
        f"n_runs = {fit.n_runs}",
        f"n_starts = {fit.n_starts}",
        f"objective = {_num(fit.objective)}",
        f"converged = {'true' if fit.converged else 'false'}",
    ]
    if "huber_delta" in fit.extra:
        lines.append(f"huber_delta = {_num(fit.extra['huber_delta'])}")
    lines += [f"{key}_range = {_pair(rng[key])}" for key in ("n_params", "n_tokens", "flops") if key in rng]
    lines.append(f"residuals = {_inline(_finite(fit.residuals))}")
    lines.append(f"standard_errors = {_inline(_finite(fit.standard_errors))}")
    lines.append(f"standard_error_method = {_str(fit.standard_error_method)}")
    lines.append("")
    if boot is not None:
        level = boot.level
        lines += [
            "[uncertainty]",
            f"# {boot.method}.",
            f"method = {_str('bootstrap')}",
            f"n_resamples = {boot.n_resamples}",
            f"n_failed = {boot.n_failed}",
            f"seed = {boot.seed if boot.seed is not None else -1}",
            f"standard_errors = {_inline(_finite(boot.standard_errors))}",
            f"interval_level = {_num(level) if level != int(level) else int(level)}",
            "intervals = { " + ", ".join(f"{n} = {_pair(v)}" for n, v in boot.intervals.items()) + " }",
            "sample_names = [" + ", ".join(_str(n) for n in boot.names) + "]",
            "samples = [",
        ]
        lines += ["  [" + ", ".join(_num(v, 10) for v in row) + "]," for row in boot.samples]
        lines += ["]", ""]
    return "\n".join(lines)
