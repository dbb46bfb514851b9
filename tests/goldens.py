"""Checks shared by the CLI tests: golden files (tests/golden/; test_report_render_golden.py has its own, byte for
byte) and one-line errors.

A golden file holds a command's whole output. It is compared token by token: the text between numbers (words,
spaces, table rules, JSON and CSV punctuation, LaTeX) must match exactly, and so must each number's form (sign
apart, its digits replaced by one placeholder: "2.78" and "10.0" both read "9.9", "1e+21" reads "9e+9"); the numbers
themselves are compared at a stated relative tolerance (JSON and CSV hold Python's shortest round-trip prints, whose
form is not a choice, so there the form is not compared), since a different CPU (numpy's SIMD dispatch, the BLAS's
thread count) changes the last bits of a result:

- :data:`CLOSED_FORM` (1e-9) for the numbers of closed forms (allocation rules, losses, costs, shapes), which move
  by a few units in the 16th digit between machines;
- :data:`OPTIMIZER` (1e-5) for the golden files in :data:`OPTIMIZED`, which hold a numerical optimum that is only as
  exact as the optimizer's stopping rule (the reason is given there).

A number printed with fewer digits than a float holds (a table's "2.78B", "$645K", "1.00e21") is compared at its
printed precision: two printed values a half unit in their last place apart may both be roundings of values equal
to within the tolerance, so up to one unit in the last place is accepted. Integers without a scale suffix (counts,
equation numbers, years, layer counts) and the full-precision floats of JSON and CSV carry no such allowance.
"""

import os
import re
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
#: A fixed terminal: 100 columns, no colour.
WIDTH = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}

#: Relative tolerance of the numbers of closed forms: the 16th digit moves between CPUs; 1e-9 leaves 10⁶ of room.
CLOSED_FORM = 1e-9
#: Relative tolerance of numbers found by an optimizer (the golden files of :data:`OPTIMIZED`).
OPTIMIZER = 1e-5
#: Golden files (by name without extension) holding a numerical optimum, and why it is only so exact.
OPTIMIZED = {
    "compare": "the krajewski2024 rows: the fine-grained MoE optimum of planner.optimize.moe_optimum, a "
               "golden-section search stopped once its bracket is ARGMIN_TOL = 1e-8 wide in s ∈ [0, 1], which spans "
               "about 46 in log N at these budgets, so N and D are fixed to about 5e-7 relative (two CPUs gave N "
               "1.2e-7 apart); 1e-5 leaves 20 times that",
}

#: A number: not inside a word ("krajewski2024", "H100", "App. D.2"), digits grouped by thousands or not, an
#: optional fraction and exponent; a leading minus sign belongs to it.
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?")
#: Scale suffixes of planner's printed quantities (planner.units): "2.78B", "258K".
_SUFFIX = re.compile(r"[KMBTP](?![A-Za-z])")


def tolerance_for(name: str) -> float:
    """The relative tolerance of golden file ``name`` (see :data:`OPTIMIZED`)."""
    return OPTIMIZER if name.split(".")[0] in OPTIMIZED else CLOSED_FORM


def _tokens(text: str):
    """(the text between numbers, the numbers, each number's end offset) of ``text``."""
    parts, numbers, ends, at = [], [], [], 0
    for m in _NUMBER.finditer(text):
        parts.append(text[at:m.start()])
        numbers.append(m.group())
        ends.append(m.end())
        at = m.end()
    parts.append(text[at:])
    return parts, numbers, ends


def _form(number: str) -> str:
    return re.sub(r"\d+", "9", number.lstrip("-"))


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def _last_place(number: str, text: str, end: int, full_precision: bool) -> float:
    """One unit in the last printed place of ``number``, if it is a rounded print; 0 if it is exact as printed."""
    mantissa, _, exponent = number.replace(",", "").lower().partition("e")
    rounded = "." in mantissa or exponent or _SUFFIX.match(text, end)
    if full_precision or not rounded:
        return 0.0
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def compare_text(got: str, want: str, rel: float, full_precision: bool = False) -> str | None:
    """None if ``got`` matches ``want`` (text exact, numbers to ``rel``); else a one-line description of the first
    difference. ``full_precision``: the numbers are floats printed to round-trip (JSON, CSV; Python's repr), so no
    printed-precision allowance, and no check of their form, which is the shortest that round-trips ("1e+21" and
    "1.0000000000000002e+21" are neighbours)."""
    got_parts, got_numbers, got_ends = _tokens(got)
    want_parts, want_numbers, want_ends = _tokens(want)

    def where(i):
        line = want[:want_ends[i] if i < len(want_ends) else len(want)].count("\n") + 1
        return f"line {line}"

    for i, (g, w) in enumerate(zip(got_parts, want_parts)):
        if g != w:
            return f"text differs at {where(i)}: {g!r} where the golden file has {w!r}"
        if i < min(len(got_numbers), len(want_numbers)):
            a, b = got_numbers[i], want_numbers[i]
            if not full_precision and _form(a) != _form(b):
                return f"number printed differently at {where(i)}: {a} where the golden file has {b}"
            x, y = _value(a), _value(b)
            slack = (_last_place(a, got, got_ends[i], full_precision)
                     + _last_place(b, want, want_ends[i], full_precision)) / 2
            if not abs(x - y) <= rel * max(abs(x), abs(y)) + slack:
                return (f"number differs at {where(i)}: {a} where the golden file has {b} "
                        f"(relative difference {abs(x - y) / max(abs(x), abs(y)):.1e}, tolerance {rel:g}"
                        f"{' plus the printed precision' if slack else ''})")
    if len(got_numbers) != len(want_numbers) or len(got_parts) != len(want_parts):
        return f"{len(got_numbers)} numbers where the golden file has {len(want_numbers)}"
    return None


def check_golden(name, text):
    """Compare with tests/golden/NAME at the tolerance of :func:`tolerance_for`; PLANNER_REGEN_GOLDEN=1 rewrites
    the file (then review the diff)."""
    path = GOLDEN / name
    if os.environ.get("PLANNER_REGEN_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing {path}; create it with PLANNER_REGEN_GOLDEN=1"
    full_precision = path.suffix in (".json", ".csv")
    problem = compare_text(text, path.read_text(encoding="utf-8"), tolerance_for(name), full_precision)
    assert problem is None, f"{path}: {problem}; regenerate with PLANNER_REGEN_GOLDEN=1 if intended"


def assert_one_line_error(result, code, message):
    """A user mistake: exit ``code``, nothing on stdout, one ``Error:`` line on stderr containing ``message``."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
