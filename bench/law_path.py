"""The modules a law passes through for one ``plan`` command, as issue 20 counted them.

From the call of ``planner.report.answers.plan`` on, every call of a planner function that receives the law (a
:class:`~planner.laws.law.Law`) or its family as an argument is recorded in order. A *stay* is a run of consecutive
such calls in one module; a *climb* is a stay followed by one in a higher layer (tests/test_architecture.py's order:
base, laws, core, files, report, plots, cli). Prints the counts and the path.

Usage: python3 bench/law_path.py --flops 1e21 --unique-tokens 1e11 --max-params 5e9
"""

import io
import sys

from planner.cli import main as plan
from planner.laws.law import Law

#: The layers of tests/test_architecture.py, lowest first (compute, planning and fitting are one, the core).
LAYER = {"base": 0, "laws": 1, "compute": 2, "planning": 2, "fitting": 2, "files": 3, "report": 4, "plots": 5, "cli": 6}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYER.get(parts[1], -1) if len(parts) > 1 else -1


def carries_the_law(value) -> bool:
    return isinstance(value, Law) or (type(value).__module__.startswith("planner.laws.")
                                      and hasattr(value, "coefficient_names"))


def law_calls(args: list[str]) -> list[str]:
    """The module of each call that receives the law, in order, while ``plan ARGS`` runs."""
    calls: list[str] = []
    started = False

    def profile(frame, event, arg):
        nonlocal started
        module = frame.f_globals.get("__name__", "")
        if event != "call" or not module.startswith("planner."):
            return
        code = frame.f_code
        started = started or (module == "planner.report.answers" and code.co_name == "plan")
        names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        if started and any(carries_the_law(frame.f_locals.get(n)) for n in names):
            calls.append(module)

    stdout, sys.stdout = sys.stdout, io.StringIO()
    sys.setprofile(profile)
    try:
        plan(args)
    except SystemExit:
        pass
    finally:
        sys.setprofile(None)
        sys.stdout = stdout
    return calls


def main():
    calls = law_calls(sys.argv[1:])
    stays = [m for i, m in enumerate(calls) if i == 0 or calls[i - 1] != m]
    climbs = sum(1 for a, b in zip(stays, stays[1:]) if layer(b) > layer(a))
    print(f"plan {' '.join(sys.argv[1:])}: {len(calls)} calls receive the law; {len(stays)} stays in "
          f"{len(set(calls))} modules; {climbs} climbs back up")
    print(" → ".join(s.removeprefix("planner.") for s in stays))


if __name__ == "__main__":
    main()
