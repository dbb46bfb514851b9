"""A Sphinx extension that renders planner's docstring convention for fields and arguments.

planner's docstrings list what a class holds or a function takes as plain lines, ``name : meaning`` (several names
may share a line, ``flops, n_params : ...``), a longer meaning continuing on lines indented further. That reads
well in ``help()`` and in the source; to reStructuredText the indentation is a block quote out of place. Before
autodoc renders a docstring, each such run of lines becomes a definition list (the names as literals, the meaning under them), and a numpy-style
``Parameters`` heading over such lines a rubric. The ``plan`` commands' help, which sphinx-click renders, is
plain text too: its ``*`` are escaped.
"""

from __future__ import annotations

import re

ITEM = re.compile(r"^(?P<indent>\s*)(?P<names>[A-Za-z_][\w]*(?:,\s*[A-Za-z_][\w]*)*) : (?P<text>.*)$")


def literal_blocks(lines: list[str]) -> None:
    """Indent a literal block that ``inspect.cleandoc`` left flush: when it is a docstring's only indented text,
    its indentation is taken for the margin and removed."""
    for i, line in enumerate(lines):
        if line.rstrip().endswith("::") and i + 2 < len(lines) and not lines[i + 1].strip():
            j = i + 2
            if lines[j] and not lines[j][0].isspace():
                while j < len(lines) and lines[j].strip():
                    lines[j] = "    " + lines[j]
                    j += 1


def fields(app, what, name, obj, options, lines: list[str]) -> None:
    literal_blocks(lines)
    lines[:] = [".. rubric:: " + line.strip() if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}
                and line.strip() in ("Parameters", "Attributes", "Returns") else line
                for i, line in enumerate(lines) if not (set(line.strip()) == {"-"} and i and
                                                        lines[i - 1].strip() in ("Parameters", "Attributes", "Returns"))]
    out, i = [], 0
    while i < len(lines):
        m = ITEM.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent = len(m.group("indent"))
        if out and out[-1].strip():
            out.append("")
        body = [m.group("text")]
        i += 1
        while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) > indent \
                and not ITEM.match(lines[i]):
            body.append(lines[i].strip())
            i += 1
        names = ", ".join(f"``{n.strip()}``" for n in m.group("names").split(","))
        out += [" " * indent + names, " " * (indent + 4) + " ".join(body)]
        if i < len(lines) and lines[i].strip() and not ITEM.match(lines[i]):
            out.append("")
    lines[:] = out


def plain_help(app, ctx, lines: list[str]) -> None:
    """click help is plain text: a ``*`` in it (``--*-column``, ``G*C^a``) is a character, not emphasis, and a
    paragraph click keeps unwrapped (``\\b``, which sphinx-click turns into ``| `` lines) is a literal block, so
    the aligned columns of the examples stay aligned."""
    out = []
    for line in lines:
        if line.startswith("| "):
            if not (out and out[-1].startswith("    ")):
                out += ["::", ""] if not out or not out[-1].strip() else ["", "::", ""]
            out.append("    " + line[2:])
        else:
            if out and out[-1].startswith("    ") and line.strip():
                out.append("")
            out.append(line.replace("*", r"\*"))
    lines[:] = out


def setup(app):
    app.connect("autodoc-process-docstring", fields)
    app.connect("sphinx-click-process-description", plain_help)
    app.connect("sphinx-click-process-options", plain_help)
    return {"version": "1", "parallel_read_safe": True}
