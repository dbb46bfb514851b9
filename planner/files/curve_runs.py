"""The reader of loss-curve files for ``plan curve``: one row per checkpoint with its run, the run's N, the tokens so
far, the loss there, and where logged the learning rate there, the tokens per optimiser step and the cooldown branch
the row belongs to (empty on the run's trunk).

Columns are recognised by name as in runs files (:data:`planner.fitting.runs.COLUMN_NAMES`), plus
:data:`CURVE_COLUMN_NAMES`; the text is read through :func:`planner.files.safe.read_text`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

from ..base.errors import RunsError, literal
from ..base.records import Record, record
from ..fitting.curve_forecast import RunCurve
from ..fitting.runs import COLUMN_NAMES, OPTIONAL_COLUMN_NAMES
from ..fitting.tables import find_columns, format_of, missing_column, table_records
from .safe import read_text

__all__ = ["CurveRuns", "read_curve_runs", "parse_curve_runs", "CURVE_COLUMN_NAMES"]

#: The optional columns of a curves file and the names recognised for them (lower case, spaces and hyphens as underscores).
CURVE_COLUMN_NAMES = {
    "learning_rate": ("learning_rate", "lr", "optim/learning_rate_group0", "eta"),
    "batch_tokens": ("batch_tokens", "batch_size_in_tokens", "tokens_per_step"),
    "branch": ("branch", "cooldown", "branch_id", "decay_branch"),
}

_OPTIONS = {field: f"columns={{'{field}': 'COLUMN'}}" for field in ("run_id", "n_params", "n_tokens", "loss",
                                                                    "learning_rate", "batch_tokens", "branch")}


@record
class CurveRuns(Record):
    """The curves of a curves file, in file order (a run's trunk, then each of its cooldown branches, where a
    ``branch`` column names them), and each run's tokens per step (where a column gives it)."""

    runs: tuple[RunCurve, ...]
    step_tokens: Mapping[str, float]
    source: str


def read_curve_runs(path: str | Path, **columns: str | None) -> CurveRuns:
    """Read a curves file (``"-"`` for stdin); ``columns`` name columns outright (``run_id=``, ``n_params=``,
    ``n_tokens=``, ``loss=``, ``learning_rate=``, ``branch=``). Raises :class:`~planner.base.errors.RunsError`."""

    p = str(path)
    text = read_text(p, "curves file", RunsError, kind="a CSV, TSV or JSON-lines file")
    return parse_curve_runs(text, source="<stdin>" if p == "-" else p, fmt=format_of(p), columns=columns)


def _number(value, field, column, source, line) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise RunsError(f"{source} line {line}: {column} is {value!r}, not a number ({field})") from None
    if not math.isfinite(x) or x < 0 or (x == 0 and field != "learning_rate"):
        raise RunsError(f"{source} line {line}: {column} must be a finite number > 0 (got {value!r})")
    return x


def parse_curve_runs(text: str, *, source: str = "<curves>", fmt: str | None = None,
                     columns: Mapping[str, str | None] | None = None) -> CurveRuns:
    """The runs of a curves file's text (see :func:`read_curve_runs`)."""
    import numpy as np

    header, records = table_records(text, source, fmt)
    names = {"run_id": OPTIONAL_COLUMN_NAMES["run_id"], "n_params": COLUMN_NAMES["n_params"],
             "n_tokens": COLUMN_NAMES["n_tokens"], "loss": COLUMN_NAMES["loss"], **CURVE_COLUMN_NAMES}
    found = find_columns(header, {k: v for k, v in (columns or {}).items() if v}, source, names, _OPTIONS,
                         scope="curve_column")
    for field in ("run_id", "n_params", "n_tokens", "loss"):
        if field not in found:
            raise missing_column(source, field, names[field][:3], header, _OPTIONS[field], scope="curve_column")
    if not records:
        raise RunsError(f"{source} has no checkpoints (no data rows after the header)")
    per_run: dict[tuple[str, str], list] = {}
    batch: dict[str, set] = {}
    for line, rec in records:
        run = str(rec.get(found["run_id"], "")).strip()
        if not run:
            raise RunsError(f"{source} line {line}: empty run id in {found['run_id']}")
        row = [_number(rec.get(found[f]), f, found[f], source, line) for f in ("n_params", "n_tokens", "loss")]
        lr = rec.get(found["learning_rate"]) if "learning_rate" in found else None
        row.append(_number(lr, "learning_rate", found["learning_rate"], source, line) if lr not in (None, "") else
                   math.nan)
        if "batch_tokens" in found:
            batch.setdefault(run, set()).add(_number(rec.get(found["batch_tokens"]), "batch_tokens", found["batch_tokens"], source, line))
        branch = str(rec.get(found["branch"], "") or "").strip() if "branch" in found else ""
        per_run.setdefault((run, branch), []).append(row)
    runs = []
    for (run, branch), rows in per_run.items():
        a = np.array(rows)
        if np.ptp(a[:, 0]) > 1e-6 * a[0, 0]:
            raise RunsError(f"{source}: run {run} changes its parameter count between checkpoints")
        a = a[np.argsort(a[:, 1], kind="stable")]
        rates = a[:, 3] if np.all(np.isfinite(a[:, 3])) else None
        runs.append(RunCurve(run, float(a[0, 0]), a[:, 1], a[:, 2], rates, branch=branch))
    for run, sizes in batch.items():
        if len(sizes) > 1:
            raise RunsError.worded(literal(f"{source}: run {run} changes its tokens per step "
                                           f"({', '.join(f'{b:g}' for b in sorted(sizes))}); ")
                                   + "give one with {curve_column_batch_tokens}",
                                   curve_column_batch_tokens="one batch_tokens value per run")
    return CurveRuns(tuple(runs), {run: sizes.pop() for run, sizes in batch.items()}, source)
