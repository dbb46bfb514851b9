"""The one way tests find the published data they reproduce (never copied into the repository).

The data live in ``../shared/data/`` beside the checkout (see SOURCES.md there for provenance and licences), or
wherever the environment variable ``PLANNER_REFERENCE_DATA`` points. A test that needs a file calls
:func:`reference_file`; where the data are absent it is skipped with a reason naming the file, except in CI
(:func:`in_ci`), where it fails: CI must run these tests, not skip them. ``.ci/run`` also fails before the tests
start if the data cannot be found.
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


def in_ci() -> bool:
    """Whether the tests run in CI: the environment variable ``CI`` is set and not empty (``.ci/run`` sets
    ``CI=true``). In CI hypothesis runs derandomised (conftest.py) and missing reference data fail the test."""
    return bool(os.environ.get("CI"))


def data_dir() -> Path:
    """The reference data folder: ``$PLANNER_REFERENCE_DATA``, else ``../shared/data`` beside the checkout."""
    given = os.environ.get(ENV)
    return Path(given) if given else Path(__file__).resolve().parents[2] / "shared" / "data"


def reference_file(relpath: str, sha256: str | None = None) -> Path:
    """The path of ``relpath`` in the reference data; skips the test (naming the file) where it is absent, or fails it
    in CI (:func:`in_ci`).

    With ``sha256``, the file must be byte for byte the published one.
    """
    path = data_dir() / relpath
    if not path.exists():
        missing = f"reference data {relpath} not found in {data_dir()} (set {ENV} to the folder that holds it)"
        if in_ci():
            pytest.fail(f"{missing}; CI runs the reference tests rather than skip them", pytrace=False)
        pytest.skip(missing)
    if sha256 is not None:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha256, f"{path} is not the published file"
    return path


def epoch_runs_csv() -> Path:
    """Epoch AI's 245 Chinchilla runs (Besiroglu et al. 2024, arXiv:2404.10102), checked against its sha256."""
    return reference_file(EPOCH_CSV, EPOCH_SHA256)


#: Gadre et al. 2024 (arXiv:2403.08540), converted from mlfoundations/scaling exp_data/models (see SOURCES.md):
#: dataset → (the 5 runs the paper fits its loss law on, every run), with each file's sha256.
GADRE_SHA256 = {
    "rpj-default5.csv": "89f59c72c4b2f2026fafaae5fb8b52a68099a9bb3f2417c744a345bb08131483",
    "c4_original-default5.csv": "7eb98077306c6cebc92fb711f8eaf77db2bd42992497b13459249c661e47ab4b",
    "rw_original-default5.csv": "a5723347d70b51aec40412ae0231999110292c343c95b2fb1791724cee75b57e",
    "rpj-all.csv": "778b4a98b2f82ceb55577b66010b04468bbb5ef1c5efb4ab8168e3d8f9de9d3a",
    "c4_original-all.csv": "cd606e69bf35ea3f0e78988cb017aa7b5567281ee50736bb4a2b9ebe292f8f79",
    "rw_original-all.csv": "424a1c03f6a49ac9fdd83b331ce71408b784cca204bbfbd6d302b648fd151039",
}

#: Muennighoff et al. 2023 (arXiv:2305.16264), converted from huggingface/datablations utils/parametric_fit.ipynb.
MUENNIGHOFF_SHA256 = {
    "epochs-le-2.5.csv": "070f17f7c993ac856d57e43acbd7c08a936ec26e7516f107940139e852a1c4d8",
    "epochs-le-2.csv": "a0af7d05236d08758817a622552849b6fbe9d443c0d8071b1eba8746f2aec637",
    "single-epoch.csv": "b0aacb780e40ad9367a79ee9ced41553a6127495607bfa218605bfe3920f2479",
}


def gadre_csv(name: str) -> Path:
    """One of Gadre et al.'s runs files (``rpj-default5.csv``, ``c4_original-all.csv``, ...), checked."""
    return reference_file(f"gadre2024/{name}", GADRE_SHA256[name])


def muennighoff_csv(name: str) -> Path:
    """One of Muennighoff et al.'s runs files (``epochs-le-2.5.csv``, ...), checked."""
    return reference_file(f"muennighoff2023/{name}", MUENNIGHOFF_SHA256[name])


def olmo_ladder_dir() -> Path:
    """Bhagia et al. 2024's ladder (allenai/OLMo-ladder: configs/final.json, ladder-runs/*.csv)."""
    return reference_file("olmo-ladder/configs/final.json").parents[1]


def gadre_dir() -> Path:
    """Gadre et al. 2024's results (mlfoundations/scaling exp_data, converted runs files)."""
    return reference_file("gadre2024/rpj-default5.csv").parent


def multipower_dir() -> Path:
    """Luo et al. 2025's curves and fitting logs (thu-yao-01-luo/MultiPowerLaw: curves/{25,100,400}/, logs/)."""
    return reference_file("multipower2025/logs/400.log").parents[1]
