"""Speed of --ci, measured side by side in one run (the machine is shared and noisy).

1. plan_intervals on 200 budgets in one (draws × budgets) broadcast, against a Python loop over the budgets
   with the same draws: the ratio loop / broadcast says what vectorising buys.
2. Median wall time of `plan --flops 1e21 --ci 80` against `plan --flops 1e21`: what asking for an interval
   costs (numpy, and 4,000 draws).

Usage: python3 bench/bench_intervals.py [--runs N]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import numpy as np

    from planner import load_preset
    from planner.uncertainty import coefficient_samples, plan_intervals

    law = load_preset("besiroglu2024")
    samples = coefficient_samples(law)
    budgets = np.logspace(18, 26, 200)
    together = median_time(lambda: plan_intervals(law, budgets, 80, samples), args.runs)
    loop = median_time(lambda: [plan_intervals(law, float(C), 80, samples) for C in budgets], max(3, args.runs // 5))
    print(f"plan_intervals, {len(samples)} draws × {len(budgets)} budgets: broadcast {together * 1e3:7.1f} ms, "
          f"loop over budgets {loop * 1e3:7.1f} ms, ratio loop / broadcast {loop / together:6.1f}")

    plan = Path(sys.executable).with_name("plan")
    plan = str(plan) if plan.exists() else shutil.which("plan")
    if plan is None:
        sys.exit("bench_intervals: no 'plan' script found; install the package first (see README.md)")
    plain, ci = [plan, "--flops", "1e21"], [plan, "--flops", "1e21", "--ci", "80"]
    run = lambda cmd: subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV)
    run(plain), run(ci)  # warm the file cache
    plain_t, ci_t = [], []
    for _ in range(args.runs):  # interleaved, so both see the same load
        plain_t.append(median_time(lambda: run(plain), 1))
        ci_t.append(median_time(lambda: run(ci), 1))
    p, c = statistics.median(plain_t), statistics.median(ci_t)
    print(f"plan --flops 1e21          median {p * 1e3:7.1f} ms over {args.runs} runs")
    print(f"plan --flops 1e21 --ci 80  median {c * 1e3:7.1f} ms over {args.runs} runs")
    print(f"ratio --ci / plain {c / p:6.2f}")


if __name__ == "__main__":
    main()
