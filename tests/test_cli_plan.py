"""The plan command: exact output for the table and JSON, one line and the right exit code for every error."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from planner import __version__
from planner.cli import cli

from .goldens import WIDTH, assert_one_line_error, check_golden


def run(*args, env=WIDTH):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_plan_table_at_fixed_width():
    result = run("--flops", "1e21")
    assert result.exit_code == 0 and result.stderr == ""
    check_golden("plan_1e21.txt", result.stdout)
    assert "2.78B" in result.stdout and "60.0B" in result.stdout and "1.00e21" in result.stdout


def test_plan_table_several_budgets_and_a_range():
    result = run("--flops", "1e20", "--flops-range", "1e21", "1e23", "--points", "3", "--preset", "kaplan2020")
    assert result.exit_code == 0
    check_golden("plan_kaplan_range.txt", result.stdout)
    for C in ("1.00e20", "1.00e21", "1.00e22", "1.00e23"):
        assert C in result.stdout
    assert "non-embedding" in result.stdout


def test_plan_json_has_raw_floats_under_unit_named_keys():
    result = run("--flops", "1e21", "--flops", "1.5e24", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["flops"] for r in rows] == [1e21, 1.5e24]
    # 1.5e24 extrapolates, so every row carries the report's warnings (a plain report stays a list of rows).
    assert set(rows[0]) == {"preset", "flops", "n_params", "n_tokens", "tokens_per_param", "loss", "warnings"}
    assert rows[0]["warnings"] == rows[1]["warnings"] and "an extrapolation" in rows[0]["warnings"][0]
    assert rows[0]["preset"] == "besiroglu2024"
    assert rows[0]["n_params"] == pytest.approx(2.778459e9, rel=1e-6)
    assert 6 * rows[0]["n_params"] * rows[0]["n_tokens"] == pytest.approx(1e21, rel=1e-12)


def test_plan_json_loss_is_null_without_a_loss_model():
    rows = json.loads(run("--flops", "3.8e+25", "--preset", "llama3", "--format", "json").stdout)
    assert rows[0]["loss"] is None and rows[0]["preset"] == "llama3-2024"


def test_table_without_loss_model_says_so():
    result = run("--flops", "1e21", "--preset", "deepseek")
    assert "loss*" not in result.stdout and "no loss model" in result.stdout


def test_law_file_and_set(tmp_path):
    law = tmp_path / "mine.toml"
    law.write_text(Path(__file__).resolve().parents[1].joinpath("presets", "hoffmann2022.toml").read_text()
                   .replace('id = "hoffmann2022"', 'id = "mine"'))
    rows = json.loads(run("--law", str(law), "--flops", "5.76e23", "--format", "json").stdout)
    assert rows[0]["preset"] == "mine" and rows[0]["n_params"] == pytest.approx(40.36e9, rel=1e-3)
    rows = json.loads(run("--flops", "1e21", "--preset", "chinchilla", "--set", "E=1.69", "--set", "A=406.4",
                          "--set", "B=410.7", "--set", "alpha=0.34", "--set", "beta=0.28", "--format", "json").stdout)
    assert rows[0]["n_params"] == pytest.approx(1.824218e9, rel=1e-6)  # Hoffmann App. D.2 Eq. 10 values, Eq. 4 by hand


def test_the_distribution_is_scaling_planner_with_the_plan_command_and_the_planner_package():
    """'planner' on the package index is an unrelated project (issue 19): ours installs as scaling-planner, and
    provides the import name planner, the command plan and the extras the README names."""
    from importlib import metadata

    assert metadata.version("scaling-planner") == __version__
    assert set(metadata.packages_distributions()["planner"]) == {"scaling-planner"}
    [plan] = [e for e in metadata.entry_points(group="console_scripts") if e.name == "plan"]
    assert plan.value == "planner.cli:main" and plan.dist.name == "scaling-planner"
    assert {"plot", "test"} <= set(metadata.metadata("scaling-planner").get_all("Provides-Extra"))


def test_version_and_module_entry_point():
    assert run("--version").stdout == f"plan (scaling-planner) {__version__}\n"
    out = subprocess.run([sys.executable, "-m", "planner", "--flops", "1e21", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out)[0]["flops"] == 1e21


def test_no_budget_shows_help():
    result = run()
    assert result.exit_code == 0 and "plan --flops 1e21" in result.stdout


@pytest.mark.parametrize("args, option", [
    (["--format", "json"], "--format"), (["-p", "chinchilla"], "--preset"),
    (["--ci", "80"], "--ci"), (["--set", "alpha=0.3"], "--set"), (["-o", "plan.md"], "--output"),
])
def test_options_without_a_budget_are_a_usage_error_not_help_on_stdout(args, option):
    """QA: 'plan --format json' printed the help text on stdout with exit 0, into the pipe reading the JSON."""
    result = run(*args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"Error: {option} needs a budget: give --flops, --flops-range, --gpu-hours, --days, "
                             "--usd, --params, --tokens or --target-loss (plan --help lists them)\n")


def test_presets_list_and_show():
    result = run("presets")
    assert result.exit_code == 0
    for preset in ("besiroglu2024 *", "hoffmann2022", "kaplan2020-frontier", "deepseek2024", "llama3-2024",
                   "muennighoff2023"):
        assert preset in result.stdout
    shown = run("presets", "show", "chinchilla")
    assert shown.exit_code == 0 and 'id = "hoffmann2022"' in shown.stdout and "6.0073404" in shown.stdout


# --------------------------------------------------------------------------------------------------------------------
# errors: one line on stderr, exit 2 for usage errors and 1 otherwise, never a traceback


@pytest.mark.parametrize("args, code, message", [
    (["--flops", "abc"], 2, "Error: Invalid value for '--flops': expected a number like 1e21"),
    (["--flops", "-1"], 2, "Error: Invalid value for '--flops': expected a finite number > 0; got '-1'"),
    (["--flops", "0"], 2, "expected a finite number > 0; got '0'"),
    (["--flops", "nan"], 2, "Invalid value for '--flops'"),
    (["--flops", "inf"], 2, "Invalid value for '--flops'"),
    (["--flops", "1e999"], 2, "expected a finite number > 0"),
    (["--flops"], 2, "Error: Option '--flops' requires an argument."),
    (["--flops-range", "1e22", "1e20"], 2, "Error: Invalid value for '--flops-range': start must not exceed stop"),
    (["--flops", "1e21", "--points", "0"], 2, "Invalid value for '--points'"),
    (["--flops", "1e21", "--preset", "chinchila"], 1,
     "Error: unknown preset 'chinchila'; did you mean 'chinchilla'"),
    (["--flops", "1e21", "--set", "alpha"], 2, "Error: Invalid value for '--set': expected NAME=VALUE"),
    (["--flops", "1e21", "--set", "alpha=x"], 2, "Error: Invalid value for '--set': 'alpha' needs a number"),
    (["--flops", "1e21", "--set", "alpha=-1"], 2, "Error: 'alpha' must be > 0 (got -1) in --set"),
    (["--flops", "1e21", "--set", "gamma=1"], 2, "Error: unknown coefficient 'gamma' in --set"),
    (["--flops", "1e21", "--preset", "epoch", "--law", "x.toml"], 2, "Error: give --preset or --law, not both"),
    (["--flops", "1e21", "--law", "/nonexistent/law.toml"], 1, "Error: law file '/nonexistent/law.toml' not found"),
    (["--flops", "1e21", "--format", "xml"], 2, "Error: Invalid value for '--format'"),
    (["presets", "show", "nope"], 1, "Error: unknown preset 'nope'"),
    (["frobnicate"], 2, "Error: No such command 'frobnicate'."),
])
def test_errors_are_one_line(args, code, message):
    assert_one_line_error(run(*args), code, message)


@pytest.mark.parametrize("content, message", [
    ("id = \n", "is not valid TOML"),
    ('id = "x"\ntitle = "t"\nform = "parametric"\n[citation]\nauthors = "a"\nyear = 2024\ntitle = "t"\n'
     "[coefficients]\nE = 1.0\nA = 1.0\nB = 1.0\nalpha = 0.3\n", "missing coefficient 'beta'"),
    ('id = "x"\ntitle = "t"\nform = "parametric"\n[citation]\nauthors = "a"\nyear = 2024\ntitle = "t"\n'
     "[coefficients]\nE = 1.0\nA = 1.0\nB = 1.0\nalpha = 0.3\nbeta = 0.0\n", "'beta' must be > 0 (got 0)"),
    ('id = "x"\ntitle = "t"\nform = "parametric"\n[citation]\nauthors = "a"\nyear = 2024\ntitle = "t"\n'
     "[coefficients]\nE = 1.0\nA = 1.0\nB = 1.0\nalpha = 0.3\nbetta = 0.3\n", "did you mean 'beta'?"),
    ('id = "x"\ntitle = "t"\nform = "parametric"\n[citation]\nauthors = "a"\nyear = 2024\ntitle = "t"\n'
     "[coefficients]\nE = 1.0\nA = true\nB = 1.0\nalpha = 0.3\nbeta = 0.3\n", "'A' must be a number (got bool True)"),
])
def test_bad_law_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_bytes(content.encode())
    result = run("--flops", "1e21", "--law", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr and "bad.toml" in result.stderr


def test_unreadable_law_file_is_one_line(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00")
    result = run("--flops", "1e21", "--law", str(path))
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    # QA: the message said "cannot read law file ...: 'utf-8' codec can't decode byte 0xff" and no fix
    assert result.stderr.startswith(f"Error: law file {str(path)!r} is not UTF-8 text (byte 0: ")
    assert "give a TOML law file saved as UTF-8" in result.stderr


@settings(max_examples=60)
@given(st.lists(st.text(alphabet="0123456789.eE+-kKmMbBtTxn_ ", max_size=8), min_size=1, max_size=3))
def test_any_budget_text_gives_a_plan_or_a_one_line_error(texts):
    args = [a for t in texts for a in ("--flops", t)] + ["--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 0:
        assert len(json.loads(result.stdout)) == len(texts)


def test_main_job_imports_neither_numpy_nor_scipy():
    """`plan --flops 1e21` must feel instant: the heavy libraries stay off its import path."""
    proc = subprocess.run([sys.executable, "-c",
                           "import sys, runpy\n"
                           "sys.argv = ['plan', '--flops', '1e21']\n"
                           "try:\n    runpy.run_module('planner', run_name='__main__')\n"
                           "except SystemExit:\n    pass\n"
                           "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy', 'matplotlib'))\n"
                           "print('HEAVY', heavy, file=sys.stderr)\n"],
                          capture_output=True, text=True, check=True)
    assert "HEAVY []" in proc.stderr
    assert "2.78B" in proc.stdout


def test_main_job_imports_no_library_module_beyond_the_click_and_rich_floor(tmp_path):
    """`plan --flops 1e21` is measured against importing click and rich (bench/bench_cli.py): beyond planner's own
    modules it may load only locale (which click's gettext imports when a command is made) and contextvars.

    Run as a plain install lays planner out (its modules, and presets/ as planner/_presets), without site hooks: an
    editable install's finder imports pathlib for every program, which would hide a pathlib import on this path
    (3 to 5 ms with the urllib and ipaddress it brings). Each program runs once first, as an installed one has run
    before: with its bytecode written (compiling a module whose names are Greek letters imports unicodedata) and
    the presets cached (parsing one imports tomllib), both in this test's own folders."""
    import sysconfig

    source = Path(__file__).resolve().parents[1]
    (tmp_path / "planner").mkdir()
    for entry in (source / "planner").iterdir():
        if entry.name != "__pycache__":
            (tmp_path / "planner" / entry.name).symlink_to(entry)
    (tmp_path / "planner" / "_presets").symlink_to(source / "presets")
    home = str(tmp_path / "home")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=os.pathsep.join([str(tmp_path), sysconfig.get_paths()["purelib"]]),
               PYTHONPYCACHEPREFIX=str(tmp_path / "bytecode"), HOME=home, XDG_CACHE_HOME=home, LOCALAPPDATA=home)
    listing = "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    floor = [sys.executable, "-S", "-c", "import sys, click, rich.console, rich.table\n" + listing]
    job = [sys.executable, "-S", "-c", "import sys\nsys.argv = ['plan', '--flops', '1e21']\n"
           "from planner.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n" + listing]
    for program in (floor, job):   # the first run of each writes its bytecode and the preset cache
        subprocess.run(program, capture_output=True, check=True, env=env, cwd=tmp_path)
    floor_modules = subprocess.run(floor, capture_output=True, text=True, check=True, env=env,
                                   cwd=tmp_path).stderr.split()
    ran = subprocess.run(job, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert "2.78B" in ran.stdout, ran.stderr
    extra = {m for m in ran.stderr.split() if m not in floor_modules and m.split(".")[0] != "planner"}
    assert extra <= {"locale", "_locale", "contextvars", "_contextvars"}, sorted(extra)


def test_main_job_compiles_no_dataclass_and_leaves_the_codec_registry_alone():
    """Two costs `plan --flops 1e21` no longer pays on every run (bench/bench_cli.py): a dataclass that generates its
    methods when made (the types on its path are records, planner.base.records), and a Python codec error handler,
    which outlives every module and slows the interpreter's exit (registered only for a stream that needs it)."""
    proc = subprocess.run([sys.executable, "-c",
                           "import codecs, dataclasses, sys\n"
                           "sys.argv = ['plan', '--flops', '1e21']\n"
                           "from planner.cli import main\n"
                           "try:\n    main()\nexcept SystemExit:\n    pass\n"
                           "from planner.base.records import Record\n"
                           "made = sorted(f'{m}.{k}' for m, mod in list(sys.modules.items()) if m.startswith('planner')"
                           " for k, v in vars(mod).items() if isinstance(v, type) and v.__module__ == m"
                           " and dataclasses.is_dataclass(v) and not issubclass(v, Record))\n"
                           "try:\n    codecs.lookup_error('planner-plain')\n    handler = True\n"
                           "except LookupError:\n    handler = False\n"
                           "print('GENERATED', made, 'HANDLER', handler, file=sys.stderr)\n"],
                          capture_output=True, text=True, check=True)
    assert "GENERATED [] " in proc.stderr, proc.stderr
    assert "HANDLER False" in proc.stderr
    assert "2.78B" in proc.stdout


@pytest.mark.parametrize("args", [
    ["--flops", "1.0", "--params", "1e-300", "--preset", "kaplan2020"],   # infinite loss gap (found by hypothesis)
    ["--flops", "1e-300"],
    ["--flops", "1e300", "--format", "json"],
])
def test_extreme_budgets_never_show_a_traceback(args):
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


@pytest.mark.parametrize("args", [
    ["--flops", "2.225073858507e-311", "--preset", "kaplan2020"],          # N underflowed (found by hypothesis)
    ["--flops", "5e-324"],                                                # C/6 = 0 in the parametric optimum (QA)
    ["--flops", "2.3e-308", "--preset", "kaplan2020-frontier"],           # C in PF-days = 0 (QA)
    ["--flops", "1e21", "--flops", "5e-324", "--unique-tokens", "1B"],     # a NaN bracket (QA)
    ["shape", "--params", "1.7e308"],                                     # infinite d_model (QA)
])
def test_budgets_beyond_what_floats_carry_are_a_one_line_usage_error(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1 and "expected a number from 1e-300 to 1e+300" in result.stderr


def test_a_group_without_its_subcommand_shows_its_help_without_an_error_prefix():
    """QA: 'plan plot' alone printed "Error: Usage: plan plot ..." (click's help, read as an error message)."""
    result = CliRunner().invoke(cli, ["plot"])
    assert "Error: Usage" not in result.stderr
    if result.exit_code == 2:  # click >= 8.2: the help on stderr, exit 2
        assert result.stderr.startswith("Usage: ") and "plan plot frontier" in result.stderr
    else:                      # click 8.1: the help on stdout
        assert result.exit_code == 0 and "plan plot frontier" in result.stdout
