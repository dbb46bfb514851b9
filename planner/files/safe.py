"""A user's files: the one reader of input files and the one writer of output files.

Reading (:func:`read_text`): only regular files (or ``-`` for standard input), never more than a limit, as UTF-8
with an optional byte-order mark; every failure is one line naming the file.

Writing: atomically, and never over an existing one without ``--force``. The one writer of output files (law files from ``plan fit -o``, figures from ``plan plot``). A
file is written to a temporary file in the same folder and moved into place with
:func:`os.replace`, so a reader sees the old file or the whole new one, never half of one; on any
failure the temporary file is removed and the target is left as it was. The core modules (laws,
plan, fit, …) never write files; their callers hand the text or the drawing to this module.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Union

from ..base.errors import OutputExistsError, PlannerError, literal

__all__ = ["read_text", "check_output", "write_atomic"]

#: How a Python caller overwrites (the command line words the ``{force}`` placeholder as --force).
_FORCE = "force=True"

#: What to write: text (UTF-8), bytes, or a function that writes to a binary file handle.
Content = Union[str, bytes, Callable[[BinaryIO], None]]


def read_text(path, what: str, error: type[PlannerError], *, kind: str, hint: str | Callable[[], str] = "",
              limit: int | None = None) -> str:
    """The text of ``path`` (``"-"``: standard input), decoded as UTF-8 with any byte-order mark dropped.

    ``what`` names the file in messages ("law file"), ``kind`` what to give instead ("a TOML law file"), ``hint`` a
    pointer to an example (or a function making one, called only for the message); errors are ``error`` (a PlannerError subclass), one line each. Anything but a regular file
    (a directory, pipe, device or socket) is refused before it is opened, so nothing blocks or reads without end; a
    file over ``limit`` bytes is refused too.
    """
    p = str(path)
    if p == "-":
        shown = "<stdin>"
        stream = sys.stdin
        try:
            if stream is None or stream.closed:
                raise ValueError
            data = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
        except (OSError, ValueError):
            raise error(f"standard input is closed, so no {what} can be read from '-'; give a file name instead") \
                from None
    else:
        shown = repr(p)
        try:
            st = os.stat(p)
            if stat.S_ISDIR(st.st_mode):
                raise error(f"{what} {shown} is a directory; give {kind}")
            if not stat.S_ISREG(st.st_mode):
                raise error(f"{what} {shown} is not a regular file (a pipe, device or socket); give {kind}")
            if limit is not None and st.st_size > limit:
                raise error(f"{what} {shown} is {st.st_size:,} bytes, more than the {limit:,} a {what} may have")
            with open(p, "rb") as fh:
                data = fh.read() if limit is None else fh.read(limit + 1)
        except FileNotFoundError:
            raise error(f"{what} {shown} not found") from None
        except OSError as e:
            raise error(f"cannot read {what} {shown}: {getattr(e, 'strerror', None) or e}") from None
        if limit is not None and len(data) > limit:
            raise error(f"{what} {shown} is more than the {limit:,} bytes a {what} may have")
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise error(f"{what} {shown} is not UTF-8 text (byte {e.start}: {e.reason}); give {kind} saved as UTF-8"
                    f"{hint() if callable(hint) else hint}") from None


def check_output(path, force: bool = False) -> Path:
    """The Path to write for ``path`` if a file may be written there; OutputExistsError (one line) otherwise.

    Refuses an empty name; an existing path that is not a regular file (a directory, a device such as /dev/null, a
    FIFO, a socket, a dangling symbolic link), with or without ``force``; an existing regular file unless ``force``;
    and a path whose folder does not exist. A symbolic link to a regular file is followed: with ``force`` the file
    it points to is replaced and the link kept. Callers run it before long work, so the user hears of it at once;
    :func:`write_atomic` checks again when it moves the file into place.
    """
    text = os.fspath(path)
    if not str(text).strip():
        raise OutputExistsError("the output file name is empty; give a file name like -o mylaw.toml")
    path = Path(text)
    try:
        st = os.stat(path)              # follows a symbolic link
    except FileNotFoundError:
        if os.path.lexists(path):
            raise OutputExistsError(f"{text!r} is a symbolic link to nothing; remove it or give another name") from None
        st = None
    except OSError as e:
        raise OutputExistsError(f"cannot write {text!r}: {e.strerror or e}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputExistsError(f"{text!r} is a directory; give a file name to write in it")
        if not stat.S_ISREG(st.st_mode):
            raise OutputExistsError.worded(literal(f"{text!r} exists and is not a regular file (a device, pipe or "
                                                   "socket); planner never writes over one, even with ")
                                           + "{force}; give a file name", force=_FORCE)
        if not force:
            raise OutputExistsError.worded(literal(f"{text!r} already exists; pass ") + "{force} to overwrite it",
                                           force=_FORCE)
        path = Path(os.path.realpath(path))      # write the file a link points to, keep the link
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputExistsError(f"cannot write {text!r}: folder {str(folder)!r} does not exist")
    try:   # a folder where no file can be made (read-only, /proc, no permission) is found now, not after the work
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise OutputExistsError(f"cannot write {text!r}: {e.strerror or e}") from None
    return path


def new_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: 0o666 less the umask (read by setting it, then restoring it)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path, content: Content, force: bool = False,
                 check: Callable[[str], object] | None = None) -> Path:
    """Write ``content`` to ``path`` atomically; the Path written.

    :func:`check_output` first (so without ``force`` an existing file is never touched). The content goes to a
    temporary file in the same folder, which then takes the name: with ``force`` by :func:`os.replace` (a reader sees
    the old file or the whole new one); without it by :func:`os.link`, which refuses to replace anything, so a file
    that appeared at the path meanwhile (another process writing the same name) is kept and this write fails with
    OutputExistsError. ``check``, if given, is called with the temporary file's name once it is written and before it
    takes the name: an exception from it (e.g. the file does not load) leaves ``path`` as it was. Any failure
    (a full disk, a folder without write permission) is one line and leaves no temporary file behind.
    """
    target = check_output(path, force)
    shown = os.fspath(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise OutputExistsError(f"cannot write {shown!r}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(tmp, new_file_mode())  # mkstemp's 0600 would leave the user's file unreadable to their group
        if check is not None:
            check(tmp)
        if force:
            check_output(path, force)   # still a regular file (or gone) at the last moment
            os.replace(tmp, target)
        else:
            _move_without_replacing(tmp, target, shown)
    except PlannerError:
        raise
    except OSError as e:
        raise OutputExistsError(f"cannot write {shown!r}: {e.strerror or e}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _move_without_replacing(tmp: str, target: Path, shown: str) -> None:
    """Give ``tmp`` the name ``target`` unless something has that name: a hard link refuses to replace (EEXIST)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputExistsError.worded(literal(f"{shown!r} appeared while planner was writing it; it was left as it "
                                               "is (pass ") + "{force} to overwrite it)", force=_FORCE) from None
    except OSError:
        # A file system without hard links: create the name exclusively and copy the finished bytes in.
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_file_mode())
        except FileExistsError:
            raise OutputExistsError.worded(literal(f"{shown!r} appeared while planner was writing it; it was left as "
                                                   "it is (pass ") + "{force} to overwrite it)", force=_FORCE) from None
        with os.fdopen(fd, "wb") as out, open(tmp, "rb") as src:
            out.write(src.read())
