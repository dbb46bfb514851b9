"""Timing helpers shared by the bench scripts (bench/ is on sys.path when a script in it runs).

The machine is shared and noisy, so commands are timed interleaved (every command sees the same
load) and summarised by their median; Python callables are timed after one warm-up call.
"""

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Time the commands as an installed program runs: with Python's bytecode cache (pip compiles it at install time).
# A shell that sets PYTHONDONTWRITEBYTECODE would otherwise recompile planner's sources on every run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def plan_script(bench: str) -> str:
    """The ``plan`` console script next to this interpreter (a venv), else the one on PATH; exits if neither."""
    here = Path(sys.executable).with_name("plan")
    if here.exists():
        return str(here)
    return shutil.which("plan") or sys.exit(f"{bench}: no 'plan' script found; install the package first "
                                            "(see README.md)")


def wall(cmd) -> float:
    """Wall time of one run of ``cmd`` (output discarded; a failing command raises)."""
    return timed(cmd)[0]


def timed(cmd) -> tuple[float, float]:
    """(wall time, CPU time) of one run of ``cmd`` (an argument list, or (argument list, environment variables to
    set)): CPU time is the child's user + system time, which a busy machine inflates less than the wall time (the
    child waits for a core without being charged)."""
    import resource

    cmd, env = (cmd[0], {**ENV, **cmd[1]}) if isinstance(cmd, tuple) else (cmd, ENV)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env, cwd=_NEUTRAL)
    w = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return w, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


#: Commands run from a folder with no planner in it, so ``python -c`` never imports a checkout by accident.
_NEUTRAL = "/"


def interleaved(commands: dict, runs: int, warm: int = 1, cpu: dict | None = None) -> dict:
    """name → ``runs`` wall times of each command, run in turn so all see the same load; each runs ``warm``
    times first to warm the file cache. Pass a dict as ``cpu`` to receive the CPU times the same way."""
    for cmd in commands.values():
        for _ in range(warm):
            wall(cmd)
    times = {name: [] for name in commands}
    if cpu is not None:
        cpu.update({name: [] for name in commands})
    for _ in range(runs):
        for name, cmd in commands.items():
            w, c = timed(cmd)
            times[name].append(w)
            if cpu is not None:
                cpu[name].append(c)
    return times


def repeat(fn, runs: int) -> list:
    """Wall times of ``runs`` calls of ``fn``, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def median_time(fn, runs: int = 10) -> float:
    """Median wall time of ``fn`` over ``runs`` calls, after one warm-up call."""
    return statistics.median(repeat(fn, runs))
