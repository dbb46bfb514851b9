"""The command line's two streams, made safe: results on stdout, errors and warnings on stderr.

- A stream whose encoding cannot write planner's characters (``·``, ``—``, ``×``, Greek letters; e.g.
  ``PYTHONIOENCODING=ascii``) gets plain-character equivalents instead of an encoding error (:func:`prepare`).
- Writing the results (:func:`write_results`) turns a closed stdout, a full disk or a closed pipe into one line on
  stderr (or, for a reader that went away, a quiet exit), never a traceback.
- The terminal width comes from the terminal or a valid ``COLUMNS``; a ``COLUMNS`` of 0 or garbage is ignored
  (:func:`terminal_width`).
"""

from __future__ import annotations

import codecs
import os
import sys

from ..base.errors import PlannerError

__all__ = ["prepare", "write_results", "terminal_width", "PLAIN"]

#: Plain equivalents of the non-ASCII characters planner prints, for streams that cannot encode them.
PLAIN = {"·": ".", "—": "-", "–": "-", "×": "x", "≈": "~", "≤": "<=", "≥": ">=", "∝": "~", "’": "'", "′": "'",
         "…": "...", "α": "alpha", "β": "beta", "γ": "gamma", "η": "eta", "δ": "delta", "θ": "theta", "ψ": "psi",
         "†": "+", "⁻": "^-", "¹": "1", "²": "2", "³": "3", "⁰": "0", "─": "-", "━": "-", "│": "|", "π": "pi",
         "\u00a0": " "}

_HANDLER = "planner-plain"


def _plain(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)  # registered for encoding only
    text = error.object[error.start:error.end]
    return "".join(PLAIN.get(ch, "?") for ch in text), error.end


def prepare() -> None:
    """Let stdout and stderr write any text: where their encoding cannot encode planner's characters, write plain
    equivalents (``·`` → ``.``, ``—`` → ``-``, ``α`` → ``alpha``) instead of failing.

    The error handler doing it is registered only for such a stream: a Python function in the codec registry outlives
    every module, and the interpreter's exit then costs about 2 ms more (bench/bench_cli.py), on every run of every
    command, UTF-8 terminals included."""
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or not hasattr(stream, "reconfigure"):
            continue
        try:
            "·—×αβ".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            codecs.register_error(_HANDLER, _plain)   # the same handler again, for the second stream: harmless
            try:
                stream.reconfigure(errors=_HANDLER)
            except (ValueError, OSError):
                pass


def write_results(write) -> None:
    """Run ``write()`` (which prints the results to stdout) and flush, so a failure to write is reported here:
    a closed stdout or a full disk is one PlannerError line; a reader that went away (a closed pipe, ``| head``)
    ends the command quietly, with exit status 1."""
    if sys.stdout is None or getattr(sys.stdout, "closed", False):
        raise PlannerError("standard output is closed, so the results cannot be printed; run the command with "
                           "stdout open, or write a file where the command offers -o")
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        try:   # the reader went away: no more output, and no "Exception ignored" message at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise SystemExit(1) from None
    except OSError as e:
        raise PlannerError(f"cannot write the results to standard output: {e.strerror or e}") from None


def terminal_width(default: int = 80) -> int:
    """The width to draw tables at: a ``COLUMNS`` that is a whole number ≥ 1, else the terminal's, else ``default``
    (``COLUMNS=0`` or ``COLUMNS=wide`` are ignored rather than printing nothing)."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isdigit() and int(text) >= 1:
        return int(text)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns or default
    except (OSError, ValueError, AttributeError):
        return default
