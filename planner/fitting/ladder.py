"""Reading a model ladder for ``plan fit-tasks``: checkpoints of small runs, evaluated on tasks.

The contract is a long table, one row per checkpoint and task (CSV, TSV or JSON lines; formats, sniffing and column
matching as for runs files, :mod:`planner.fitting.runs`)::

    run, n_params, tokens, task, task_loss, accuracy[, chance]

``run`` names a training run (every row of a run has one N), ``tokens`` the tokens seen at the checkpoint,
``task_loss`` the task loss there (Bhagia et al. 2024 use bits per byte of the correct answer, arXiv:2412.04403 §2.2)
and ``accuracy`` the task's accuracy (0 to 1); an optional ``chance`` column gives the task's chance accuracy.
Columns are recognised by name (:data:`LADDER_COLUMNS`) or named explicitly.

:func:`from_olmo_ladder` converts the OLMo ladder's wide files (allenai/OLMo-ladder, one row per checkpoint, one
column per metric) into the same :class:`Ladder`; it takes their texts, so it opens no file.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:
    import numpy

from ..base.conventions import CHANCE_ACCURACY, MMLU_CATEGORY_WEIGHTS
from ..base.errors import RunsError
from ..base.records import Record, record
from .runs import COLUMN_NAMES
from .tables import find_columns, missing_column, table_records

__all__ = ["Ladder", "LadderRun", "parse_ladder", "from_olmo_ladder", "LADDER_COLUMNS",
           "OLMO_TASK_SPLITS", "ladder_csv"]

#: Field → column names recognised for it (lower-cased, spaces and dashes read as ``_``).
LADDER_COLUMNS = {
    "run": ("run", "run_id", "run_name", "name", "model"),
    "n_params": COLUMN_NAMES["n_params"],
    "n_tokens": COLUMN_NAMES["n_tokens"],
    "task": ("task", "task_id", "task_name", "benchmark"),
    "task_loss": ("task_loss", "bpb", "task_bpb", "bits_per_byte", "loss"),
    "accuracy": ("accuracy", "acc", "task_accuracy", "score"),
    "chance": ("chance", "chance_accuracy", "random_baseline"),
}
_OPTIONS = {field: f"{field}='COLUMN'" for field in ("run", "n_params", "n_tokens", "task", "task_loss", "accuracy",
                                                    "chance")}
_REQUIRED = ("run", "n_params", "n_tokens", "task", "task_loss", "accuracy")


@record
class LadderRun(Record):
    """One run's checkpoints on one task, in order of tokens: N (one per run), D, task loss and accuracy arrays."""

    name: str
    n_params: float
    n_tokens: "numpy.ndarray"
    task_loss: "numpy.ndarray"
    accuracy: "numpy.ndarray"


@record
class Ladder(Record):
    """A model ladder in long form: one entry per checkpoint and task.

    run, task : names per row.  n_params, n_tokens, task_loss, accuracy : float arrays per row.
    chance : task → chance accuracy, where the table gives one.  source : where it came from.
    lines : each row's line in the source (for errors).  notes : what reading left out, one line each (checkpoints
    at step 0: :func:`parse_ladder`).
    """

    run: tuple[str, ...]
    task: tuple[str, ...]
    n_params: "numpy.ndarray"
    n_tokens: "numpy.ndarray"
    task_loss: "numpy.ndarray"
    accuracy: "numpy.ndarray"
    chance: Mapping[str, float]
    source: str = "<ladder>"
    lines: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.run)

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks, in order of first appearance."""
        return tuple(dict.fromkeys(self.task))

    def runs(self, task: str) -> list[LadderRun]:
        """The runs evaluated on ``task``, each with its checkpoints sorted by tokens (in order of first appearance)."""
        import numpy as np

        rows = [i for i, t in enumerate(self.task) if t == task]
        if not rows:
            raise RunsError(f"{self.source} has no rows for task {task!r}; its tasks are {', '.join(self.tasks)}")
        out = []
        for name in dict.fromkeys(self.run[i] for i in rows):
            idx = np.array([i for i in rows if self.run[i] == name])
            sizes = np.unique(self.n_params[idx])
            if sizes.size != 1:
                line = self.lines[int(idx[np.argmax(self.n_params[idx] != self.n_params[idx[0]])])] if self.lines else "?"
                raise RunsError(f"{self.source} line {line}: run {name!r} has rows with different n_params "
                                f"({', '.join(f'{x:g}' for x in sizes[:3])}); one run is one model size")
            order = idx[np.argsort(self.n_tokens[idx], kind="stable")]
            out.append(LadderRun(name, float(sizes[0]), self.n_tokens[order], self.task_loss[order],
                                 self.accuracy[order]))
        return out


def parse_ladder(text: str, *, source: str = "<ladder>", fmt: str | None = None, **columns: str | None) -> Ladder:
    """Parse a ladder from the text of a CSV, TSV or JSON-lines file (see :func:`planner.files.runs.read_ladder`).

    A checkpoint at step 0 (0 tokens seen, as public suites publish the initialisation) is skipped, and the ladder's
    ``notes`` say so: a law in D has no value at D = 0, and a model that has seen nothing says nothing of scale."""
    unknown = set(columns) - set(LADDER_COLUMNS)
    if unknown:
        raise TypeError(f"unknown column field(s): {', '.join(sorted(unknown))}")
    header, records = table_records(text, source, fmt)
    if not records:
        raise RunsError(f"{source} has no checkpoints (no data rows after the header)")
    found = find_columns(header, columns, source, LADDER_COLUMNS, _OPTIONS)
    for field in _REQUIRED:
        if field not in found:
            raise missing_column(source, field, LADDER_COLUMNS[field][:4], header, _OPTIONS[field])
    return _build(records, found, source)


def _text(value, field: str, column: str, where: str) -> str:
    if value is None or not str(value).strip():
        raise RunsError(f"{where}, column {column!r} is empty; every checkpoint needs its {field}")
    return str(value).strip()


def _value(value, field: str, column: str, where: str) -> float:
    where = f"{where}, column {column!r}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RunsError(f"{where} is empty; every checkpoint needs its {field}")
    try:
        x = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        raise RunsError(f"{where}: expected a number, got {value!r}") from None
    ok = (0 <= x <= 1) if field in ("accuracy", "chance") else (math.isfinite(x) and x > 0)
    if not ok:
        need = "an accuracy from 0 to 1" if field in ("accuracy", "chance") else "a finite number > 0"
        raise RunsError(f"{where}: {field} must be {need}, got {value!r}")
    return x


def _build(records, columns, source) -> Ladder:
    import numpy as np

    names: dict[str, list[str]] = {field: [] for field in ("run", "task")}
    values: dict[str, list[float]] = {field: [] for field in ("n_params", "n_tokens", "task_loss", "accuracy")}
    chance: dict[str, float] = {}
    lines, step0 = [], []
    for line, rec in records:
        where = f"{source} line {line}"
        if _is_zero(rec.get(columns["n_tokens"])):
            step0.append(line)
            continue
        for field in names:
            names[field].append(_text(rec.get(columns[field]), field, columns[field], where))
        for field in values:
            values[field].append(_value(rec.get(columns[field]), field, columns[field], where))
        if "chance" in columns and str(rec.get(columns["chance"], "")).strip():
            c = _value(rec.get(columns["chance"]), "chance", columns["chance"], where)
            task = names["task"][-1]
            if chance.setdefault(task, c) != c:
                raise RunsError(f"{where}: task {task!r} has two chance accuracies ({chance[task]:g} and {c:g})")
        lines.append(line)
    if not lines:
        raise RunsError(f"{source} has no checkpoint after step 0: every row has 0 tokens")
    arrays = {field: np.asarray(v, dtype=float) for field, v in values.items()}
    notes = (f"{len(step0)} checkpoint row{'s' if len(step0) != 1 else ''} at step 0 (0 tokens) skipped: a law in D "
             f"has no value at D = 0 (line{'s' if len(step0) != 1 else ''} "
             f"{', '.join(map(str, step0[:5]))}{', …' if len(step0) > 5 else ''})",) if step0 else ()
    return Ladder(run=tuple(names["run"]), task=tuple(names["task"]), chance=chance, source=source,
                  lines=tuple(lines), notes=notes, **arrays)


def _is_zero(value) -> bool:
    """Whether a tokens cell says 0 (step 0)."""
    try:
        return float(str(value).strip()) == 0.0 and not isinstance(value, bool)
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------------------------------
# the OLMo ladder's wide files (Bhagia et al. 2024; allenai/OLMo-ladder, src/scripts/paper/data/ladder-runs)

#: Bhagia et al. 2024 §2.3: each task's test split where there is one, else validation.
OLMO_TASK_SPLITS = {"mmlu": "test", "hellaswag": "val", "arc_challenge": "test", "arc_easy": "test", "piqa": "val",
                    "csqa": "val", "socialiqa": "val", "openbookqa": "test"}


def _olmo_columns(task: str):
    """(task-loss columns, accuracy columns, weights) of a task in the OLMo ladder's files: bits per byte of the
    correct answer and length-normalised RC accuracy, 5-shot; MMLU as its four categories weighted by their share of
    its test questions (:data:`planner.base.conventions.MMLU_CATEGORY_WEIGHTS`)."""
    split = OLMO_TASK_SPLITS[task]
    parts = [f"mmlu_{c}" for c in MMLU_CATEGORY_WEIGHTS] if task == "mmlu" else [task]
    weights = list(MMLU_CATEGORY_WEIGHTS.values()) if task == "mmlu" else [1.0]
    return ([f"eval/downstream_bpb/{p}_{split}_rc_5shot_bpb" for p in parts],
            [f"eval/downstream/{p}_{split}_rc_5shot_len_norm" for p in parts], weights)


def olmo_checkpoints(text: str, task: str, source: str) -> tuple[list[float], list[float], list[float]]:
    """(tokens, task loss, accuracy) of each row of one OLMo ladder file for ``task``."""
    loss_cols, acc_cols, weights = _olmo_columns(task)
    rows = list(csv.DictReader(io.StringIO(text)))
    total = sum(weights)

    def mean(row, cols, line):
        try:
            return sum(w * float(row[c]) for w, c in zip(weights, cols)) / total
        except KeyError as e:
            raise RunsError(f"{source} has no column {e.args[0]!r}; is it an OLMo ladder file?") from None
        except (TypeError, ValueError):
            raise RunsError(f"{source} line {line}: a {task} value is not a number") from None

    tokens, losses, accs = [], [], []
    for line, row in enumerate(rows, start=2):
        tokens.append(float(row["throughput/total_tokens"]) if row.get("throughput/total_tokens") else
                      float(row["_step"]) * float(row["batch_size_in_tokens"]))
        losses.append(mean(row, loss_cols, line))
        accs.append(mean(row, acc_cols, line))
    return tokens, losses, accs


def from_olmo_ladder(config: Mapping | str, files: Mapping[str, str], tasks: Sequence[str] = tuple(OLMO_TASK_SPLITS),
                     sizes: Sequence[str] | None = None) -> Ladder:
    """The :class:`Ladder` of the OLMo ladder: ``config`` is ``configs/final.json`` (text or parsed), ``files`` maps
    each run file's base name (``190M-1xC.csv``) to its text. The runs of every ``train`` size of the config (or of
    ``sizes``) are taken, N being the size's non-embedding count ``n`` (Bhagia et al. 2024, Table 1)."""
    import numpy as np

    cfg = json.loads(config) if isinstance(config, str) else config
    sizes = [s for s, c in cfg.items() if c.get("mode") == "train"] if sizes is None else list(sizes)
    run: list[str] = []
    task_col: list[str] = []
    cols: dict[str, list[float]] = {k: [] for k in ("n_params", "n_tokens", "task_loss", "accuracy")}
    for size in sizes:
        for path in cfg[size]["paths"]:
            name = path.rsplit("/", 1)[-1]
            if name not in files:
                raise RunsError(f"the OLMo ladder config names {name} for {size}, which was not given")
            for task in tasks:
                tokens, losses, accs = olmo_checkpoints(files[name], task, name)
                run += [name.removesuffix(".csv")] * len(tokens)
                task_col += [task] * len(tokens)
                cols["n_params"] += [float(cfg[size]["n"])] * len(tokens)
                cols["n_tokens"] += tokens
                cols["task_loss"] += losses
                cols["accuracy"] += accs
    return Ladder(run=tuple(run), task=tuple(task_col), chance={t: CHANCE_ACCURACY[t] for t in tasks
                                                                if t in CHANCE_ACCURACY},
                  source="OLMo ladder", n_params=np.asarray(cols["n_params"], dtype=float),
                  n_tokens=np.asarray(cols["n_tokens"], dtype=float), task_loss=np.asarray(cols["task_loss"], dtype=float),
                  accuracy=np.asarray(cols["accuracy"], dtype=float))


def ladder_csv(ladder: Ladder) -> str:
    """The long table of ``ladder`` as CSV (``run,n_params,tokens,task,task_loss,accuracy,chance``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["run", "n_params", "tokens", "task", "task_loss", "accuracy", "chance"])
    for i in range(len(ladder)):
        c = ladder.chance.get(ladder.task[i])
        w.writerow([ladder.run[i], repr(float(ladder.n_params[i])), repr(float(ladder.n_tokens[i])), ladder.task[i],
                    repr(float(ladder.task_loss[i])), repr(float(ladder.accuracy[i])), "" if c is None else repr(c)])
    return buf.getvalue()
