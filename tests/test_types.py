"""The package type-checks: plain ``mypy`` over planner/ with the ``[mypy]`` configuration of setup.cfg (laws/,
compute/ and planning/ strictly, as its sections say). CI runs it here, so a type error fails the suite."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_passes_on_the_package():
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "setup.cfg"], cwd=ROOT,
                          capture_output=True, text=True)
    assert "No module named mypy" not in proc.stderr, "mypy is missing: install the test extra (pip install -e '.[test]')"
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert proc.returncode == 0, f"mypy found {len(errors)} errors:\n" + "\n".join(errors[:40]) + "\n" + proc.stdout[-300:]
