"""The objective the new fit engine reaches against the 4,500-start search, on every runs file of the reference data.

For each runs file under $PLANNER_REFERENCE_DATA (or ../shared/data): Epoch's extraction of Chinchilla's runs (all
245, and the 240 Besiroglu et al. fit), Gadre et al.'s and Muennighoff et al.'s files; and for each of six fits (free,
least squares, α = β tied, tied least squares, E fixed, tied with E fixed), planner.fitting.fit_parametric with
engine="grid" (L-BFGS from every start of the 4,500-point grid: planner's engine before variable projection) and with
the default engine="varpro". Prints both objectives, their relative difference (new − grid)/grid, and the CPU time
of each; the goal is a difference ≤ 1e-9 on every line. Fits the runs cannot make (too few runs) are listed as such.

Usage: python3 bench/bench_fit_objectives.py
"""

import glob
import os
import time
from pathlib import Path

from planner.base.errors import FitError
from planner.fitting import fit_parametric
from planner.files.runs import read_runs

DATA = Path(os.environ.get("PLANNER_REFERENCE_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
CONFIGS = [{}, {"objective": "least-squares"}, {"tie": ["alpha=beta"]},
           {"tie": ["alpha=beta"], "objective": "least-squares"}, {"fix": {"E": 1.69}},
           {"tie": ["alpha=beta"], "fix": {"E": 1.69}}]


def main():
    files = [DATA / "svg_extracted_data.csv"] + sorted(Path(p) for p in glob.glob(str(DATA / "gadre2024" / "*.csv"))) \
        + sorted(Path(p) for p in glob.glob(str(DATA / "muennighoff2023" / "*.csv")))
    worst = 0.0
    print(f"{'runs':30} {'fit':40} {'grid objective':>22} {'varpro objective':>22} {'rel diff':>9} "
          f"{'grid s':>7} {'new s':>6}")
    for path in files:
        runs = read_runs(path)
        variants = [(runs, path.name)]
        if path.name == "svg_extracted_data.csv":
            variants.append((runs.drop_highest_loss(5), path.name + " (240)"))
        for r, name in variants:
            for cfg in CONFIGS:
                if "fix" in cfg and name.startswith("svg"):
                    cfg = {**cfg, "fix": {"E": 1.8}}
                out = []
                for engine in ("grid", "varpro"):
                    c = time.process_time()
                    try:
                        f = fit_parametric(r.n_params, r.n_tokens, r.loss, engine=engine, **cfg).objective
                    except FitError as e:
                        f = str(e).split(":")[0]
                    out.append((f, time.process_time() - c))
                (fg, tg), (fv, tv) = out
                label = ", ".join(f"{k}={v}" for k, v in cfg.items()) or "free, huber-log"
                if isinstance(fg, str):
                    print(f"{name:30} {label:40} {fg}")
                    continue
                rel = (fv - fg) / abs(fg)
                worst = max(worst, rel)
                print(f"{name:30} {label:40} {fg:22.15g} {fv:22.15g} {rel:9.1e} {tg:7.2f} {tv:6.3f}"
                      + ("   <-- higher" if rel > 1e-9 else ""))
    print(f"\nlargest (varpro − grid)/grid: {worst:.2e} (goal: <= 1e-9)")


if __name__ == "__main__":
    main()
