"""Reading training runs for ``plan fit``: the one reader of run files.

One row per finished run: its parameter count N, its training tokens D or training
compute C, and its final loss L (nats/token). Formats: CSV, TSV and JSON lines, chosen by
the file's extension (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``/``.json``) or, for
``-`` (stdin) and other names, by sniffing the first line.

Columns are recognised by name, case-insensitively, with spaces and dashes read as ``_``
(see :data:`COLUMN_NAMES`), or named explicitly. When only C is given, D = C/(k·N) with
k = 6 (C = 6ND, Kaplan et al. 2020 §2.1); when only D is given, C = k·N·D.
Every error names the source and the line or column at fault.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    import numpy

from ..conventions import FLOPS_PER_PARAM_TOKEN
from ..errors import RunsError

__all__ = ["Runs", "read_runs", "parse_runs", "COLUMN_NAMES"]

#: Field → column names recognised for it (after lower-casing and mapping spaces/dashes to ``_``).
COLUMN_NAMES = {
    "n_params": ("n_params", "params", "parameters", "n_parameters", "num_params", "n", "model_size"),
    "n_tokens": ("n_tokens", "tokens", "d", "training_tokens", "num_tokens", "train_tokens"),
    "flops": ("flops", "c", "compute", "training_flop", "training_flops", "flop"),
    "loss": ("loss", "l", "final_loss", "train_loss", "eval_loss", "val_loss"),
}

_OPTION = {"n_params": "--n-params-column", "n_tokens": "--tokens-column", "flops": "--flops-column",
           "loss": "--loss-column"}


@dataclass(frozen=True)
class Runs:
    """Training runs as float arrays of equal length.

    n_params : N.  n_tokens : D (derived as C/(k·N) when the file has only C).
    flops : C (derived as k·N·D when the file has only D).  loss : final loss L.
    source : where they came from (a path or ``<stdin>``).  lines : the line of each run in
    the source (1-based, header included), for error messages.  columns : field → column name.
    derived : the fields computed rather than read (``n_tokens`` or ``flops``).
    """

    n_params: "numpy.ndarray"
    n_tokens: "numpy.ndarray"
    flops: "numpy.ndarray"
    loss: "numpy.ndarray"
    source: str = "<runs>"
    lines: tuple[int, ...] = ()
    columns: Mapping[str, str] | None = None
    derived: tuple[str, ...] = ()
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN

    def __len__(self) -> int:
        return len(self.loss)

    def drop_highest_loss(self, k: int) -> "Runs":
        """The runs without the ``k`` of highest loss (Besiroglu et al. 2024 drop 5 of 245)."""
        import numpy as np

        if k <= 0:
            return self
        if k >= len(self):
            raise RunsError(f"cannot drop the {k} highest-loss runs of {len(self)} in {self.source}")
        keep = np.sort(np.argsort(self.loss, kind="stable")[: len(self) - k])
        return replace(self, n_params=self.n_params[keep], n_tokens=self.n_tokens[keep], flops=self.flops[keep],
                       loss=self.loss[keep], lines=tuple(self.lines[i] for i in keep) if self.lines else ())


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def read_runs(path: str | Path, *, n_params: str | None = None, n_tokens: str | None = None, flops: str | None = None,
              loss: str | None = None, fmt: str | None = None, flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN) -> Runs:
    """Read runs from ``path`` (``"-"`` for stdin). Keyword column names override recognition.

    ``fmt`` forces ``"csv"``, ``"tsv"`` or ``"jsonl"``. Raises :class:`~planner.errors.RunsError`.
    """
    from ..files import read_text

    p = str(path)
    text = read_text(p, "runs file", RunsError, kind="a CSV, TSV or JSON-lines file")
    source = "<stdin>" if p == "-" else p
    return parse_runs(text, source=source, fmt=fmt or format_of(p), n_params=n_params, n_tokens=n_tokens, flops=flops, loss=loss,
                      flops_per_param_token=flops_per_param_token)


def parse_runs(text: str, *, source: str = "<runs>", fmt: str | None = None, n_params: str | None = None,
               n_tokens: str | None = None, flops: str | None = None, loss: str | None = None,
               flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN) -> Runs:
    """Parse runs from the text of a CSV, TSV or JSON-lines file (see :func:`read_runs`)."""
    header, records = table_records(text, source, fmt)
    if not records:
        raise RunsError(f"{source} has no runs (no data rows after the header)")
    overrides = {"n_params": n_params, "n_tokens": n_tokens, "flops": flops, "loss": loss}
    columns = _match_columns(header, overrides, source)
    return _build(records, columns, source, flops_per_param_token)


def format_of(path: str) -> str | None:
    """The table format a file name implies (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``/``.json``), or None
    (stdin, other names: sniffed)."""
    suffix = Path(path).suffix.lower() if path != "-" else ""
    return {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "jsonl"}.get(suffix)


def table_records(text: str, source: str, fmt: str | None):
    """(header, [(line, record)]) of a CSV, TSV or JSON-lines text; ``fmt`` None sniffs the first line."""
    if fmt is None:
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        fmt = "jsonl" if first.lstrip()[:1] in ("{", "[") else "tsv" if "\t" in first else "csv"
    if fmt not in ("csv", "tsv", "jsonl"):
        raise RunsError(f"unknown runs format {fmt!r}; expected csv, tsv or jsonl")
    return _records_jsonl(text, source) if fmt == "jsonl" else _records_delimited(text, source, fmt)


def _records_delimited(text: str, source: str, fmt: str):
    reader = csv.reader(io.StringIO(text), delimiter="\t" if fmt == "tsv" else ",")
    header, records = None, []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [c.strip() for c in row]
                continue
            if len(row) != len(header):
                raise RunsError(f"{source} line {reader.line_num}: {len(row)} cells but the header has "
                                f"{len(header)} columns")
            records.append((reader.line_num, dict(zip(header, row))))
    except csv.Error as e:
        raise RunsError(f"{source} line {reader.line_num}: not valid {fmt.upper()}: {e}") from None
    if header is None:
        raise RunsError(f"{source} is empty; expected a header row and one row per run")
    return header, records


def _records_jsonl(text: str, source: str):
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


def find_columns(header, overrides, source, names, options) -> dict[str, str]:
    """field → column of ``header`` for each field of ``names`` (field → recognised names) found: the column named
    in ``overrides`` (an error naming its ``options`` flag if absent), else the one column whose normalised name is a
    recognised one (an error if several are)."""
    normal = {}
    for name in header:
        normal.setdefault(_norm(str(name)), []).append(name)
    columns: dict[str, str] = {}
    for field, aliases in names.items():
        given = overrides.get(field)
        if given is not None:
            if given in header:
                columns[field] = given
            elif _norm(given) in normal and len(normal[_norm(given)]) == 1:
                columns[field] = normal[_norm(given)][0]
            else:
                raise RunsError(f"{source} has no column {given!r} (given by {options[field]}); "
                                f"its columns are: {', '.join(map(str, header))}")
            continue
        found = [orig for alias in aliases for orig in normal.get(alias, [])]
        if len(found) > 1:
            raise RunsError(f"{source} has several columns that could be {field}: {', '.join(map(repr, found))}; "
                            f"choose one with {options[field]}")
        if found:
            columns[field] = found[0]
    return columns


def _match_columns(header, overrides, source) -> dict[str, str]:
    columns = find_columns(header, overrides, source, COLUMN_NAMES, _OPTION)
    for field in ("n_params", "loss"):
        if field not in columns:
            raise RunsError(f"{source} has no {field} column; expected one named "
                            f"{' / '.join(COLUMN_NAMES[field][:4])} (columns: {', '.join(map(str, header))}), "
                            f"or name it with {_OPTION[field]}")
    if "n_tokens" not in columns and "flops" not in columns:
        raise RunsError(f"{source} has neither a tokens nor a flops column; expected one named "
                        f"{' / '.join(COLUMN_NAMES['n_tokens'][:3])} or {' / '.join(COLUMN_NAMES['flops'][:3])} "
                        f"(columns: {', '.join(map(str, header))}), or name it with --tokens-column / --flops-column")
    return columns


def _number(value, field: str, column: str, source: str, line: int) -> float:
    where = f"{source} line {line}, column {column!r}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RunsError(f"{where} is empty; every run needs its {field}")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RunsError(f"{where}: expected a number, got {value!r}")
    try:
        x = float(value)
    except ValueError:
        raise RunsError(f"{where}: expected a number, got {value!r}") from None
    if not (math.isfinite(x) and x > 0):
        raise RunsError(f"{where}: {field} must be a finite number > 0, got {value!r}")
    return x


def _build(records, columns, source, k) -> Runs:
    import numpy as np

    out = {field: [] for field in columns}
    lines = []
    for line, rec in records:
        for field, column in columns.items():
            out[field].append(_number(rec.get(column), field, column, source, line))
        lines.append(line)
    arr = {field: np.asarray(v, dtype=float) for field, v in out.items()}
    derived = []
    N = arr["n_params"]
    if "n_tokens" not in arr:
        arr["n_tokens"] = arr["flops"] / (k * N)
        derived.append("n_tokens")
    if "flops" not in arr:
        arr["flops"] = k * N * arr["n_tokens"]
        derived.append("flops")
    return Runs(n_params=N, n_tokens=arr["n_tokens"], flops=arr["flops"], loss=arr["loss"], source=source,
                lines=tuple(lines), columns=dict(columns), derived=tuple(derived), flops_per_param_token=k)
