"""A program never writes inside its own installed package (issue 19).

The first ``plan`` run used to cache parsed presets in the package's ``__pycache__``; after ``pip install .`` and
then ``pip install -e .``, the file left behind turned ``planner/`` into a namespace package and every ``plan`` call
failed. Here every subcommand runs once, as a user runs it (a separate process, with a private HOME and cache
folder), and the package's folders must come out exactly as they went in: the same paths, sizes, modification times
and contents. The interpreter's own bytecode writing is switched off (PYTHONDONTWRITEBYTECODE=1), since pip compiles
it at install time and it is not planner's doing.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import click
import numpy as np
import pytest

import planner
from planner import _presets, load_preset
from planner.cli import cli

from .strategies import simulated_runs
from .sweeps import training_curves
from .test_fitting_hparams import synthetic as synthetic_sweep
from .test_fitting_tasks import synthetic_rows, write_ladder

#: One invocation of every command and subcommand; "{runs}", "{curves}", "{ladder}", "{sweep}" are input files made
#: below.
INVOCATIONS = {
    (): ["--flops", "1e21"],
    ("compare",): ["compare", "--flops", "1e21"],
    ("versus",): ["versus", "hoffmann2022", "besiroglu2024", "--flops", "1e21"],
    ("hparams",): ["hparams", "--flops", "1e21"],
    ("fit-hparams",): ["fit-hparams", "{sweep}", "-o", "hparams.toml"],
    ("curve",): ["curve", "{curves}", "--run", "s0-h80", "--horizon", "2.4e9", "--n-params-column", "params",
                 "--batch-tokens", "1e5", "--schedule", "constant:peak=1e-3,warmup=1e6", "--no-backtest"],
    ("ladder-points",): ["ladder-points", "{curves}", "--n-params-column", "params", "-o", "points.csv"],
    ("distill",): ["distill", "--student", "1B", "--tokens", "20B", "--teacher-loss", "2.3"],
    ("fit",): ["fit", "{runs}", "-o", "fitted.toml"],
    ("design",): ["design", "--flops", "1e18", "--flops", "1e19"],
    ("tasks",): ["tasks"],
    ("tasks", "show"): ["tasks", "show", "bhagia2024"],
    ("fit-tasks",): ["fit-tasks", "{ladder}", "--bootstrap", "0", "-o", "tasks.toml"],
    ("presets",): ["presets"],
    ("presets", "show"): ["presets", "show", "epoch", "-o", "law.toml"],
    ("cite",): ["cite", "chinchilla", "-o", "refs.bib"],
    ("hardware",): ["hardware", "--format", "json"],
    ("shape",): ["shape", "--params", "7e9"],
    ("plot",): ["plot", "--help"],
    ("plot", "frontier"): ["plot", "frontier", "-p", "epoch", "-o", "frontier.png"],
    ("plot", "isoflop"): ["plot", "isoflop", "--flops", "1e20", "--flops", "1e22", "-o", "isoflop.svg"],
    ("plot", "curves"): ["plot", "curves", "{curves}", "-o", "curves.png"],
    ("plot", "curve"): ["plot", "curve", "{curves}", "--run", "s0-h5", "--horizon", "2e8", "--n-params-column",
                        "params", "--batch-tokens", "1e5", "--schedule", "constant:peak=1e-3,warmup=1e6",
                        "--no-backtest", "-o", "curve.png"],
    ("plot", "fit"): ["plot", "fit", "{runs}", "-o", "fit.png"],
    ("plot", "versus"): ["plot", "versus", "hoffmann2022", "besiroglu2024", "-o", "versus.png"],
    ("plot", "tasks"): ["plot", "tasks", "--tasks", "bhagia2024", "--task", "mmlu", "--params", "7B", "--tokens",
                        "4T", "-o", "tasks.png"],
}
EXTRA = {"--version": ["--version"], "--law": ["--law", "law.toml", "--flops", "1e22"]}


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


def test_every_command_has_an_invocation_here():
    assert set(INVOCATIONS) == {()} | set(_commands(cli))


def _package_folders() -> list[Path]:
    """planner's folder and the shipped presets' folder (the same tree in a wheel install, apart in a checkout)."""
    return sorted({Path(planner.__file__).parent.resolve(), Path(_presets.__file__).parent.resolve()})


def snapshot() -> dict:
    """path → (size, mtime_ns, sha256) of every file under the package folders, and every folder."""
    state = {}
    for root in _package_folders():
        for dirpath, dirnames, filenames in os.walk(root):
            state[dirpath] = "folder"
            for name in filenames:
                path = os.path.join(dirpath, name)
                st = os.stat(path)
                with open(path, "rb") as fh:
                    state[path] = (st.st_size, st.st_mtime_ns, hashlib.sha256(fh.read()).hexdigest())
    return state


@pytest.fixture(scope="module")
def workplace(tmp_path_factory):
    """A working folder with the input files, and the environment of a user with a fresh home and cache."""
    tmp = tmp_path_factory.mktemp("user")
    N, D, L = simulated_runs(load_preset("besiroglu2024").model, np.geomspace(5e7, 5e9, 5),
                             np.geomspace(2, 200, 6), noise=0.01, seed=1)
    (tmp / "runs.csv").write_text("n_params,tokens,loss\n" + "".join(
        f"{float(n)!r},{float(d)!r},{float(l)!r}\n" for n, d, l in zip(N, D, L)))
    run, N, D, L = training_curves(load_preset("besiroglu2024").model, np.geomspace(3e7, 3e9, 10),
                                     5 * 16 ** (np.arange(4) / 3), checkpoints=20, penalty=0.02)
    (tmp / "curves.csv").write_text("run,params,tokens,loss\n" + "".join(
        f"{r},{n!r},{d!r},{x!r}\n" for r, n, d, x in zip(run, N.tolist(), D.tolist(), L.tolist())))
    write_ladder(tmp / "ladder.csv", synthetic_rows(checkpoints=5))
    sweep = synthetic_sweep(step=0.2)
    (tmp / "sweep.csv").write_text("n_params,tokens,learning_rate,batch_tokens,loss\n" + "".join(
        ",".join(repr(float(x)) for x in row) + "\n"
        for row in zip(sweep.n_params, sweep.tokens, sweep.learning_rate, sweep.batch_tokens, sweep.loss)))
    for name in ("home", "cache"):
        (tmp / name).mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLANNER_", "MPL"))}
    env.update(PYTHONDONTWRITEBYTECODE="1", HOME=str(tmp / "home"), XDG_CACHE_HOME=str(tmp / "cache"),
               COLUMNS="100", NO_COLOR="1", MPLBACKEND="Agg")
    return tmp, env


def _plan(args, workplace):
    tmp, env = workplace
    args = [a.format(runs=tmp / "runs.csv", curves=tmp / "curves.csv", ladder=tmp / "ladder.csv", sweep=tmp / "sweep.csv")
            for a in args]
    return subprocess.run([sys.executable, "-m", "planner", *args], cwd=tmp, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("args", list(INVOCATIONS.values()) + list(EXTRA.values()),
                         ids=[" ".join(("plan",) + k) for k in INVOCATIONS] + list(EXTRA))
def test_a_command_writes_nothing_inside_the_package(args, workplace):
    if args[0] == "plot" and args[1] != "--help":
        pytest.importorskip("matplotlib")
    if args[0] == "--law":
        _plan(INVOCATIONS[("presets", "show")], workplace)   # the law file it reads
    before = snapshot()
    result = _plan(args, workplace)
    after = snapshot()
    assert result.returncode == 0, result.stderr
    assert result.stdout or args[-2] == "-o", result.stderr
    created = sorted(set(after) - set(before))
    changed = sorted(p for p in set(before) & set(after) if before[p] != after[p])
    removed = sorted(set(before) - set(after))
    assert not (created or changed or removed), f"created {created}, changed {changed}, removed {removed}"


def test_the_preset_cache_goes_to_the_users_cache_folder(workplace):
    """Where it does go: the cache folder named by XDG_CACHE_HOME (the platform conventions: test_files_presets.py)."""
    tmp, _ = workplace
    result = _plan(INVOCATIONS[()], workplace)
    assert result.returncode == 0, result.stderr
    assert list((tmp / "cache").glob("scaling-planner/presets-*/besiroglu2024.toml.marshal"))
