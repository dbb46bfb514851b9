"""Checks shared by the CLI tests: golden files (tests/golden/; test_report_render_golden.py has its own, byte for byte)
and one-line errors."""

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
#: A fixed terminal: 100 columns, no colour.
WIDTH = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


def check_golden(name, text):
    """Compare with tests/golden/NAME; PLANNER_REGEN_GOLDEN=1 rewrites it (then review the diff)."""
    path = GOLDEN / name
    if os.environ.get("PLANNER_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path}; regenerate with PLANNER_REGEN_GOLDEN=1 if intended"


def assert_one_line_error(result, code, message):
    """A user mistake: exit ``code``, nothing on stdout, one ``Error:`` line on stderr containing ``message``."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
