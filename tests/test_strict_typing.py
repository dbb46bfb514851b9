"""The laws and the planning core (planner/laws, planner/compute, planner/planning) pass ``mypy --strict``.

A test rather than a CI step, so the README's test command (and .ci/run, which runs it in a fresh environment) holds
them to it. mypy is in the ``test`` extra; the ``[mypy-planner.laws.*]`` etc. sections of setup.cfg state the same
flags for a plain ``mypy`` run. Modules they import from other folders are followed silently (their own typing is
not judged here).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRICT = ("planner/laws", "planner/compute", "planner/planning")


def test_laws_compute_and_planning_pass_mypy_strict(tmp_path):
    # In its own process: mypy raises the interpreter's recursion limit, which other tests must not inherit.
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--config-file",
                           str(ROOT / "setup.cfg"), "--cache-dir", str(tmp_path / "mypy-cache"),
                           *(str(ROOT / folder) for folder in STRICT)], capture_output=True, text=True)
    stdout, stderr, status = proc.stdout, proc.stderr, proc.returncode
    assert "No module named mypy" not in stderr, "mypy is missing: install the test extra (pip install -e '.[test]')"
    assert status == 0, f"mypy --strict {' '.join(STRICT)} found:\n{stdout}{stderr}"
    assert "Success" in stdout, stdout   # it checked something
