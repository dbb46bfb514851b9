"""Sphinx configuration for planner's documentation site.

Build it, offline, with warnings as errors:  python -m sphinx -W --keep-going -b html docs docs/_build/html
(needs the docs extra: pip install -e '.[docs]'). Pages are Markdown (MyST); the CLI reference is generated from
the click commands (sphinx-click), the API reference from docstrings (autodoc, with _ext/docstrings.py for their "name : meaning" lines); the figures are drawn
while building by the very commands the pages show (_ext/figures.py).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

from planner import __version__  # noqa: E402

project = "planner"
author = "the planner authors"
copyright = "the planner authors, MIT licence"
release = version = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx_click",
    "figures",
    "docstrings",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_figures", "_ext", "Thumbs.db", ".DS_Store"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}

# Options read "--flops", never "–flops": no typographic dashes or quotes.
smartquotes = False
# Literal blocks without a language (help examples, formulas in docstrings) are plain text, not Python.
highlight_language = "text"

html_theme = "furo"
html_title = f"planner {release}"
html_static_path = []
