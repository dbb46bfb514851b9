"""The console examples of README.md and docs/: found, run and compared, in one place.

A console example is a fenced ``console`` block whose line before is a marker stating the terminal width it was
pasted at, so the test can run it the same way::

    <!-- console: width=80 -->
    ```console
    $ plan --flops 1e21
    Compute-optimal plan · besiroglu2024
    ...
    ```

A line starting with ``$ `` is a command (a trailing ``\\`` continues it; ``<<'EOF'`` takes the lines up to ``EOF``
as its standard input); the lines up to the next command are what it prints, stdout and stderr as a terminal shows
them. In the expected output a line that is only ``…`` stands for any number of lines, and ``…`` inside a line for
any text in that line (for output that differs from machine to machine, such as a count of distinct end points).
Numbers match when they differ by at most one unit in their last printed digit (rounding on another CPU) or by the
block's relative tolerance (``rtol=``, default 1e-6, for raw floats an optimiser stops at); all other text, spaces
included, must match exactly, except trailing spaces at the end of a line.

A region between ``<!-- paste: the output of the example above -->`` and ``<!-- end of paste -->`` shows the
output of the last example before it as a reader would paste it into a document (a Markdown table, rendered); it
must be that output exactly.

Every page runs in one fresh folder, its blocks in order, so a later example can read what an earlier one wrote;
a folder ``scripts`` in it points at the repository's ``scripts/``. A page that names ``$PLANNER_REFERENCE_DATA``
needs the reference data (see the developer guide).

Both tests/test_docs.py (through tests/docs.py) and the figure step of docs/conf.py use this module; it imports nothing of planner's.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The pages whose console examples are run: the README and every Markdown page of docs/.
PAGES = [ROOT / "README.md"] + sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)

MARKER = re.compile(r"<!--\s*console:\s*(?P<options>[^>]*?)\s*-->\n```console\n(?P<body>.*?)^```", re.S | re.M)
FENCE = re.compile(r"^```console\n", re.M)
NUMBER = re.compile(r"(?<![\w.])-?\d(?:[\d,]*\d)?(?:\.\d+)?(?:e[-+]?\d+)?")
ELLIPSIS = "…"
DATA_VARIABLE = "$PLANNER_REFERENCE_DATA"


@dataclass
class Example:
    """One command of a console block and the output pasted under it."""
    page: Path
    line: int                 # the line of the command in its page, from 1
    command: str              # as the shell takes it (continuations and here-documents included)
    expected: str
    width: int
    rtol: float

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


@dataclass
class Block:
    """One console block: its width, its examples, and where its body lies in the page's text."""
    page: Path
    line: int
    width: int
    rtol: float
    start: int
    end: int
    examples: list[Example] = field(default_factory=list)


def _options(text: str, where: str) -> dict[str, str]:
    options = dict(item.split("=", 1) for item in text.split() if "=" in item)
    if "width" not in options:
        raise ValueError(f"{where}: the console marker '{text}' states no width=COLUMNS")
    return options


def blocks(page: Path) -> list[Block]:
    """Every console block of ``page`` with its marker's options, split into examples."""
    text = page.read_text()
    found = []
    for m in MARKER.finditer(text):
        line = text.count("\n", 0, m.start("body"))          # the fence's line, from 1
        options = _options(m.group("options"), f"{page.name}:{line}")
        block = Block(page, line, int(options["width"]), float(options.get("rtol", "1e-6")),
                      m.start("body"), m.end("body"))
        lines = m.group("body").splitlines()
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                raise ValueError(f"{page.name}:{line + 1 + i}: console block output before any '$ ' command")
            first = i
            command = [lines[i][2:]]
            heredoc = re.search(r"<<-?\s*'?(\w+)'?\s*$", lines[i])
            while command[-1].endswith("\\") and i + 1 < len(lines):
                i += 1
                command.append(lines[i].removeprefix("> "))
            if heredoc:
                while i + 1 < len(lines):
                    i += 1
                    command.append(lines[i])
                    if lines[i] == heredoc.group(1):
                        break
            i += 1
            output = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
            block.examples.append(Example(page, line + 1 + first, "\n".join(command), "\n".join(output),
                                          block.width, block.rtol))
        found.append(block)
    return found


PASTE = re.compile(r"<!-- paste: the output of the example above -->\n(?P<text>.*?)<!-- end of paste -->", re.S)


def pastes(page: Path) -> list[tuple[int, str]]:
    """Every pasted region of ``page``: the index (in page order, from 0) of the example it pastes, and its text.
    An index, not a line, so that it still holds after the outputs above it are rewritten."""
    text = page.read_text()
    lines = [ex.line for block in blocks(page) for ex in block.examples]
    out = []
    for m in PASTE.finditer(text):
        at = text.count("\n", 0, m.start()) + 1
        before = [i for i, line in enumerate(lines) if line < at]
        if not before:
            raise ValueError(f"{page.name}:{at}: a pasted region with no example before it")
        out.append((before[-1], m.group("text")))
    return out


def rewrite_pastes(page: Path, outputs: list[str]) -> None:
    """Fill every pasted region of ``page`` with the output of its example, ``outputs`` being what each example of
    the page printed, in page order (for regeneration)."""
    text = page.read_text()
    pasted = iter(pastes(page))

    def fill(m):
        index, _ = next(pasted)
        start, end = m.start("text") - m.start(), m.end("text") - m.start()
        return m.group(0)[:start] + "\n".join(_normal(outputs[index])) + "\n" + m.group(0)[end:]
    page.write_text(PASTE.sub(fill, text))


def unmarked(page: Path) -> list[int]:
    """Lines of ``page`` that open a console block with no width marker before it."""
    text = page.read_text()
    marked = {m.start("body") for m in MARKER.finditer(text)}
    return [text.count("\n", 0, m.end()) for m in FENCE.finditer(text) if m.end() not in marked]


def needs_data(page: Path) -> bool:
    return DATA_VARIABLE in page.read_text()


def environment(width: int) -> dict[str, str]:
    """The environment an example runs in: this interpreter's ``plan`` and ``python3`` first, ``width`` columns,
    no colour, matplotlib without a display."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE", "LINES")}
    env.update(COLUMNS=str(width), NO_COLOR="1", TERM="dumb", MPLBACKEND="Agg",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    return env


def prepare(folder: Path) -> None:
    """Make ``folder`` a place to run a page's examples in: a link to the repository's scripts/."""
    link = folder / "scripts"
    if not link.exists():
        link.symlink_to(ROOT / "scripts", target_is_directory=True)


def run(example: Example, folder: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """What ``example``'s command prints, stdout and stderr together in the order written, run by bash in
    ``folder`` (with ``env`` added to the environment)."""
    done = subprocess.run(["bash", "-c", example.command + "\n"], cwd=folder,
                          env={**environment(example.width), **(env or {})},
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return done.stdout.decode()


def _normal(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _unit(token: str) -> float:
    """One unit in the last printed digit of a number token."""
    mantissa, _, exponent = token.replace(",", "").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _line_pattern(expected: str) -> tuple[str, list[str]]:
    """A regular expression for one expected line (numbers and ``…`` as groups) and its number tokens."""
    pattern, tokens, pos = [], [], 0
    for m in re.finditer(f"{NUMBER.pattern}|{ELLIPSIS}", expected):
        pattern.append(re.escape(expected[pos:m.start()]))
        if m.group() == ELLIPSIS:
            pattern.append(".*?")
        else:
            pattern.append(f"({NUMBER.pattern})")
            tokens.append(m.group())
        pos = m.end()
    pattern.append(re.escape(expected[pos:]))
    return "".join(pattern), tokens


def _line_matches(expected: str, actual: str, rtol: float) -> bool:
    if expected == actual:
        return True
    pattern, tokens = _line_pattern(expected)
    m = re.fullmatch(pattern, actual)
    if not m:
        return False
    for want, got in zip(tokens, m.groups()):
        a, b = float(want.replace(",", "")), float(got.replace(",", ""))
        if not math.isclose(a, b, rel_tol=rtol, abs_tol=_unit(want) * (1 + 1e-9)):
            return False
    return True


def matches(expected: str, actual: str, rtol: float = 1e-6) -> bool:
    """Whether ``actual`` output is what ``expected`` shows (see the module's docstring for the rules)."""
    want, got = _normal(expected), _normal(actual)

    def match(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i] == ELLIPSIS:
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and _line_matches(want[i], got[j], rtol) and match(i + 1, j + 1)

    return match(0, 0)


def rewrite(page: Path, replacements: dict[int, str]) -> None:
    """Replace the output of the examples at the given lines of ``page`` with new output (for regeneration)."""
    text = page.read_text()
    lines = text.splitlines(keepends=True)
    for block in reversed(blocks(page)):
        for ex in reversed(block.examples):
            if ex.line not in replacements:
                continue
            first = ex.line - 1 + ex.command.count("\n") + 1       # 0-based first output line
            last = first + (len(ex.expected.splitlines()) if ex.expected else 0)
            new = [line.rstrip() + "\n" for line in replacements[ex.line].splitlines()]
            while new and not new[-1].strip():
                new.pop()
            lines[first:last] = new
    page.write_text("".join(lines))
