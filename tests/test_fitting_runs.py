"""planner.fitting.runs: one reader for CSV, TSV and JSON-lines runs; flexible column names; errors name the line and column."""

import io
import json

import numpy as np
import pytest

from planner.base.errors import PlannerError, RunsError
from planner.fitting.runs import parse_runs
from planner.files.runs import read_runs

CSV = "params,tokens,loss\n1e8,2e9,3.5\n4e8,8e9,3.0\n1.6e9,3.2e10,2.6\n"


def test_csv_with_tokens_derives_flops_as_6nd():
    runs = parse_runs(CSV, source="runs.csv")
    np.testing.assert_array_equal(runs.n_params, [1e8, 4e8, 1.6e9])
    np.testing.assert_array_equal(runs.n_tokens, [2e9, 8e9, 3.2e10])
    np.testing.assert_allclose(runs.flops, 6 * runs.n_params * runs.n_tokens)
    assert runs.derived == ("flops",)
    assert runs.lines == (2, 3, 4)
    assert len(runs) == 3


def test_flops_only_derives_tokens_as_c_over_6n():
    runs = parse_runs("N,C,L\n1e8,1.2e18,3.5\n2e8,4.8e18,3.1\n", source="r.csv")
    np.testing.assert_allclose(runs.n_tokens, [2e9, 4e9])
    assert runs.derived == ("n_tokens",)


def test_a_flops_column_beside_params_and_tokens_is_kept_within_a_factor_of_10_of_6nd():
    """The user's own count (here 6·N·D plus 40%, as attention FLOPs add at long context) is taken as given."""
    runs = parse_runs("params,tokens,flops,loss\n1e8,2e9,1.68e18,3.5\n2e8,4e9,6.72e18,3.1\n", source="r.csv")
    np.testing.assert_array_equal(runs.flops, [1.68e18, 6.72e18])
    assert runs.derived == ()


@pytest.mark.parametrize("unit, factor", [("PF-days", 1 / 8.64e19), ("GFLOPs", 1e-9), ("forward FLOPs x 50", 50 / 3)])
def test_a_flops_column_in_another_unit_is_refused_naming_its_first_run(unit, factor):
    rows = [(1e8, 2e9, 3.5), (2e8, 4e9, 3.1), (4e8, 8e9, 2.9)]
    text = "params,tokens,C,loss\n" + "".join(f"{n:g},{d:g},{6 * n * d * (factor if i else 1):g},{l}\n"
                                              for i, (n, d, l) in enumerate(rows))
    with pytest.raises(RunsError, match=r"r\.csv line 3: its flops column 'C' gives C = .*, but 6·N·D = 4\.8e\+18 "
                                         r"\(.*x apart\): the columns must count the same run; give C in FLOPs"):
        parse_runs(text, source="r.csv")



def test_a_run_whose_k_n_d_overflows_is_named_with_or_without_a_flops_column():
    for header, flops in (("params,tokens,loss", ""), ("params,tokens,flops,loss", "1e21,")):
        text = f"{header}\n2e8,4e9,{flops}2.9\n1e200,1e200,{flops}3.1\n"
        with pytest.raises(RunsError, match=r"r\.csv line 3: the flops it implies \(k·N·D = inf\) is outside"):
            parse_runs(text, source="r.csv")



@pytest.mark.parametrize("header", ["n_params,n_tokens,loss", "N,D,L", "Params,Tokens,Final Loss",
                                    "model size,training-tokens,eval_loss", "parameters,D,val_loss"])
def test_column_names_are_recognised_flexibly(header):
    runs = parse_runs(f"{header}\n1e8,2e9,3.5\n2e8,3e9,3.2\n")
    assert runs.loss[1] == 3.2 and runs.n_tokens[0] == 2e9


def test_tsv_and_json_lines_are_sniffed():
    tsv = parse_runs("params\ttokens\tloss\n1e8\t2e9\t3.5\n")
    jsonl = parse_runs('{"params": 1e8, "tokens": 2e9, "loss": 3.5}\n\n{"params": 2e8, "tokens": 4e9, "loss": 3.1}\n')
    assert tsv.n_params[0] == jsonl.n_params[0] == 1e8
    assert jsonl.lines == (1, 3)


def test_column_options_override_recognition():
    text = "size,toks,flops,my_loss,loss_smoothed\n1e8,2e9,1.2e18,3.5,3.4\n"
    runs = parse_runs(text, n_params="size", n_tokens="toks", loss="loss_smoothed")
    assert runs.loss[0] == 3.4 and runs.n_tokens[0] == 2e9 and runs.flops[0] == 1.2e18
    assert runs.derived == ()


def test_files_by_extension_and_stdin(tmp_path, monkeypatch):
    p = tmp_path / "runs.jsonl"
    p.write_text(json.dumps({"N": 1e8, "D": 2e9, "L": 3.5}) + "\n")
    assert read_runs(p).source == str(p)
    monkeypatch.setattr("sys.stdin", io.StringIO(CSV))
    runs = read_runs("-")
    assert runs.source == "<stdin>" and len(runs) == 3


def test_drop_highest_loss_keeps_order():
    runs = parse_runs(CSV).drop_highest_loss(1)
    np.testing.assert_array_equal(runs.loss, [3.0, 2.6])
    assert runs.lines == (3, 4)


@pytest.mark.parametrize("text, message", [
    ("params,loss\n1e8,3.5\n", "neither a tokens nor a flops column"),
    ("tokens,loss\n2e9,3.5\n", "no n_params column"),
    ("params,tokens\n1e8,2e9\n", "no loss column"),
    ("params,tokens,loss\n1e8,2e9,abc\n", "line 2, column 'loss': expected a number, got 'abc'"),
    ("params,tokens,loss\n1e8,2e9,3.5\n1e8,,3.5\n", "line 3, column 'tokens' is empty"),
    ("params,tokens,loss\n1e8,-2e9,3.5\n", "line 2, column 'tokens': n_tokens must be a finite number > 0, got '-2e9'"),
    ("params,tokens,loss\n1e8,2e9,inf\n", "line 2, column 'loss': loss must be a finite number > 0"),
    ("params,tokens,loss\n1e8,2e9\n", "line 2: 2 cells but the header has 3 columns"),
    ("params,tokens,loss\n", "has no runs"),
    ("", "is empty"),
    ("params,N,tokens,loss\n1,2,3,4\n", "several columns that could be n_params: 'params', 'N'"),
    ('{"params": 1e8, "tokens": 2e9, "loss": 3.5}\n{"params": 1e8,\n', "line 2: not valid JSON"),
    ('[1, 2, 3]\n', "line 1: expected a JSON object"),
    ('{"params": 1e8, "tokens": 2e9, "loss": true}\n', "line 1, column 'loss': expected a number, got True"),
])
def test_bad_runs_give_one_line_errors_naming_line_and_column(text, message):
    with pytest.raises(RunsError) as info:
        parse_runs(text, source="runs.csv")
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, PlannerError) and isinstance(info.value, ValueError)


def test_a_named_column_that_is_missing_says_which_argument_or_option():
    """In Python the argument that named it; on the command line its flag (planner.cli.errors.WORDS)."""
    from planner.cli.errors import message

    with pytest.raises(RunsError, match="no column 'xent' \\(given by loss='COLUMN'\\)") as info:
        parse_runs(CSV, loss="xent")
    assert "no column 'xent' (given by --loss-column)" in message(info.value)


def test_a_column_name_with_braces_is_no_placeholder():
    with pytest.raises(RunsError, match="no column '{x}' \\(given by loss='COLUMN'\\)"):
        parse_runs(CSV, loss="{x}")


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(RunsError, match="not found"):
        read_runs(tmp_path / "nope.csv")


def test_a_binary_file_says_it_is_not_utf8_text_and_what_to_give(tmp_path):
    """QA: a binary file gave "cannot read runs file ...: 'utf-8' codec can't decode byte 0xd0 ..." and no fix."""
    path = tmp_path / "runs.csv"
    path.write_bytes(b"n_params,loss\n\xd0\x00\xff")
    with pytest.raises(RunsError, match=r"is not UTF-8 text \(byte 14: .*\); give a CSV, TSV or JSON-lines file saved as UTF-8"):
        read_runs(path)


def test_every_column_a_reader_can_name_has_its_flag_on_the_command_line():
    """The readers name a column's option by the placeholder ``{scope}_{field}``; the command line must have words
    for each, or its error would show Python's (``columns={'branch': 'COLUMN'}``) to a command-line user."""
    from planner.cli.errors import WORDS
    from planner.files import curve_runs
    from planner.fitting import hparams, ladder, runs

    tables = [("column", runs._OPTION), ("column", ladder._OPTIONS), ("column", hparams._OPTIONS),
              ("curve_column", curve_runs._OPTIONS)]
    missing = [f"{scope}_{field}" for scope, table in tables for field in table if f"{scope}_{field}" not in WORDS]
    assert not missing, missing


def test_the_command_lines_words_last_as_long_as_its_command():
    """A command sets its flags as the words of core messages (FRONT_END_WORDS) and resets them when it ends, even
    when it fails: the next Python call speaks of its arguments again."""
    from click.testing import CliRunner

    from planner.base.errors import FRONT_END_WORDS
    from planner.cli import cli

    r = CliRunner().invoke(cli, ["fit", "-", "--loss-column", "xent"], input=CSV)
    assert r.exit_code == 1 and "(given by --loss-column)" in r.output
    assert dict(FRONT_END_WORDS.get()) == {}
    with pytest.raises(RunsError, match="given by loss='COLUMN'"):
        parse_runs(CSV, loss="xent")
