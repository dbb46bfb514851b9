"""Parsing training runs for ``plan fit`` (the text of a run file; :mod:`planner.files.runs` reads the file).

One row per finished run: its parameter count N, its training tokens D or training
compute C, and its final loss L (nats/token); for an isoFLOP sweep optionally the nominal budget each run
belongs to (a ``budget`` column). Training curves (``plan fit --curves``) have one row per checkpoint
instead: a run id, N, the tokens seen so far and the loss there. Formats: CSV, TSV and JSON lines, chosen by
the file's extension (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``/``.json``) or, for
``-`` (stdin) and other names, by sniffing the first line (:mod:`planner.fitting.tables` reads the table).

Columns are recognised by name, case-insensitively, with spaces and dashes read as ``_``
(see :data:`COLUMN_NAMES`), or named explicitly. When only C is given, D = C/(k·N) with
k = 6 (C = 6ND, Kaplan et al. 2020 §2.1); when only D is given, C = k·N·D.
Every error names the source and the line or column at fault.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    import numpy

from ..base.conventions import BUDGET_MISMATCH, FLOPS_PER_PARAM_TOKEN, LOSS_RANGE
from ..base.errors import RunsError, literal
from ..base.records import Record, record
from ..base.units import QUANTITY_RANGE
from .tables import delimited_rows, find_columns, jsonl_records, missing_column, sniffed

__all__ = ["Runs", "parse_runs", "COLUMN_NAMES", "OPTIONAL_COLUMN_NAMES", "column_values", "times_apart"]

#: Field → column names recognised for it (after lower-casing and mapping spaces/dashes to ``_``).
COLUMN_NAMES = {
    "n_params": ("n_params", "params", "parameters", "n_parameters", "num_params", "n", "model_size"),
    "n_tokens": ("n_tokens", "tokens", "d", "training_tokens", "num_tokens", "train_tokens"),
    "flops": ("flops", "c", "compute", "training_flop", "training_flops", "flop"),
    "loss": ("loss", "l", "final_loss", "train_loss", "eval_loss", "val_loss"),
}

#: Optional fields a caller asks for (``extra=``) → column names recognised for them, as for :data:`COLUMN_NAMES`:
#: ``budget``, the nominal compute budget (FLOPs) of an isoFLOP sweep a run belongs to; ``run_id``, the training run
#: a checkpoint row belongs to (training curves).
OPTIONAL_COLUMN_NAMES = {
    "budget": ("budget", "budget_flops", "flops_budget", "compute_budget", "isoflop", "isoflop_budget",
               "isoflop_flops", "nominal_flops", "target_flops", "budget_c"),
    "run_id": ("run", "run_id", "run_name", "runid", "run_label", "experiment", "model_name", "name", "id"),
    "weight": ("weight", "weights", "run_weight"),
}

_OPTION = {field: f"{field}='COLUMN'" for field in ("n_params", "n_tokens", "flops", "loss", "budget", "run_id",
                                                   "weight")}


@record
class Runs(Record):
    """Training runs as float arrays of equal length.

    n_params : N.  n_tokens : D (derived as C/(k·N) when the file has only C).
    flops : C (derived as k·N·D when the file has only D).  loss : final loss L.
    source : where they came from (a path or ``<stdin>``).  lines : the line of each run in
    the source (1-based, header included), for error messages.  columns : field → column name.
    derived : the fields computed rather than read (``n_tokens`` or ``flops``).
    budget : each run's nominal budget C in FLOPs, where a budget column was asked for and found, else None.
    run_id : each row's run id (training curves: one row per checkpoint), where asked for, else None.
    weight : each run's weight in the fit, where a weights column was named, else None.
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
    budget: "numpy.ndarray | None" = None
    run_id: tuple[str, ...] | None = None
    weight: "numpy.ndarray | None" = None

    def __len__(self) -> int:
        return len(self.loss)

    def drop_highest_loss(self, k: int) -> "Runs":
        """The runs without the ``k`` of highest loss (Besiroglu et al. 2024 drop 5 of 245)."""
        import numpy as np

        if k <= 0:
            return self
        if k >= len(self):
            raise RunsError(f"cannot drop the {k} highest-loss runs of {len(self)} in {self.source}")
        return self.subset(np.sort(np.argsort(self.loss, kind="stable")[: len(self) - k]))

    def without(self, indices) -> "Runs":
        """The runs without those at ``indices`` (counting from 0)."""
        import numpy as np

        keep = np.ones(len(self), bool)
        keep[list(indices)] = False
        if not keep.any():
            raise RunsError(f"cannot leave out every run of {self.source}")
        return self.subset(np.flatnonzero(keep))

    def subset(self, keep) -> "Runs":
        """The runs at the sorted indices ``keep``, their lines and optional columns with them."""
        return replace(self, n_params=self.n_params[keep], n_tokens=self.n_tokens[keep], flops=self.flops[keep],
                       loss=self.loss[keep], lines=tuple(self.lines[i] for i in keep) if self.lines else (),
                       budget=None if self.budget is None else self.budget[keep],
                       run_id=None if self.run_id is None else tuple(self.run_id[i] for i in keep),
                       weight=None if self.weight is None else self.weight[keep])


def parse_runs(text: str, *, source: str = "<runs>", fmt: str | None = None, n_params: str | None = None,
               n_tokens: str | None = None, flops: str | None = None, loss: str | None = None,
               flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN, budget: str | None = None,
               run_id: str | None = None, extra: tuple[str, ...] = (), weight: str | None = None,
               compute_only: bool = False) -> Runs:
    """Parse runs from the text of a CSV, TSV or JSON-lines file (see :func:`planner.files.runs.read_runs`).
    ``compute_only``: a file with FLOPs and loss and no model sizes is accepted, its N and D not a number (what a
    loss-against-compute envelope reads)."""
    fmt = sniffed(text, fmt)
    overrides = {"n_params": n_params, "n_tokens": n_tokens, "flops": flops, "loss": loss, "budget": budget,
                 "run_id": run_id, "weight": weight}
    optional = tuple(f for f in OPTIONAL_COLUMN_NAMES if f in extra or overrides[f] is not None)
    if fmt == "jsonl":
        header, records = jsonl_records(text, source)
        if not records:
            raise RunsError(f"{source} has no runs (no data rows after the header)")
        columns = _match_columns(header, overrides, source, optional, compute_only)
        lines = [line for line, _ in records]
        cells = {field: [rec.get(column) for _, rec in records] for field, column in columns.items()}
    else:
        columns, lines, cells = _cells_delimited(text, source, fmt, overrides, optional, compute_only)
    return _build(cells, lines, columns, source, flops_per_param_token)


def _cells_delimited(text: str, source: str, fmt: str, overrides, optional, compute_only: bool = False):
    """The columns of a CSV or TSV: the header is matched first, then each row's cells of the matched columns are
    kept (not the whole rows: a runs file may have a million rows of checkpoints)."""
    header, columns, index, lines = None, {}, {}, []
    cells: dict[str, list] = {}
    for line, row in delimited_rows(text, source, fmt):
        if header is None:
            header = [c.strip() for c in row]
            columns = _match_columns(header, overrides, source, optional, compute_only)
            index = {field: header.index(column) for field, column in columns.items()}
            cells = {field: [] for field in columns}
            continue
        for field, i in index.items():
            cells[field].append(row[i])
        lines.append(line)
    if header is None:
        raise RunsError(f"{source} is empty; expected a header row and one row per run")
    if not lines:
        raise RunsError(f"{source} has no runs (no data rows after the header)")
    return columns, lines, cells


def _match_columns(header, overrides, source, optional=(), compute_only: bool = False) -> dict[str, str]:
    wanted = {**COLUMN_NAMES, **{f: OPTIONAL_COLUMN_NAMES[f] for f in optional}}
    columns = find_columns(header, overrides, source, wanted, _OPTION)
    for field in ("n_params", "loss"):
        if field == "n_params" and compute_only and "flops" in columns:
            continue
        if field not in columns:
            raise missing_column(source, field, COLUMN_NAMES[field][:4], header, _OPTION[field])
    if "n_tokens" not in columns and "flops" not in columns:
        raise RunsError.worded(literal(f"{source} has neither a tokens nor a flops column; expected one named "
                                       f"{' / '.join(COLUMN_NAMES['n_tokens'][:3])} or "
                                       f"{' / '.join(COLUMN_NAMES['flops'][:3])} (columns: "
                                       f"{', '.join(map(str, header))}), or name it with ")
                               + "{column_n_tokens} / {column_flops}",
                               column_n_tokens=_OPTION["n_tokens"], column_flops=_OPTION["flops"])
    return columns


def _number(value, field: str, column: str, source: str, line: int) -> float:
    where = f"{source} line {line}, column {column!r}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RunsError(f"{where} is empty; every run needs its {field}")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise RunsError(f"{where}: expected a number, got {value!r}")
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    try:
        x = float(value)
    except ValueError:
        raise RunsError(f"{where}: expected a number, got {shown}") from None
    except OverflowError:
        raise RunsError(f"{where}: expected a number planner can compute with, got {shown}") from None
    lo, hi = _range(field)
    if not (math.isfinite(x) and x > 0):
        raise RunsError(f"{where}: {field} must be a finite number > 0, got {shown}")
    if not lo <= x <= hi:
        unit = " nats per token (a cross-entropy loss)" if field == "loss" else " to compute with"
        raise RunsError(f"{where}: {field} must lie within {lo:g}..{hi:g}{unit}, got {shown}")
    return x


def _range(field: str) -> tuple[float, float]:
    """The values ``field`` may take: a loss :data:`~planner.base.conventions.LOSS_RANGE` (beyond it the fits leave
    the floats), any other quantity :data:`~planner.base.units.QUANTITY_RANGE`."""
    return LOSS_RANGE if field == "loss" else QUANTITY_RANGE


def _run_label(value, column: str, source: str, line: int) -> str:
    if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, (dict, list)):
        raise RunsError(f"{source} line {line}, column {column!r}: every checkpoint needs the id of its run, "
                        f"got {value!r}")
    return str(value).strip()


def column_values(values: list, field: str, column: str, source: str, lines: list):
    """One column as floats: numpy converts the lot at once; where that fails or a value is not a finite number > 0
    within its range (:func:`_range`), the first bad cell is found and named (:func:`_number`)."""
    import numpy as np

    lo, hi = _range(field)
    try:
        a = np.array(values, dtype=float) if all(isinstance(v, str) for v in values[:1]) else None
    except (ValueError, TypeError, OverflowError):
        a = None
    if a is not None and a.shape == (len(values),) and bool(np.all((a > 0) & (a >= lo) & (a <= hi))):
        return a
    return np.array([_number(v, field, column, source, line) for v, line in zip(values, lines)], dtype=float)


def _build(cells, lines, columns, source, k) -> Runs:
    import numpy as np

    run_id = tuple(_run_label(v, columns["run_id"], source, line) for v, line in zip(cells["run_id"], lines)) \
        if "run_id" in columns else None
    arr = {field: column_values(cells[field], field, column, source, lines) for field, column in columns.items()
           if field != "run_id"}
    derived = []
    if "n_params" not in arr:   # FLOPs and loss only (compute_only): no model size, no tokens
        arr["n_params"] = arr["n_tokens"] = np.full(len(lines), math.nan)
    N = arr["n_params"]
    # What the columns imply of the others: D = C/(k·N) without a tokens column; C = k·N·D without a flops column,
    # and with all three, the k·N·D the flops column must agree with.
    implied = {}
    if "n_tokens" not in arr:
        arr["n_tokens"] = implied["n_tokens"] = arr["flops"] / (k * N)
        derived.append("n_tokens")
    elif "n_params" in columns:
        with np.errstate(over="ignore"):   # an overflow is named below, as the run's
            implied["flops"] = k * N * arr["n_tokens"]
        if "flops" not in arr:
            arr["flops"] = implied["flops"]
            derived.append("flops")
    lo, hi = QUANTITY_RANGE
    for field, values in implied.items():
        bad = ~((values >= lo) & (values <= hi))
        if bad.any():
            i = int(np.argmax(bad))
            formula = "C/(k·N)" if field == "n_tokens" else "k·N·D"
            raise RunsError(f"{source} line {lines[i]}: the {field} it implies ({formula} = {float(values[i]):g}) "
                            f"is outside {lo:g}..{hi:g}, too extreme to compute with; check the run's values")
    if not derived and "flops" in implied:
        _check_flops_count_the_runs(arr["flops"], implied["flops"], k, lines, columns["flops"], source)
    if run_id is not None:
        _check_one_size_per_run(run_id, N, lines, columns["n_params"], source)
    return Runs(n_params=N, n_tokens=arr["n_tokens"], flops=arr["flops"], loss=arr["loss"], source=source,
                lines=tuple(lines), columns=dict(columns), derived=tuple(derived), flops_per_param_token=k,
                budget=arr.get("budget"), run_id=run_id, weight=arr.get("weight"))


def times_apart(ratio):
    """How many times apart two counts of a run's FLOPs are, either way, given one over the other: max(r, 1/r) (float
    or array). Beyond :data:`~planner.base.conventions.BUDGET_MISMATCH` they do not count the same thing."""
    import numpy as np

    r = np.asarray(ratio, dtype=float)
    return np.maximum(r, 1 / r)


def _check_flops_count_the_runs(C, kND, k, lines, column, source) -> None:
    """RunsError at the first run whose flops column is more than :data:`BUDGET_MISMATCH` times off k·N·D: another
    unit (PF-days, GFLOPs). Within that factor it is the user's own count (attention FLOPs, say), taken as given."""
    apart = times_apart(C / kND)
    off = (apart > BUDGET_MISMATCH).nonzero()[0]
    if len(off):
        i = int(off[0])
        raise RunsError(f"{source} line {lines[i]}: its flops column {column!r} gives C = {float(C[i]):.3g}, but "
                        f"{k:g}·N·D = {float(kND[i]):.3g} ({float(apart[i]):.3g}x apart): the columns must count the "
                        "same run; give C in FLOPs (not PF-days or GFLOPs)")


def _check_one_size_per_run(run_id, N, lines, column, source) -> None:
    """Checkpoint rows: a run keeps one parameter count N (RunsError naming both lines otherwise)."""
    first: dict[str, int] = {}
    for i, run in enumerate(run_id):
        j = first.setdefault(run, i)
        if abs(N[i] - N[j]) > 1e-9 * N[j]:
            raise RunsError(f"{source} line {lines[i]}, column {column!r}: run {run!r} has {N[i]:g} parameters but "
                            f"{N[j]:g} at line {lines[j]}; each training run keeps one model size")
