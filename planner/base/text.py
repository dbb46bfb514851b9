"""Text from outside (a law file's title, a task id, a message quoting what the user typed) made safe to print: its
control characters shown escaped (ESC as ``\\x1b``, BEL as ``\\x07``, NUL as ``\\x00``), so a file cannot move the
cursor, recolour or clear a terminal, ring its bell or cut a line short, and bidirectional overrides cannot reorder
what is shown (CVE-2021-42574, "Trojan Source").
"""

from __future__ import annotations

__all__ = ["printable", "UNSAFE"]

#: Bidirectional embeddings, overrides and isolates (Unicode Bidirectional Algorithm, UAX #9, §2).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: What :func:`printable` escapes: the control characters, Unicode's general category Cc (C0 U+0000–U+001F, DEL
#: U+007F and C1 U+0080–U+009F; the Unicode Stability Policy fixes this set), and the bidirectional controls above.
#: Written out rather than asked of :mod:`unicodedata` per character: a set answers a whole string at C speed, and
#: ``plan --flops 1e21`` escapes every text of its report (bench/bench_cli.py).
UNSAFE = frozenset(map(chr, [*range(0x20), *range(0x7F, 0xA0)])) | _BIDI


def printable(text: str, keep: str = "") -> str:
    """``text`` with each control character (Unicode category Cc: C0, DEL, C1) and bidirectional override escaped as
    Python writes it in a string literal, but those in ``keep`` (``"\\n"``: lines stay lines).

    >>> printable("a\\x1b[2Jb\\x07"), printable("x\\ny"), printable("x\\ny", keep="\\n")
    ('a\\\\x1b[2Jb\\\\x07', 'x\\\\ny', 'x\\ny')
    """
    if UNSAFE.isdisjoint(text):   # the usual case: nothing to escape, no copy
        return text
    return "".join(repr(ch)[1:-1] if ch in UNSAFE and ch not in keep else ch for ch in text)
