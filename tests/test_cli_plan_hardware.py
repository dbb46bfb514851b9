"""plan with hardware, budgets in GPU-hours/days/dollars, --shape, --hparams; plan hardware; plan shape."""

import json

import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings, strategies as st

from planner.cli import cli
from planner.files.presets import preset_ids
from planner.base.conventions import DEFAULT_MFU

from .goldens import WIDTH, assert_one_line_error, check_golden

CLUSTER = ["--gpu", "h100", "--gpus", "2048", "--mfu", "0.40", "--usd-per-gpu-hour", "2.50"]


def run(*args):
    return CliRunner().invoke(cli, list(args), env=WIDTH, catch_exceptions=False)


def json_rows(*args):
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# ---------------------------------------------------------------------------------------------------------------------
# golden outputs


def test_the_cluster_example_prints_model_cost_and_shapes():
    """Done when: `plan --gpus 512 --gpu h100 --days 21` gives the compute-optimal model, its cost and a shape."""
    result = run("--gpus", "512", "--gpu", "h100", "--days", "21", "--usd-per-gpu-hour", "2.50", "--shape")
    assert result.exit_code == 0
    # 3.68e23 FLOPs and 57.4B parameters lie beyond the runs besiroglu2024 was fitted on: warnings, never errors.
    assert all(line.startswith("Warning: ") and "outside that range" in line for line in result.stderr.splitlines())
    check_golden("hardware_cluster_21_days.txt", result.stdout)
    out = result.stdout
    assert "3.68e23" in out and "57.4B" in out and "21.0" in out and "$645K" in out
    assert "Budget: 21 days × 86400 s × 512 h100 × 989.4 TFLOP/s × MFU 0.4 = 3.68e23 FLOPs." in out
    assert "MFU 0.40 (default; Llama 3 405B on H100s" in out and "layers" in out and "App.F/6N" in out


def test_costed_plan_with_hyperparameters():
    result = run("--flops", "1e24", "--flops", "1e22", *CLUSTER, "--hparams")
    assert result.exit_code == 0
    check_golden("hardware_costed_hparams.txt", result.stdout)
    assert "702K" in result.stdout and "14.3" in result.stdout and "$1.75M" in result.stdout
    assert "MFU 0.40;" in result.stdout and "arXiv:2401.02954" in result.stdout


def test_plan_hardware_lists_the_catalogue():
    result = run("hardware")  # byte for byte in every format: tests/golden/hardware.* (test_report_render_golden.py)
    assert result.exit_code == 0
    for chip in ("a100", "h100", "h200", "b200", "mi300x", "tpu-v4", "tpu-v5e", "tpu-v5p"):
        assert chip in result.stdout
    chips = json_rows("hardware")
    assert {c["id"]: c["peak_flops_per_second"] for c in chips}["mi300x"] == 1307.4e12


def test_plan_shape_for_seven_billion():
    result = run("shape", "--params", "7e9")  # byte for byte in every format: tests/golden/shape.*
    assert result.exit_code == 0
    assert "4,096" in result.stdout and "16,384" in result.stdout


# ---------------------------------------------------------------------------------------------------------------------
# JSON: raw floats under unit-named keys


def test_json_rows_carry_hardware_cost_and_the_mfu_used():
    row = json_rows("--flops", "1e24", *CLUSTER)[0]
    chip_seconds = 1e24 / (989.4e12 * 0.40)
    assert row["gpu"] == "h100" and row["gpus"] == 2048 and row["mfu"] == 0.40 and row["usd_per_gpu_hour"] == 2.5
    assert row["gpu_hours"] == pytest.approx(chip_seconds / 3600, rel=1e-12)
    assert row["wall_clock_days"] == pytest.approx(chip_seconds / 2048 / 86400, rel=1e-12)
    assert row["usd"] == pytest.approx(chip_seconds / 3600 * 2.5, rel=1e-12)


def test_without_hardware_options_json_keys_do_not_change():
    assert set(json_rows("--flops", "1e21")[0]) == {"preset", "flops", "n_params", "n_tokens", "tokens_per_param",
                                                     "loss"}


def test_only_what_the_cluster_determines_is_filled_in():
    row = json_rows("--flops", "1e21", "--gpu", "a100")[0]
    assert row["gpu_hours"] > 0 and row["wall_clock_days"] is None and row["usd"] is None
    assert row["mfu"] == DEFAULT_MFU


@pytest.mark.parametrize("budget, key, value", [
    (["--gpu-hours", "1e6"], "gpu_hours", 1e6),
    (["--days", "21", "--gpus", "512"], "wall_clock_days", 21.0),
    (["--usd", "2M", "--usd-per-gpu-hour", "2.5"], "usd", 2e6),
])
def test_budgets_in_other_units_round_trip(budget, key, value):
    """A budget in GPU-hours, days or dollars becomes FLOPs, and the row converts them back to the same amount."""
    row = json_rows(*budget, "--gpu", "h100", "--mfu", "0.45")[0]
    assert row[key] == pytest.approx(value, rel=1e-12)
    assert row["flops"] == pytest.approx(row["gpu_hours"] * 3600 * 989.4e12 * 0.45, rel=1e-12)


def test_compare_rows_share_the_cost_of_their_budget():
    """`plan compare --flops 1e21 --gpu h100 --gpus 1024` adds time and cost columns; one budget, one cost."""
    rows = json_rows("compare", "--flops", "1e21", "--gpu", "h100", "--gpus", "1024", "--usd-per-gpu-hour", "2.5")
    assert len(rows) == len(preset_ids()) and len({(r["gpu_hours"], r["wall_clock_days"], r["usd"]) for r in rows}) == 1
    assert rows[0]["gpu_hours"] == pytest.approx(1e21 / (989.4e12 * 0.40) / 3600, rel=1e-12)
    assert rows[0]["wall_clock_days"] == pytest.approx(rows[0]["gpu_hours"] / 1024 / 24, rel=1e-12)


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex"])
def test_compare_shows_the_cost_once_per_budget_not_once_per_law(fmt):
    """Nine laws at two budgets: each budget's GPU-hours, days and dollars appear once, in its block's title."""
    text = run("compare", "--flops", "1e21", "--flops", "1e22", "--gpu", "h100", "--gpus", "1024",
               "--usd-per-gpu-hour", "2.5", "--format", fmt).stdout
    hours = 1e21 / (989.4e12 * 0.40) / 3600  # 702 GPU-hours, $1.75K; ten times that at 1e22
    for cost in ("702 GPU-hours", "0.0286 days", "$1.75K", "7.02K GPU-hours", "0.286 days", "$17.5K"):
        shown = cost.replace("$", r"\$") if fmt == "latex" else cost
        assert text.count(shown) == 1, (cost, text)
    assert f"{hours:.0f}" == "702"
    assert "GPU-hours |" not in text and "  GPU-hours  " not in text, "no cost column repeating it per law"


def test_compare_takes_a_budget_in_dollars():
    rows = json_rows("compare", "--usd", "1M", "--gpu", "h100", "--usd-per-gpu-hour", "2", "-p", "chinchilla,kaplan")
    assert [r["preset"] for r in rows] == ["hoffmann2022", "kaplan2020"]
    assert all(r["usd"] == pytest.approx(1e6, rel=1e-12) for r in rows)
    text = run("compare", "--usd", "1M", "--gpu", "h100", "--usd-per-gpu-hour", "2", "-p", "chinchilla").stdout
    assert "Budget: $1.00M ÷ $2.00 per GPU-hour = 500K GPU-hours × 3600 s × 989.4 TFLOP/s × MFU 0.4" in text


def test_what_if_and_exact_run_are_costed():
    whatif = json_rows("--gpu-hours", "1e5", "--gpu", "h100", "--params", "7B")
    assert [r["plan"] for r in whatif] == ["what-if", "optimal"]
    assert all(r["gpu_hours"] == pytest.approx(1e5, rel=1e-12) for r in whatif)
    assert whatif[0]["n_params"] == 7e9
    run_, optimal = json_rows("--params", "7B", "--tokens", "2T", "--gpu", "h100", "--gpus", "256")
    assert run_["flops"] == 6 * 7e9 * 2e12
    assert run_["wall_clock_days"] == pytest.approx(6 * 7e9 * 2e12 / (256 * 989.4e12 * 0.40) / 86400, rel=1e-12)


def test_target_loss_with_shapes_and_cost():
    [row] = json_rows("--target-loss", "2.1", "--gpu", "h100", "--gpus", "1024", "--shape")
    assert row["gpu_hours"] == pytest.approx(row["flops"] / (989.4e12 * 0.40) / 3600, rel=1e-12)
    assert all(abs(s["n_params"] / row["n_params"] - 1) < 0.1 for s in row["shapes"])


def test_hparams_in_json():
    row = json_rows("--flops", "1e21", "--hparams")[0]
    assert row["learning_rate"] == pytest.approx(0.3118 * 1e21**-0.125, rel=1e-12)
    assert row["batch_tokens"] == pytest.approx(0.2920 * 1e21**0.3271, rel=1e-12)


def test_shapes_in_json_follow_the_law_parameter_convention():
    total = json_rows("--flops", "1e21", "--shape")[0]
    assert total["shapes"] and all(abs(s["n_params"] / total["n_params"] - 1) < 0.1 for s in total["shapes"])
    kaplan = json_rows("--flops", "1e21", "--shape", "--preset", "kaplan2020", "--vocab", "50257", "--context", "1024")[0]
    for s in kaplan["shapes"]:
        assert abs(s["n_params_non_embedding"] / kaplan["n_params"] - 1) < 0.1
        assert s["flops_per_token_6n"] == 6 * s["n_params_non_embedding"] and s["vocab"] == 50257
        assert s["n_ctx"] == 1024


def test_shape_command_json_and_non_embedding_count():
    rows = json_rows("shape", "--params", "1.3B", "--count", "non-embedding", "--tied-embeddings")
    assert rows and all(r["tied_embeddings"] for r in rows)
    assert all(abs(r["n_params_non_embedding"] / 1.3e9 - 1) < 0.1 for r in rows)
    assert all(r["hoffmann_over_6n"] == r["flops_per_token_hoffmann"] / r["flops_per_token_6n"] for r in rows)


# ---------------------------------------------------------------------------------------------------------------------
# errors: one line on stderr, exit 2 for usage errors and 1 otherwise, never a traceback


@pytest.mark.parametrize("args, code, message", [
    (["--days", "21", "--gpu", "h100"], 2, "Error: --days needs --gpus (how many chips)"),
    (["--days", "21"], 2, "Error: --days needs --gpu (the chip, e.g. --gpu h100)"),
    (["--gpu-hours", "1e5"], 2, "Error: --gpu-hours needs --gpu"),
    (["--usd", "1e6", "--gpu", "h100"], 2, "Error: --usd needs --usd-per-gpu-hour (the price of a chip-hour)"),
    (["--flops", "1e21", "--days", "3", "--gpu", "h100", "--gpus", "8"], 2,
     "Error: give one budget: --flops, --gpu-hours, --days or --usd (got --flops and --days)"),
    (["--gpu-hours", "1", "--usd", "5", "--gpu", "h100"], 2, "(got --gpu-hours and --usd)"),
    (["--flops", "1e21", "--gpus", "8"], 2, "Error: --gpus needs --gpu (the chip, e.g. --gpu h100"),
    (["--flops", "1e21", "--mfu", "0.5"], 2, "Error: --mfu needs --gpu"),
    (["--flops", "1e21", "--usd-per-gpu-hour", "2"], 2, "Error: --usd-per-gpu-hour needs --gpu"),
    (["--flops", "1e21", "--gpu", "h100", "--mfu", "0"], 2, "Invalid value for '--mfu'"),
    (["--flops", "1e21", "--gpu", "h100", "--mfu", "1.5"], 2, "Invalid value for '--mfu'"),
    (["--flops", "1e21", "--gpu", "h100", "--gpus", "0"], 2, "Invalid value for '--gpus'"),
    (["--flops", "1e21", "--gpu", "h100", "--usd-per-gpu-hour", "-2"], 2, "Invalid value for '--usd-per-gpu-hour'"),
    (["--days", "-1", "--gpu", "h100", "--gpus", "8"], 2, "Invalid value for '--days'"),
    (["--flops", "1e21", "--gpu", "h10"], 1, "Error: unknown chip 'h10'; did you mean 'h100'"),
    (["--gpu", "h100"], 2, "Error: --gpu needs a budget: give --flops, --gpu-hours, --days or --usd"),
    (["--shape"], 2, "Error: --shape needs a budget"),
    (["--hparams"], 2, "Error: --hparams needs a budget"),
    (["--flops", "1e21", "--shape", "--vocab", "0"], 2, "Invalid value for '--vocab'"),
    (["--flops", "1e13", "--shape"], 1, "Error: no transformer shape has"),
    (["shape", "--params", "1000"], 1, "Error: no transformer shape has 1e+03 total parameters"),
    (["shape"], 2, "Error: Missing option '--params'"),
    (["shape", "--params", "7e9", "--count", "all"], 2, "Invalid value for '--count'"),
    (["shape", "--params", "seven"], 2, "Invalid value for '--params'"),
    (["hardware", "--format", "xml"], 2, "Invalid value for '--format'"),
    (["--target-loss", "2.1", "--days", "21", "--gpu", "h100", "--gpus", "8"], 2,
     "Error: --target-loss finds the budget itself: give it without --days"),
    (["compare", "--days", "21", "--gpu", "h100"], 2, "Error: --days needs --gpus (how many chips)"),
    (["compare", "--flops", "1e21", "--gpus", "8"], 2, "Error: --gpus needs --gpu"),
    (["compare", "--flops", "1e21", "--usd", "5", "--gpu", "h100", "--usd-per-gpu-hour", "2"], 2,
     "Error: give one budget: --flops, --gpu-hours, --days or --usd (got --flops and --usd)"),
    (["compare", "--flops", "1e21", "--gpu", "h10"], 1, "Error: unknown chip 'h10'"),
])
def test_errors_are_one_line(args, code, message):
    assert_one_line_error(run(*args), code, message)


# ---------------------------------------------------------------------------------------------------------------------
# any combination of options: a plan or a one-line error, never a traceback

OPTIONS = {
    "--flops": st.sampled_from(["1e21", "3e24", "0", "x"]),
    "--gpu-hours": st.sampled_from(["1e5", "2M", "-1"]),
    "--days": st.sampled_from(["21", "0.5", "nan"]),
    "--usd": st.sampled_from(["1e6", "5B"]),
    "--gpu": st.sampled_from(["h100", "tpu-v5p", "MI300", "h10"]),
    "--gpus": st.sampled_from(["1", "512", "0", "many"]),
    "--mfu": st.sampled_from(["0.4", "1", "0", "2"]),
    "--usd-per-gpu-hour": st.sampled_from(["2.5", "0.1", "-3"]),
    "--preset": st.sampled_from(["chinchilla", "kaplan2020", "deepseek", "llama3"]),
    "--vocab": st.sampled_from(["32000", "256000"]),
    "--params": st.sampled_from(["7B", "100"]),
    "--tokens": st.sampled_from(["2T", "1e3"]),
    "--target-loss": st.sampled_from(["2.1", "1.5"]),
}
FLAGS = ["--shape", "--hparams", "--tied-embeddings"]


@st.composite
def option_lists(draw):
    names = draw(st.lists(st.sampled_from(sorted(OPTIONS)), unique=True, max_size=6))
    args = [a for name in names for a in (name, draw(OPTIONS[name]))]
    return args + draw(st.lists(st.sampled_from(FLAGS), unique=True))


@settings(deadline=None, max_examples=150)
@given(option_lists())
def test_any_option_combination_gives_a_plan_or_a_one_line_error(args):
    result = CliRunner().invoke(cli, args + ["--format", "json"], env=WIDTH)
    event(f"exit {result.exit_code}")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 0 and result.stdout.startswith("["):
        rows = json.loads(result.stdout)
        assert all(row["flops"] > 0 for row in rows)
    elif result.exit_code != 0:
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


def test_a_narrow_terminal_never_cuts_numbers():
    """Rich shrinks columns to fit; the plan table lets headers wrap and the table overflow instead."""
    result = CliRunner().invoke(cli, ["--flops", "1e21", "--flops", "1e25", "--gpu", "h100", "--gpus", "512",
                                      "--usd-per-gpu-hour", "2.5", "-p", "kaplan2020"],
                                env={"COLUMNS": "60", "NO_COLOR": "1", "TERM": "dumb"})
    assert result.exit_code == 0
    for number in ("1.00e21", "1.00e25", "6.23B", "1.34T", "0.0571", "7.02M", "$1.75K", "$17.5M"):
        assert number in result.stdout
    assert "…" not in result.stdout.split("Law:")[0]
