"""Speed of the main job, measured side by side in one run (the machine is shared and noisy).

1. Median wall time of `plan --flops 1e21` against `python -c "import click, rich.console, rich.table"`, the floor
   any click + rich program pays; the goal is a ratio of at most 1.5.
2. `compute_optimal` on 10^6 budgets for the parametric law; the goal is under 50 ms.

Usage: python3 bench/bench_cli.py [--runs N]
"""

import argparse
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


def wall(cmd, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV)
        times.append(time.perf_counter() - t)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    plan = Path(sys.executable).with_name("plan")
    plan = str(plan) if plan.exists() else shutil.which("plan")
    if plan is None:
        sys.exit("bench_cli: no 'plan' script found; install the package first (see README.md)")
    baseline = [sys.executable, "-c", "import click, rich.console, rich.table"]
    main_job = [plan, "--flops", "1e21"]

    # Interleave the two commands so both see the same machine load.
    base_t, plan_t = [], []
    wall(baseline, 2), wall(main_job, 2)  # warm the file cache
    for _ in range(args.runs):
        base_t += wall(baseline, 1)
        plan_t += wall(main_job, 1)
    b, p = statistics.median(base_t), statistics.median(plan_t)
    print(f"import click+rich   median {b * 1e3:7.1f} ms over {args.runs} runs")
    print(f"plan --flops 1e21   median {p * 1e3:7.1f} ms over {args.runs} runs")
    print(f"ratio plan / import {p / b:7.2f}   (goal <= 1.5)")

    import numpy as np

    from planner import compute_optimal, load_preset

    law = load_preset("besiroglu2024")
    budgets = np.logspace(15, 30, 1_000_000)
    compute_optimal(law, budgets)  # warm-up
    times = []
    for _ in range(20):
        t = time.perf_counter()
        compute_optimal(law, budgets)
        times.append(time.perf_counter() - t)
    ms, best = statistics.median(times) * 1e3, min(times) * 1e3
    print(f"compute_optimal on 1e6 budgets: median {ms:.1f} ms, best {best:.1f} ms over 20 runs"
          f"   (goal < 50 ms; median / goal {ms / 50:.2f})")
    if os.environ.get("BENCH_STRICT"):
        sys.exit(0 if p / b <= 1.5 and ms < 50 else 1)


if __name__ == "__main__":
    main()
