"""Speed of the main job, measured side by side in one run (the machine is shared and noisy).

1. Median wall time of `plan --flops 1e21` against `python -c "import click, rich.console, rich.table"`, the floor
   any click + rich program pays; the goal is a ratio of at most 1.3. The median CPU time (user + system) of the
   same runs is printed beside it: on a busy machine it is the steadier of the two. Beside them, the same command
   with the preset parse cache out of reach (its folder unwritable: every run parses the TOML), which is what the
   cache in the user's cache folder (planner/files/presets.py) saves; and, for scale, the smallest click + rich
   command that does what `plan` does around its answer (a --version and a --flops option parsed, a one-row table
   and a footer line printed): what any such command pays beyond the import floor (click's help texts go through
   gettext, which imports locale; click parses; rich renders), so planner's own share is the rest.
2. `compute_optimal` on 10^6 budgets for the parametric law; the goal is under 50 ms.

Usage: python3 bench/bench_cli.py [--runs N]
"""

import argparse
import os
import statistics
import sys

from _timing import interleaved, plan_script, repeat


#: The smallest click + rich command doing what ``plan --flops 1e21`` does around its answer (see the docstring).
_SMALLEST_COMMAND = """
import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0", "--version")
@click.option("--flops", type=float, help="The budget in FLOPs.")
def smallest(flops):
    console = Console(emoji=False)
    table = Table(title=Text("Plan"))
    for header in ("C", "N", "D", "D/N", "loss"):
        table.add_column(Text(header), justify="right")
    table.add_row(*(Text(f"{x:.3g}") for x in (flops, 2.8e9, 6.0e10, 21.4, 2.33)))
    console.print(table)
    console.print(Text("Law: a footer line.", style="dim"))

smallest(["--flops", "1e21"])
"""


def _editable() -> bool:
    """Whether the planner this interpreter runs is an editable install (pip's direct_url.json says so)."""
    import json
    from importlib import metadata

    try:
        text = metadata.distribution("scaling-planner").read_text("direct_url.json") or "{}"
        return bool(json.loads(text).get("dir_info", {}).get("editable"))
    except (metadata.PackageNotFoundError, ValueError):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    plan = plan_script("bench_cli")
    baseline = [sys.executable, "-c", "import click, rich.console, rich.table"]
    command = [sys.executable, "-c", _SMALLEST_COMMAND]
    main_job = [plan, "--flops", "1e21"]

    # Interleave the two commands so both see the same machine load.
    cpu = {}
    nowhere = "/dev/null/no-cache"   # not a folder: the cache can be neither read nor written, on any platform
    uncached = (main_job, {"XDG_CACHE_HOME": nowhere, "HOME": nowhere, "LOCALAPPDATA": nowhere})
    times = interleaved({"baseline": baseline, "command": command, "plan": main_job, "uncached": uncached}, args.runs,
                        warm=2, cpu=cpu)
    b, k, p, u = (statistics.median(times[key]) for key in ("baseline", "command", "plan", "uncached"))
    bc, kc, pc, uc = (statistics.median(cpu[key]) for key in ("baseline", "command", "plan", "uncached"))
    print(f"import click+rich   median {b * 1e3:7.1f} ms wall, {bc * 1e3:7.1f} ms CPU over {args.runs} runs")
    print(f"smallest command    median {k * 1e3:7.1f} ms wall, {kc * 1e3:7.1f} ms CPU over {args.runs} runs")
    print(f"plan --flops 1e21   median {p * 1e3:7.1f} ms wall, {pc * 1e3:7.1f} ms CPU over {args.runs} runs")
    print(f"  without the cache median {u * 1e3:7.1f} ms wall, {uc * 1e3:7.1f} ms CPU over {args.runs} runs")
    print(f"ratio plan / import {p / b:7.2f} wall, {pc / bc:.2f} CPU   (goal <= 1.3)")
    print(f"  without the cache {u / b:7.2f} wall, {uc / bc:.2f} CPU")
    print(f"  smallest command  {k / b:7.2f} wall, {kc / bc:.2f} CPU   (planner's own share: {(p - k) * 1e3:.1f} ms wall, "
          f"{(pc - kc) * 1e3:.1f} ms CPU)")
    if _editable():
        print("  (an editable install: its import finder loads pathlib into every program, the floor included, so "
              "a pathlib import\n   on plan's path would not show here; `pip install .` measures what users run)")

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
