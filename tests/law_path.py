"""The modules a law passes through for one ``plan`` command, as issue 20 counted them.

From the call of ``planner.report.answers.plan`` on, every call of a planner function that receives the law (a
:class:`~planner.laws.law.Law`) or its family as an argument is recorded in order. A *stay* is a run of consecutive
such calls in one module; a *climb* is a stay followed by one in a higher layer (the layers of
tests/test_architecture.py, in its order). Shared by tests/test_architecture.py (bounds on a few commands) and
bench/law_path.py (the path of any command, printed).
"""

import io
import sys
from typing import NamedTuple

from .test_architecture import RANK, layer


def layer_of(module: str) -> str:
    """The layer of a loaded module (``planner.laws.law`` → "laws"), as tests/test_architecture.py names it."""
    return layer(module.removeprefix("planner.") if module != "planner" else "__init__")


def carries_the_law(value) -> bool:
    from planner.laws.law import Law

    return isinstance(value, Law) or (type(value).__module__.startswith("planner.laws.")
                                      and hasattr(value, "coefficient_names"))


def law_calls(args: list[str]) -> list[str]:
    """The module of each call that receives the law, in order, while ``plan ARGS`` runs (its output discarded)."""
    from planner.cli import main as plan

    calls: list[str] = []
    started = False

    def profile(frame, event, arg):
        nonlocal started
        module = frame.f_globals.get("__name__", "")
        if event != "call" or not module.startswith("planner."):
            return
        if module == "planner.base.records" and "self" in frame.f_locals:
            # a record's methods are its class's, as a dataclass's generated methods were (planner.base.records)
            module = type(frame.f_locals["self"]).__module__
        code = frame.f_code
        started = started or (module == "planner.report.answers" and code.co_name == "plan")
        names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        if started and any(carries_the_law(frame.f_locals.get(n)) for n in names):
            calls.append(module)

    stdout, sys.stdout = sys.stdout, io.StringIO()
    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        plan(args)
    except SystemExit:
        pass
    finally:
        sys.setprofile(previous)
        sys.stdout = stdout
    return calls


class Path(NamedTuple):
    calls: list[str]
    stays: list[str]
    modules: set[str]
    climbs: int


def law_path(args: list[str]) -> Path:
    """The law's path for ``plan ARGS``: its calls, stays, modules and climbs back up a layer."""
    calls = law_calls(args)
    stays = [m for i, m in enumerate(calls) if i == 0 or calls[i - 1] != m]
    climbs = sum(1 for a, b in zip(stays, stays[1:]) if RANK[layer_of(b)] > RANK[layer_of(a)])
    return Path(calls, stays, set(calls), climbs)
