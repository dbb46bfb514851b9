"""How tables fit a terminal (planner.report.layout): at 80 columns every table of issue 19's list is a table, not one
record per row; where one table cannot fit, the columns split over several that each name their rows; wide terminals
keep the full headers."""

import io
import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import cli
from planner.report.layout import choose, table_width
from planner.report.types import Column

NARROW = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}

#: The combinations issue 19 found printed as one record per row at 80 columns.
WERE_RECORDS = {
    "compare --ci": ["compare", "--flops", "1e24", "--ci", "80"],
    "compare --ci on a cluster": ["compare", "--flops", "1e24", "--ci", "80", "--gpu", "h100", "--gpus", "1024",
                                  "--usd-per-gpu-hour", "2.5"],
    "hardware with --ci": ["--flops", "1e24", "--gpu", "h100", "--gpus", "1024", "--usd-per-gpu-hour", "2.5", "--ci",
                           "80"],
    "hardware with --ci, several budgets": ["--flops-range", "1e21", "1e24", "--points", "3", "--gpu", "h100", "--gpus",
                                            "1024", "--usd-per-gpu-hour", "2.5", "--ci", "80"],
    "MoE with cost": ["--flops", "1e22", "--preset", "krajewski2024", "--gpu", "h100", "--gpus", "256",
                      "--usd-per-gpu-hour", "2.5"],
    "what-if with cost": ["--flops", "1e22", "--params", "7B", "--gpu", "h100", "--gpus", "256", "--usd-per-gpu-hour",
                          "2.5"],
    "constraints with cost": ["--flops", "1e23", "--unique-tokens", "300B", "--inference-tokens", "10T", "--gpu",
                              "h100", "--gpus", "256", "--usd-per-gpu-hour", "2.5"],
    "distill a run": ["distill", "--student", "1B", "--tokens", "20B", "--teacher-loss", "2.3"],
    "distill a budget": ["distill", "--flops", "1e22", "--student", "1B"],
    "shape": ["shape", "--params", "7B"],
    "plan with shapes": ["--flops", "1e22", "--shape", "--gpu", "h100", "--gpus", "256", "--usd-per-gpu-hour", "2.5"],
}


def invoke(*args, env=NARROW):
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def markdown_tables(text):
    """The cells of each pipe table of a markdown report (header and separator rows left out)."""
    tables, current = [], None
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current = [] if current is None else current
            current.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
        elif current is not None:
            tables.append(current[2:])
            current = None
    return tables


def numbers(cell: str) -> list[str]:
    """The numbers a cell shows, an interval's bounds as one item: '95.9B (75.0–129B)' → ['95.9B', '75.0–129B']."""
    return [w.strip("()") for w in cell.replace("\\", "").split() if re.search(r"\d", w)]


@pytest.mark.parametrize("name", list(WERE_RECORDS))
def test_each_table_is_a_table_at_80_columns(name):
    args = WERE_RECORDS[name]
    out = invoke(*args)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    tables = markdown_tables(invoke(*args, "--format", "markdown"))
    rules = [line for line in lines if line.strip().startswith("──")]
    # One header rule per table at least (more where the columns split); a block printed as records has none.
    assert len(rules) >= len(tables), f"{len(tables)} tables but {len(rules)} header rules: a record fallback"
    shown = {n for table in tables for row in table for cell in row for n in numbers(cell)}
    assert shown and all(n in out for n in shown), sorted(n for n in shown if n not in out)


@pytest.mark.parametrize("name", ["compare --ci", "hardware with --ci", "MoE with cost", "what-if with cost",
                                  "distill a run", "distill a budget", "shape"])
def test_most_fit_one_table_at_80_columns(name):
    """Short headers, tight spacing and intervals under their values are enough: no split for these."""
    args = WERE_RECORDS[name]
    out = invoke(*args)
    assert sum(line.strip().startswith("──") for line in out.splitlines()) == len(markdown_tables(
        invoke(*args, "--format", "markdown")))


def test_an_interval_moves_under_its_value_without_brackets_when_tight():
    out = invoke(*WERE_RECORDS["hardware with --ci"])
    value_line = next(line for line in out.splitlines() if line.startswith("1.00e24"))
    under = out.splitlines()[out.splitlines().index(value_line) + 1]
    assert "95.9B" in value_line and re.search(r"\d–\d", under) and "(" not in under


def test_a_split_table_repeats_the_column_that_names_its_rows():
    out = invoke(*WERE_RECORDS["constraints with cost"])
    lines = out.splitlines()
    headers = [lines[i - 1].split() for i, line in enumerate(lines) if line.startswith("──")]
    assert len(headers) == 2 and all(h[0] == "plan" for h in headers)
    assert "cost" in headers[-1] and "N" in headers[0]
    assert out.count("inference aware") + out.count("inference") >= 2


def test_a_wide_terminal_keeps_the_full_headers():
    out = invoke(*WERE_RECORDS["hardware with --ci"], env={**NARROW, "COLUMNS": "160"})
    assert "params N (80% CI)" in out and "Columns:" not in out and "(75.0–129B)" in out
    assert sum(line.strip().startswith("──") for line in out.splitlines()) == 1


# ---------------------------------------------------------------------------------------------------------------------
# the layout itself

def _columns():
    text = Column("name", "name of the row", str, align="left")
    nums = [Column(f"x{i}", f"quantity number {i}", lambda v: f"{v:.3g}", short=f"q{i}", legend=f"q{i}: quantity {i}")
            for i in range(8)]
    return [text] + nums


ROWS = [{"name": f"row-{j}", **{f"x{i}": (i + 1) * 10.0 ** (j + i) for i in range(8)}} for j in range(3)]


def test_full_headers_whenever_they_fit():
    layout = choose(_columns(), ROWS, 1000)
    assert len(layout.groups) == 1 and layout.groups[0][1].header == "quantity number 0" and layout.style == "pad"


def test_a_table_of_text_columns_too_wide_for_the_terminal_falls_back_to_records():
    """Every column left-aligned (all name the row, as in `plan hparams --list`): nothing to split over tables, so
    the answer is None (one record per row), not a ZeroDivisionError."""
    text = [Column(f"t{i}", f"text {i}", str, align="left") for i in range(3)]
    rows = [{f"t{i}": "unbreakable-" * 3 for i in range(3)}]   # one word each: no wrapping helps
    assert choose(text, rows, 40) is None
    assert choose(text, rows, 1000) is not None


@settings(max_examples=60, deadline=None)
@given(width=st.integers(min_value=24, max_value=200))
def test_every_layout_fits_its_width_and_shows_every_column_once(width):
    columns = _columns()
    layout = choose(columns, ROWS, width)
    if layout is None:  # too narrow for the row's name and one column
        assert any(table_width(ROWS, [columns[0], c], wrap=True, style="tight") > width for c in columns[1:])
        return
    for group in layout.groups:
        assert table_width(ROWS, group, wrap=layout.wrap, style=layout.style) <= width
        assert group[0].key == "name"  # each table names its rows
    keys = [c.key for group in layout.groups for c in group[1:]]
    assert keys == [c.key for c in columns[1:]]  # every column once, in order


@settings(max_examples=25, deadline=None)
@given(width=st.integers(min_value=30, max_value=140))
def test_the_terminal_table_never_exceeds_the_terminal(width):
    from rich.console import Console

    from planner.files.presets import list_presets
    from planner.report import answers
    from planner.report.render import print_table

    report = answers.compare(list_presets()[:4], [1e24], ci=80)
    out = io.StringIO()
    print_table(report, Console(file=out, width=width, no_color=True, emoji=False, color_system=None))
    assert max(len(line) for line in out.getvalue().splitlines()) <= width
