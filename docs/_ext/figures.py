"""A Sphinx extension that draws the site's figures while it builds, with the commands the pages show.

A page shows a figure as ``{figure} /_figures/NAME``; some console example of the docs runs
``plan plot ... -o NAME``. Before the pages are read, that command runs (in a fresh folder, as the tests run it, after
the examples before it on its page that are not plan commands: the steps that make its input files) and its file is
copied to docs/_figures/ (git-ignored), so a figure on the site is what the command draws today. A figure no command
draws, or a command that fails, stops the build.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import examples

FIGURE = re.compile(r"^```\{figure\}\s+/_figures/(\S+)", re.M)


def figure_names(srcdir: Path) -> set[str]:
    return {name for page in srcdir.rglob("*.md") if "_build" not in page.parts
            for name in FIGURE.findall(page.read_text())}


def command_for(name: str):
    """The console example of the docs that draws ``name``."""
    for page in examples.PAGES:
        for block in examples.blocks(page):
            for ex in block.examples:
                if ex.command.startswith("plan plot ") and re.search(rf"-o {re.escape(name)}(\s|$)", ex.command):
                    return ex
    return None


def setup_steps(ex):
    """The examples before ``ex`` on its page that are not plan commands (those that make the files it reads)."""
    steps = []
    for block in examples.blocks(ex.page):
        for other in block.examples:
            if other.line >= ex.line:
                return steps
            if not other.command.startswith("plan "):
                steps.append(other)
    return steps


def draw(app) -> None:
    srcdir = Path(app.srcdir)
    out = srcdir / "_figures"
    out.mkdir(exist_ok=True)
    for name in sorted(figure_names(srcdir)):
        ex = command_for(name)
        if ex is None:
            raise RuntimeError(f"docs: no console example runs 'plan plot ... -o {name}' for the figure /_figures/{name}")
        with tempfile.TemporaryDirectory() as folder:
            examples.prepare(Path(folder))
            for step in setup_steps(ex):
                examples.run(step, Path(folder))
            printed = examples.run(ex, Path(folder))
            made = Path(folder) / name
            if not made.is_file():
                raise RuntimeError(f"docs: {ex.where}: '{ex.command}' drew no {name}: {printed.strip()}")
            shutil.copyfile(made, out / name)


def setup(app):
    app.connect("builder-inited", draw)
    return {"version": "1", "parallel_read_safe": True}
