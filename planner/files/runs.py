"""The readers of run and ladder files (``plan fit``, ``plan fit-tasks``, ``plan plot``): each reads a file's text
through :func:`planner.files.safe.read_text` and hands it to its parser in :mod:`planner.fitting`, which opens no file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.errors import RunsError, literal
from ..fitting.hparams import parse_sweep
from ..fitting.ladder import Ladder, parse_ladder
from ..fitting.runs import OPTIONAL_COLUMN_NAMES, Runs, parse_runs
from ..fitting.tables import format_of
from .safe import read_text


def read_runs(path: str | Path, *, n_params: str | None = None, n_tokens: str | None = None, flops: str | None = None,
              loss: str | None = None, fmt: str | None = None, flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN,
              budget: str | None = None, run_id: str | None = None, extra: tuple[str, ...] = (),
              weight: str | None = None, compute_only: bool = False) -> Runs:
    """Read runs from ``path`` (``"-"`` for stdin). Keyword column names override recognition.

    ``fmt`` forces ``"csv"``, ``"tsv"`` or ``"jsonl"``. ``extra`` names the optional fields of
    :data:`OPTIONAL_COLUMN_NAMES` to look for by name (``"budget"``, ``"run_id"``); ``budget=`` and ``run_id=``
    name their columns outright, and ``weight=`` a column of per-run weights; ``compute_only`` accepts a file of
    FLOPs and loss alone (N and D then not a number). With ``run_id`` the rows are checkpoints:
    each run must keep one N.
    Raises :class:`~planner.base.errors.RunsError`.
    """
    p = str(path)
    text = read_text(p, "runs file", RunsError, kind="a CSV, TSV or JSON-lines file")
    source = "<stdin>" if p == "-" else p
    return parse_runs(text, source=source, fmt=fmt or format_of(p), n_params=n_params, n_tokens=n_tokens, flops=flops,
                      loss=loss,
                      flops_per_param_token=flops_per_param_token, budget=budget, run_id=run_id, extra=extra,
                      weight=weight, compute_only=compute_only)


def read_curves(path: str | Path, *, run_id: str | None = None, **columns: Any) -> Runs:
    """Training curves from ``path``: one row per checkpoint, with its run's id, the run's N, the tokens seen so far
    and the loss there (a flops column, if any, is the compute so far). Keywords as :func:`read_runs`.

    Raises :class:`~planner.base.errors.RunsError` where there is no run id column or a run changes N.
    """
    runs = read_runs(path, run_id=run_id, extra=("run_id",), **columns)
    if runs.run_id is None:
        names = OPTIONAL_COLUMN_NAMES["run_id"]
        raise RunsError.worded(literal(f"{runs.source} has no run id column; training curves need one row per "
                                       f"checkpoint with its run's id in a column named {' / '.join(names[:3])}, or "
                                       "name it with ") + "{column_run_id}", column_run_id="run_id='COLUMN'")
    return runs


def read_ladder(path: str, *, fmt: str | None = None, **columns: str | None) -> Ladder:
    """Read a ladder from ``path`` (``"-"`` for stdin); ``columns`` (``run=``, ``n_params=``, ``n_tokens=``,
    ``task=``, ``task_loss=``, ``accuracy=``, ``chance=``) name columns explicitly. Raises
    :class:`~planner.base.errors.RunsError`."""
    p = str(path)
    text = read_text(p, "ladder file", RunsError, kind="a CSV, TSV or JSON-lines file")
    return parse_ladder(text, source="<stdin>" if p == "-" else p, fmt=fmt or format_of(p), **columns)


def read_sweep(path: str, *, fmt: str | None = None, **columns: str | None):
    """A hyperparameter sweep from ``path`` (``"-"`` for stdin): one row per trained configuration with N, D, the
    learning rate, the batch in tokens and the loss (:func:`planner.fitting.hparams.parse_sweep`; ``columns`` name
    them outright). Raises :class:`~planner.base.errors.RunsError`."""

    p = str(path)
    text = read_text(p, "sweep file", RunsError, kind="a CSV, TSV or JSON-lines file")
    return parse_sweep(text, source="<stdin>" if p == "-" else p, fmt=fmt or format_of(p), columns=columns)
