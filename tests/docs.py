"""The documentation the tests read: README.md and every page of docs/, through docs/_ext/examples.py."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import examples  # noqa: E402  (docs/_ext/examples.py: the one parser and runner of console examples)

README = ROOT / "README.md"
#: README.md and every Markdown page of docs/.
PAGES = examples.PAGES
#: Their text, joined: what "the documentation says" means in a test.
TEXT = "\n".join(p.read_text() for p in PAGES)


def page(relpath: str) -> str:
    """The text of one page of docs/ (``relpath`` under docs/)."""
    return (ROOT / "docs" / relpath).read_text()
