"""Speed of --ci, measured side by side in one run (the machine is shared and noisy).

1. plan_intervals on 200 budgets in one (draws × budgets) broadcast, against a Python loop over the budgets
   with the same draws: the ratio loop / broadcast says what vectorising buys.
2. Median wall time of `plan --flops 1e21 --ci 80` against `plan --flops 1e21`: what asking for an interval
   costs (numpy, and 4,000 draws).

Usage: python3 bench/bench_intervals.py [--runs N]
"""

import argparse
import statistics

from _timing import interleaved, median_time, plan_script


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs

    import numpy as np

    from planner import load_preset
    from planner.planning.uncertainty import coefficient_samples, plan_intervals

    law = load_preset("besiroglu2024")
    samples = coefficient_samples(law)
    budgets = np.logspace(18, 26, 200)
    together = median_time(lambda: plan_intervals(law, budgets, 80, samples), runs)
    loop = median_time(lambda: [plan_intervals(law, float(C), 80, samples) for C in budgets], 3)
    print(f"plan_intervals, {len(samples)} draws × {len(budgets)} budgets: broadcast {together * 1e3:7.1f} ms, "
          f"loop over budgets {loop * 1e3:7.1f} ms, ratio loop / broadcast {loop / together:6.1f}")

    plan = plan_script("bench_intervals")
    plain, ci = [plan, "--flops", "1e21"], [plan, "--flops", "1e21", "--ci", "80"]
    times = interleaved({"plain": plain, "ci": ci}, runs)  # interleaved, so both see the same load
    plain_t, ci_t = times["plain"], times["ci"]
    p, c = statistics.median(plain_t), statistics.median(ci_t)
    print(f"plan --flops 1e21          median {p * 1e3:7.1f} ms over {runs} runs")
    print(f"plan --flops 1e21 --ci 80  median {c * 1e3:7.1f} ms over {runs} runs")
    print(f"ratio --ci / plain {c / p:6.2f}")


if __name__ == "__main__":
    main()
