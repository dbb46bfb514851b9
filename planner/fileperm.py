"""The permissions a new file gets: what ``open(path, "w")`` would give it.

``tempfile.mkstemp`` creates its file readable by its owner only (0600); an atomic writer that renames
such a file into place must widen it to the usual 0666 less the umask, or a law file or figure a user
writes could not be read by their group.
"""

import os


def new_file_mode() -> int:
    """0o666 with the process umask's bits cleared (umask can only be read by setting it, then restoring it)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
