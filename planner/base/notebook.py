"""What a notebook shows of planner's results: short reprs' helpers and a small HTML table, with no dependency.

``Plan``, ``FitResult``, ``BootstrapResult`` and ``Report`` give ``to_records()`` (a list of dicts: what
``pandas.DataFrame(...)`` takes, without planner depending on pandas), ``to_dict()`` and ``_repr_html_()`` (Jupyter
shows it), built from :func:`html_table` here.
"""

from __future__ import annotations

from html import escape
from typing import Any, Sequence

from .units import format_coefficient

__all__ = ["html_table", "small_print", "report_html", "floats_or_lists", "shown"]


def html_table(header: Sequence[str], rows: Sequence[Sequence[str]], caption: str | None = None,
               notes: Sequence[str] = (), align: Sequence[str] | None = None) -> str:
    """A small HTML table: ``header`` over ``rows`` of cell texts, aligned by ``align`` ("left"/"right" per
    column; by default numbers right, text left), an optional caption, and ``notes`` as small print under it.
    Every text is escaped."""
    def cell(tag, text, i):
        side = align[i] if align else "right" if text[:1].isdigit() or text[:1] in "-$.(—" else "left"
        return f'<{tag} style="text-align: {side}">{escape(text)}</{tag}>'

    out = ["<table>"]
    if caption:
        out.append(f'<caption style="text-align: left"><b>{escape(caption)}</b></caption>')
    out.append("<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr></thead>")
    out.append("<tbody>" + "".join("<tr>" + "".join(cell("td", c, i) for i, c in enumerate(r)) + "</tr>"
                                   for r in rows) + "</tbody>")
    out.append("</table>")
    return "\n".join(out) + ("\n" + small_print(notes) if notes else "")


def small_print(lines: Sequence[str]) -> str:
    """Lines of small print (a footer, caveats), escaped, one per line."""
    return "\n".join(f"<small>{escape(line)}</small><br>" for line in lines)


def report_html(report) -> str:
    """A :class:`~planner.report.types.Report` as small HTML tables (one per block, its formatted cells under its
    columns' headers), its footer and caveats as small print, then its sections."""
    parts = []
    for i, block in enumerate(report.blocks):
        caption = " · ".join(t for t in ((report.title if i == 0 else None), block.title) if t)
        cells = [[c.fmt(row.get(c.key)) for c in report.columns] for row in block.rows]
        parts.append(html_table([c.header for c in report.columns], cells, caption=caption or None,
                                notes=block.notes, align=[c.align for c in report.columns]))
    parts.append(small_print(list(report.footer) + [f"Caveat: {w}" for w in dict.fromkeys(report.warnings)]))
    return "\n".join(p for p in parts + [report_html(s) for s in report.sections] if p)


def floats_or_lists(x: Any) -> Any:
    """A float, a list of floats for an array, or None: what ``to_dict`` gives for a number or array field."""
    if x is None or isinstance(x, (int, float, str, bool)):
        return x
    values = x.tolist() if hasattr(x, "tolist") else list(x)
    return values


def shown(x, fmt) -> str:
    """One value formatted by ``fmt``; an array as its count and range (``3 values, 1.00e21–1.00e23``)."""
    if x is None:
        return fmt(None)
    values = floats_or_lists(x)
    if not isinstance(values, list):
        return fmt(values)
    flat = _flat(values)
    if len(flat) == 1:
        return fmt(flat[0])
    return f"{len(flat)} values, {fmt(min(flat))}–{fmt(max(flat))}" if flat else "0 values"


def _flat(values) -> list:
    return [v for x in values for v in (_flat(x) if isinstance(x, list) else [x])]


# ---------------------------------------------------------------------------------------------------------------------
# fit results (planner.fitting.FitResult, BootstrapResult): their methods delegate here, so result.py stays small


def fit_repr(fit) -> str:
    """``FitResult(parametric, 240 runs: E=1.817 ± 0.02558, A=477.83 ± 120.1, ...; converged)``."""
    coefs = ", ".join(f"{k}={format_coefficient(k, v)}"
                      + (f" ± {format_coefficient(k, fit.standard_errors[k])}"
                         if fit.standard_errors.get(k) is not None else "")
                      for k, v in fit.coefficients.items())
    state = "converged" if fit.converged else "NOT converged"
    warned = f"; {len(fit.warnings)} warnings" if fit.warnings else ""
    return f"FitResult({fit.form}, {fit.n_runs} runs: {coefs}; {state}{warned})"


def fit_dict(fit) -> dict:
    """What a fit found, as plain Python (no ``theta``/``optima``, the optimiser's internals)."""
    return {"form": fit.form, "n_runs": fit.n_runs, "method": fit.method, "coefficients": dict(fit.coefficients),
            "standard_errors": dict(fit.standard_errors), "standard_error_method": fit.standard_error_method,
            "exponents": list(fit.exponents), "objective": fit.objective, "residuals": dict(fit.residuals),
            "data_range": {k: list(v) for k, v in fit.data_range.items()}, "converged": fit.converged,
            "n_starts": fit.n_starts, "n_distinct_optima": fit.n_distinct_optima, "warnings": list(fit.warnings),
            "flops_per_param_token": fit.flops_per_param_token}


def fit_records(fit) -> list[dict]:
    """One dict per coefficient: ``coefficient``, ``estimate``, ``standard_error``."""
    return [{"coefficient": k, "estimate": v, "standard_error": fit.standard_errors.get(k)}
            for k, v in fit.coefficients.items()]


def fit_html(fit) -> str:
    rows = [[r["coefficient"], format_coefficient(r["coefficient"], r["estimate"]),
             format_coefficient(r["coefficient"], r["standard_error"])] for r in fit_records(fit)]
    return html_table(["coefficient", "estimate", "std. error"], rows,
                      caption=f"Fit · {fit.form} law · {fit.n_runs} runs",
                      notes=[fit.method, f"std. errors: {fit.standard_error_method}", *fit.warnings])


def bootstrap_repr(boot) -> str:
    """``BootstrapResult(parametric, 3996 of 4000 resamples, seed 42; 95% intervals: E 1.771–1.872, ...)``: the
    samples themselves are in ``boot.samples``, not in the repr."""
    spans = ", ".join(f"{k} {format_coefficient(k, lo)}–{format_coefficient(k, hi)}"
                      for k, (lo, hi) in boot.intervals.items())
    ok = boot.n_resamples - boot.n_failed
    return (f"BootstrapResult({boot.form}, {ok} of {boot.n_resamples} resamples, seed {boot.seed}; "
            f"{boot.level:g}% intervals: {spans})")


def bootstrap_dict(boot) -> dict:
    """The bootstrap's summary as plain Python; ``samples`` (one row per refit) as a list of lists."""
    return {"form": boot.form, "names": list(boot.names), "level": boot.level,
            "intervals": {k: list(v) for k, v in boot.intervals.items()},
            "standard_errors": dict(boot.standard_errors), "n_resamples": boot.n_resamples,
            "n_failed": boot.n_failed, "seed": boot.seed, "method": boot.method,
            "samples": floats_or_lists(boot.samples)}


def bootstrap_records(boot) -> list[dict]:
    """One dict per coefficient: ``coefficient``, ``standard_error``, ``ci_level``, ``lo``, ``hi``."""
    return [{"coefficient": k, "standard_error": boot.standard_errors.get(k), "ci_level": boot.level,
             "lo": boot.intervals[k][0], "hi": boot.intervals[k][1]} for k in boot.names]


def bootstrap_html(boot) -> str:
    rows = [[r["coefficient"], format_coefficient(r["coefficient"], r["standard_error"]),
             f"{format_coefficient(r['coefficient'], r['lo'])} – {format_coefficient(r['coefficient'], r['hi'])}"]
            for r in bootstrap_records(boot)]
    ok = boot.n_resamples - boot.n_failed
    return html_table(["coefficient", "std. error", f"{boot.level:g}% interval"], rows,
                      caption=f"Bootstrap · {ok} of {boot.n_resamples} resamples · seed {boot.seed}",
                      notes=[boot.method])
