"""Regression tests for every class of failure an adversarial corpus and a fuzz found: nothing crashes, hangs, prints
a plan that is not a number, or replaces a file it should not.

Each CLI case checks the exit code, one ``Error:`` line on stderr naming the problem, no traceback, and (where a file
is involved) that the file on disk is byte-identical afterwards. tests/test_fuzz.py holds the random search that
guards the same promises.
"""

import json
import os
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.files.presets import load_preset, preset_source

from .goldens import assert_one_line_error

ENV = {"COLUMNS": "100", "NO_COLOR": "1"}


def invoke(*args, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], env=ENV, **kwargs)


@pytest.fixture
def runs_csv(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n" + "\n".join(f"{1e8 * (i + 1):g},{2e9 * (i % 4 + 1):g},{3 - 0.05 * i}"
                                                       for i in range(12)) + "\n")
    return path


def _law_runs():
    """12 runs whose loss falls with N and D as a Chinchilla-like law says (loss = 3 − 0.05·i, with D cycling, is
    fitted best by a law whose loss rises with D, which a fit refuses)."""
    out = []
    for i in range(12):
        n, d = 1e8 * (i + 1), 2e9 * (i % 4 + 1)
        out.append((n, d, round(1.8 + 480 / n ** 0.34 + 2000 / d ** 0.36 + 0.002 * (-1) ** i, 6)))
    return out


@pytest.fixture
def small_grid(monkeypatch):
    monkeypatch.setattr("planner.fitting.parametric.PARAMETRIC_GRID", {
        "alpha": (0.3, 1.0), "beta": (0.3, 1.0), "e": (0.0, 1.0), "a": (5.0, 15.0), "b": (5.0, 15.0)})


def run(*args, env=None, **kwargs):
    """``python -m planner ARGS`` in a subprocess (for what CliRunner cannot fake: closed or full streams)."""
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **ENV, **(env or {})}, **kwargs)


# ---------------------------------------------------------------------------------------------------------------------
# files lost or replaced


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_o_never_replaces_a_fifo_or_a_device(tmp_path, runs_csv, small_grid, force):
    fifo = tmp_path / "law.toml"
    os.mkfifo(fifo)
    r = invoke("fit", runs_csv, "-o", fifo, *force)
    assert_one_line_error(r, 1, "not a regular file")
    assert os.path.exists(fifo) and not os.path.isfile(fifo)
    r = invoke("plot", "frontier", "-o", "/dev/null.png" if False else "/dev/null", *force)
    assert r.exit_code == 2 and "Traceback" not in r.output       # not a figure suffix: refused before anything
    assert not os.path.isfile("/dev/null")


def test_o_onto_a_dangling_link_is_refused_and_the_link_kept(tmp_path, runs_csv, small_grid):
    link = tmp_path / "mylaw.toml"
    link.symlink_to(tmp_path / "elsewhere.toml")
    for force in ([], ["--force"]):
        r = invoke("fit", runs_csv, "-o", link, *force)
        assert_one_line_error(r, 1, "symbolic link to nothing")
        assert link.is_symlink() and not (tmp_path / "elsewhere.toml").exists()


def test_an_existing_file_is_byte_identical_after_a_refused_write(tmp_path, runs_csv, small_grid):
    out = tmp_path / "mylaw.toml"
    out.write_bytes(b"the user's own file\x00")
    r = invoke("fit", runs_csv, "-o", out)
    assert_one_line_error(r, 1, "already exists; pass --force")
    assert out.read_bytes() == b"the user's own file\x00"


@pytest.mark.slow  # concurrency
def test_concurrent_figures_of_one_name_leave_one_winner_and_the_rest_refused(tmp_path):
    pytest.importorskip("matplotlib")
    out, results = tmp_path / "f.png", []

    def draw():
        results.append(run("plot", "frontier", "-o", out))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.returncode for r in results) == [0, 1, 1, 1], [r.stderr for r in results]
    assert all("Traceback" not in r.stderr for r in results)
    assert sorted(os.listdir(tmp_path)) == ["f.png"]


def test_an_empty_output_name_is_an_error_not_silence(runs_csv, small_grid, tmp_path):
    assert_one_line_error(invoke("fit", runs_csv, "-o", ""), 2, "is empty; give FILE")
    ladder = tmp_path / "ladder.csv"  # plan fit-tasks once fitted, then wrote nothing without a word
    ladder.write_text("run,n_params,tokens,task,task_loss,accuracy\n")
    assert_one_line_error(invoke("fit-tasks", ladder, "-o", ""), 2, "is empty; give FILE")


def test_o_into_proc_is_one_line(runs_csv, small_grid):
    r = invoke("fit", runs_csv, "-o", "/proc/x.toml")
    assert_one_line_error(r, 1, "cannot write '/proc/x.toml'")


# ---------------------------------------------------------------------------------------------------------------------
# hangs and unbounded reads


@pytest.mark.parametrize("source", ["/dev/zero", "/dev/urandom", "fifo"])
def test_inputs_that_are_not_regular_files_are_refused_at_once(tmp_path, source):
    if source == "fifo":
        source = tmp_path / "law.toml"
        os.mkfifo(source)
    assert_one_line_error(invoke("--flops", "1e21", "--law", source), 1, "not a regular file")
    assert_one_line_error(invoke("fit", source), 1, "not a regular file")


def test_a_law_file_over_the_size_limit_says_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr("planner.files.tomlfile.MAX_LAW_FILE_BYTES", 1000)
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 2000 + "\n")
    assert_one_line_error(invoke("--flops", "1e21", "--law", big), 1, "more than the 1,000 a law file may have")


def test_fit_from_a_closed_stdin_is_one_line():
    r = run("fit", "-", stdin=subprocess.DEVNULL)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-c", "import sys; sys.stdin.close(); from planner.cli import main; "
                        "main(['fit', '-'])"], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr == ("Error: standard input is closed, so no runs file can be read from '-'; "
                                              "give a file name instead\n")


# ---------------------------------------------------------------------------------------------------------------------
# output streams


def test_stdout_on_a_full_device_is_one_line():
    with open("/dev/full", "w") as full:
        for fmt in ("table", "json"):
            r = subprocess.run([sys.executable, "-m", "planner", "--flops", "1e21", "--format", fmt], stdout=full,
                               stderr=subprocess.PIPE, text=True)
            assert r.returncode == 1
            assert r.stderr == "Error: cannot write the results to standard output: No space left on device\n"


def test_a_closed_stdout_is_an_error_not_silence():
    r = subprocess.run([sys.executable, "-m", "planner", "--flops", "1e21"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1))
    assert r.returncode == 1 and r.stderr.startswith("Error: standard output is closed")


def test_an_ascii_stdout_gets_plain_characters():
    r = run("--flops", "1e21", env={"PYTHONIOENCODING": "ascii"})
    assert r.returncode == 0 and r.stderr == ""
    assert "Compute-optimal plan . besiroglu2024" in r.stdout and "6.N.D" in r.stdout
    r = run("--flops", "1e21", "--format", "markdown", env={"PYTHONIOENCODING": "ascii"})
    assert r.returncode == 0 and "indicative only" in r.stdout


def test_columns_zero_still_prints_the_plan():
    r = CliRunner().invoke(cli, ["--flops", "1e21"], env={"COLUMNS": "0"})
    assert r.exit_code == 0 and "2.78B" in r.stdout


# ---------------------------------------------------------------------------------------------------------------------
# values that are not numbers planner can compute with


@pytest.mark.parametrize("args, code, message", [
    (["--flops", "1e21", "--ci", "nan"], 2, "expected a percentage in (0, 100); got 'nan'"),
    (["--flops", "1e21", "--set", "A=1e308"], 1, "its coefficient A = 1e+308 (--set) is too extreme"),
    (["--flops", "1e21", "--set", "alpha=5e-324"], 1, "alpha = 4.94066e-324 (--set) is too extreme"),
    (["--flops", "1e21", "--set", "beta=1e-300"], 1, "beta = 1e-300 (--set) is too extreme"),
    (["--flops", "1e21", "-p", "kaplan", "--set", "alpha_D=1e-300"], 1, "alpha_D = 1e-300 (--set) is too extreme"),
    (["--flops", "1e21", "-p", "llama3", "--set", "coefficient=1e308"], 1, "coefficient = 1e+308 (--set)"),
    (["--flops", "1e21", "--set", "alpha=1e308", "--set", "beta=1e308"], 1, "gives no usable plan at 1.00e21 FLOPs"),
    (["--flops", "1e21", "--max-params", "1e-300"], 1, "--max-params 1.00e-300 is too extreme to compute with"),
    (["--flops", "1e21", "--unique-tokens", "1e-300"], 1, "--unique-tokens 1.00e-300 is too extreme"),
    (["--flops", "1e21", "--gpu", "h100", "--mfu", "nan"], 2, "expected a model-FLOPs utilisation in [1e-06, 1]"),
    (["--flops", "1e21", "--gpu", "h100", "--mfu", "1e-320"], 2, "expected a model-FLOPs utilisation"),
    (["--flops", "1e300", "--gpu", "h100", "--mfu", "1e-6", "--usd-per-gpu-hour", "1e300"], 1, "overflow"),
    (["design", "--flops", "1e20", "--span", "inf"], 2, "expected a ratio of sizes in (1, 1e+06]; got 'inf'"),
    (["--flops", "1_"], 2, "expected a number like 1e21"),
    (["--flops", "1__0"], 2, "expected a number like 1e21"),
    (["--gpu-hours", "1e300", "--gpu", "h100"], 2, "Invalid value for '--gpu-hours': 1e+300 on h100"),
    (["--target-loss", "1e300", "--unique-tokens", "1e10"], 1, "needs less than 1e-300 FLOPs"),
    (["--params", "1e300", "--tokens", "1e300", "--unique-tokens", "1e-300"], 1, "gives no finite epochs"),
    (["--flops", "1e21", "--preset", ""], 2, "is empty; give a preset id"),
    (["--flops", "1e21", "--law", ""], 2, "is empty; give a preset id"),
    (["--flops", "1e21", "--set", "gamma=1"], 2, "unknown coefficient 'gamma' in --set"),
    (["--flops", "1e21", "--set", "alpha=0.5", "--ci", "80"], 1,
     "--set alpha = 0.5 is outside besiroglu2024's published 95% interval of alpha (0.317–0.373)"),
])
def test_values_that_cannot_be_computed_with_are_one_line(args, code, message):
    assert_one_line_error(invoke(*args), code, message)


@pytest.mark.parametrize("option, values", [
    ("--params", ["7B", "8B"]), ("--tokens", ["1T", "2T"]), ("-p", ["epoch", "chinchilla"]), ("--gpu", ["h100", "a100"]),
    ("--unique-tokens", ["1e11", "1e12"]), ("--law", ["a.toml", "b.toml"]), ("--mfu", ["0.4", "0.5"]),
])
def test_a_single_valued_option_given_twice_is_refused(option, values):
    args = ["--flops", "1e21"] if option not in ("--tokens",) else ["--params", "7B"]
    for v in values:
        args += [option, v]
    if option in ("--gpu", "--mfu"):
        args += [] if option == "--gpu" else ["--gpu", "h100"]
    r = invoke(*args)
    assert_one_line_error(r, 2, f"given 2 times ({values[0]}, {values[1]}); give it once")


def test_a_typed_newline_stays_on_the_error_line():
    r = invoke("--flops", "1e21", "--gpu", "x\ny")
    assert_one_line_error(r, 1, "unknown chip 'x\\ny'")


# ---------------------------------------------------------------------------------------------------------------------
# law files at the extremes


def _law_file(tmp_path, text, name="law.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BASE = preset_source(load_preset("besiroglu2024"))


def test_nesting_is_refused_whatever_the_recursion_limit(tmp_path):
    """A high recursion limit (mypy sets 2**14) lets tomllib parse 5,000 nested lists; the refusal must not hang on
    it."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        path = _law_file(tmp_path, 'id = "x"\nv = ' + "[" * 5000 + "]" * 5000 + "\n")
        assert_one_line_error(invoke("--flops", "1e21", "--law", path), 1, "nested too deeply")
    finally:
        sys.setrecursionlimit(old)


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("A = 482.01", "A = 1e308"), "interval of 'A' must be"),
    (lambda t: t.split("[uncertainty]")[0].replace("A = 482.01", "A = 1e290"), "its coefficient A = 1e+290 is too"),
    (lambda t: t.split("[uncertainty]")[0].replace("alpha = 0.3478", "alpha = 1e-12").replace("beta = 0.3658",
                                                                                                "beta = 1e-12"),
     "its coefficients alpha = 1e-12 and beta = 1e-12 are too extreme"),
    (lambda t: t.replace("A = 482.01", "A = " + "1" * 401), "got an integer of 401 digits"),
    (lambda t: 'id = "x"\nv = ' + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    (lambda t: "uncertainty = 3\n" + t.split("[uncertainty]")[0], "'uncertainty' must be a table (got int 3)"),
    (lambda t: 'repetition = "big"\n' + t.split("[uncertainty]")[0], "'repetition' must be a table (got str"),
    (lambda t: t.replace("alpha = [0.317, 0.373]", "alpha = [0.1, inf]"), "interval of 'alpha' must be"),
    (lambda t: t.replace('id = "besiroglu2024"', 'id = ""'), "'id' must not be empty"),
    (lambda t: t.replace("interval_level = 95", "interval_levle = 95"), "did you mean 'interval_level'?"),
    (lambda t: t.replace("beta = 0.3658", "beta = 0.3658\ngamma = 1"), "unknown coefficient 'gamma' in [coefficients]"),
])
def test_malformed_or_extreme_law_files_are_one_line(tmp_path, change, message):
    path = _law_file(tmp_path, change(BASE))
    before = path.read_bytes()
    r = invoke("--flops", "1e21", "--law", path)
    assert_one_line_error(r, 1, message)
    assert "of [coefficients] of" not in r.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("law_id", ["[/bold]", "mylaw[v2]", "[red]x[/red]"])
def test_a_law_id_with_markup_is_printed_as_written(tmp_path, law_id):
    path = _law_file(tmp_path, BASE.replace('"besiroglu2024"', json.dumps(law_id)))
    for args in (["--flops", "1e21", "--law", path], ["compare", "--flops", "1e21", "-p", path],
                 ["--flops", "1e21", "--law", path, "--ci", "80"]):
        r = invoke(*args)
        assert r.exit_code == 0, r.output
        assert law_id in r.stdout


def test_a_byte_order_mark_is_read_past_in_a_law_file_and_a_csv_on_stdin(tmp_path, small_grid):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert invoke("--flops", "1e21", "--law", path).exit_code == 0
    rows = "params,tokens,loss\n" + "\n".join(f"{n:g},{d:g},{l!r}" for n, d, l in _law_runs())
    r = CliRunner().invoke(cli, ["fit", "-", "--format", "json"], input=b"\xef\xbb\xbf" + rows.encode(), env=ENV)
    assert r.exit_code == 0, r.output and json.loads(r.stdout)["n_runs"] == 12


def test_uncertainty_whose_draws_all_fail_is_an_error_not_a_null_interval(tmp_path):
    text = BASE.replace("intervals = { A = [285.2, 743.6]", "intervals = { A = [1e-300, 1e300]")
    text = text.replace("A = 482.01", "A = 1e290").replace("[fitted_range]", "[fitted_range]")
    path = _law_file(tmp_path, text)
    r = invoke("--flops", "1e24", "--ci", "80", "--law", path)
    assert r.exit_code == 1 and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1


# ---------------------------------------------------------------------------------------------------------------------
# runs files at the extremes


@pytest.mark.parametrize("content, name, message", [
    ('{"params": ' + "1" * 400 + ', "tokens": 1e9, "loss": 3}\n', "runs.jsonl", "expected a number planner can compute"),
    ("params,tokens,loss\n" + "1" * 400 + ",1e9,3\n", "runs.csv", "must be a finite number > 0"),
    ("params,tokens,loss\n" + "\n".join(f"1e299,1e298,{3 - 0.1 * i}" for i in range(8)), "runs.csv",
     "the flops it implies (k·N·D = inf) is outside"),
    ("params,flops,loss\n" + "\n".join(f"1e-310,1e-310,{3 - 0.1 * i}" for i in range(8)), "runs.csv",
     "must lie within 1e-300..1e+300"),
])
def test_runs_files_with_extreme_values_are_one_line(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    r = invoke("fit", path)
    assert_one_line_error(r, 1, message)
    assert len(r.stderr) < 300


# ---------------------------------------------------------------------------------------------------------------------
# what a new user tried


def test_no_numpy_warning_reaches_stderr():
    for args in (["--flops", "1e300", "--unique-tokens", "1e-10"], ["--params", "7B", "--tokens", "1T",
                                                                    "--unique-tokens", "1e-300"],
                 ["--flops-range", "1e-200", "1e200", "--points", "50", "--format", "csv"]):
        r = run(*args)
        assert "RuntimeWarning" not in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


def test_a_wide_valid_flops_range_is_planned():
    r = invoke("--flops-range", "1e-200", "1e200", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["flops"] for row in rows] == pytest.approx([1e-200, 1e-100, 1.0, 1e100, 1e200], rel=1e-12)


def test_zero_inference_demand_is_the_plain_plan():
    plain, zero = invoke("--flops", "1e21", "--format", "json"), invoke("--flops", "1e21", "--inference-tokens", "0",
                                                                        "--format", "json")
    assert zero.exit_code == 0, zero.output
    assert json.loads(zero.stdout) == json.loads(plain.stdout)


def test_an_override_is_named_in_the_title_the_footer_and_the_json():
    r = invoke("--flops", "1e21", "--set", "alpha=0.35")
    assert "Compute-optimal plan · besiroglu2024 with alpha = 0.35" in r.stdout
    assert "Law: besiroglu2024 with alpha = 0.35 (" in r.stdout
    row = json.loads(invoke("--flops", "1e21", "--set", "alpha=0.35", "--format", "json").stdout)[0]
    assert row["preset"] == "besiroglu2024 with alpha = 0.35" and row["overrides"] == {"alpha": 0.35}
    r = invoke("--flops", "1e24", "--set", "alpha=0.35", "--ci", "80", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["n_params_lo"] is not None


def test_a_fitted_law_file_records_the_whole_command_and_running_it_reproduces_the_law(tmp_path, small_grid):
    import shlex
    import tomllib

    runs = tmp_path / "runs.csv"
    runs.write_text("size,D,final\n" + "\n".join(f"{n:g},{d:g},{l!r}" for n, d, l in _law_runs()) + "\n")
    r = invoke("fit", runs, "--n-params-column", "size", "--tokens-column", "D", "--loss-column", "final", "-o",
               tmp_path / "a.toml")
    assert r.exit_code == 0, r.output
    where = tomllib.loads((tmp_path / "a.toml").read_text())["citation"]["where"]
    assert where == f"plan fit {runs} --n-params-column size --tokens-column D --loss-column final"
    again = invoke(*shlex.split(where)[1:], "-o", tmp_path / "b.toml")
    assert again.exit_code == 0, again.output
    first, second = (tomllib.loads((tmp_path / n).read_text())["coefficients"] for n in ("a.toml", "b.toml"))
    assert first == second


def test_every_single_valued_option_of_every_command_refuses_repeats():
    """Every option that takes one value is declared with planner.cli.types.option (class Once)."""
    import click

    from planner.cli.types import Once

    def commands(group):
        for command in group.commands.values():
            yield command
            if isinstance(command, click.Group):
                yield from commands(command)

    for command in [cli, *commands(cli)]:
        for p in command.params:
            if isinstance(p, click.Option) and not (p.multiple or p.is_flag or p.count) and p.name != "help":
                assert isinstance(p, Once), f"{command.name} {p.opts[0]} is not declared with option()"


# ---------------------------------------------------------------------------------------------------------------------
# degenerate fits (issue 21, round 3)


@pytest.mark.parametrize("option, args", [("--fix", ["fit", "RUNS"]), ("--set", ["--flops", "1e21"])])
def test_a_coefficient_given_twice_is_refused_not_the_last_taken(tmp_path, option, args):
    runs = tmp_path / "runs.csv"
    runs.write_text("params,tokens,loss\n" + "\n".join(f"{n:g},{d:g},{l!r}" for n, d, l in _law_runs()) + "\n")
    args = [runs if a == "RUNS" else a for a in args]
    r = invoke(*args, option, "alpha=0.3", option, "alpha=0.4")
    assert_one_line_error(r, 2, "alpha given 2 times (0.3, 0.4); give it once")


def test_a_fit_with_every_coefficient_fixed_is_refused_in_one_line(tmp_path):
    """Asking to fix everything is a usage mistake, as every other refused --tie and --fix is (exit 2)."""
    runs = tmp_path / "runs.csv"
    runs.write_text("params,tokens,loss\n" + "\n".join(f"{n:g},{d:g},{l!r}" for n, d, l in _law_runs()) + "\n")
    fixes = [a for pair in (("--fix", f"{k}={v}") for k, v in
                            (("E", 1.8), ("A", 480), ("B", 2000), ("alpha", 0.34), ("beta", 0.36))) for a in pair]
    assert_one_line_error(invoke("fit", runs, *fixes), 2, "every coefficient of the parametric law is fixed")
    assert_one_line_error(invoke("fit", runs, "--form", "kaplan", *[a for k in ("N_c", "D_c", "alpha_N", "alpha_D")
                                                                    for a in ("--fix", f"{k}=1")]), 2,
                          "every coefficient of the kaplan law is fixed")


def test_a_fixed_e_above_every_observed_loss_is_warned_of(tmp_path, small_grid):
    runs = tmp_path / "runs.csv"
    runs.write_text("params,tokens,loss\n" + "\n".join(f"{n:g},{d:g},{l!r}" for n, d, l in _law_runs()) + "\n")
    lowest = min(l for _, _, l in _law_runs())
    r = invoke("fit", runs, "--fix", "E=10", "--format", "json")
    assert r.exit_code == 0, r.output
    assert any(w.startswith(f"the fixed E = 10 is at or above the lowest observed loss ({lowest:.4g})")
               for w in json.loads(r.stdout)["warnings"])
    below = invoke("fit", runs, "--fix", f"E={lowest / 2}", "--format", "json")
    assert not any("fixed E" in w for w in json.loads(below.stdout)["warnings"])


# ---------------------------------------------------------------------------------------------------------------------
# overflow reaching Python floats (issue 21, round 3)


@pytest.mark.parametrize("setting, blamed", [("A=1e308", "A = 1e+308 (--set)"), ("A=5e-324", "A = 4.94066e-324"),
                                             ("alpha=1e-300", "alpha = 1e-300"), ("B=1e308", "B = 1e+308"),
                                             ("beta=1e-300", "beta = 1e-300")])
def test_design_with_extreme_coefficients_is_one_line_naming_them(setting, blamed):
    assert_one_line_error(invoke("design", "--flops", "1e20", "--set", setting), 1, f"its coefficient {blamed}")


@pytest.mark.parametrize("k", ["1e-300", "1e300", "0.5", "101.0"])
def test_a_law_file_flops_per_param_token_outside_its_range_is_refused(tmp_path, k):
    path = _law_file(tmp_path, BASE.replace("flops_per_param_token = 6.0", f"flops_per_param_token = {k}"))
    for args in (["--flops", "1e21"], ["design", "--flops", "1e21"]):
        assert_one_line_error(invoke(*args, "--law", path), 1,
                              f"'flops_per_param_token' must lie within 1..100 FLOPs per parameter and token")


def test_a_python_law_with_extreme_flops_per_param_token_is_blamed_by_name():
    from planner import NumericError, compute_optimal
    from planner.fitting import design_isoflop
    from planner.laws.parametric import ParametricLaw

    law = ParametricLaw(E=1.8, A=482.0, B=2085.0, alpha=0.35, beta=0.37, flops_per_param_token=1e-300)
    for ask in (lambda: compute_optimal(law, 1e21), lambda: design_isoflop([1e21], law)):
        with pytest.raises(NumericError, match="flops_per_param_token = 1e-300 is too extreme"):
            ask()


@pytest.mark.parametrize("args, message", [
    (["--params", "1e300", "--tokens", "1e12", "--tasks", "bhagia2024"],
     "the run's compute 6·N·D is not a finite number (inf): with N = 1e+300 and D = 1e+12"),
    (["distill", "--student", "1B", "--tokens", "20B", "--teacher-params", "1e300", "--teacher-tokens", "1e12"],
     "the teacher's logit FLOPs 2·N_T·D_S is not a finite number (inf): with teacher params 1e+300"),
    (["design", "--params", "1B", "--tokens-per-param", "1e300"], "the horizon D₁ is not a finite number (inf)"),
    (["design", "--params", "1B", "--multiples", "1e300"], "a rung's tokens m·D₁ is not a finite number (inf)"),
    (["design", "--params", "1e100", "--tokens-per-param", "1e200"],
     "a rung's compute 6·N·D is not a finite number (inf): with N = 1e+100 and D = 1e+300"),
    (["design", "--flops", "1e21", "--gpu", "h100", "--mfu", "1e-6", "--usd-per-gpu-hour", "1e300"],
     "the dollars of 1.00e21 FLOPs on h100 (MFU 1e-06) overflow"),
])
def test_a_result_that_overflows_is_one_line_naming_its_inputs_never_inf(args, message):
    for fmt in ("table", "json"):
        assert_one_line_error(invoke(*args, "--format", fmt), 1, message)


@pytest.mark.parametrize("scale", [1e299, 1e100, 1e-100, 1e-299])
def test_a_fit_on_losses_near_the_float_limits_is_one_line_naming_the_loss(tmp_path, scale):
    """Issue 21: losses near the float limit raised a math range error (or a singular matrix, or an empty index)."""
    from planner import FitError
    from planner.fitting import fit_parametric

    runs = _law_runs()
    path = tmp_path / "runs.csv"
    path.write_text("params,tokens,loss\n" + "\n".join(f"{n:g},{d:g},{l * scale!r}" for n, d, l in runs) + "\n")
    for form in ("parametric", "kaplan"):
        assert_one_line_error(invoke("fit", path, "--form", form), 1,
                              f"line 2, column 'loss': loss must lie within 1e-06..1e+06 nats per token")
    with pytest.raises(FitError, match=r"loss must lie within 1e-06..1e\+06 nats per token; run 0"):
        fit_parametric([n for n, _, _ in runs], [d for _, d, _ in runs], [l * scale for _, _, l in runs])


def test_a_grid_with_no_finite_objective_is_a_fit_error_not_an_index_error():
    import numpy as np

    from planner import FitError
    from planner.fitting.objectives import ParametricObjective
    from planner.fitting.parametrisation import Parametrisation
    from planner.fitting.varpro import varpro_search

    runs = np.array(_law_runs())
    data = (np.log(runs[:, 0]), np.log(runs[:, 1]), np.log(runs[:, 2] * 1e-299), np.ones(len(runs)))
    with pytest.raises(FitError, match="no point of the exponent grid gives a finite objective on these 12 runs"):
        varpro_search(ParametricObjective, data, delta=1e-3, polish=4, loss="huber-log",
                      param=Parametrisation.make("parametric"), psi=lambda r: np.clip(r, -1e-3, 1e-3))


# ---------------------------------------------------------------------------------------------------------------------
# results lost after the work (issue 21, round 3)


def _extreme_ladder(size):
    """A two-step ladder whose sizes make k·N·D overflow at 1e200 (its fitted range of C is inf)."""
    import math

    rows = ["run,n_params,tokens,task,task_loss,accuracy"]
    for N in (size, 2 * size, 4 * size):
        for m in (1, 4):
            for i in range(1, 7):
                L = 0.6 + 0.3 * math.log(4 * size / N + 1) + 0.2 * (7 - i) / 6 / m
                rows.append(f"{N:g}-{m}xC,{N:g},{20 * N * m * i / 6:g},t,{L:.6g},{1 / (1 + math.exp(6 * (L - 0.9))):.6g}")
    return "\n".join(rows) + "\n"


def test_fit_tasks_o_that_cannot_be_written_fails_before_any_report(tmp_path):
    ladder, out = tmp_path / "ladder.csv", tmp_path / "tasks.toml"
    ladder.write_text(_extreme_ladder(1e200))
    r = invoke("fit-tasks", ladder, "-o", out, "--bootstrap", "0")
    assert_one_line_error(r, 1, "the fit cannot be written as a task-law file (flops = inf, inf is not a finite number")
    assert r.stdout == "" and not out.exists()          # no report claiming a fit that is then lost
    ladder.write_text(_extreme_ladder(2e8))
    r = invoke("fit-tasks", ladder, "-o", out, "--bootstrap", "0")
    assert r.exit_code == 0 and "Task fit" in r.stdout and out.exists()


def test_plan_fit_o_checks_the_law_file_before_printing_the_report(tmp_path, small_grid, monkeypatch):
    runs, out = tmp_path / "runs.csv", tmp_path / "law.toml"
    runs.write_text("params,tokens,loss\n" + "\n".join(f"{n:g},{d:g},{l!r}" for n, d, l in _law_runs()) + "\n")
    from planner.files import lawwriter

    written = lawwriter.law_file_text
    def with_an_inf(*args, **kwargs):   # only the file -o writes (it records the command), not the law planned with
        text = written(*args, **kwargs)
        return text.replace("[coefficients]\n", "[coefficients]\nE = inf\n") if kwargs.get("command") else text

    monkeypatch.setattr(lawwriter, "law_file_text", with_an_inf)
    r = invoke("fit", runs, "-o", out)
    assert_one_line_error(r, 1, "the fit cannot be written as a law file (")
    assert r.stdout == "" and not out.exists()



@pytest.mark.parametrize("args", [["--fix", "alpha=1e-300"], ["--fix", "beta=20"], ["--form", "kaplan", "--fix",
                                                                                     "alpha_N=5e-324"]])
def test_a_fixed_exponent_outside_its_range_is_refused_before_the_fit(tmp_path, args):
    runs = tmp_path / "runs.csv"
    runs.write_text("params,tokens,loss\n" + "\n".join(f"{n:g},{d:g},{l!r}" for n, d, l in _law_runs()) + "\n")
    assert_one_line_error(invoke("fit", runs, *args), 2, "must lie within 0.001..10 (got ")
    from planner import FitError
    from planner.fitting.envelope import fit_envelope

    with pytest.raises(FitError, match=r"a fixed exponent alpha must lie within 0.001..10 \(got 1e-300\)"):
        fit_envelope([1e18, 1e19, 1e20], [3.0, 2.8, 2.6], fix={"alpha": 1e-300})


def test_the_command_line_refuses_what_the_fuzz_found_at_other_seeds_in_one_line(tmp_path):
    """Each was a traceback: a negative --seed (numpy's ValueError), a Kaplan fit whose D_c overflows a float on runs
    whose loss does not vary (OverflowError); and a flops column in another unit was taken as given."""
    flat = tmp_path / "flat.csv"
    flat.write_text("params,tokens,loss\n" + "".join(f"{n:g},{d:g},3.0\n" for n in (1e8, 3e8, 1e9)
                                                      for d in (2e9, 6e9, 2e10)))
    assert_one_line_error(invoke("fit-hparams", flat, "--seed", "-1"), 2, "Invalid value for '--seed'")
    assert_one_line_error(invoke("fit", flat, "--form", "kaplan"), 1,
                          "past the largest float: its term does not vary over these runs, so they do not follow the "
                          "Kaplan form; try --form parametric")
    pf_days = tmp_path / "pfdays.csv"
    pf_days.write_text("params,tokens,flops,loss\n" + "".join(f"{n:g},{20 * n:g},{120 * n * n / 8.64e19:g},{l}\n"
                                                              for n, l in ((1e8, 3.1), (3e8, 2.9), (1e9, 2.7))))
    assert_one_line_error(invoke("fit", pf_days), 1, "pfdays.csv line 2: its flops column 'flops' gives C = ")
