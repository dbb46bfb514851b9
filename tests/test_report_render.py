"""Reports and their formats (planner.report, planner.report.render): one set of rows, five renderings."""

import csv
import io
import json
import re

import pytest

from planner.planning.plan import compute_optimal
from planner.files.presets import list_presets, load_preset
from planner.report.render import latex_escape, render, to_latex, to_markdown
from planner.report.types import Block, Column, Report
from planner.report.catalogue import bibtex, bibtex_key
from planner.report.plans import compare_report, target_report, whatif_report
from planner.base.units import parse_quantity
from planner.planning.whatif import min_compute_for_loss, plan_with_params


def reports():
    law = load_preset("besiroglu2024")
    laws = list_presets()
    budgets = [1e21, 1e23]
    return {
        "whatif": whatif_report(law, [plan_with_params(law, 1e21, 7e9)], "What-if"),
        "compare": compare_report(laws, budgets, [[compute_optimal(l, C) for l in laws] for C in budgets]),
        "target": target_report(law, [2.1, 2.0], [min_compute_for_loss(law, t) for t in (2.1, 2.0)]),
    }


def parse_markdown_tables(text):
    """Every pipe table in ``text`` as a list of {header: cell} dicts (backslash escapes removed)."""
    unescape = lambda s: re.sub(r"\\(.)", r"\1", s.strip())  # noqa: E731
    tables, current, header = [], None, None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [unescape(c) for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if header is None:
                header, current = cells, []
            elif set("".join(cells)) <= set(":-"):
                continue
            else:
                current.append(dict(zip(header, cells)))
        elif header is not None:
            tables.append(current)
            header = None
    if header is not None:
        tables.append(current)
    return tables


def cell_value(cell):
    if cell == "—":
        return None
    if cell.endswith("%"):
        return float(cell[:-1]) / 100
    try:
        return parse_quantity(cell)
    except Exception:
        return float(cell) if re.fullmatch(r"-?[\d.]+", cell) else cell


@pytest.mark.parametrize("name", ["whatif", "compare", "target"])
def test_markdown_parses_back_to_the_json_numbers(name):
    """Each markdown cell, read back, is the JSON float to the 3 significant figures shown."""
    report = reports()[name]
    rows = json.loads(render(report, "json"))
    tables = parse_markdown_tables(to_markdown(report))
    assert len(tables) == len(report.blocks)
    parsed = [r for t in tables for r in t]
    assert len(parsed) == len(rows)
    for md_row, row in zip(parsed, rows):
        for col in report.columns:
            got, want = cell_value(md_row[col.header]), row.get(col.key, None)
            if isinstance(want, float) and want != 0:
                assert got == pytest.approx(want, rel=5e-3, abs=5e-4), (col.key, md_row)
            elif want is None:
                assert got is None


def test_markdown_escapes_pipes_and_emphasis():
    report = Report(blocks=(Block([{"x": "a|b*c_d"}]),), columns=(Column("x", "x|y", str, "left"),),
                    keys=("x",), footer=("* starred",))
    md = to_markdown(report)
    assert r"| x\|y |" in md and r"| a\|b\*c\_d |" in md and r"- \* starred" in md


SPECIALS = "50% & $5 #1 a_b {x} ~y ^z back\\slash"


def test_latex_escape_covers_every_special():
    out = latex_escape(SPECIALS)
    assert out == (r"50\% \& \$5 \#1 a\_b \{x\} \textasciitilde{}y \textasciicircum{}z back\textbackslash{}slash")


@pytest.mark.parametrize("name", ["whatif", "compare", "target"])
def test_latex_environments_balance_and_rows_have_one_cell_per_column(name):
    report = reports()[name]
    tex = to_latex(report)
    assert_latex_well_formed(tex)
    assert tex.count(r"\toprule") == tex.count(r"\bottomrule") == len(report.blocks)
    rows = [l for l in tex.splitlines() if l.endswith(r"\\")]
    assert all(len(re.findall(r"(?<!\\)&", l)) == len(report.columns) - 1 for l in rows)


def assert_latex_well_formed(tex):
    """Environments balance and, outside math, no unescaped special is left in the text."""
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack.pop() == env
    assert stack == []
    text = re.sub(r"(?<!\\)\$[^$]*(?<!\\)\$", "", tex)  # math, not an escaped \$ of a price
    body = [l for l in text.splitlines() if not l.startswith(("%", "\\begin", "\\end"))]
    for line in body:
        assert not re.search(r"(?<!\\)[%#_~^$]", line), line


def test_latex_footer_and_cells_with_specials_are_escaped():
    report = Report(blocks=(Block([{"x": SPECIALS}]),), columns=(Column("x", "x_y", str, "left"),),
                    keys=("x",), title="A & B", footer=(SPECIALS,))
    tex = to_latex(report)
    assert r"\caption{A \& B}" in tex and r"x\_y \\" in tex and latex_escape(SPECIALS) + r"\par" in tex


def test_numbers_in_latex_are_math():
    assert r"$1.00\times10^{21}$" in to_latex(reports()["whatif"])


@pytest.mark.parametrize("name", ["whatif", "compare", "target"])
def test_csv_and_json_carry_the_same_raw_floats_under_unit_named_keys(name):
    report = reports()[name]
    rows = json.loads(render(report, "json"))
    table = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert list(table[0]) == list(report.keys) == list(rows[0])
    for c, j in zip(table, rows):
        for key, value in j.items():
            if isinstance(value, float):
                assert float(c[key]) == value
            elif value is None:
                assert c[key] == ""


def test_markdown_and_latex_end_with_assumptions_and_every_citation():
    report = reports()["compare"]
    for text in (to_markdown(report), to_latex(report)):
        assert "FLOPs for every dense law" in text and "nats/token" in text
        assert "krajewski2024, krajewski2024-e16 (E = 64, 16): C = (12" in text and "(Eq. 10)" in text
        for law in list_presets():
            assert law.citation["arxiv"] in text


def test_a_comparison_footer_states_each_convention_and_paper_once():
    """One line per assumption, not per law: a FLOPs rule, a parameter count, a data set or a paper shared by
    several laws is written once, followed by the laws that share it."""
    report = reports()["compare"]
    text = "\n".join(report.footer)
    laws = list_presets()
    assert len(report.footer) == 3 and text.count("(Eq. 10)") == 1
    for law in laws:
        assert text.count(law.citation["arxiv"]) == 1
        assert law.id in text
    assert text.count("C4 (GPT-2 tokenizer)") == 1 and "C4 (GPT-2 tokenizer): krajewski2024, krajewski2024-e16" in text


def test_compare_marks_non_embedding_counts_and_states_the_spread():
    laws = [law for law in list_presets() if not law.routed]
    report = compare_report(laws, [1e21], [[compute_optimal(law, 1e21) for law in laws]])
    rows = {r["preset"]: r for r in report.blocks[0].rows}
    assert rows["kaplan2020"]["parameters"] == "non-embedding"
    assert rows["besiroglu2024"]["parameters"] == "total"
    [note] = report.blocks[0].notes
    assert note.startswith("Spread: N from 2.22B (hoffmann2022) to 7.77B (kaplan2020-frontier), 3.50×; D from")
    assert "n_active_params" not in report.keys


def test_compare_with_a_mixture_of_experts_spreads_active_parameters():
    """A MoE law's N counts every expert; beside dense laws the comparable quantity is the active N."""
    report = reports()["compare"]
    rows = {r["preset"]: r for r in report.blocks[0].rows}
    assert rows["krajewski2024"]["n_active_params"] < rows["krajewski2024"]["n_params"] / 40
    assert rows["besiroglu2024"]["n_active_params"] == rows["besiroglu2024"]["n_params"]
    [note] = report.blocks[0].notes
    assert note.startswith("Spread: active N from 1.57B (krajewski2024-e16) to 7.77B (kaplan2020-frontier)")
    assert "n_active_params" in report.keys


def test_bibtex_has_one_entry_per_paper_with_arxiv_ids():
    laws = [load_preset(i) for i in ("hoffmann2022", "hoffmann2022-approach1", "llama3-2024")]
    bib = bibtex(laws)
    assert bib.count("@article{") == 2
    assert "@article{hoffmann2022training," in bib and "eprint = {2203.15556}" in bib
    assert "% planner presets: hoffmann2022, hoffmann2022-approach1\n@article{hoffmann2022training," in bib
    assert "note" not in bib and "planner" not in bib.replace("% planner preset", ""), "no field names planner"
    assert "author = {{Llama Team, AI @ Meta}}" in bib
    assert bib.count("{") == bib.count("}")


def test_bibtex_keys_are_author_year_word():
    assert bibtex_key({"authors": "Jared Kaplan and Sam McCandlish", "year": 2020,
                       "title": "Scaling Laws for Neural Language Models"}) == "kaplan2020scaling"
    assert bibtex_key({"authors": "DeepSeek-AI", "year": 2024, "title": "DeepSeek LLM"}) == "deepseekai2024deepseek"


def _commands(group, path=("plan",)):
    import click

    yield path, group
    for name, command in getattr(group, "commands", {}).items():
        if isinstance(command, click.Group):
            yield from _commands(command, path + (name,))
        else:
            yield path + (name,), command


#: Commands whose default output is a document in a format of its own, offered beside the five.
DOCUMENT_FORMATS = {("plan", "presets", "show"): "toml", ("plan", "cite"): "bibtex", ("plan", "tasks", "show"): "toml"}


def test_every_command_that_prints_offers_every_format_render_knows():
    """One path out: every command but the figures takes --format with the five renderers' formats (and a command
    that prints a document, its own format first, as the default)."""
    from planner.report import render
    from planner.cli import cli

    for path, command in _commands(cli):
        formats = [p for p in command.params if "--format" in getattr(p, "opts", ())]
        if path[:2] == ("plan", "plot") or isinstance(command, __import__("click").Group) and path != ("plan",) \
                and path not in (("plan", "presets"), ("plan", "tasks")):
            continue
        assert len(formats) == 1, path
        extra = (DOCUMENT_FORMATS[path],) if path in DOCUMENT_FORMATS else ()
        assert tuple(formats[0].type.choices) == extra + render.FORMATS, path
    assert set(render.FORMATS) == {"table", *render.TEXT_FORMATS}


#: ESC (a screen clear and a colour), BEL and NUL, and a right-to-left override: what a hostile title could hold.
_HOSTILE = "evil \x1b[2J\x1b[31m\x07\x00\u202e law"


def _hostile_files(tmp_path):
    """A law file and a task-law file whose titles (and the law's citation title) hold :data:`_HOSTILE`, written as
    TOML escapes, as a file from anywhere may."""
    import tomllib

    from planner.files.presets import load_task_laws, preset_source, task_law_source

    escaped = "".join(f"\\u{ord(c):04x}" if c < " " or c == "\u202e" else c for c in _HOSTILE)
    law = tmp_path / "evil.toml"
    law.write_text(preset_source(load_preset("besiroglu2024")).replace(
        'title = "', f'title = "{escaped} ', 2).replace('id = "besiroglu2024"', 'id = "evil"'))
    assert tomllib.loads(law.read_text())["title"].startswith(_HOSTILE)
    tasks = tmp_path / "evil-tasks.toml"
    tasks.write_text(task_law_source(load_task_laws("gadre2024")).replace('title = "', f'title = "{escaped} ', 1))
    return law, tasks


def _raw_controls(text: str) -> list[str]:
    return [ch for ch in text if (ch < " " and ch not in "\n\t") or "\x7f" <= ch < "\xa0" or ch == "\u202e"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "latex", "json"])
def test_control_characters_from_files_never_reach_the_output(tmp_path, fmt):
    """Issue 21: ESC, BEL and NUL in a law file's or task file's title reached the terminal in tables and markdown.
    Every format of every command showing them escapes them (JSON by its own escaping, and keeps the text exact)."""
    from click.testing import CliRunner

    from planner.cli import cli

    law, tasks = _hostile_files(tmp_path)
    runs = [["--flops", "1e21", "--law", law], ["compare", "--flops", "1e21", "--law", law, "-p", "epoch"],
            ["presets", "show", law], ["tasks", "show", tasks], ["--params", "1B", "--tokens", "20B", "--tasks", tasks]]
    seen = 0
    for args in runs:
        r = CliRunner().invoke(cli, [str(a) for a in args] + ["--format", fmt])
        assert r.exit_code == 0, r.output
        assert _raw_controls(r.stdout + r.stderr) == [], args
        seen += "\\x1b[2J" in r.stdout or "\\u001b[2J" in r.stdout or "x1b\\[2J" in r.stdout or "x1b[2J" in r.stdout
        if fmt == "json" and args[0] == "presets":
            assert json.loads(r.stdout)["title"].startswith(_HOSTILE)   # the data as written, escaped by JSON
    assert seen or fmt == "csv"   # the text is shown, escaped, not dropped (CSV is pure rows: no title)


def test_a_document_of_a_file_is_escaped_too(tmp_path):
    """plan cite FILE: BibTeX from the file's citation title, escaped on its way out."""
    from click.testing import CliRunner

    from planner.cli import cli

    law, _ = _hostile_files(tmp_path)
    r = CliRunner().invoke(cli, ["cite", str(law)])
    assert r.exit_code == 0 and _raw_controls(r.stdout) == [] and "\\x07\\x00" in r.stdout
