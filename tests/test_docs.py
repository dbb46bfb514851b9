"""The documentation (README.md and docs/) shows every command, option and preset, opens with the two set-up
commands, and every example in it runs: each console example prints what the page shows, at the width stated beside
it, and each Python block is a doctest.

``PLANNER_REGEN_DOCS=1 python3 -m pytest tests/test_docs.py`` rewrites the output of every console example that no
longer matches with what the command prints now (outputs holding ``…`` are left for a person to edit); review the
diff.
"""

import difflib
import doctest
import os
import re
from pathlib import Path

import click
import pytest

from planner.cli import cli
from planner.files.presets import preset_ids

from .docs import PAGES, README as README_PATH, ROOT, TEXT, examples, page
from .reference import ENV, data_dir

README = README_PATH.read_text()


def _commands(group, prefix=("plan",)):
    for name, command in group.commands.items():
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


COMMANDS = list(_commands(cli))


@pytest.mark.parametrize("path, command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_is_documented_and_has_help(path, command):
    assert " ".join(path) in TEXT, f"neither README.md nor docs/ shows '{' '.join(path)}'"
    assert command.help and "Example" in command.help, f"'{' '.join(path)}' needs help text with an example"


def test_every_option_of_plan_is_documented():
    for param in cli.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert any(opt in TEXT for opt in param.opts), f"neither README.md nor docs/ mentions {param.opts[0]}"


@pytest.mark.parametrize("preset", preset_ids())
def test_every_preset_is_listed(preset):
    assert f"`{preset}`" in page("reference/presets.md")


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
    setup = README[README.index("## Set-up"):README.index("## Five examples")]
    assert "PLANNER_REFERENCE_DATA" in setup and "skipped" in setup and "CI=true" in setup


def test_the_readme_links_only_to_pages_that_exist():
    targets = re.findall(r"\]\((docs/[^)#]+)", README)
    assert len(targets) >= 10, "the README links to the documentation's pages"
    assert [t for t in targets if not (ROOT / t).is_file()] == []


# --- console examples ---------------------------------------------------------------------------------------------

EXAMPLE_PAGES = [p for p in PAGES if examples.blocks(p)]


@pytest.mark.parametrize("path", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_console_block_states_its_width(path):
    assert examples.unmarked(path) == [], (
        f"{path.name}: console blocks at lines {examples.unmarked(path)} need '<!-- console: width=COLUMNS -->' "
        "on the line before")


@pytest.mark.parametrize("path", EXAMPLE_PAGES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLE_PAGES])
def test_every_console_example_prints_what_the_page_shows(path, tmp_path):
    """Each page's examples run in order in one fresh folder, each at its block's width; every mismatch is listed."""
    if examples.needs_data(path) and not data_dir().is_dir():
        pytest.skip(f"{path.name} uses the reference data, not found in {data_dir()} (set {ENV})")
    examples.prepare(tmp_path)
    failures, rewrites, printed = [], {}, []
    for block in examples.blocks(path):
        for ex in block.examples:
            out = examples.run(ex, tmp_path, env={ENV: str(data_dir())})
            printed.append(out)
            if not examples.matches(ex.expected, out, ex.rtol):
                diff = difflib.unified_diff(ex.expected.splitlines(), [l.rstrip() for l in out.splitlines()],
                                            "shown", "printed", n=1, lineterm="")
                failures.append(f"{ex.where} (width {ex.width}): $ {ex.command.splitlines()[0]}\n" + "\n".join(diff))
                if examples.ELLIPSIS not in ex.expected:
                    rewrites[ex.line] = out
    for index, text in examples.pastes(path):
        if not examples.matches(text, printed[index]):
            failures.append(f"{path.name}: a pasted region is not the output of the example before it")
    if failures and os.environ.get("PLANNER_REGEN_DOCS"):
        examples.rewrite(path, rewrites)
        examples.rewrite_pastes(path, printed)
    assert not failures, "\n\n".join(failures)


def test_the_matching_rules_catch_a_changed_number_and_allow_rounding():
    """The comparison the examples rely on: one unit in the last digit passes, more does not; text is exact."""
    assert examples.matches("N = 2.306, 9.05B", "N = 2.307, 9.05B")
    assert not examples.matches("N = 2.306", "N = 2.308")
    assert not examples.matches("N = 2.306 nats", "N = 2.306 bits")
    assert examples.matches("x 17218989384.661762", "x 17218991377.36309", rtol=1e-6)
    assert not examples.matches("x 17218989384.661762", "x 17219989384.661762", rtol=1e-6)
    assert examples.matches("a\n…\nz", "a\nb\nc\nz") and not examples.matches("a\n…\nz", "a\nb")
    assert examples.matches("kept; … distinct", "kept; 533 distinct")
    assert not examples.matches("one\ntwo", "one")


# --- Python blocks ------------------------------------------------------------------------------------------------

PYTHON_BLOCKS = [(p, p.read_text()[:m.start()].count("\n") + 1, m.group(1))
                 for p in PAGES for m in re.finditer(r"```python\n(.*?)```", p.read_text(), re.S)]


@pytest.mark.parametrize("path, line, block", PYTHON_BLOCKS,
                         ids=[f"{p.relative_to(ROOT)}:{line}" for p, line, _ in PYTHON_BLOCKS])
def test_every_python_block_runs(path, line, block):
    """Every ```python block of the README and docs/ is a doctest: its printed results are checked."""
    test = doctest.DocTestParser().get_doctest(block, {}, f"{path.name}:{line}", str(path), line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 1 and result.failed == 0


def test_the_docs_have_python_blocks_for_the_api():
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
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 1 and result.failed == 0


def test_the_developer_guide_names_every_layer():
    """docs/development.md describes the layers tests/test_architecture.py enforces (not a file list, which moves)."""
    from .test_architecture import LAYERS

    text = page("development.md")
    missing = [name for name, _ in LAYERS if f"**{name}**" not in text]
    assert not missing, f"docs/development.md does not describe the layers {missing}"


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
