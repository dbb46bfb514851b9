import inspect
import re

from hypothesis import settings

from .reference import in_ci

# Hypothesis profiles: "ci" is derandomised so CI failures reproduce.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if in_ci() else "dev")

#: Markers given to a test whose body, a fixture it uses, or a function of its module it calls (at any depth) calls
#: one of these helpers; .ci/run reruns them under other CPU features ("pytest -m 'golden or reference'").
MARKERS = {
    "golden": ("compares output with a file in tests/golden/ (tests/goldens.py)", ("check_golden",)),
    "reference": ("reads published data through tests/reference.py", (
        "reference_file", "epoch_runs_csv", "gadre_csv", "muennighoff_csv", "olmo_ladder_dir", "gadre_dir")),
}


def pytest_configure(config):
    for name, (what, _) in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {what}")


def _source(func) -> str:
    try:
        return inspect.getsource(inspect.unwrap(func))
    except (OSError, TypeError):
        return ""


def _callers(module, helpers: tuple) -> set:
    """The helpers and the names of the functions of ``module`` that call one of them, at any depth."""
    functions = {name: _source(f) for name, f in vars(module).items()
                 if inspect.isfunction(f) and f.__module__ == module.__name__}
    found, grown = set(helpers), True
    while grown:
        calls = re.compile(r"\b(?:%s)\(" % "|".join(map(re.escape, sorted(found))))
        new = {name for name, text in functions.items() if name not in found and calls.search(text)}
        found |= new
        grown = bool(new)
    return found


def pytest_collection_modifyitems(config, items):
    import pytest

    cache = {}
    for item in items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        info = getattr(item, "_fixtureinfo", None)
        fixtures = [d.func for defs in (info.name2fixturedefs.values() if info else ()) for d in defs]
        text = "".join(_source(f) for f in [item.function, *fixtures])
        for name, (_, helpers) in MARKERS.items():
            key = (module.__name__, name)
            if key not in cache:
                cache[key] = re.compile(r"\b(?:%s)\(" % "|".join(map(re.escape, sorted(_callers(module, helpers)))))
            if cache[key].search(text):
                item.add_marker(getattr(pytest.mark, name))
