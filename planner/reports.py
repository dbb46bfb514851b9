"""Rows, columns and footers for each command: core results → :class:`~planner.render.Report`.

No formatting of whole outputs here (that is :mod:`planner.render`), and no arithmetic beyond
picking fields (that is the core). Rows carry raw floats under unit-named keys.
"""

from __future__ import annotations

from typing import Sequence

from .render import PLAN_KEYS, Block, Column, Report, as_floats, law_footer, plan_columns, plan_rows
from .units import format_sig, format_count, format_flops, format_loss, format_ratio

__all__ = ["plan_report", "whatif_report", "target_report", "compare_report", "presets_report", "bibtex",
           "WHATIF_KEYS", "TARGET_KEYS", "COMPARE_KEYS", "PRESET_KEYS", "with_intervals", "INTERVAL_KEYS"]

WHATIF_KEYS = ("preset", "plan", "flops", "n_params", "n_tokens", "tokens_per_param", "loss", "loss_gap",
               "compute_efficiency")
TARGET_KEYS = ("preset", "target_loss", "flops", "n_params", "n_tokens", "tokens_per_param", "loss")
COMPARE_KEYS = ("preset", "parameters", "flops", "n_params", "n_tokens", "tokens_per_param", "loss")
PRESET_KEYS = ("id", "default", "form", "aliases", "parameters", "citation", "arxiv")


def format_gap(x) -> str:
    """A loss gap in nats/token, three significant figures (``0.0269``; ``0`` at the optimum)."""
    return "—" if x is None else "0" if x == 0 else format_sig(x, 3)


def format_percent(x) -> str:
    """A fraction as a percentage with three significant figures (``74.0%``, ``100%``)."""
    return "—" if x is None else format_sig(100.0 * x, 3) + "%"


def _text(x) -> str:
    return "—" if x is None else str(x)


def _cols(x, n):
    """``x`` as a list of n Python floats (a scalar repeated), or n Nones."""
    if x is None:
        return [None] * n
    xs = as_floats(x)
    return xs * n if len(xs) == 1 else xs


EFFICIENCY_NOTE = ("Loss gap: the run's loss minus the compute-optimal loss at the same budget. Efficiency: the "
                   "fraction of the run's budget the compute-optimal split needs to reach the run's loss.")


def plan_report(law, plans) -> Report:
    """The plain ``plan`` table: one row per budget."""
    rows = [row for p in plans for row in plan_rows(law, p)]
    return Report(blocks=(Block(rows),), columns=plan_columns(law), keys=PLAN_KEYS,
                  title=f"Compute-optimal plan · {law.id}", footer=tuple(law_footer(law)))


def whatif_rows(law, w, label: str = "what-if") -> list[dict]:
    """Two rows per budget: the run asked for, then the compute-optimal run of the same budget."""
    n = max(len(as_floats(w.flops)), len(as_floats(w.n_params)), len(as_floats(w.n_tokens)))
    o = w.optimum
    rows = []
    for i in range(n):
        run = dict(preset=law.id, plan=label, flops=_cols(w.flops, n)[i], n_params=_cols(w.n_params, n)[i],
                   n_tokens=_cols(w.n_tokens, n)[i], tokens_per_param=_cols(w.tokens_per_param, n)[i],
                   loss=_cols(w.loss, n)[i], loss_gap=_cols(w.loss_gap, n)[i],
                   compute_efficiency=_cols(w.compute_efficiency, n)[i])
        opt = dict(preset=law.id, plan="optimal", flops=_cols(o.flops, n)[i], n_params=_cols(o.n_params, n)[i],
                   n_tokens=_cols(o.n_tokens, n)[i], tokens_per_param=_cols(o.tokens_per_param, n)[i],
                   loss=_cols(o.loss, n)[i], loss_gap=0.0 if law.has_loss else None,
                   compute_efficiency=1.0 if law.has_loss else None)
        rows += [run, opt]
    return rows


def whatif_columns(law) -> tuple[Column, ...]:
    cols = [Column("plan", "plan", _text, align="left"), Column("flops", "FLOPs C", format_flops),
            Column("n_params", "params N", format_count), Column("n_tokens", "tokens D", format_count),
            Column("tokens_per_param", "tokens per param", format_ratio)]
    if law.has_loss:
        cols += [Column("loss", "loss*", format_loss), Column("loss_gap", "loss gap", format_gap),
                 Column("compute_efficiency", "efficiency", format_percent)]
    return tuple(cols)


def whatif_report(law, whatifs: Sequence, title: str, label: str = "what-if") -> Report:
    """The what-if (or exact run) beside the optimum of the same budget, one block per budget."""
    rows = [row for w in whatifs for row in whatif_rows(law, w, label)]
    footer = tuple(law_footer(law)) + ((EFFICIENCY_NOTE,) if law.has_loss else ())
    return Report(blocks=(Block(rows),), columns=whatif_columns(law), keys=WHATIF_KEYS, title=f"{title} · {law.id}",
                  footer=footer)


def target_report(law, targets: Sequence[float], plans: Sequence) -> Report:
    """One row per target loss: the least compute that reaches it, and its optimal N and D."""
    rows = [dict(preset=law.id, target_loss=t, flops=float(p.flops), n_params=float(p.n_params),
                 n_tokens=float(p.n_tokens), tokens_per_param=float(p.tokens_per_param), loss=float(p.loss))
            for t, p in zip(targets, plans)]
    cols = (Column("target_loss", "target loss*", format_loss), Column("flops", "least FLOPs C", format_flops),
            Column("n_params", "params N", format_count), Column("n_tokens", "tokens D", format_count),
            Column("tokens_per_param", "tokens per param", format_ratio))
    return Report(blocks=(Block(rows),), columns=cols, keys=TARGET_KEYS, title=f"Compute for a target loss · {law.id}",
                  footer=tuple(law_footer(law)))


def _spread(rows, key, label) -> str:
    lo = min(rows, key=lambda r: r[key])
    hi = max(rows, key=lambda r: r[key])
    return (f"{label} from {format_count(lo[key])} ({lo['preset']}) to {format_count(hi[key])} ({hi['preset']}), "
            f"{format_sig(hi[key] / lo[key], 3)}×")


def compare_report(laws: Sequence, budgets: Sequence[float], plans: Sequence[Sequence]) -> Report:
    """One block per budget, one row per law; ``plans[i][j]`` is law j's Plan at budget i."""
    blocks = []
    for C, row_plans in zip(budgets, plans):
        rows = [dict(preset=law.id, parameters=law.parameters, flops=float(p.flops), n_params=float(p.n_params),
                     n_tokens=float(p.n_tokens), tokens_per_param=float(p.tokens_per_param),
                     loss=None if p.loss is None else float(p.loss))
                for law, p in zip(laws, row_plans)]
        notes = (f"Spread: {_spread(rows, 'n_params', 'N')}; {_spread(rows, 'n_tokens', 'D')}.",) if len(rows) > 1 else ()
        blocks.append(Block(rows, title=f"C = {format_flops(C)} FLOPs", notes=notes))
    cols = (Column("preset", "preset", _text, align="left"), Column("parameters", "N counts", _text, align="left"),
            Column("n_params", "params N", format_count), Column("n_tokens", "tokens D", format_count),
            Column("tokens_per_param", "tokens per param", format_ratio), Column("loss", "loss*", format_loss))
    return Report(blocks=tuple(blocks), columns=cols, keys=COMPARE_KEYS, title="Compute-optimal plans compared",
                  footer=tuple(compare_footer(laws)))


def compare_footer(laws: Sequence) -> list[str]:
    """The assumptions of a comparison: FLOPs conventions, parameter counting, losses, and every source."""
    ks = sorted({law.flops_per_param_token for law in laws})
    if len(ks) == 1:
        flops = f"C = {ks[0]:g}·N·D FLOPs for every law (forward 2·N·D, backward 4·N·D)."
    else:
        flops = "C = k·N·D FLOPs with " + "; ".join(f"k = {law.flops_per_param_token:g} for {law.id}" for law in laws) + "."
    other = [law for law in laws if law.parameters != "total"]
    counts = "N counts total parameters (embeddings included)"
    counts += ("; except " + ", ".join(f"{law.id} ({law.parameters})" for law in other)) if other else ""
    lines = [f"Conventions: {flops} {counts}."]
    lossy = [law for law in laws if law.has_loss]
    if lossy:
        sets = "; ".join(f"{law.id}: {law.dataset or 'its paper’s data'}" for law in lossy)
        lines.append(f"* Loss: nats/token, each on its own law’s data set ({sets}); indicative only, not comparable "
                     "across rows; — marks an allocation rule, which predicts no loss.")
    lines += [f"{law.id}: {law.short_citation}" + (f", {law.citation['where']}" if law.citation.get("where") else "")
              for law in laws]
    return lines


def presets_report(laws: Sequence, default: str) -> Report:
    rows = [dict(id=law.id, default=law.id == default, form=law.form, aliases=", ".join(law.aliases),
                 parameters=law.parameters, citation=law.short_citation, arxiv=law.citation.get("arxiv"),
                 label=law.id + (" *" if law.id == default else "") + (f" ({', '.join(law.aliases)})" if law.aliases else ""))
            for law in laws]
    cols = (Column("label", "id (aliases)", _text, align="left"), Column("parameters", "N counts", _text, align="left"),
            Column("citation", "source", _text, align="left"))
    return Report(blocks=(Block(rows),), columns=cols, keys=PRESET_KEYS, title=None,
                  footer=("* the default. Details: plan presets show ID",))


# ---------------------------------------------------------------------------------------------------------------------
# BibTeX


def _bib_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "&%$#_" else ch for ch in text)


def bibtex_key(citation) -> str:
    """``hoffmann2022training``: first author's surname (or corporate name), year, first title word."""
    import re

    first = citation.get("authors", "").split(" and ")[0].strip()
    name = first.split(",")[0].split()[0] if "," in first else (first.split() or ["anon"])[-1]
    words = [w for w in re.findall(r"[A-Za-z]+", citation.get("title", "")) if w.lower() not in ("a", "an", "the", "on")]
    return re.sub(r"[^a-z0-9]", "", (name + str(citation.get("year", ""))).lower()) + (words[0].lower() if words else "")


def bibtex(laws: Sequence) -> str:
    """One BibTeX entry per paper behind ``laws`` (presets citing the same paper share it)."""
    papers: dict[str, tuple] = {}
    for law in laws:
        key = bibtex_key(law.citation)
        papers.setdefault(key, (law.citation, []))[1].append(law.id)
    entries = []
    for key, (c, ids) in papers.items():
        authors = " and ".join("{" + a.strip() + "}" if "," in a or "@" in a else a.strip()
                               for a in c.get("authors", "").split(" and "))
        fields = [("author", _bib_escape(authors)), ("title", "{" + _bib_escape(c.get("title", "")) + "}"),
                  ("year", str(c.get("year", "")))]
        if c.get("arxiv"):
            fields += [("journal", f"arXiv preprint arXiv:{c['arxiv']}"), ("eprint", c["arxiv"]),
                       ("archivePrefix", "arXiv")]
        if c.get("url"):
            fields.append(("url", c["url"]))
        fields.append(("note", _bib_escape(f"planner preset{'s' if len(ids) > 1 else ''} {', '.join(ids)}")))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        entries.append(f"@article{{{key},\n{body}\n}}")
    return "\n\n".join(entries)


# ---------------------------------------------------------------------------------------------------------------------
# intervals (--ci)

#: Quantities of a plan row that ``--ci`` bounds; each gets ``<key>_lo`` and ``<key>_hi``.
INTERVAL_QUANTITIES = ("n_params", "n_tokens", "tokens_per_param", "loss")
#: Keys ``--ci`` adds to a row, in the order machine formats carry them.
INTERVAL_KEYS = ("ci_level",) + tuple(f"{q}_{end}" for q in INTERVAL_QUANTITIES for end in ("lo", "hi"))


def _span(fmt, lo, hi) -> str:
    a, b = fmt(lo), fmt(hi)
    # One suffix for both ends when they share it: 75.2–129B, not 75.2B–129B.
    return f"{a[:-1]}–{b}" if a[-1:].isalpha() and a[-1:] == b[-1:] else f"{a}–{b}"


def _with_span(fmt):
    """A cell ``95.9B (75.2–129B)``: the value, then its interval where there is one."""
    return lambda t: fmt(t[0]) if t[1] is None else f"{fmt(t[0])} ({_span(fmt, t[1], t[2])})"


def with_intervals(report: Report, intervals: dict, level: float, missing: Sequence[str] = ()) -> Report:
    """``report`` with central ``level``% bounds on each row's N, D, tokens per parameter and loss.

    ``intervals`` maps a law id to its :class:`~planner.uncertainty.PlanIntervals` over the report's budgets
    (rows are matched by ``preset`` and ``flops``). Rows of laws in ``missing`` (no published
    uncertainty) get None bounds, never a false interval, and the footer says so.
    """
    index = {law_id: {C: i for i, C in enumerate(as_floats(iv.flops))} for law_id, iv in intervals.items()}
    bounds = {law_id: {key: as_floats(getattr(iv, key)) for key in INTERVAL_KEYS[1:]} for law_id, iv in intervals.items()}

    def bounded(row):
        out = dict(row, ci_level=level)
        i = index.get(row.get("preset"), {}).get(row.get("flops"))
        for key in INTERVAL_KEYS[1:]:
            values = bounds[row["preset"]][key] if i is not None else []
            out[key] = values[i] if values else None
        for q in INTERVAL_QUANTITIES:
            out[f"{q}_ci"] = (row.get(q), out[f"{q}_lo"], out[f"{q}_hi"])  # human formats only
        return out

    blocks = tuple(Block([bounded(r) for r in b.rows], title=b.title, notes=b.notes) for b in report.blocks)
    columns = tuple(Column(f"{c.key}_ci", f"{c.header} ({level:g}% CI)", _with_span(c.fmt), c.align)
                    if c.key in INTERVAL_QUANTITIES else c for c in report.columns)
    notes = [f"{level:g}% CI, {law_id}: {iv.note}." for law_id, iv in intervals.items()]
    notes += [f"No intervals for {law_id}: it publishes no uncertainty." for law_id in missing]
    return Report(blocks=blocks, columns=columns, keys=tuple(report.keys) + INTERVAL_KEYS, title=report.title,
                  footer=tuple(report.footer) + tuple(notes))
