"""Golden files: every format of ``plan``, ``plan compare``, the what-if, the hardware options, ``plan hardware``
and ``plan shape``.

Rendered through the CLI at a fixed width (COLUMNS=100) with colour off and compared by tests/goldens.py: the text
exactly, the numbers at a stated relative tolerance (tight for closed forms, looser where an optimizer stops), so
the files hold on any CPU. A mismatch fails.
To accept a deliberate change, regenerate and review the diff:

    PLANNER_REGEN_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_report_render_golden.py
    git diff tests/golden/
"""

import pytest
from click.testing import CliRunner

from planner.cli import cli

from .goldens import WIDTH, check_golden

EXT = {"table": "txt", "markdown": "md", "latex": "tex", "csv": "csv", "json": "json"}

COMMANDS = {
    "plan": ["--flops", "1e21", "--flops", "1e23"],
    "compare": ["compare", "--flops", "1e21", "--flops", "1e23"],
    "whatif": ["--flops", "1e21", "--params", "7B"],
    "whatif-tokens": ["--flops", "1e22", "--tokens", "2T", "--preset", "kaplan2020"],
    "run": ["--params", "7B", "--tokens", "2T"],
    "target": ["--target-loss", "2.1", "--target-loss", "2.0"],
    # hardware: cost columns and assumptions, a budget in days, hyperparameter and shape sections (issue 4)
    "cluster": ["--days", "21", "--gpu", "h100", "--gpus", "512", "--usd-per-gpu-hour", "2.5", "--shape", "--hparams"],
    "compare-cluster": ["compare", "--flops", "1e21", "--gpu", "h100", "--gpus", "1024", "--usd-per-gpu-hour", "2.5",
                        "--preset", "besiroglu2024,kaplan2020,llama3"],
    "whatif-cluster": ["--flops", "1e21", "--params", "7B", "--gpu", "a100", "--gpus", "64", "--mfu", "0.5"],
    "hardware": ["hardware"],
    "shape": ["shape", "--params", "7e9"],
}


def run(args):
    result = CliRunner().invoke(cli, args, env=WIDTH)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("fmt", list(EXT))
@pytest.mark.parametrize("name", list(COMMANDS))
def test_output_matches_golden_file(name, fmt):
    check_golden(f"{name}.{EXT[fmt]}", run(COMMANDS[name] + ["--format", fmt]))
