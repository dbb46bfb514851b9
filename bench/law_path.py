"""The modules a law passes through for one ``plan`` command, as issue 20 counted them (the method is in
tests/law_path.py, which tests/test_architecture.py uses to bound a few commands' paths). Prints the counts and the
path.

Usage: python3 bench/law_path.py --flops 1e21 --unique-tokens 1e11 --max-params 5e9
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.law_path import law_path  # noqa: E402


def main():
    path = law_path(sys.argv[1:])
    print(f"plan {' '.join(sys.argv[1:])}: {len(path.calls)} calls receive the law; {len(path.stays)} stays in "
          f"{len(path.modules)} modules; {path.climbs} climbs back up")
    print(" → ".join(s.removeprefix("planner.") for s in path.stays))


if __name__ == "__main__":
    main()
