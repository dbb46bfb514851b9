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


def _setup_commands():
    """The commands of the README's first code block (the set-up), as .ci/run reads them."""
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S)
    marker = README[:first_block.start()].rstrip().splitlines()[-1]
    assert marker.startswith("<!-- .ci/run runs the commands of the next block"), "the set-up block lost its marker"
    return [l.strip() for l in first_block.group(1).splitlines() if l.strip() and not l.lstrip().startswith("#")]


def test_readme_opens_with_the_two_setup_commands():
    """Install and run the main job; then install the test extra and run the whole suite (issue 19)."""
    lines = _setup_commands()
    assert len(lines) == 2
    assert lines[0].startswith("python3 -m pip install . ") and lines[0].endswith(" plan --flops 1e21")
    assert lines[1].startswith("python3 -m pip install -e '.[test]' ") and lines[1].endswith(" python3 -m pytest")


def test_ci_runs_the_readme_setup_commands():
    """.ci/run reads the set-up commands from the README's marked block: what it would run is what the README says."""
    import subprocess

    ci = Path(__file__).resolve().parents[1] / ".ci" / "run"
    printed = subprocess.run(["bash", str(ci), "--print-setup"], capture_output=True, text=True, check=True).stdout
    assert printed.splitlines() == _setup_commands()


def test_the_readme_says_what_the_reference_tests_need():
    setup = README[README.index("## Set-up"):README.index("## Contents")]
    assert "PLANNER_REFERENCE_DATA" in setup and "skipped" in setup and "CI=true" in setup


PYTHON_BLOCKS = [(README[:m.start()].count("\n") + 1, m.group(1))
                 for m in re.finditer(r"```python\n(.*?)```", README, re.S)]


@pytest.mark.parametrize("line, block", PYTHON_BLOCKS, ids=[f"README.md:{line}" for line, _ in PYTHON_BLOCKS])
def test_every_readme_python_block_runs(line, block):
    """Every ```python block of the README is a doctest: its printed results are checked."""
    import doctest

    test = doctest.DocTestParser().get_doctest(block, {}, f"README.md:{line}", "README.md", line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 1 and result.failed == 0


def test_the_readme_has_python_blocks_for_the_api():
    assert len(PYTHON_BLOCKS) >= 5


def _modules_with_examples():
    import pkgutil

    import planner

    names = ["planner"] + [m.name for m in pkgutil.walk_packages(planner.__path__, "planner.")
                           if not m.name.startswith("planner.cli")]
    return [n for n in names if ">>>" in (Path(__import__("importlib").util.find_spec(n).origin).read_text())]


@pytest.mark.parametrize("module", _modules_with_examples())
def test_the_package_doctests_run(module):
    """The examples in planner's docstrings are doctests too."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 1 and result.failed == 0


def test_the_development_tree_draws_every_module():
    """README.md's Development section has a line for every module of planner/, in its folder, and no more."""
    block = re.search(r"```text\n(planner/\n.*?)```", README, re.S).group(1)
    drawn, folder = set(), []
    for line in block.splitlines():
        indent = (len(line) - len(line.lstrip())) // 2
        name = line.split()[0] if line.strip() else ""
        if not name or indent == 0 and name != "planner/":
            continue
        folder = folder[:indent]
        if name.endswith("/"):
            folder.append(name.rstrip("/"))
        else:
            drawn.add("/".join(folder + [name]))
    package = Path(__file__).resolve().parents[1] / "planner"
    actual = {"/".join(("planner",) + p.relative_to(package).parts) for p in package.rglob("*.py")
              if p.name != "__init__.py" or p.parent == package}
    assert drawn == actual, f"missing from the tree: {sorted(actual - drawn)}; not in planner/: {sorted(drawn - actual)}"


def test_every_docstring_reference_to_planner_resolves():
    """:mod:/:func:/:class:/:data:/:attr: pointers to planner.* in the source name things that exist."""
    import importlib

    package = Path(__file__).resolve().parents[1] / "planner"
    stale = []
    for path in package.rglob("*.py"):
        for m in re.finditer(r":(?:mod|func|class|data|attr|meth):`~?(planner\.[A-Za-z0-9_.]+)`", path.read_text()):
            parts = m.group(1).split(".")
            for i in range(len(parts), 0, -1):
                try:
                    obj = importlib.import_module(".".join(parts[:i]))
                except ImportError:
                    continue
                for attr in parts[i:]:
                    obj = getattr(obj, attr, None)
                if obj is None:
                    stale.append(f"{path.name}: {m.group(1)}")
                break
    assert not stale, stale
