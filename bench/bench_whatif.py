"""Speed of issue 3's commands, measured side by side in one run (the machine is shared and noisy).

1. Median wall time of `plan compare --flops 1e21` (all presets), `plan --flops 1e21 --params 7B` and
   `plan --target-loss 2.1` against `plan --flops 1e21`; the goal is a ratio of at most 1.5 for each.
2. The vectorised what-if (`plan_with_params`) and target loss (`min_compute_for_loss`) on 10^6 values against
   `compute_optimal` on 10^6 budgets; the goal is a ratio of at most 5 (closed forms, no loops).

Usage: python3 bench/bench_whatif.py [--runs N]
"""

import argparse
import statistics

from _timing import interleaved, median_time, plan_script


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    plan = plan_script("bench_whatif")
    commands = {
        "plan --flops 1e21": [plan, "--flops", "1e21"],
        "plan compare --flops 1e21": [plan, "compare", "--flops", "1e21"],
        "plan --flops 1e21 --params 7B": [plan, "--flops", "1e21", "--params", "7B"],
        "plan --target-loss 2.1": [plan, "--target-loss", "2.1"],
    }
    times = interleaved(commands, runs)  # interleaved so every command sees the same load
    base = statistics.median(times["plan --flops 1e21"])
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:32s} median {m * 1e3:7.1f} ms   ratio to plan {m / base:5.2f}   (goal <= 1.5)")

    import numpy as np

    from planner import compute_optimal, load_preset
    from planner.planning.whatif import min_compute_for_loss, plan_with_params

    law = load_preset("besiroglu2024")
    budgets = np.logspace(18, 26, 1_000_000)
    targets = np.linspace(1.9, 3.0, 1_000_000)
    t_opt = median_time(lambda: compute_optimal(law, budgets))
    t_whatif = median_time(lambda: plan_with_params(law, budgets, 7e9))
    t_target = median_time(lambda: min_compute_for_loss(law, targets))
    print(f"compute_optimal      on 1e6: median {t_opt * 1e3:7.1f} ms")
    print(f"plan_with_params     on 1e6: median {t_whatif * 1e3:7.1f} ms   ratio {t_whatif / t_opt:5.2f}   (goal <= 5)")
    print(f"min_compute_for_loss on 1e6: median {t_target * 1e3:7.1f} ms   ratio {t_target / t_opt:5.2f}   (goal <= 5)")


if __name__ == "__main__":
    main()
