"""Coverage of ``plan versus``'s interval on the compute multiplier: a synthetic pair of ladders with a known
multiplier (tests/versus_trials.py), fitted and bootstrapped independently, in seeded trials; how many of the
trials' 90% percentile intervals contain the true multiplier (issue 23: at least 90 of 100).

Usage: python3 bench/bench_versus_coverage.py [--trials 100] [--resamples 200]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.versus_trials import BUDGET, MULTIPLIER, trial  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--resamples", type=int, default=200)
    p.add_argument("--level", type=float, default=90.0)
    args = p.parse_args()
    start, covered, widths = time.monotonic(), 0, []
    for seed in range(args.trials):
        k, lo, hi = trial(seed, args.level, args.resamples)
        covered += lo <= MULTIPLIER <= hi
        widths.append(hi / lo)
        print(f"trial {seed:3d}: k = {k:.3f}, {args.level:g}% interval {lo:.3f}–{hi:.3f}"
              f"{'' if lo <= MULTIPLIER <= hi else '  (misses)'}", flush=True)
    widths.sort()
    print(f"true multiplier {MULTIPLIER:g} at C = {BUDGET:g}: inside the {args.level:g}% interval in {covered} of "
          f"{args.trials} trials; median interval width (high/low) {widths[len(widths) // 2]:.2f}; "
          f"{time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()
