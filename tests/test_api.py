"""The public API: every documented name is importable from planner, typed, and the package marks itself typed."""

import dataclasses
import inspect
import re
import typing
from pathlib import Path

import pytest

import planner
from planner.base import errors

from .docs import TEXT, page
PUBLIC = [name for name in planner.__all__ if name != "__version__"]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name):
    assert getattr(planner, name) is not None


def test_every_error_class_is_public():
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, errors.PlannerError):
            assert name in planner.__all__, name
            assert issubclass(obj, Exception) and (obj is errors.PlannerError or obj.__mro__[2:] != (Exception,)), name


def test_every_name_the_docs_show_as_planner_x_is_public():
    shown = set(re.findall(r"`planner\.([A-Za-z_][A-Za-z0-9_]*)", TEXT))
    shown |= set(re.findall(r"planner\.([A-Za-z_][A-Za-z0-9_]*)\(", TEXT))
    modules = {"plots", "report"}   # the optional plotting module and the report builders, named as modules
    assert shown - modules - set(planner.__all__) == set()


def test_the_api_reference_topic_table_lists_exactly_the_public_names():
    api = page("reference/api.md")
    table = api[api.index("| topic | names |"):]
    table = table[:table.index("\n\n")]
    listed = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", table))
    assert listed == set(PUBLIC)


def test_the_api_reference_documents_every_public_name_from_its_docstring():
    """Each public name has an autodoc directive on the API page, so the site renders its docstring."""
    directives = set(re.findall(r"^\.\. auto(?:function|class|data):: planner\.(\w+)$", page("reference/api.md"), re.M))
    assert directives == set(PUBLIC)


def _callables():
    for name in PUBLIC:
        obj = getattr(planner, name)
        if inspect.isfunction(obj):
            yield name, obj


@pytest.mark.parametrize("name, fn", list(_callables()), ids=[n for n, _ in _callables()])
def test_public_functions_are_typed(name, fn):
    """Every parameter (but the law, which is a Law or a bare family) and the return value carry a type hint."""
    sig = inspect.signature(fn)
    missing = [p for p, v in sig.parameters.items()
               if v.annotation is inspect.Parameter.empty and p not in ("law", "model", "self", "args", "kwargs")]
    assert not missing, f"planner.{name}: no type hint for {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, f"planner.{name}: no return type"


def _dataclasses():
    for name in PUBLIC:
        obj = getattr(planner, name)
        if isinstance(obj, type) and dataclasses.is_dataclass(obj):
            yield name, obj


@pytest.mark.parametrize("name, cls", list(_dataclasses()), ids=[n for n, _ in _dataclasses()])
def test_dataclass_fields_are_typed_and_numbers_are_not_any(name, cls):
    for f in dataclasses.fields(cls):
        hint = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", repr(f.type))
        assert hint not in ("Any", "typing.Any") and f.type is not typing.Any, f"{name}.{f.name} is Any"


def test_the_package_is_marked_typed():
    assert (Path(planner.__file__).parent / "py.typed").exists()


def test_importing_planner_imports_no_numerics():
    """`import planner` is cheap: its names load on first use."""
    import subprocess
    import sys

    code = "import sys, planner; print(sorted(m for m in ('numpy', 'scipy', 'rich', 'click') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
