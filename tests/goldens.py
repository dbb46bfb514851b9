"""Golden-file comparison shared by the CLI tests (tests/golden/; test_formats_golden.py has its own, byte for byte)."""

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
