"""Reports of what ships with planner: the list of presets, one law in detail, and the papers behind them (as a
report, or as BibTeX)."""

from __future__ import annotations

import re
from typing import Sequence

from ..base.hints import command as suggest
from ..base.units import format_count, format_flops, format_general, format_text
from .plans import flops_convention
from .types import Block, Column, Report

__all__ = ["presets_report", "law_report", "citations_report", "bibtex", "bibtex_key", "PRESET_KEYS",
           "CITATION_KEYS"]

PRESET_KEYS = ("id", "default", "form", "aliases", "parameters", "citation", "arxiv")
CITATION_KEYS = ("key", "authors", "year", "title", "arxiv", "url", "presets")


def presets_report(laws: Sequence, default: str) -> Report:
    rows = [dict(id=law.id, default=law.id == default, form=law.form, aliases=", ".join(law.aliases),
                 parameters=law.parameters, citation=law.short_citation, arxiv=law.citation.get("arxiv"),
                 label=law.id + (" *" if law.id == default else "") + (f" ({', '.join(law.aliases)})" if law.aliases else ""))
            for law in laws]
    cols = (Column("label", "id (aliases)", format_text, align="left"), Column("parameters", "N counts", format_text, align="left"),
            Column("citation", "source", format_text, align="left"))
    return Report(blocks=(Block(rows),), columns=cols, keys=PRESET_KEYS, title=None,
                  footer=(f"* the default. Details of one: {suggest('presets', 'show', default)}",))


def law_report(law) -> Report:
    """One law in detail (``plan presets show ID --format ...``): its coefficients as the table, its source,
    conventions, fitted range, uncertainty and notes in the footer; JSON is one object with all of them."""
    rows = [{"coefficient": name, "value": value} for name, value in law.coefficients.items()]
    columns = (Column("coefficient", "coefficient", format_text, align="left"),
               Column("value", "value", format_general))
    ranges = {"n_params": ("N", format_count), "n_tokens": ("D", format_count), "flops": ("C", format_flops)}
    fitted = "; ".join(f"{ranges[k][0]} {ranges[k][1](lo)}–{ranges[k][1](hi)}" for k, (lo, hi) in law.fitted_range.items())
    where = law.citation.get("where")
    footer = [f"Source: {law.short_citation}" + (f", {where}" if where else "") + ".",
              f"Form: {law.form}" + "".join(f" (gives {g})" for g in [law.model.describe().get("gives")] if g)
              + f"; N counts {law.parameters} parameters; {flops_convention(law)}"
              + (f"; losses on {law.dataset}" if law.dataset else "") + ".",
              *_tables_footer(law),
              f"Fitted on: {fitted}." if fitted else "Fitted range: not published.",
              f"Uncertainty: {law.uncertainty!r}." if law.uncertainty else "Uncertainty: none published.",
              *law.notes]
    fields = {"id": law.id, "title": law.title, "form": law.form, "aliases": list(law.aliases),
              "citation": dict(law.citation), "parameters": law.parameters, "dataset": law.dataset,
              "flops_per_param_token": law.flops_per_param_token, "coefficients": law.coefficients,
              "fitted_range": {k: list(v) for k, v in law.fitted_range.items()}, "notes": list(law.notes),
              "source": law.source}
    fields.update(law.model.describe())   # an allocation rule's "gives", a mixture of experts' [moe] table
    if law.distillation is not None:
        fields["distillation"] = {name: getattr(law.distillation, name)
                                  for name in law.distillation.coefficient_names}
    return Report(blocks=(Block(rows),), columns=columns, keys=("coefficient", "value"),
                  title=f"{law.id} · {law.title}", footer=tuple(footer), fields=fields)


def _tables_footer(law) -> list[str]:
    """One line each for the tables beyond the coefficients: a mixture of experts' [moe], a [distillation] law."""
    lines = []
    moe = law.model.describe().get("moe")
    if moe:
        lines.append(f"MoE: expansion rate E = {moe['expansion_rate']:g}; granularities searched "
                     f"{', '.join(f'{g:g}' for g in moe['granularities'])}; routing c_r = {moe['routing_flops']:g}; "
                     f"d_model = {moe['width_per_block']:g}·n_blocks.")
    if law.distillation is not None:
        coefs = ", ".join(f"{k} = {getattr(law.distillation, k):.6g}" for k in law.distillation.coefficient_names)
        lines.append(f"Distillation law (plan distill): {coefs}.")
    return lines


def _papers(laws: Sequence) -> dict:
    """bibtex key → (citation, [law ids]) for the papers behind ``laws``, presets citing the same paper together."""
    papers: dict[str, tuple] = {}
    for law in laws:
        papers.setdefault(bibtex_key(law.citation), (law.citation, []))[1].append(law.id)
    return papers


def citations_report(laws: Sequence) -> Report:
    """The papers behind ``laws`` as a table (``plan cite --format ...``); BibTeX is :func:`bibtex`."""
    rows = [{"key": key, "authors": c.get("authors", ""), "year": c.get("year"), "title": c.get("title", ""),
             "arxiv": c.get("arxiv"), "url": c.get("url"), "presets": ", ".join(ids)}
            for key, (c, ids) in _papers(laws).items()]
    columns = (Column("key", "key", format_text, align="left"), Column("title", "title", format_text, align="left"),
               Column("year", "year", format_text), Column("arxiv", "arXiv", format_text, align="left"),
               Column("presets", "presets", format_text, align="left"))
    return Report(blocks=(Block(rows),), columns=columns, keys=CITATION_KEYS, title="Sources")


def _bib_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "&%$#_" else ch for ch in text)


def bibtex_key(citation) -> str:
    """``hoffmann2022training``: first author's surname (or corporate name), year, first title word."""
    first = citation.get("authors", "").split(" and ")[0].strip()
    name = first.split(",")[0].split()[0] if "," in first else (first.split() or ["anon"])[-1]
    words = [w for w in re.findall(r"[A-Za-z]+", citation.get("title", "")) if w.lower() not in ("a", "an", "the", "on")]
    return re.sub(r"[^a-z0-9]", "", (name + str(citation.get("year", ""))).lower()) + (words[0].lower() if words else "")


def bibtex(laws: Sequence) -> str:
    """One BibTeX entry per paper behind ``laws`` (presets citing the same paper share it), holding only what the
    paper's own entry would (authors, title, year, the arXiv eprint, url); the presets that cite it are named in a
    ``%`` comment line above the entry."""
    entries = []
    for key, (c, ids) in _papers(laws).items():
        authors = " and ".join("{" + a.strip() + "}" if "," in a or "@" in a else a.strip()
                               for a in c.get("authors", "").split(" and "))
        fields = [("author", _bib_escape(authors)), ("title", "{" + _bib_escape(c.get("title", "")) + "}"),
                  ("year", str(c.get("year", "")))]
        if c.get("arxiv"):
            fields += [("journal", f"arXiv preprint arXiv:{c['arxiv']}"), ("eprint", c["arxiv"]),
                       ("archivePrefix", "arXiv")]
        if c.get("url"):
            fields.append(("url", c["url"]))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        # The presets citing the paper go in a comment line (BibTeX ignores text outside entries), not in a field:
        # a `note` would print in the reader's bibliography.
        entries.append(f"% planner preset{'s' if len(ids) > 1 else ''}: {', '.join(ids)}\n@article{{{key},\n{body}\n}}")
    return "\n\n".join(entries)
