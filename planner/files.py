"""Writing a user's file: atomically, and never over an existing one without ``--force``.

The one writer of output files (law files from ``plan fit -o``, figures from ``plan plot``). A
file is written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a reader sees the old file or the whole new one, never half of one; on any
failure the temporary file is removed and the target is left as it was. The core modules (laws,
plan, fit, …) never write files; their callers hand the text or the drawing to this module.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Union

from .errors import OutputExistsError

__all__ = ["check_output", "write_atomic"]

#: What to write: text (UTF-8), bytes, or a function that writes to a binary file handle.
Content = Union[str, bytes, Callable[[BinaryIO], None]]


def check_output(path, force: bool = False) -> Path:
    """``path`` as a Path if a file may be written there; OutputExistsError (one line) otherwise.

    Refuses a path that exists unless ``force``, a directory even with ``force``, and a path whose
    folder does not exist. Callers run it before long work, so the user hears of it at once.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputExistsError(f"{str(path)!r} is a directory; give a file name to write in it")
    if path.exists() and not force:
        raise OutputExistsError(f"{str(path)!r} already exists; pass --force to overwrite it")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputExistsError(f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist")
    return path


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: 0o666 less the umask (read by setting it, then restoring it)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path, content: Content, force: bool = False,
                 check: Callable[[str], object] | None = None) -> Path:
    """Write ``content`` to ``path`` atomically; the Path written.

    :func:`check_output` first (so without ``force`` an existing file is never touched). ``check``,
    if given, is called with the temporary file's name once it is written and before it replaces
    anything: an exception from it (e.g. the file does not load) leaves ``path`` as it was.
    """
    path = check_output(path, force)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(tmp, new_file_mode())  # mkstemp's 0600 would leave the user's file unreadable to their group
        if check is not None:
            check(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
