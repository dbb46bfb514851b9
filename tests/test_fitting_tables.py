"""planner.fitting.tables: CSV, TSV and JSON-lines text read row by row, the format from a name or the first line,
columns found by name; errors name the source and the line."""

import pytest

from planner.base.errors import RunsError
from planner.fitting.tables import find_columns, format_of, sniffed, table_records


@pytest.mark.parametrize("name, fmt", [("runs.csv", "csv"), ("RUNS.TSV", "tsv"), ("a.tab", "tsv"), ("a.jsonl", "jsonl"),
                                       ("a.ndjson", "jsonl"), ("a.json", "jsonl"), ("-", None), ("runs.txt", None)])
def test_the_format_a_file_name_implies(name, fmt):
    assert format_of(name) == fmt


@pytest.mark.parametrize("text, fmt", [("\n\nN,L\n1,2\n", "csv"), ("N\tL\n", "tsv"), ('  {"N": 1}\n', "jsonl"),
                                       ("[1]\n", "jsonl")])
def test_the_first_line_that_is_not_blank_shows_the_format(text, fmt):
    assert sniffed(text, None) == fmt


def test_an_unknown_format_is_refused():
    with pytest.raises(RunsError, match="unknown runs format 'xlsx'; expected csv, tsv or jsonl"):
        sniffed("a,b", "xlsx")


def test_records_of_each_format_with_their_line_numbers():
    header, records = table_records("N,L\n\n1e8,3.1\n2e8,2.9\n", "r.csv", None)
    assert header == ["N", "L"] and records == [(3, {"N": "1e8", "L": "3.1"}), (4, {"N": "2e8", "L": "2.9"})]
    header, records = table_records('{"N": 1e8}\n{"L": 3.1, "N": 2e8}\n', "r.jsonl", None)
    assert header == ["N", "L"] and [line for line, _ in records] == [1, 2]


@pytest.mark.parametrize("text, fmt, message", [
    ("N,L\n1,2,3\n", "csv", "r line 2: 3 cells but the header has 2 columns"),
    ('{"N": 1}\n[1, 2]\n', "jsonl", "r line 2: expected a JSON object"),
    ('{"N": 1\n', "jsonl", "r line 1: not valid JSON"),
    ("", "csv", "r is empty"),
])
def test_a_malformed_table_names_its_line(text, fmt, message):
    with pytest.raises(RunsError, match=message):
        table_records(text, "r", fmt)


def test_columns_are_found_by_normalised_name_or_as_named_and_ambiguity_is_refused():
    names = {"n_params": ("params", "n"), "loss": ("loss", "l")}
    options = {"n_params": "n_params='COLUMN'", "loss": "loss='COLUMN'"}
    assert find_columns(["Params", "Final-Loss", "LOSS"], {"loss": "Final-Loss"}, "r", names, options) == \
        {"n_params": "Params", "loss": "Final-Loss"}
    with pytest.raises(RunsError, match="several columns that could be loss: 'loss', 'L'"):
        find_columns(["params", "loss", "L"], {}, "r", names, options)
    with pytest.raises(RunsError, match=r"r has no column 'lost' \(given by loss='COLUMN'\)"):
        find_columns(["params", "loss"], {"loss": "lost"}, "r", names, options)
