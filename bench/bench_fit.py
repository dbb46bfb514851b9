"""Speed of `plan fit` against the straightforward method, measured side by side in one run.

Data: Epoch AI's extraction of Chinchilla's runs (svg_extracted_data.csv in ../shared/data or $PLANNER_REFERENCE_DATA), the 5 highest-loss runs
dropped (240 runs), D = C/(6N): the fit of Besiroglu et al. 2024.

(bench/bench_fit_engines.py compares planner's default engine, variable projection, with this one and with today's
main branch; this bench keeps measuring the 4,500-start search, fit_parametric(engine="grid").)

1. Grid fit. Ours: planner.fitting.fit_parametric(engine="grid"), every one of the 4,500 starts run at once in the
   batched L-BFGS, then the best distinct end points polished. Straightforward: scipy.optimize.minimize(method="L-BFGS-B", default
   options) from each start in a Python loop, with the same objective and the same analytic gradient (a stronger
   baseline than the finite differences or autograd of the papers' notebooks). Unless --all, the straightforward
   method runs on a random subset of --subset starts (seed 0) and its time is extrapolated to 4,500 (said so below).
   Goal: ours under 5 s.
2. Bootstrap, 4,000 resamples. Ours: planner.fitting.bootstrap, all resamples batched, each warm-started from the
   full-data optimum and the next best distinct grid end point. Straightforward: for each resample, scipy L-BFGS-B
   from the same two warm starts in a Python loop (not the 4,500-start grid, which would be 2,250 times more work),
   on --boot-subset resamples, extrapolated to 4,000. Goal: ours under 60 s.

3. Rows scaling. planner.fitting.fit_parametric on the 240 runs, each repeated k times (240, 10,080, 100,080 and
   1,000,080 rows), one fresh Python process per size, default engine (variable projection): wall time and peak
   memory (the process's max RSS, reading and
   data included). Repeating every run k times multiplies the objective by k, so the optimum must be the 240-run
   optimum: the table prints the largest relative difference of a coefficient from it. Above COARSE_ROWS rows the grid
   runs on a subsample spread over compute and only the best end points see every row
   (planner.fitting.multistart). Goals: 1e5 rows < 30 s, 1e6 rows < 120 s, peak memory < 2 GB, 240 rows < 1.5 s.
   --check-distinct also fits 10,000 distinct noisy rows both ways (subsample first, and the whole grid on every row,
   about a minute) and prints how far the two optima are apart.

Wall time is what the goals are about; CPU time of this process is printed too, because the machine is shared
(the load average is printed) and CPU time is less disturbed by other users.

Usage: python3 bench/bench_fit.py [--subset 300] [--boot-subset 200] [--all] [--rows-only] [--check-distinct]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from planner.base.conventions import PARAMETRIC_GRID
from planner.fitting import bootstrap, fit_parametric
from planner.fitting.objectives import ParametricObjective, grid as _grid
from planner.files.runs import read_runs

DATA = Path(os.environ.get("PLANNER_REFERENCE_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data") \
    / "svg_extracted_data.csv"


def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def scipy_from(objective, starts):
    """scipy L-BFGS-B (default options) from each start in a Python loop; (best f, best x) found."""
    def fun(t):
        f, g = objective(t[None, :], np.zeros(1, int))
        return f[0], g[0]

    best = (np.inf, None)
    for s in starts:
        r = minimize(fun, s, jac=True, method="L-BFGS-B")
        if r.fun < best[0]:
            best = (float(r.fun), r.x)
    return best


#: Rows of the scaling table: the 240 runs repeated this many times.
ROW_REPEATS = (1, 42, 417, 4167)

_CHILD = """
import json, resource, sys, time
import numpy as np
from planner.fitting import fit_parametric
from planner.files.runs import read_runs
runs = read_runs(sys.argv[1]).drop_highest_loss(5)
k = int(sys.argv[2])
N, D, L = (np.tile(v, k) for v in (runs.n_params, runs.n_tokens, runs.loss))
t, c = time.perf_counter(), time.process_time()
fit = fit_parametric(N, D, L)
wall, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"rows": len(N), "wall": wall, "cpu": cpu, "coefficients": fit.coefficients,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def rows_scaling():
    print("\n3. rows scaling: the 240 runs repeated k times, one process per size")
    print(f"   {'rows':>10}  {'wall s':>8}  {'cpu s':>8}  {'peak MB':>8}  {'max |rel diff| from the 240-run optimum':>40}")
    ref = None
    for k in ROW_REPEATS:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(DATA), str(k)], capture_output=True, text=True,
                             check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        ref = ref or r["coefficients"]
        diff = max(abs(r["coefficients"][n] / ref[n] - 1) for n in ref)
        print(f"   {r['rows']:>10,}  {r['wall']:8.2f}  {r['cpu']:8.2f}  {r['rss_mb']:8.0f}  {diff:40.2e}")
    print("   goals: 1e5 rows < 30 s, 1e6 rows < 120 s, peak < 2,048 MB; 240 rows < 1.5 s")


def check_distinct():
    """10,000 distinct noisy rows: the subsample-first fit against the whole grid on every row."""
    import planner.fitting.multistart as multistart
    from planner.laws import ParametricLaw

    truth = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
    rng = np.random.default_rng(0)
    n = 10_000
    N = 10 ** rng.uniform(7.7, 10.2, n)
    D = N * 10 ** rng.uniform(0.3, 2.5, n)
    L = truth.loss(N, D) * np.exp(rng.normal(0, 0.01, n))
    fast, fw, _ = timed(lambda: fit_parametric(N, D, L))
    import planner.fitting.varpro as varpro

    saved = multistart.COARSE_ROWS
    multistart.COARSE_ROWS = varpro.COARSE_ROWS = n + 1
    try:
        slow, sw, _ = timed(lambda: fit_parametric(N, D, L))
    finally:
        multistart.COARSE_ROWS = varpro.COARSE_ROWS = saved
    diff = max(abs(fast.coefficients[k] / slow.coefficients[k] - 1) for k in slow.coefficients)
    print(f"\n   10,000 distinct noisy rows: subsample first {fw:.1f} s, whole grid on every row {sw:.1f} s; "
          f"objectives {fast.objective:.10g} vs {slow.objective:.10g}; max |rel diff| of a coefficient {diff:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=300, help="starts timed for the straightforward grid fit")
    parser.add_argument("--boot-subset", type=int, default=200, help="resamples timed for the straightforward bootstrap")
    parser.add_argument("--all", action="store_true", help="run the straightforward grid fit from all 4,500 starts")
    parser.add_argument("--rows-only", action="store_true", help="only the rows-scaling table")
    parser.add_argument("--check-distinct", action="store_true",
                        help="also compare the subsample-first fit with the whole grid on 10,000 distinct rows")
    args = parser.parse_args()
    if args.rows_only:
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        rows_scaling()
        if args.check_distinct:
            check_distinct()
        return

    runs = read_runs(DATA).drop_highest_loss(5)
    N, D, L = runs.n_params, runs.n_tokens, runs.loss
    print(f"data: {len(L)} runs; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    # 1. grid fit
    fit, ours_w, ours_c = timed(lambda: fit_parametric(N, D, L, engine="grid"))
    starts = _grid(PARAMETRIC_GRID, ("a", "b", "e", "alpha", "beta"))
    objective = ParametricObjective(np.log(N), np.log(D), np.log(L), 1e-3, np.float64)
    k = len(starts) if args.all else min(args.subset, len(starts))
    subset = starts if args.all else starts[np.random.default_rng(0).choice(len(starts), k, replace=False)]
    (best_f, best_x), ref_w, ref_c = timed(lambda: scipy_from(objective, subset))
    scale = len(starts) / k
    print(f"\n1. grid fit, {len(starts)} starts")
    print(f"   ours (batched L-BFGS + polish)     wall {ours_w:7.2f} s   cpu {ours_c:7.2f} s   (goal: wall < 5 s)")
    note = "" if args.all else f"   [timed on {k} random starts, x{scale:.1f}]"
    print(f"   scipy L-BFGS-B per start, loop     wall {ref_w * scale:7.2f} s   cpu {ref_c * scale:7.2f} s{note}")
    print(f"   ratio straightforward / ours       wall {ref_w * scale / ours_w:7.1f}x  cpu {ref_c * scale / ours_c:7.1f}x")
    print(f"   best objective: ours {fit.objective:.15g}, straightforward ({k} starts) {best_f:.15g}")
    print("   ours:  " + ", ".join(f"{n} = {v:.6g}" for n, v in fit.coefficients.items()))
    if best_x is not None:
        a, b, e, al, be = best_x
        print(f"   scipy: E = {np.exp(e):.6g}, A = {np.exp(a):.6g}, B = {np.exp(b):.6g}, alpha = {al:.6g}, beta = {be:.6g}")

    # 2. bootstrap
    boot, bw, bc = timed(lambda: bootstrap(N, D, L, n_resamples=4000, seed=0, fit=fit))
    warm = [np.array(t) for _, t in fit.optima[:2]]
    rng = np.random.default_rng(0)
    m = args.boot_subset

    def straightforward_boot():
        for _ in range(m):
            idx = rng.integers(0, len(L), len(L))
            ob = ParametricObjective(np.log(N[idx]), np.log(D[idx]), np.log(L[idx]), 1e-3, np.float64)
            scipy_from(ob, warm)

    _, sw, sc = timed(straightforward_boot)
    s = 4000 / m
    print("\n2. bootstrap, 4000 resamples")
    print(f"   ours (batched, 2 warm starts each)  wall {bw:7.2f} s   cpu {bc:7.2f} s   (goal: wall < 60 s)")
    print(f"   scipy L-BFGS-B per resample, loop   wall {sw * s:7.2f} s   cpu {sc * s:7.2f} s   [timed on {m} resamples, x{s:.0f}]")
    print(f"   ratio straightforward / ours        wall {sw * s / bw:7.1f}x  cpu {sc * s / bc:7.1f}x")
    print("   95% intervals: " + "; ".join(f"{n} ({lo:.4g}, {hi:.4g})" for n, (lo, hi) in boot.intervals.items()))
    boot500, b5, _ = timed(lambda: bootstrap(N, D, L, n_resamples=500, seed=0, fit=fit))
    print(f"   the default of plan fit, 500 resamples: wall {b5:.2f} s (goal: < 2 s)")

    rows_scaling()
    if args.check_distinct:
        check_distinct()
    print(f"\n   load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
