"""README.md documents every command, option and preset, and opens with the two set-up commands."""

import re
from pathlib import Path

import click
import pytest

from planner.cli import cli
from planner.presets import preset_ids

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _commands(group, prefix=("plan",)):
    for name, command in group.commands.items():
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = list(_commands(cli))


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_is_in_the_readme_and_has_help(path, command):
    assert " ".join(path) in README, f"README.md does not show '{' '.join(path)}'"
    assert command.help and "Example" in command.help, f"'{' '.join(path)}' needs help text with an example"


def test_every_option_of_plan_is_in_the_readme():
    for param in cli.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert any(opt in README for opt in param.opts), f"README.md does not mention {param.opts[0]}"


@pytest.mark.parametrize("preset", preset_ids())
def test_every_preset_is_listed(preset):
    assert f"`{preset}`" in README


def test_readme_opens_with_the_two_setup_commands():
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S).group(1)
    lines = [l for l in first_block.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    assert len(lines) == 2
    assert "pip install" in lines[0] and "plan --flops 1e21" in lines[0]
    assert "pip install" in lines[1] and "[test]" in lines[1] and "pytest" in lines[1]


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S).group(1)
    test_line = [l for l in first_block.splitlines() if "pytest" in l][0].strip()
    assert test_line in ci


PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=[f"block{i}" for i in range(len(PYTHON_BLOCKS))])
def test_readme_python_example_runs(block):
    """Every Python session of the README is a doctest: its printed results are checked."""
    import doctest

    test = doctest.DocTestParser().get_doctest(block, {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert runner.summarize(verbose=False).attempted >= 3
