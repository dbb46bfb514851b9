"""The one way tests find the published data they reproduce (never copied into the repository).

The data live in ``../shared/data/`` beside the checkout (see SOURCES.md there for provenance and licences), or
wherever the environment variable ``PLANNER_REFERENCE_DATA`` points. A test that needs a file calls
:func:`reference_file`; where the data are absent it is skipped with a reason naming the file. ``.ci/run`` fails
before the tests start if the data cannot be found, so CI never skips these tests.
"""

import hashlib
import os
from pathlib import Path

import pytest

#: The environment variable that points at the reference data folder.
ENV = "PLANNER_REFERENCE_DATA"

#: Epoch AI's extraction of Chinchilla's runs (epoch-research/analyzing-chinchilla, data/svg_extracted_data.csv).
EPOCH_CSV = "svg_extracted_data.csv"
EPOCH_SHA256 = "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30"


def data_dir() -> Path:
    """The reference data folder: ``$PLANNER_REFERENCE_DATA``, else ``../shared/data`` beside the checkout."""
    given = os.environ.get(ENV)
    return Path(given) if given else Path(__file__).resolve().parents[2] / "shared" / "data"


def reference_file(relpath: str, sha256: str | None = None) -> Path:
    """The path of ``relpath`` in the reference data; skips the test (naming the file) where it is absent.

    With ``sha256``, the file must be byte for byte the published one.
    """
    path = data_dir() / relpath
    if not path.exists():
        pytest.skip(f"reference data {relpath} not found in {data_dir()} (set {ENV} to the folder that holds it)")
    if sha256 is not None:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256, f"{path} is not the published file"
    return path


def epoch_runs_csv() -> Path:
    """Epoch AI's 245 Chinchilla runs (Besiroglu et al. 2024, arXiv:2404.10102), checked against its sha256."""
    return reference_file(EPOCH_CSV, EPOCH_SHA256)


def olmo_ladder_dir() -> Path:
    """Bhagia et al. 2024's ladder (allenai/OLMo-ladder: configs/final.json, ladder-runs/*.csv)."""
    return reference_file("olmo-ladder/configs/final.json").parents[1]


def gadre_dir() -> Path:
    """Gadre et al. 2024's results (mlfoundations/scaling exp_data, converted runs files)."""
    return reference_file("gadre2024/rpj-default5.csv").parent
