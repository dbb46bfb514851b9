"""A property-based fuzz of the whole command line: random invocations of every subcommand, built from valid and
invalid values (extreme floats, odd strings, malformed law and runs files), never let an exception escape.

For every invocation: no traceback and no exception but click's exit; exit status 0, 1 or 2; a failure is one
``Error:`` line on stderr; no control character (ESC, BEL, NUL, …) of a hostile file reaches the terminal; a
success's JSON is strict JSON (no NaN, no Infinity) whose plan rows have finite, positive N, D and C, and C
reproducible from the row itself (k·N·D with the law's k, or a mixture of experts' FLOPs per token × D). The
hostile inputs include fixed and tied coefficients, isoFLOP budget columns in the wrong unit, several target
accuracies, distillation teachers at the float limit, and law and task files whose titles carry control characters.
CI runs it derandomised with at least 10,000 examples.
"""

import json
import math
import os
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from planner.cli import cli
from planner.cli.group import SUBCOMMANDS
from planner.files.presets import load_preset, load_task_laws, preset_ids, preset_source, task_law_source

#: The random search over commands: the slow suite (CI runs it; pytest -m "not slow" leaves it out).
pytestmark = pytest.mark.slow

EXAMPLES = 10_000 if os.environ.get("CI") else 1_000

#: Numbers as users type them, and as they mistype them.
NUMBERS = ["1e21", "3.8e25", "7B", "2T", "500M", "1_000", "1e-300", "1e300", "1e308", "5e-324", "0", "-1", "nan",
           "inf", "-inf", "1_", "1__0", "", " ", "x", "1e", "[/bold]", "1" * 401, "1e21e3", "0x10", "1,000", "2.5",
           "0.4", "80", "100", "1e-6", "1e6"]
numbers = st.one_of(st.sampled_from(NUMBERS),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(-10, 400).map(lambda e: f"1e{e}"))
texts = st.one_of(st.sampled_from(["", " ", "epoch", "chinchilla", "besiroglu2024", "kaplan2020", "deepseek",
                                   "llama3", "muennighoff", "hoffmann2022-approach1", "chinchila", "[/bold]", "a,b",
                                   "h100", "a100", "tpu-v4", "nope", "-", "--flops"]),
                  st.text(max_size=6))
formats = st.sampled_from(["table", "json", "csv", "markdown", "latex", "yaml"])
HPARAM_LAWS = st.sampled_from(["steplaw", "porian2024,deepseek", "porian2024-olmo", "nope", "", ",", "x.toml"])
presets = st.sampled_from(preset_ids() + ["chinchilla", "epoch", "nope", ""])


def laws_and_runs(folder):
    """Law files and runs files to fuzz with: valid ones, and each kind of malformed one."""
    base = preset_source(load_preset("besiroglu2024"))
    laws = {
        "good": base, "bigA": base.replace("A = 482.01", "A = 1e308"), "digits": base.replace("A = 482.01", "A = " + "9" * 401),
        "tiny": base.replace("alpha = 0.3478", "alpha = 5e-324"), "sum": base.replace("alpha = 0.3478", "alpha = 1e-12")
        .replace("beta = 0.3658", "beta = 1e-12").split("[uncertainty]")[0],
        "deep": 'id = "x"\nv = ' + "[" * 5000 + "]" * 5000 + "\n", "markup": base.replace('"besiroglu2024"', '"[/bold]"'),
        "uncnum": "uncertainty = 3\n" + base.split("[uncertainty]")[0], "notoml": "this is = = not toml",
        "empty": "", "bom": "\ufeff" + base, "misspelt": base.replace("interval_level", "interval_levle"),
        "binary": "\x00\xff\xfe",
        "hostile": base.replace('title = "', 'title = "\\u001b[2J\\u001b[31mred\\u0007 bell \\u0000 nul \\u009b ', 1),
        "tasks-hostile": task_law_source(load_task_laws("bhagia2024")).replace(
            'title = "', 'title = "\\u001b]0;owned\\u0007\\u0000 ', 1),
        "tasks": task_law_source(load_task_laws("gadre2024")),
    }
    runs = {
        "good.csv": "params,tokens,loss\n" + "\n".join(f"{1e8 * (i + 1):g},{2e9 * (i % 4 + 1):g},{3 - 0.05 * i}"
                                                       for i in range(12)),
        "bigint.jsonl": '{"params": ' + "1" * 400 + ', "tokens": 1e9, "loss": 3}\n',
        "huge.csv": "params,tokens,loss\n" + "\n".join(f"1e299,1e298,{3 - 0.1 * i}" for i in range(8)),
        "nan.csv": "params,tokens,loss\n1e8,1e9,nan\n2e8,1e9,3\n",
        "ragged.csv": "params,tokens,loss\n1e8,1e9\n",
        "nocols.csv": "a,b\n1,2\n",
        "few.csv": "params,tokens,loss\n1e8,1e9,3\n2e8,2e9,2.9\n",
        "empty.csv": "",
        "same.csv": "params,tokens,loss\n" + "\n".join(f"1e8,1e9,{3 - 0.01 * i}" for i in range(8)),
        "json.jsonl": "[1, 2, 3]\n{not json\n",
        "sweep.csv": "n_params,tokens,learning_rate,batch_tokens,loss\n" + "\n".join(
            f"{n:g},{d:g},{lr:g},{b:g},{3 + abs(math.log(lr * 1e3)) / 10 + abs(math.log(b / 1e6)) / 20}"
            for n in (1e8, 1e9) for d in (1e9, 1e10) for lr in (3e-4, 1e-3, 3e-3) for b in (5e5, 1e6, 2e6)),
        "budgets.csv": isoflop_text(),
        "budgets-micro.csv": isoflop_text(unit=1e-6),
        "sweep-lr0.csv": "n_params,tokens,learning_rate,batch_tokens,loss\n1e8,1e9,0,1e6,3\n",
    }
    ladders = {
        "good": ladder_text(),
        "chance": ladder_text(lambda L: 0.25),
        "huge": ladder_text(size=1e300),
        "badacc": ladder_text(lambda L: 1.7),
        "nan": ladder_text(lambda L: float("nan")),
        "onerun": "run,n_params,tokens,task,task_loss,accuracy\nr,1e8,1e9,t,1.0,0.5\n",
        "nocols": "a,b\n1,2\n",
        "empty": "",
    }
    paths = {}
    for name, text in ladders.items():
        paths[f"ladder:{name}"] = folder / f"ladder-{name}.csv"
        paths[f"ladder:{name}"].write_text(text)
    for name, text in laws.items():
        paths[f"law:{name}"] = folder / f"{name}.toml"
        paths[f"law:{name}"].write_bytes(text.encode("utf-8", "surrogatepass") if name != "binary" else b"\x00\xff\xfe")
    for name, text in runs.items():
        paths[f"runs:{name}"] = folder / name
        paths[f"runs:{name}"].write_text(text)
    for suffix in ("md", "json", "csv", "tex", "txt", "toml", "bib", "xyz", ""):
        paths[f"out:{suffix}"] = folder / "out" / f"report.{suffix}".rstrip(".")
    (folder / "out").mkdir()
    paths["out:existing"] = folder / "out" / "mine.md"
    paths["out:existing"].write_text("the user's own file")
    paths["out:folder"] = folder / "out"
    paths["out:missing-folder"] = folder / "nowhere" / "report.md"
    fifo = folder / "fifo.toml"
    os.mkfifo(fifo)
    paths["law:fifo"] = paths["runs:fifo"] = paths["ladder:fifo"] = paths["out:fifo"] = fifo
    return paths


def isoflop_text(unit=1.0):
    """An isoFLOP sweep, 3 budgets × 7 sizes of a Chinchilla-like law, with its budgets given in a ``budget`` column
    (times ``unit``: 1e-6 is a column in the wrong unit, a million times below 6·N·D)."""
    rows = ["n_params,tokens,budget,loss"]
    for C in (1e18, 1e19, 1e20):
        for f in (1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8):
            N = f * (C / 120) ** 0.5
            D = C / (6 * N)
            rows.append(f"{N:.6g},{D:.6g},{C * unit:g},{1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28:.6g}")
    return "\n".join(rows) + "\n"


def ladder_text(accuracy=lambda L: 1 / (1 + math.exp(6 * (L - 0.9))), size=2e8):
    """A small two-step ladder (plan fit-tasks' long table): 6 runs × 6 checkpoints of one task."""
    rows = ["run,n_params,tokens,task,task_loss,accuracy"]
    for N in (size, 2 * size, 4 * size):
        for m in (1, 4):
            for i in range(1, 7):
                D = 20 * N * m * i / 6
                L = 0.6 + 40 / N ** 0.25 + 150 / D ** 0.28
                rows.append(f"{N:g}-{m}xC,{N:g},{D:g},t,{L:.6g},{accuracy(L):.6g}")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return laws_and_runs(tmp_path_factory.mktemp("fuzz"))


def law_choice(files):
    return st.sampled_from(sorted(k for k in files if k.startswith("law:")))


def option_pairs(draw, pool):
    """Some options of ``pool`` (option → strategy of its value, a tuple of them, or None for a flag), in random
    order, sometimes repeated."""
    out = []
    for name in draw(st.lists(st.sampled_from(sorted(pool)), max_size=5)):
        value = pool[name]
        out.append(name)
        if isinstance(value, tuple):
            out += [draw(v) for v in value]
        elif value is not None:
            out.append(draw(value))
    return out


PLAN_OPTIONS = {
    "--flops": numbers, "--flops-range": (numbers, numbers), "--points": st.sampled_from(["1", "5", "0", "x", "20000"]),
    "--params": numbers, "--tokens": numbers, "--target-loss": numbers, "--unique-tokens": numbers,
    "--inference-tokens": numbers, "--max-params": numbers, "--max-tokens": numbers, "--gpu": texts,
    "--gpus": st.sampled_from(["1", "512", "0", "-1", "x", "1e3"]), "--mfu": numbers, "--usd-per-gpu-hour": numbers,
    "--gpu-hours": numbers, "--days": numbers, "--usd": numbers, "--shape": None, "--hparams": None,
    "--vocab": st.sampled_from(["32000", "0", "x", "1"]), "--context": st.sampled_from(["2048", "0", "1"]),
    "--tied-embeddings": None, "--preset": presets, "--set": st.sampled_from(["alpha=0.35", "A=1e308", "alpha=nan",
                                                                             "gamma=1", "=", "alpha", "beta=5e-324",
                                                                             "coefficient=1e308", "E=-1"]),
    "--ci": numbers, "--format": formats,
    "--tasks": st.sampled_from(["bhagia2024", "gadre2024", "olmo-ladder", "nope", "", "besiroglu2024"]),
    "--task": st.sampled_from(["mmlu", "piqa", "average17", "nope", ""]), "--target-accuracy": numbers,
}


@st.composite
def invocations(draw, files):
    command = draw(st.sampled_from(["plan", "plan", "plan", "plain", "plain", "compare", "presets", "presets show",
                                    "cite", "hardware", "shape", "design", "ladder", "fit", "distill", "tasks",
                                    "fit-tasks", "hparams", "fit-hparams", "versus", "curve",
                                    "ladder-points", "hostile", "hostile"]))
    if command == "hostile":
        # Issue 21's classes, drawn so that most invocations are valid enough to reach the invariants.
        return draw(hostile_invocations(files))
    if command == "plain":
        # A valid compute-optimal plan of a shipped law, so the budget property is checked on many of them.
        budgets = draw(st.lists(st.floats(-250, 250).map(lambda e: f"{10.0 ** e:.6g}"), min_size=1, max_size=3))
        args = [a for C in budgets for a in ("--flops", C)] + ["--preset", draw(st.sampled_from(preset_ids())),
                                                             "--format", "json"]
        if draw(st.booleans()):
            args += ["--ci", draw(st.sampled_from(["50", "80", "95"]))]
    elif command == "plan":
        args = option_pairs(draw, PLAN_OPTIONS)
        if draw(st.booleans()):
            args += ["--flops", draw(st.sampled_from(["1e21", "1e18", "1e25", "3e23"]))]
        if draw(st.integers(0, 9)) == 0:
            args += ["--law", str(files[draw(law_choice(files))])]
        if draw(st.integers(0, 9)) == 0:   # task-law files, hostile titles and all
            args += ["--tasks", str(files[draw(st.sampled_from(["law:tasks", "law:tasks-hostile", "law:good"]))])]
    elif command == "compare":
        args = ["compare", "--flops", draw(st.sampled_from(["1e21", "1e24", "1e30", "1e-300"]))]
        args += option_pairs(draw, {**{k: PLAN_OPTIONS[k] for k in ("--flops", "--flops-range", "--points",
                                                                       "--gpu", "--gpus", "--mfu", "--ci",
                                                                       "--usd-per-gpu-hour", "--format",
                                                                       "--target-loss")},
                                    "--law": law_choice(files).map(lambda k: str(files[k]))})
        args += ["--preset", ",".join(draw(st.lists(presets, max_size=3)))] if draw(st.booleans()) else []
    elif command == "presets show":
        target = draw(st.one_of(presets, law_choice(files).map(lambda k: str(files[k]))))
        args = ["presets", "show", target, "--format", draw(st.sampled_from(["toml", "table", "json", "csv"]))]
    elif command == "cite":
        args = ["cite"] + draw(st.lists(presets, max_size=3)) + ["--format", draw(st.sampled_from(
            ["bibtex", "table", "json", "markdown"]))]
    elif command == "shape":
        args = ["shape"] + (["--params", draw(st.sampled_from(["7B", "125M", "1T"]))] if draw(st.booleans()) else [])
        args += option_pairs(draw, {"--params": numbers, "--count": st.sampled_from(["total", "x"]),
                                               "--vocab": PLAN_OPTIONS["--vocab"], "--format": formats})
    elif command == "design":
        args = ["design", "--flops", draw(st.sampled_from(["1e18", "1e20", "1e23"]))]
        args += option_pairs(draw, {"--flops": numbers, "--models": st.sampled_from(["3", "9", "2", "x"]),
                                    "--flops-range": (numbers, numbers), "--points": PLAN_OPTIONS["--points"],
                                                "--span": numbers, "--preset": presets, "--format": formats})
    elif command == "ladder":
        args = ["design", "--params", ",".join(draw(st.lists(st.sampled_from(["60M", "1B", "0", "x", "1e300"]),
                                                             min_size=1, max_size=3)))]
        args += option_pairs(draw, {"--multiples": st.sampled_from(["0.5,1,2,4,8", "1", "1,1", "0", "x", "-1,2"]),
                                    "--schedule": st.sampled_from(["wsd-s", "separate", "cosine"]),
                                    "--decay-fraction": numbers, "--tokens-per-param": numbers,
                                    "--hparams": HPARAM_LAWS, "--sequence-length": st.sampled_from(["2048", "0", "x"]),
                                    "--power-of-two": None, "--gpu": texts, "--gpus": PLAN_OPTIONS["--gpus"],
                                    "--usd-per-gpu-hour": numbers, "--preset": presets, "--format": formats})
    elif command == "hparams":
        args = ["hparams"] + option_pairs(draw, {"--flops": numbers, "--params": numbers, "--tokens": numbers,
                                                 "--hparams": HPARAM_LAWS, "--sequence-length": st.sampled_from(
                                                     ["2048", "4096", "0", "x", "1"]), "--power-of-two": None,
                                                 "--list": None, "--preset": presets, "--format": formats})
    elif command == "fit-hparams":
        sweep = draw(st.sampled_from(sorted(k for k in files if k.startswith("runs:"))))
        args = ["fit-hparams", str(files[sweep]), "--bootstrap", draw(st.sampled_from(["0", "5", "-1", "x"]))]
        args += option_pairs(draw, {"--near": numbers, "--seed": st.sampled_from(["0", "-1", "x"]),
                                    "--lr-column": texts, "--format": formats})
    elif command == "distill":
        args = ["distill", "--student", draw(st.sampled_from(["1B", "300M", "1e-300", "x"]))]
        args += option_pairs(draw, {"--tokens": numbers, "--teacher-loss": numbers, "--teacher-params": numbers,
                                    "--teacher-tokens": numbers, "--flops": numbers, "--format": formats,
                                    "--scenario": st.sampled_from(["best", "inference", "pretrain",
                                                                   "pretrain+inference", "x"]),
                                    "--set": PLAN_OPTIONS["--set"], "--preset": presets})
    elif command == "fit":
        runs = draw(st.sampled_from(sorted(k for k in files if k.startswith("runs:"))))
        more = draw(st.lists(st.sampled_from(sorted(k for k in files if k.startswith("runs:"))), max_size=2))
        args = ["fit", str(files[runs]), *(str(files[k]) for k in more)] + option_pairs(draw, {
            "--share": st.sampled_from(["E", "alpha,beta", "A", "F", ","]),
            "--form": st.sampled_from(["parametric", "kaplan", "x"]), "--isoflop": None, "--curves": None,
            "--run-column": texts, "--isoflop-window": numbers, "--allow-budget-mismatch": None,
            "--isoflop-method": st.sampled_from(["auto", "parabola", "akima", "x"]),
            "--envelope": None, "--fix": st.sampled_from(["E=1.6", "E=9", "alpha=0.1", "A=3", "alpha=1e-300", "B=410",
                                                          "beta=0.3", "E=1e300", "alpha=0.3", "alpha=0.4", "A=5e-324"]),
            "--tie": st.sampled_from(["alpha=beta", "alpha", "A=B", "x=y", "alpha=alpha"]),
            "--budget-column": st.sampled_from(["budget", "nope"]),
            "--flops": numbers, "--format": formats, "--loss-column": texts, "--drop-highest-loss":
            st.sampled_from(["0", "1", "100", "-1"]), "--seed": st.sampled_from(["0", "-1", "x"]),
            "--objective": st.sampled_from(["huber-log", "least-squares", "asymmetric", "x"]),
            "--overestimate-penalty": numbers, "--weights": st.one_of(texts, st.sampled_from(["loss", "flops"])),
            "--weight-by": st.sampled_from(["compute", "x"]),
            "--rollout": st.sampled_from(["size", "compute", "x"]), "--drop-outliers": None,
            "--errors": st.sampled_from(["bootstrap", "asymptotic"]), "-q": None})
    elif command == "versus":
        side = st.one_of(presets, law_choice(files).map(lambda k: str(files[k])),
                         st.sampled_from(sorted(k for k in files if k.startswith("runs:"))).map(lambda k: str(files[k])))
        args = ["versus", draw(side), draw(side), "--flops", draw(st.sampled_from(["1e21", "1e24", "1e30", "1e-300"]))]
        args += option_pairs(draw, {"--flops": numbers, "--flops-range": (numbers, numbers),
                                    "--points": PLAN_OPTIONS["--points"], "--throughput": (numbers, numbers),
                                    "--ci": st.sampled_from(["80", "0", "x"]), "--bootstrap": st.sampled_from(
                                        ["3", "1", "x"]), "--crossover-range": (numbers, numbers),
                                    "--tie": st.sampled_from(["alpha=beta", "x"]), "--fix": st.sampled_from(
                                        ["E=1.69", "E=nan", "x"]), "--format": formats})
    elif command == "curve":
        data = draw(st.sampled_from(sorted(k for k in files if k.startswith(("runs:", "ladder:")))))
        args = ["curve", str(files[data]), "--horizon", draw(numbers)] + option_pairs(draw, {
            "--run": texts, "--batch-tokens": numbers, "--format": formats, "--no-backtest": None,
            "--schedule": st.sampled_from(["cosine:peak=1e-3", "wsd:peak=1e-3,decay=2", "step:peak=1", "x", "",
                                           "constant:peak=-1", "linear:peak=1e-3,at=1/2,warmup=0"]),
            "--alternative": st.sampled_from(["wsd:peak=1e-3,warmup=1e6", "cosine:peak=nan", "=,"])})
    elif command == "ladder-points":
        data = draw(st.sampled_from(sorted(k for k in files if k.startswith(("runs:", "ladder:")))))
        args = ["ladder-points", str(files[data])] + option_pairs(draw, {
            "--branch-column": texts, "--lr-column": texts, "--run-column": texts, "--loss-column": texts,
            "--format": formats})
    elif command == "tasks":
        args = ["tasks"] + (["show", draw(st.one_of(PLAN_OPTIONS["--tasks"], law_choice(files).map(
            lambda k: str(files[k]))))] if draw(st.booleans()) else [])
        args += ["--format", draw(st.sampled_from(["toml", "table", "json", "csv", "markdown"]))]
    elif command == "fit-tasks":
        ladder = draw(st.sampled_from(sorted(k for k in files if k.startswith("ladder:"))))
        args = ["fit-tasks", str(files[ladder]), "--bootstrap", draw(st.sampled_from(["0", "0", "0", "3", "-1", "x"]))]
        args += option_pairs(draw, {"--task": st.sampled_from(["t", "nope", ""]), "--chance": st.sampled_from(
            ["t=0.25", "t=2", "t", "=", "t=nan"]), "--params": numbers, "--tokens": numbers, "--seed":
            st.sampled_from(["0", "-1", "x"]), "--last-checkpoints": st.sampled_from(["1", "0", "100", "x"]),
            "--window": st.sampled_from(["1", "0", "100"]), "--skip": numbers, "--format": formats,
            "--task-column": texts, "--input-format": st.sampled_from(["csv", "tsv", "jsonl", "x"]),
            "--step1-points": st.sampled_from(["auto", "final", "checkpoints", "x"]),
            "--tie": st.sampled_from(["alpha=beta", "alpha", "A=nope", ""]),
            "--fix": st.sampled_from(["E=0.5", "E", "E=x", "nope=1", "E=-1"]),
            "--holdout": st.sampled_from(["1", "2", "0", "5", "x"])})
    else:
        args = [command] + (["--format", draw(formats)] if draw(st.booleans()) else [])
    if command not in ("plain", "fit", "fit-tasks", "fit-hparams") and draw(st.integers(0, 4)) == 0:
        # Every report command writes to -o FILE (plan fit's and fit-tasks' -o is their law file, fuzzed above).
        out = draw(st.sampled_from(sorted(k for k in files if k.startswith("out:")) + ["-"]))
        args += ["-o", str(files[out]) if out != "-" else "-"] + (["--force"] if draw(st.booleans()) else [])
    return args


@st.composite
def hostile_invocations(draw, files):
    """Round 3 of the robustness issue: fixed and tied coefficients, budget columns in the right and the wrong
    unit, several target accuracies, distillation at the float limit, and files whose titles carry control
    characters, each mostly well-formed so that a success reaches the JSON invariants."""
    fmt = draw(st.sampled_from(["json", "json", "table", "csv", "markdown", "latex"]))
    kind = draw(st.sampled_from(["fix", "isoflop", "accuracy", "distill", "titles", "rows"]))
    if kind == "rows":   # plans that are not plain compute-optimal ones, whose rows must still explain their C
        budget = draw(st.sampled_from(["1e19", "1e21", "1e24"]))
        return draw(st.sampled_from([["compare", "--flops", budget], ["--flops", budget, "--max-params", "1e9"],
                                     ["--target-loss", draw(st.sampled_from(["2.2", "2.5", "3"]))],
                                     ["--flops", budget, "--unique-tokens", "1e10"],
                                     ["--flops", budget, "--inference-tokens", "1e12"],
                                     ["compare", "--target-loss", "2.5"]])) + ["--format", "json"]
    if kind == "fix":
        fixes = draw(st.lists(st.sampled_from(["E=1.69", "A=406.4", "B=410.7", "alpha=0.34", "beta=0.28",
                                               "alpha=1e-300", "E=9", "E=1e300", "alpha=0.4"]), max_size=5))
        ties = draw(st.lists(st.sampled_from(["alpha=beta", "A=B", "alpha"]), max_size=1))
        return (["fit", str(files["runs:good.csv"]), "--flops", draw(st.sampled_from(["1e21", "1e300"]))]
                + [a for f in fixes for a in ("--fix", f)] + [a for t in ties for a in ("--tie", t)]
                + ["--format", fmt])
    if kind == "isoflop":
        data = draw(st.sampled_from(["runs:budgets.csv", "runs:budgets-micro.csv"]))
        return (["fit", str(files[data]), "--isoflop", "--budget-column", "budget", "--flops", "1e22"]
                + (["--allow-budget-mismatch"] if draw(st.booleans()) else [])
                + ["--isoflop-method", draw(st.sampled_from(["auto", "parabola", "akima"])), "--format", fmt])
    if kind == "accuracy":
        tasks = draw(st.sampled_from(["gadre2024", "bhagia2024", str(files["law:tasks"]), str(files["law:tasks-hostile"])]))
        targets = draw(st.lists(st.sampled_from(["0.3", "0.5", "0.6", "0.99", "1.5", "0"]), min_size=1, max_size=3))
        return ["--tasks", tasks] + [a for t in targets for a in ("--target-accuracy", t)] + ["--format", fmt]
    if kind == "distill":
        return ["distill", "--student", draw(st.sampled_from(["1B", "300M", "1e300"])),
                "--tokens", draw(st.sampled_from(["20B", "1e300"])),
                "--teacher-params", draw(st.sampled_from(["7B", "1e300", "1e-300"])),
                "--teacher-tokens", draw(st.sampled_from(["2T", "1e300"])), "--format", fmt]
    hostile = str(files["law:hostile"])
    return draw(st.sampled_from([["--flops", "1e21", "--law", hostile], ["compare", "--flops", "1e21", "--law", hostile],
                                 ["presets", "show", hostile], ["tasks", "show", str(files["law:tasks-hostile"])],
                                 ["--params", "7B", "--tokens", "1T", "--tasks", str(files["law:tasks-hostile"])],
                                 ["cite", hostile]])) + ["--format", fmt if fmt != "latex" else "markdown"]


@pytest.fixture(scope="module")
def fast_fits():
    """Fits from a 32-start grid (step 2 of a task law from 2): the fuzz asks whether a fit crashes, not how good it is."""
    import itertools

    from planner.fitting import parametric, tasks

    small = {"alpha": (0.3, 1.0), "beta": (0.3, 1.0), "e": (0.0, 1.0), "a": (5.0, 15.0), "b": (5.0, 15.0)}
    sigmoid = {"a": (-0.5,), "L0": (0.6, 1.2), "k": (6.0,), "b": (1.0,)}
    saved = parametric.PARAMETRIC_GRID, tasks.SIGMOID_GRID
    parametric.PARAMETRIC_GRID, tasks.SIGMOID_GRID = small, sigmoid
    yield
    parametric.PARAMETRIC_GRID, tasks.SIGMOID_GRID = saved
    assert list(itertools.product(*small.values()))


#: Characters that must never reach a terminal from a file's text: C0 controls but tab and newline, DEL, C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def check(result, args):
    """The promise of docs/reference/errors.md, for one invocation."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    assert "Traceback" not in result.output, args
    for stream in (result.stdout, result.stderr):
        assert not CONTROL.search(stream), (args, CONTROL.findall(stream)[:5], stream[:300])
    errors = [line for line in result.stderr.splitlines() if not line.startswith("Warning: ")]
    if result.exit_code != 0 and not result.stdout.startswith("Usage:"):
        assert len(errors) == 1 and errors[0].startswith("Error: "), (args, result.stderr)


def plain_plan(args) -> bool:
    """A compute-optimal plan with no what-if, target, constraint or hardware option, of a shipped preset."""
    others = {"--params", "--tokens", "--target-loss", "--unique-tokens", "--inference-tokens", "--max-params",
              "--max-tokens", "--set", "--law", "--gpu-hours", "--days", "--usd", "--target-accuracy"}
    return args and args[0].startswith("--") and not others & set(args)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])
@given(data=st.data())
def test_no_invocation_crashes(files, fast_fits, tmp_path_factory, data):
    args = data.draw(invocations(files))
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "100", "NO_COLOR": "1"})
    event(f"{args[0] if args and not args[0].startswith('-') else 'plan'}: exit {result.exit_code}")
    check(result, args)
    out = files["out:folder"]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "a temporary or probe file was left"
    assert (out / "mine.md").read_text() == "the user's own file" or "--force" in args, "a file overwritten"
    (out / "mine.md").write_text("the user's own file")
    given = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--format"]
    to_file = "-o" in args and args[args.index("-o") + 1] != "-"
    if result.exit_code != 0 or given[-1:] != ["json"] or to_file:
        return

    def strict(constant):
        raise ValueError(f"not strict JSON: {constant}")

    value = json.loads(result.stdout, parse_constant=strict)
    if args and (args[0].startswith("--") or args[0] == "compare") and isinstance(value, list):
        # a plain compute-optimal plan spends its budget exactly; other plans (targets, constraints) to 1e-6
        plain = plain_plan(args)
        # a plain plan's rows (its forecasts with --tasks too) are of the preset it names, or the default one
        preset = load_preset(args[args.index("--preset") + 1] if "--preset" in args else "besiroglu2024").id \
            if plain else None
        for row in value:
            checked = isinstance(row, dict) and check_plan_row(row, args, rel_tol=1e-9 if plain else 1e-6,
                                                               preset=preset)
            assert checked or not plain, (args, row)   # every row of a plain plan is checked
            if checked:
                event("a plain plan spends its budget" if plain else "a plan row explains its C")


#: The fields of a plan row that are a positive, finite number whenever the row has them.
POSITIVE = ("flops", "n_params", "n_tokens", "training_flops", "tokens_per_param", "n_active_params",
            "flops_per_token")


def check_plan_row(row: dict, args, rel_tol: float, preset: str | None = None) -> bool:
    """A plan row of ``plan`` or ``plan compare``: its N, D and C finite and positive, and its training compute
    reproducible from the row to ``rel_tol``: flops_per_token·D (a mixture of experts, Krajewski et al. Eq. 10) or
    k·N·D with the k of the law it names (``preset`` where the row names none). True if the compute was checked."""
    for key in POSITIVE:
        if key in row:
            assert isinstance(row[key], (int, float)) and 0 < row[key] < math.inf, (args, key, row)
    preset = row.get("preset", preset)
    if not {"flops", "n_params", "n_tokens"} <= set(row) or preset is None or "--law" in args or "--set" in args:
        return False
    spent = row.get("training_flops", row["flops"])
    if "flops_per_token" in row:
        assert math.isclose(row["flops_per_token"] * row["n_tokens"], spent, rel_tol=rel_tol), (args, row)
        return True
    if preset not in SHIPPED:
        return False
    k = load_preset(preset).flops_per_param_token
    assert math.isclose(k * row["n_params"] * row["n_tokens"], spent, rel_tol=rel_tol), (args, row)
    return True


SHIPPED = set(preset_ids())


@settings(max_examples=300 if os.environ.get("CI") else 60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_figure_invocation_crashes(files, fast_fits, tmp_path_factory, data):
    """The figures too: plan plot frontier | isoflop | fit with odd values and files, written into a fresh folder."""
    out = tmp_path_factory.mktemp("figures")
    kind = data.draw(st.sampled_from(["frontier", "isoflop", "fit", "curves", "isoflop-runs", "tasks", "versus",
                                      "curve"]))
    target = data.draw(st.sampled_from(["f.png", "f.svg", "f.txt", "", "sub/f.png", str(files["law:fifo"])]))
    args = ["plot", kind, "-o", str(out / target) if target and not target.startswith("/") else target]
    if kind == "tasks":
        args += ["--tasks", data.draw(st.sampled_from(["bhagia2024", "gadre2024", "nope"]))]
        args += option_pairs(data.draw, {"--task": st.sampled_from(["mmlu", "nope"]), "--params": numbers,
                                         "--tokens": numbers, "--ladder": st.sampled_from(sorted(
                                             str(v) for k, v in files.items() if k.startswith("ladder:")))})
    elif kind == "versus":
        side = st.one_of(presets, law_choice(files).map(lambda k: str(files[k])))
        args[2:2] = [data.draw(side), data.draw(side)]
    elif kind == "curve":
        data_file = data.draw(st.sampled_from(sorted(k for k in files if k.startswith(("runs:", "ladder:")))))
        args[2:2] = [str(files[data_file]), "--horizon", data.draw(numbers), "--no-backtest"]
        args += option_pairs(data.draw, {"--run": texts, "--batch-tokens": numbers, "--method": st.sampled_from(
            ["tissue", "multi-power", "x"]), "--schedule": st.sampled_from(["cosine:peak=1e-3", "x", "constant:peak=1"])})
    elif kind in ("fit", "curves", "isoflop-runs"):
        if kind == "isoflop-runs":
            args[1] = "isoflop"
        args.insert(2, str(files[data.draw(st.sampled_from(sorted(k for k in files if k.startswith("runs:"))))]))
    args += option_pairs(data.draw, {"--flops-range": (numbers, numbers), "--ci": numbers, "--flops": numbers,
                                     "--preset": presets} if kind in ("frontier", "isoflop") else {
                                         "--flops-range": (numbers, numbers), "--ci": st.sampled_from(["80", "x"])}
                         if kind == "versus" else {"--form": st.sampled_from(
                                         ["parametric", "kaplan"])} if kind == "fit" else {"--force": None} if kind == "tasks" else
                         {"--run-column": texts})
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "100"})
    event(f"plot {kind}: exit {result.exit_code}")
    check(result, args)


def test_the_fuzz_reaches_every_subcommand():
    """A command added to planner must be added to the fuzz too."""
    fuzzed = {"compare", "presets", "cite", "hardware", "shape", "design", "fit", "plot", "distill", "tasks",
              "fit-tasks", "hparams", "fit-hparams", "versus", "curve", "ladder-points"}
    assert set(SUBCOMMANDS) <= fuzzed, set(SUBCOMMANDS) - fuzzed
