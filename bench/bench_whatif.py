"""Speed of issue 3's commands, measured side by side in one run (the machine is shared and noisy).

1. Median wall time of `plan compare --flops 1e21` (all presets), `plan --flops 1e21 --params 7B` and
   `plan --target-loss 2.1` against `plan --flops 1e21`; the goal is a ratio of at most 1.5 for each.
2. The vectorised what-if (`plan_with_params`) and target loss (`min_compute_for_loss`) on 10^6 values against
   `compute_optimal` on 10^6 budgets; the goal is a ratio of at most 5 (closed forms, no loops).

Usage: python3 bench/bench_whatif.py [--runs N]
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def wall(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def best(fn, runs=10):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    # The console script next to this interpreter (a venv), else the one on PATH.
    here = Path(sys.executable).with_name("plan")
    plan = str(here) if here.exists() else shutil.which("plan") or sys.exit("bench_whatif: install planner first")
    commands = {
        "plan --flops 1e21": [plan, "--flops", "1e21"],
        "plan compare --flops 1e21": [plan, "compare", "--flops", "1e21"],
        "plan --flops 1e21 --params 7B": [plan, "--flops", "1e21", "--params", "7B"],
        "plan --target-loss 2.1": [plan, "--target-loss", "2.1"],
    }
    times = {name: [] for name in commands}
    for cmd in commands.values():
        wall(cmd)  # warm the file cache
    for _ in range(runs):  # interleaved so every command sees the same load
        for name, cmd in commands.items():
            times[name].append(wall(cmd))
    base = statistics.median(times["plan --flops 1e21"])
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:32s} median {m * 1e3:7.1f} ms   ratio to plan {m / base:5.2f}   (goal <= 1.5)")

    import numpy as np

    from planner import compute_optimal, load_preset
    from planner.whatif import min_compute_for_loss, plan_with_params

    law = load_preset("besiroglu2024")
    budgets = np.logspace(18, 26, 1_000_000)
    targets = np.linspace(1.9, 3.0, 1_000_000)
    t_opt = best(lambda: compute_optimal(law, budgets))
    t_whatif = best(lambda: plan_with_params(law, budgets, 7e9))
    t_target = best(lambda: min_compute_for_loss(law, targets))
    print(f"compute_optimal      on 1e6: median {t_opt * 1e3:7.1f} ms")
    print(f"plan_with_params     on 1e6: median {t_whatif * 1e3:7.1f} ms   ratio {t_whatif / t_opt:5.2f}   (goal <= 5)")
    print(f"min_compute_for_loss on 1e6: median {t_target * 1e3:7.1f} ms   ratio {t_target / t_opt:5.2f}   (goal <= 5)")


if __name__ == "__main__":
    main()
