"""Speed of the main job, measured side by side in one run (the machine is shared and noisy).

1. Median wall time of `plan --flops 1e21` against `python -c "import click, rich.console, rich.table"`, the floor
   any click + rich program pays; the goal is a ratio of at most 1.3. The median CPU time (user + system) of the
   same runs is printed beside it: on a busy machine it is the steadier of the two. Beside them, the same command
   with the preset parse cache out of reach (its folder unwritable: every run parses the TOML), which is what the
   cache in the user's cache folder (planner/presets.py) saves.
2. `compute_optimal` on 10^6 budgets for the parametric law; the goal is under 50 ms.

Usage: python3 bench/bench_cli.py [--runs N]
"""

import argparse
import os
import statistics
import sys

from _timing import interleaved, plan_script, repeat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    plan = plan_script("bench_cli")
    baseline = [sys.executable, "-c", "import click, rich.console, rich.table"]
    main_job = [plan, "--flops", "1e21"]

    # Interleave the two commands so both see the same machine load.
    cpu = {}
    nowhere = "/dev/null/no-cache"   # not a folder: the cache can be neither read nor written, on any platform
    uncached = (main_job, {"XDG_CACHE_HOME": nowhere, "HOME": nowhere, "LOCALAPPDATA": nowhere})
    times = interleaved({"baseline": baseline, "plan": main_job, "uncached": uncached}, args.runs, warm=2, cpu=cpu)
    b, p, u = (statistics.median(times[k]) for k in ("baseline", "plan", "uncached"))
    bc, pc, uc = (statistics.median(cpu[k]) for k in ("baseline", "plan", "uncached"))
    print(f"import click+rich   median {b * 1e3:7.1f} ms wall, {bc * 1e3:7.1f} ms CPU over {args.runs} runs")
    print(f"plan --flops 1e21   median {p * 1e3:7.1f} ms wall, {pc * 1e3:7.1f} ms CPU over {args.runs} runs")
    print(f"  without the cache median {u * 1e3:7.1f} ms wall, {uc * 1e3:7.1f} ms CPU over {args.runs} runs")
    print(f"ratio plan / import {p / b:7.2f} wall, {pc / bc:.2f} CPU   (goal <= 1.3)")
    print(f"  without the cache {u / b:7.2f} wall, {uc / bc:.2f} CPU")

    import numpy as np

    from planner import compute_optimal, load_preset

    law = load_preset("besiroglu2024")
    budgets = np.logspace(15, 30, 1_000_000)
    times = repeat(lambda: compute_optimal(law, budgets), 20)
    ms, best = statistics.median(times) * 1e3, min(times) * 1e3
    print(f"compute_optimal on 1e6 budgets: median {ms:.1f} ms, best {best:.1f} ms over 20 runs"
          f"   (goal < 50 ms; median / goal {ms / 50:.2f})")
    if os.environ.get("BENCH_STRICT"):
        sys.exit(0 if p / b <= 1.3 and ms < 50 else 1)


if __name__ == "__main__":
    main()
