"""planner.base.text: what printable() escapes, checked against Unicode's own character database."""

import sys
import unicodedata

from hypothesis import given, strategies as st

from planner.base.text import UNSAFE, printable

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"   # UAX #9, §2: LRE..RLO, LRI..PDI


def test_unsafe_is_exactly_category_cc_and_the_bidirectional_controls():
    """Every code point: escaped if and only if unicodedata calls it Cc, or it is one of the nine bidi controls."""
    expected = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc"}
    assert len(expected) == 65   # C0 (32), DEL, C1 (32): fixed by the Unicode Stability Policy
    assert UNSAFE == expected | set(BIDI_CONTROLS)


def test_each_unsafe_character_is_escaped_as_a_string_literal_writes_it():
    for ch in sorted(UNSAFE):
        assert printable(f"a{ch}b") == f"a{repr(ch)[1:-1]}b"


def test_kept_characters_stay():
    assert printable("x\ny\x1b", keep="\n") == "x\ny\\x1b"
    assert printable("x\ny") == "x\\ny"


@given(st.text())
def test_the_result_holds_no_unsafe_character_and_safe_text_is_unchanged(text):
    out = printable(text)
    assert UNSAFE.isdisjoint(out)
    if not any(unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS for ch in text):
        assert out is text
