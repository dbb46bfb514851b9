"""The fit engine against today's, side by side in one run (issue 24's goals).

Three engines on the same data, each in a fresh Python process so that imports and caches are alike:

- today : the main branch's code (``--today DIR``, default ../../main: a checkout of main), run with PYTHONPATH=DIR:
  4,500-start batched L-BFGS, bootstrap refits by plain L-BFGS from two warm starts;
- new   : this tree: variable projection over (α, β) (planner.fitting.varpro), joint L-BFGS polish, bootstrap
  refits preconditioned by the full-data Hessian (planner.fitting.lbfgs.Preconditioned);
- scipy : scipy.optimize.minimize(method="L-BFGS-B") per start (the 4,500-start grid; timed on --subset random
  starts and extrapolated) and per bootstrap resample (from the full-data optimum; --boot-subset resamples,
  extrapolated), with the same analytic objective and gradient.

Data: Epoch AI's extraction of Chinchilla's runs (svg_extracted_data.csv in $PLANNER_REFERENCE_DATA or
../shared/data), the 5 highest-loss runs dropped (240 runs), D = C/(6N): the fit of Besiroglu et al. 2024.

Rows measured (CPU seconds of the child process's work, best of --repeat; the goals are issue 24's):
1. the 240-run point fit (goal: new ≤ 0.15 s);
2. `plan fit` with its default bootstrap (500 resamples) on the 240 runs, the whole command in-process after
   imports (goal: new ≤ 0.6 s); and the whole process, imports included, for information;
3. the bootstrap's cost per resample (500 resamples; goal: new ≤ 1/10 of today's);
4. 1,000,000 rows (the 240 runs repeated 4,167 times), wall time and peak memory of the process
   (goal: new ≤ 10 s, < 1 GB); --skip-today-rows leaves out today's (about 90 s).
Each row also prints the objective reached, which must agree.

Usage: python3 bench/bench_fit_engines.py [--today ../../main] [--subset 200] [--boot-subset 100] [--repeat 3]
       [--skip-today-rows]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PLANNER_REFERENCE_DATA") or HERE.parents[1] / "shared" / "data") / "svg_extracted_data.csv"

#: The child: reads the 240 runs by itself (the runs reader moved between versions), then times what it is asked.
_CHILD = r"""
import csv, json, resource, sys, time
import numpy as np
path, what, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = list(csv.DictReader(open(path)))
N = np.array([float(r["Model Size"]) for r in rows]); C = np.array([float(r["Training FLOP"]) for r in rows])
L = np.array([float(r["loss"]) for r in rows])
keep = np.sort(np.argsort(L, kind="stable")[:len(L) - 5])
N, D, L = N[keep], C[keep] / (6 * N[keep]), L[keep]
import planner
from planner.fitting import bootstrap, fit_parametric
out = {"planner": planner.__file__}
def best(fn):
    times = []
    for _ in range(repeat):
        c = time.process_time(); r = fn(); times.append(time.process_time() - c)
    return r, min(times)
if what == "fit":
    fit, out["cpu"] = best(lambda: fit_parametric(N, D, L))
    out["objective"] = fit.objective
    boot, out["boot_cpu"] = best(lambda: bootstrap(N, D, L, n_resamples=500, seed=0, fit=fit))
    out["boot_per_resample"] = out["boot_cpu"] / 500
    out["intervals"] = boot.intervals
elif what == "command":
    from click.testing import CliRunner
    from planner.cli import cli
    with open("runs.csv", "w") as f:
        f.write("n_params,n_tokens,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n" for n, d, l in zip(N, D, L)))
    r, out["cpu"] = best(lambda: CliRunner().invoke(cli, ["fit", "runs.csv", "--format", "json"]))
    assert r.exit_code == 0, r.output
    out["objective"] = json.loads(r.stdout)["objective"]
elif what.startswith("rows"):
    k = int(what[4:])
    N, D, L = (np.tile(v, k) for v in (N, D, L))
    t, c = time.perf_counter(), time.process_time()
    fit = fit_parametric(N, D, L)
    out.update(wall=time.perf_counter() - t, cpu=time.process_time() - c, objective=fit.objective / k, rows=len(N))
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def child(tree: Path, what: str, repeat: int, cwd: Path) -> dict:
    """Run the child with ``tree`` first on the path; its JSON, plus the process's own CPU time."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = os.times()
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD, str(DATA), what, str(repeat)], capture_output=True, text=True,
                         env=env, cwd=cwd)
    if out.returncode:
        raise SystemExit(f"child {what} on {tree} failed:\n{out.stderr[-2000:]}")
    after = os.times()
    r = json.loads(out.stdout.strip().splitlines()[-1])
    r["process_cpu"] = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    r["process_wall"] = time.perf_counter() - t
    if not r["planner"].startswith(str(tree)):
        raise SystemExit(f"the child imported planner from {r['planner']}, not from {tree}")
    return r


def scipy_per_start(subset: int, boot_subset: int, theta):
    """scipy L-BFGS-B from --subset random starts of the 4,500-start grid, and per resample from θ̂; CPU seconds
    extrapolated to 4,500 starts and per resample, and the best objective found."""
    from scipy.optimize import minimize

    from planner.base.conventions import PARAMETRIC_GRID
    from planner.fitting.objectives import ParametricObjective, grid
    from planner.fitting.result import resample_counts

    N, D, L = _runs()
    objective = ParametricObjective(np.log(N), np.log(D), np.log(L), 1e-3, np.float64)

    def fun(t):
        f, g = objective(t[None, :], np.zeros(1, int))
        return f[0], g[0]

    starts = grid(PARAMETRIC_GRID, ("a", "b", "e", "alpha", "beta"))
    pick = starts[np.random.default_rng(0).choice(len(starts), subset, replace=False)]
    c = time.process_time()
    best = min(minimize(fun, s, jac=True, method="L-BFGS-B").fun for s in pick)
    fit_cpu = (time.process_time() - c) * len(starts) / subset
    W = resample_counts(np.random.default_rng(0), boot_subset, len(L))
    c = time.process_time()
    for w in W:
        objective.weights = w[None, :]
        minimize(fun, np.asarray(theta), jac=True, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10})
    boot_cpu = (time.process_time() - c) / boot_subset
    return fit_cpu, best, boot_cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--today", default=str(HERE.parents[1] / "main"), help="a checkout of today's main branch")
    parser.add_argument("--subset", type=int, default=200, help="grid starts timed for scipy per start")
    parser.add_argument("--boot-subset", type=int, default=100, help="resamples timed for scipy per resample")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many timings per child")
    parser.add_argument("--skip-today-rows", action="store_true", help="leave out today's engine on 1e6 rows")
    args = parser.parse_args()
    today, new = Path(args.today).resolve(), HERE
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="bench_fit_engines_"))
    print(f"data: {DATA}; today = {today}; new = {new}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; CPU seconds, best of {args.repeat}\n")

    t_fit, n_fit = child(today, "fit", args.repeat, work), child(new, "fit", args.repeat, work)
    s_fit, s_best, s_boot = scipy_per_start(args.subset, args.boot_subset, _theta())
    t_cmd, n_cmd = child(today, "command", args.repeat, work), child(new, "command", args.repeat, work)

    w = 34
    print(f"{'':{w}} {'today':>10} {'new':>10} {'scipy':>10} {'today/new':>10} {'goal':>16}")
    print(f"{'1. 240-run point fit, cpu s':{w}} {t_fit['cpu']:10.3f} {n_fit['cpu']:10.3f} {s_fit:10.2f} "
          f"{t_fit['cpu'] / n_fit['cpu']:9.1f}x {'new <= 0.15 s':>16}")
    print(f"{'   objective':{w}} {t_fit['objective']:10.8g} {n_fit['objective']:10.8g} {s_best:10.8g}"
          f"   (new − today)/today = {(n_fit['objective'] - t_fit['objective']) / t_fit['objective']:.1e}"
          f"; scipy: best of {args.subset} starts")
    print(f"{'2. plan fit + 500 bootstrap, cpu s':{w}} {t_cmd['cpu']:10.3f} {n_cmd['cpu']:10.3f} {'':>10} "
          f"{t_cmd['cpu'] / n_cmd['cpu']:9.1f}x {'new <= 0.6 s':>16}")
    print(f"{'   whole process (imports too)':{w}} {t_cmd['process_cpu']:10.2f} {n_cmd['process_cpu']:10.2f}"
          f"{'':>11} {t_cmd['process_cpu'] / n_cmd['process_cpu']:9.1f}x   ({args.repeat} commands per process)")
    print(f"{'3. bootstrap, cpu ms per resample':{w}} {1e3 * t_fit['boot_per_resample']:10.3f} "
          f"{1e3 * n_fit['boot_per_resample']:10.3f} {1e3 * s_boot:10.2f} "
          f"{t_fit['boot_per_resample'] / n_fit['boot_per_resample']:9.1f}x {'today/new >= 10':>16}")
    lo = max(abs(n_fit["intervals"][k][i] / t_fit["intervals"][k][i] - 1) for k in t_fit["intervals"] for i in (0, 1))
    print(f"{'   95% intervals, max rel diff':{w}} {lo:10.1e}")
    n_rows = child(new, "rows4167", 1, work)
    t_rows = None if args.skip_today_rows else child(today, "rows4167", 1, work)
    tw = f"{t_rows['process_wall']:10.1f}" if t_rows else f"{'skipped':>10}"
    tm = f"{t_rows['rss_mb']:10.0f}" if t_rows else f"{'':>10}"
    ratio = f"{t_rows['process_wall'] / n_rows['process_wall']:9.1f}x" if t_rows else ""
    print(f"{'4. 1,000,080 rows, process wall s':{w}} {tw} {n_rows['process_wall']:10.1f} {'':>10} {ratio:>10} "
          f"{'new <= 10 s':>16}")
    print(f"{'   fit alone wall s':{w}} {t_rows['wall'] if t_rows else float('nan'):10.1f} {n_rows['wall']:10.1f}")
    print(f"{'   fit alone cpu s':{w}} {t_rows['cpu'] if t_rows else float('nan'):10.1f} {n_rows['cpu']:10.1f}"
          "   (wall on a shared machine grows with its load; CPU time less so)")
    print(f"{'   peak memory MB':{w}} {tm} {n_rows['rss_mb']:10.0f} {'':>10} {'':>10} {'new < 1024 MB':>16}")
    print(f"{'   objective / 4167':{w}} {t_rows['objective'] if t_rows else float('nan'):10.8g} "
          f"{n_rows['objective']:10.8g}")
    print(f"\nload average now {os.getloadavg()[0]:.2f}")


def _runs():
    """The 240 runs as the child reads them (this process: for scipy)."""
    namespace: dict = {}
    exec(_CHILD.split("import planner")[0].replace("path, what, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])",
                                                   f"path = {str(DATA)!r}"), namespace)
    return namespace["N"], namespace["D"], namespace["L"]


def _theta():
    """This tree's optimum θ̂ (scipy's bootstrap warm start), fitted in this process."""
    from planner.fitting import fit_parametric

    return fit_parametric(*_runs()).theta


if __name__ == "__main__":
    main()
