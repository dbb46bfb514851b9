"""The commands planner suggests: in an error ("list them with 'plan tasks'"), a footer, after writing a file
("forecast with it: plan --params 7B --tokens 4T --tasks mytasks.toml"). Each is built by :func:`command`, the one
place hints are made, so that each runs as printed (concrete values, every word quoted for a POSIX shell where it
needs it: a file name with a space) and so that the test suite can collect every suggestion a run made
(:func:`recording`) and run it (tests/test_base_hints.py).
"""

from __future__ import annotations

import contextlib
from typing import Iterator

__all__ = ["command", "recording"]

#: The suggestions made inside :func:`recording`, each as its words after ``plan``; None outside it.
_heard: list[tuple[str, ...]] | None = None


def command(*words: object) -> str:
    """``plan WORDS...`` as a user pastes it into a shell: each word quoted where the shell would split or expand it.

    >>> command("--params", "7B", "--tasks", "my tasks.toml")
    "plan --params 7B --tasks 'my tasks.toml'"
    """
    import shlex   # only a hint needs it

    said = tuple(str(w) for w in words)
    if _heard is not None:
        _heard.append(said)
    return " ".join(("plan",) + tuple(shlex.quote(w) for w in said))


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, ...]]]:
    """Collect every command suggested inside the block (each as its words after ``plan``)."""
    global _heard
    outer, _heard = _heard, []
    try:
        yield _heard
    finally:
        _heard = outer
