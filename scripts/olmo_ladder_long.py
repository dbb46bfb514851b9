"""Convert the OLMo ladder's wide files into the long table ``plan fit-tasks`` reads.

Bhagia et al. 2024 (arXiv:2412.04403) publish their ladder as one CSV per run, one row per checkpoint and one column
per metric (allenai/OLMo-ladder, src/scripts/paper/data/ladder-runs, with configs/final.json naming each size's runs
and its non-embedding parameter count). This writes one row per checkpoint and task:
``run,n_params,tokens,task,task_loss,accuracy,chance`` (task loss: bits per byte of the correct answer; accuracy:
length-normalised RC accuracy, 5-shot; MMLU averaged over its four categories by their share of its test set).

    python scripts/olmo_ladder_long.py PATH/TO/olmo-ladder [--task mmlu ...] > ladder.csv
    plan fit-tasks ladder.csv -o mytasks.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planner.fitting.ladder import OLMO_TASK_SPLITS, from_olmo_ladder, ladder_csv


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="The olmo-ladder folder (configs/final.json and ladder-runs/).")
    ap.add_argument("--task", action="append", choices=list(OLMO_TASK_SPLITS),
                    help="Only this task (repeatable) [default: the paper's eight].")
    args = ap.parse_args()
    files = {p.name: p.read_text() for p in (args.folder / "ladder-runs").glob("*.csv")}
    ladder = from_olmo_ladder((args.folder / "configs" / "final.json").read_text(), files,
                              tasks=args.task or tuple(OLMO_TASK_SPLITS))
    sys.stdout.write(ladder_csv(ladder))


if __name__ == "__main__":
    main()
