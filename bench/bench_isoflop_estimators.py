"""Which minimum per isoFLOP budget: the parabola, Akima's interpolation, or auto's choice between them.

1. Simulated sweeps (tests/sweeps.py: D = r(N)·C/(6N) with 6ND spreading 0.93–1.35× the budget, the closed-form
   N_opt as truth), two laws (Besiroglu et al. 2024's Chinchilla refit, nearly symmetric profiles; and α = 0.2,
   β = 0.6, asymmetric ones), two kinds of sweep: dense (15–25 sizes over 100–300×) and sparse (4–7 sizes over
   30–100×), at several noise levels on L. Per estimator: the RMS error of ln N_opt against the truth, and how often
   N_opt lands within 10% of the true N_opt; for auto, how often it chose Akima and how often it warned that the
   two disagree beyond the budget's own interval.
2. Real sweeps: Epoch AI's extraction of Chinchilla's runs (Besiroglu et al. 2024, arXiv:2404.10102; 245 runs,
   budgets clustered in C = 6ND as `plan fit --isoflop` does without a budget column). Per estimator: the fitted
   exponent a of N_opt ∝ C^a against Hoffmann et al.'s Approach 2 (arXiv:2203.15556, Table 2: a = 0.49, 95% interval
   0.462–0.534); per budget, whether the parabola's and Akima's minima agree within the budget's own 95% interval.

Usage: PLANNER_REFERENCE_DATA=../shared/data python3 bench/bench_isoflop_estimators.py [--seeds N]
"""

import argparse
import csv
import math
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.fitting.isoflop import fit_isoflop  # noqa: E402
from planner.laws import ParametricLaw  # noqa: E402
from tests.sweeps import budget_errors  # noqa: E402

LAWS = {"chinchilla (Besiroglu)": ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658),
        "asymmetric (a=0.2, b=0.6)": ParametricLaw(E=1.5, A=100.0, B=3000.0, alpha=0.2, beta=0.6)}
KINDS = {"dense": dict(sizes=(15, 25), span=(100, 300)), "sparse": dict(sizes=(4, 7), span=(30, 100))}
NOISES = (0.0, 1e-4, 1e-3, 5e-3)
BUDGETS = np.logspace(17, 20, 7)
METHODS = ("parabola", "akima", "auto")
#: Hoffmann et al. 2022 (arXiv:2203.15556) Table 2, Approach 2: a = 0.49, 95% interval (0.462, 0.534).
HOFFMANN_A2 = (0.49, 0.462, 0.534)


def simulated(seeds: int) -> None:
    print("1. Simulated sweeps: RMS error of ln N_opt vs the truth [share within 10% of N_opt]; auto's choice")
    print(f"   ({seeds} sweeps × {len(BUDGETS)} budgets each; budgets where every estimator has a minimum)")
    print(f"   {'law':26s} {'sweep':6s} {'noise':>6s} " + " ".join(f"{m:>16s}" for m in METHODS)
          + f" {'akima':>6s} {'warned':>6s}")
    for law_name, law in LAWS.items():
        for kind, shape in KINDS.items():
            for noise in NOISES:
                err, auto = budget_errors(law, BUDGETS, range(seeds), methods=METHODS, noise=noise, **shape)
                chose = [f.estimator == "akima" for f in auto]
                warned = [f.disagrees for f in auto]
                cells = []
                for k in METHODS:
                    e = np.array(err[k])
                    cells.append(f"{math.sqrt(np.mean(e ** 2)):7.4f} [{np.mean(np.abs(e) < math.log(1.1)):4.0%}]")
                print(f"   {law_name:26s} {kind:6s} {noise:6.0e} " + " ".join(f"{c:>16s}" for c in cells)
                      + f" {np.mean(chose):6.0%} {np.mean(warned):6.0%}")


def real() -> None:
    folder = Path(os.environ.get("PLANNER_REFERENCE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    path = folder / "svg_extracted_data.csv"
    if not path.exists():
        print(f"2. Real sweeps: {path} not found (set PLANNER_REFERENCE_DATA)")
        return
    rows = list(csv.DictReader(path.open()))
    N = np.array([float(r["Model Size"]) for r in rows])
    C = np.array([float(r["Training FLOP"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows])
    D = C / (6 * N)  # Epoch's own convention (data_analysis.ipynb, cell 3)
    a0, lo, hi = HOFFMANN_A2
    print(f"\n2. Real sweeps: Epoch AI's extraction of Chinchilla's {len(N)} runs, budgets clustered in C = 6ND")
    print(f"   exponent a against Hoffmann et al.'s Approach 2 (Table 2): {a0} ({lo}–{hi}, 95%)")
    fits = {m: fit_isoflop(N, D, L, method=m) for m in METHODS}
    for m, f in fits.items():
        a = f.exponents[0]
        used = [b for b in f.extra["budgets"] if b.used]
        print(f"   {m:9s} a = {a:.4f} {'inside' if lo <= a <= hi else 'OUTSIDE'} the interval; "
              f"{len(used)} budgets used")
    auto = [b for b in fits["auto"].extra["budgets"] if b.used]
    dense = [b for b in auto if math.isfinite(b.akima_log_se)]
    print(f"   auto: Akima on {sum(b.estimator == 'akima' for b in auto)} of {len(auto)} budgets; "
          f"{sum(b.disagrees for b in auto)} budgets warned (parabola and Akima apart by more than the budget's 95% "
          f"interval of their difference) of {len(dense)} with both errors")
    gaps = [abs(math.log(b.n_params / b.other_n_params)) for b in auto]
    print(f"   |ln N_parabola − ln N_akima| per budget: median {np.median(gaps):.3f}, max {np.max(gaps):.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    simulated(args.seeds)
    real()


if __name__ == "__main__":
    main()
