"""Tables of runs, ladders and sweeps as text: CSV, TSV or JSON lines, read row by row, and their columns found by
name. The one reader behind :mod:`planner.fitting.runs`, :mod:`planner.fitting.ladder`, :mod:`planner.fitting.hparams`
and :mod:`planner.files.curve_runs` (the text only: :mod:`planner.files` opens the files).

The format is the file's extension's (:func:`format_of`) or, for ``-`` (stdin) and other names, the first line's
(:func:`sniffed`). Columns are recognised by name, case-insensitively, with spaces and dashes read as ``_``, or named
explicitly (:func:`find_columns`). Every error names the source and the line or column at fault.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..base.errors import RunsError, literal

__all__ = ["format_of", "sniffed", "delimited_rows", "table_records", "jsonl_records", "find_columns",
           "missing_column", "normalised"]


def normalised(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def format_of(path: str) -> str | None:
    """The table format a file name implies (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``/``.json``), or None
    (stdin, other names: sniffed)."""
    suffix = Path(path).suffix.lower() if path != "-" else ""
    return {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "jsonl"}.get(suffix)


def sniffed(text: str, fmt: str | None) -> str:
    """``fmt``, or the format the first line of ``text`` shows; an error for an unknown one."""
    if fmt is None:
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        fmt = "jsonl" if first.lstrip()[:1] in ("{", "[") else "tsv" if "\t" in first else "csv"
    if fmt not in ("csv", "tsv", "jsonl"):
        raise RunsError(f"unknown runs format {fmt!r}; expected csv, tsv or jsonl")
    return fmt


def delimited_rows(text: str, source: str, fmt: str):
    """(line number, cells) of each non-blank row of a CSV or TSV text, the header first; a row whose cell count
    is not the first row's, or text the csv module cannot read, is a RunsError naming the line."""
    reader = csv.reader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ",")
    width = None
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if width is not None and len(row) != width:
                raise RunsError(f"{source} line {reader.line_num}: {len(row)} cells but the header has {width} "
                                "columns")
            width = len(row) if width is None else width
            yield reader.line_num, row
    except csv.Error as e:
        raise RunsError(f"{source} line {reader.line_num}: not valid {fmt.upper()}: {e}") from None


def table_records(text: str, source: str, fmt: str | None):
    """(header, [(line, record)]) of a CSV, TSV or JSON-lines text, one dict per row; ``fmt`` None sniffs the first
    line. (Runs files are read column by column instead: :func:`parse_runs`.)"""
    fmt = sniffed(text, fmt)
    if fmt == "jsonl":
        return jsonl_records(text, source)
    header, records = None, []
    for line, row in delimited_rows(text, source, fmt):
        if header is None:
            header = [c.strip() for c in row]
        else:
            records.append((line, dict(zip(header, row))))
    if header is None:
        raise RunsError(f"{source} is empty; expected a header row and one row per run")
    return header, records


def jsonl_records(text: str, source: str):
    header: list[str] = []
    records = []
    for i, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise RunsError(f"{source} line {i}: not valid JSON ({e.msg}); expected one object per line") from None
        if not isinstance(obj, dict):
            raise RunsError(f"{source} line {i}: expected a JSON object like {{\"params\": 1e8, \"tokens\": 2e9, "
                            f"\"loss\": 3.1}}, got {type(obj).__name__}")
        for key in obj:
            if key not in header:
                header.append(key)
        records.append((i, obj))
    return header, records


def find_columns(header, overrides, source, names, options, scope: str = "column") -> dict[str, str]:
    """field → column of ``header`` for each field of ``names`` (field → recognised names) found: the column named
    in ``overrides`` (an error naming how to name it, ``options[field]``, if absent), else the one column whose
    normalised name is a recognised one (an error if several are). The one column matcher of runs files and ladders.

    Errors name the way to give a column through the placeholder ``{scope}_{field}`` (its Python words are
    ``options[field]``; the command line words it with its flag, :data:`planner.cli.errors.WORDS`)."""
    normal: dict[str, list[Any]] = {}
    for name in header:
        normal.setdefault(normalised(str(name)), []).append(name)
    columns: dict[str, str] = {}
    for field, aliases in names.items():
        given = overrides.get(field)
        if given is not None:
            if given in header:
                columns[field] = given
            elif normalised(given) in normal and len(normal[normalised(given)]) == 1:
                columns[field] = normal[normalised(given)][0]
            else:
                raise RunsError.worded(literal(f"{source} has no column {given!r} (given by ") + f"{{{scope}_{field}}}"
                                       + literal(f"); its columns are: {', '.join(map(str, header))}"),
                                       **{f"{scope}_{field}": options[field]})
            continue
        found = [orig for alias in aliases for orig in normal.get(alias, [])]
        if len(found) > 1:
            raise RunsError.worded(literal(f"{source} has several columns that could be {field}: "
                                           f"{', '.join(map(repr, found))}; choose one with ") + f"{{{scope}_{field}}}",
                                   **{f"{scope}_{field}": options[field]})
        if found:
            columns[field] = found[0]
    return columns


def missing_column(source: str, field: str, names, header, option: str, scope: str = "column") -> RunsError:
    """The error for a file without a ``field`` column: the ``names`` it looked for, the columns it has, how to name
    one (``option``, the Python words of the placeholder ``{scope}_{field}``, as :func:`find_columns`)."""
    return RunsError.worded(literal(f"{source} has no {field} column; expected one named {' / '.join(names)} "
                                     f"(columns: {', '.join(map(str, header))}), or name it with ")
                            + f"{{{scope}_{field}}}", **{f"{scope}_{field}": option})
