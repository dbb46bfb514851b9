"""`plan` under constraints: --unique-tokens, --inference-tokens, --max-params, --max-tokens, with a budget or
--target-loss, and the loss query --params/--tokens/--unique-tokens; in every format. Every error path: exit code,
message, no traceback."""

import csv
import io
import json
import warnings

import pytest
from click.testing import CliRunner

from planner.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def ok(*args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result


def words(text):
    """The text with its line wrapping undone."""
    return " ".join(text.split())


def test_the_headline_question_is_one_command_with_an_explained_answer():
    """'I have 1e23 FLOPs, 300B unique tokens, and will serve 10T tokens: what should I train?'"""
    out = words(ok("--flops", "1e23", "--unique-tokens", "300B", "--inference-tokens", "10T").stdout)
    for text in ("compute", "training", "inference", "12.5B", "2.10T", "7.01", "36.1%",
                 "Serving 10.0T tokens: train 12.5B parameters on 2.10T tokens (7.01 epochs) instead of 27.0B",
                 "borrowed from muennighoff2023", "Sardana et al. 2024", "Muennighoff et al. 2023"):
        assert text in out, text


def test_json_carries_every_plan_with_unit_named_raw_keys():
    rows = json.loads(ok("--flops", "1e23", "--unique-tokens", "300B", "--inference-tokens", "10T",
                         "--max-params", "1T", "--format", "json").stdout)
    assert [r["plan"] for r in rows] == ["compute-optimal", "training-optimal", "inference-aware"]
    for key in ("flops", "n_params", "n_tokens", "loss", "unique_tokens", "epochs", "effective_tokens",
                "inference_tokens", "training_flops", "inference_flops", "lifetime_flops", "flops_saving",
                "max_params", "cap_binds"):
        assert key in rows[0], key
    aware = rows[2]
    assert aware["lifetime_flops"] == pytest.approx(aware["training_flops"] + aware["inference_flops"])
    assert aware["flops_saving"] == pytest.approx(1 - aware["lifetime_flops"] / rows[1]["lifetime_flops"])
    assert rows[0]["flops_saving"] is None and aware["cap_binds"] is None


def test_json_has_only_the_keys_of_the_constraints_in_play():
    rows = json.loads(ok("--flops", "1e22", "--max-params", "1B", "--format", "json").stdout)
    assert "epochs" not in rows[0] and "lifetime_flops" not in rows[0]
    assert rows[1]["cap_binds"] == "max_params" and rows[1]["n_params"] == 1e9


def test_a_binding_cap_is_said_in_the_table_and_the_footer():
    out = words(ok("--flops", "1e23", "--max-params", "7B").stdout)
    assert "the max-params cap binds" in out and "exceed --max-params 7.00B" in out


def test_several_budgets_give_one_block_each_with_its_story_and_one_footer():
    out = ok("--flops-range", "1e21", "1e23", "--points", "3", "--unique-tokens", "100B").stdout
    assert out.count("Plan under constraints · besiroglu2024") == 1
    assert [line for line in out.splitlines() if line.startswith("C = ")] == \
        ["C = 1.00e21 FLOPs", "C = 1.00e22 FLOPs", "C = 1.00e23 FLOPs"]
    assert out.count("Without the constraints the law would train") == 3
    assert out.count("Law: besiroglu2024") == 1


HEADLINE = ("--flops", "1e23", "--unique-tokens", "300B", "--inference-tokens", "10T")


def test_csv_carries_the_same_rows_and_keys_as_json():
    rows = json.loads(ok(*HEADLINE, "--format", "json").stdout)
    table = list(csv.DictReader(io.StringIO(ok(*HEADLINE, "--format", "csv").stdout)))
    assert all(r.pop("warnings") for r in rows), "JSON rows carry the caveats; CSV stays pure rows"
    assert [list(r) for r in table] == [list(r) for r in rows]
    for got, want in zip(table, rows):
        for key, value in want.items():
            assert got[key] == ("" if value is None else value if isinstance(value, str) else repr(value)), key


def test_markdown_is_a_pipe_table_with_the_story_and_the_sources():
    out = ok(*HEADLINE, "--format", "markdown").stdout
    assert out.startswith("**Plan under constraints · besiroglu2024 · 1.00e23 FLOPs**")
    assert "| plan | N | D | epochs | loss\\* | train FLOPs | lifetime FLOPs | saving |" in out
    assert "| inference aware | 12.5B | 2.10T | 7.01 | 2.0341 | 1.58e23 | 4.09e23 | 36.1% |" in out
    assert "Serving 10.0T tokens: train 12.5B parameters" in out
    assert "- Inference: serving 10.0T tokens costs 2·N FLOPs per token (Sardana et al. 2024" in out
    assert "Muennighoff et al. 2023, arXiv:2305.16264" in out


def test_latex_has_balanced_environments_escapes_and_the_notes():
    out = ok(*HEADLINE, "--format", "latex").stdout
    for env in ("table", "tabular", "minipage"):
        assert out.count(rf"\begin{{{env}}}") == out.count(rf"\end{{{env}}}") == 1
    assert r"36.1\%" in out and r"$1.58\times10^{23}$" in out
    assert r"R\_D* = 15.3878" in out and "Sardana et al. 2024" in out


def test_the_loss_query_in_csv_and_markdown():
    args = ("--params", "7B", "--tokens", "1T", "--unique-tokens", "100B", "--preset", "muennighoff2023")
    rows = list(csv.DictReader(io.StringIO(ok(*args, "--format", "csv").stdout)))
    assert list(rows[0]) == ["preset", "n_params", "n_tokens", "unique_tokens", "epochs", "effective_tokens",
                             "effective_params", "loss", "loss_all_unique"]
    assert float(rows[0]["epochs"]) == 10
    md = ok(*args, "--format", "markdown").stdout
    assert "| 7.00B | 1.00T | 100B | 10.0 |" in md and "- Data: 100B unique tokens" in md


def test_constrained_plans_warn_on_stderr_when_they_leave_the_fitted_range():
    result = ok("--flops", "1e23", "--max-params", "7B")
    assert "Warning: besiroglu2024 was fitted on C from 1.40e18 to 1.30e22" in result.stderr
    assert "Warning" not in result.stdout


def test_a_target_loss_plans_without_a_budget():
    rows = json.loads(ok("--target-loss", "2.1", "--target-loss", "2.2", "--inference-tokens", "1T",
                         "--format", "json").stdout)
    assert [r["target_loss"] for r in rows] == [2.1, 2.1, 2.2, 2.2]
    assert all(r["loss"] == pytest.approx(r["target_loss"], rel=1e-9) for r in rows)


def test_the_loss_query_on_repeated_data():
    rows = json.loads(ok("--params", "7B", "--tokens", "1T", "--unique-tokens", "100B", "--preset",
                         "muennighoff2023", "--format", "json").stdout)
    assert rows[0]["epochs"] == 10 and rows[0]["loss"] > rows[0]["loss_all_unique"]
    table = ok("--params", "7B", "--tokens", "1T", "--unique-tokens", "100B", "--preset", "muennighoff2023").stdout
    assert "Loss on repeated data · muennighoff2023" in table and "borrowed" not in table


def test_the_plain_plan_still_imports_no_constraint_code():
    import subprocess
    import sys

    code = "import sys; from planner.cli import main; sys.argv=['plan','--flops','1e21']\n" \
           "try: main()\nexcept SystemExit: pass\nprint('planner.planning.constraints' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip().endswith("False False")


@pytest.mark.parametrize("args,code,message", [
    (["--flops", "1e25", "--max-params", "1B", "--max-tokens", "100B"], 1,
     "Error: the size caps leave no plan for 1.00e25 FLOPs: with at most 1.00B parameters and 100B tokens"),
    (["--target-loss", "1.8", "--inference-tokens", "1T"], 1,
     "Error: target loss 1.8 is at or below the irreducible loss E = 1.8172 nats/token of 'besiroglu2024'"),
    (["--target-loss", "2.0", "--unique-tokens", "10B"], 1,
     "Error: target loss 2 is out of reach: with 10.0B unique tokens, besiroglu2024 predicts no loss below 2.2360"),
    (["--target-loss", "2.0", "--max-params", "1B", "--max-tokens", "1T"], 1,
     "Error: target loss 2 is out of reach: with at most 1.00B parameters and at most 1.00T tokens"),
    (["--flops", "1e23", "--unique-tokens", "300B", "--preset", "kaplan2020"], 1,
     "Error: --unique-tokens needs a parametric (Chinchilla-form) law"),
    (["--flops", "1e23", "--max-params", "7B", "--preset", "llama3-2024"], 1,
     "Error: llama3-2024 is an allocation rule with no loss model"),
    (["--target-loss", "2.1", "--flops", "1e21", "--max-params", "7B"], 2,
     "Error: give a budget (--flops, --flops-range, --gpu-hours, --days, --usd) or --target-loss, not both"),
    (["--inference-tokens", "1T"], 2, "Error: plans under constraints need a budget"),
    (["--params", "7B", "--unique-tokens", "1T"], 2,
     "--params and --tokens only ask for the loss of one run on repeated data"),
    (["--flops", "1e21", "--params", "7B", "--unique-tokens", "1T"], 2,
     "--params and --tokens only ask for the loss of one run on repeated data"),
    (["--params", "7B", "--tokens", "1T", "--unique-tokens", "1T", "--max-params", "1B"], 2,
     "--params and --tokens only ask for the loss of one run on repeated data"),
    (["--params", "7B", "--tokens", "1T", "--inference-tokens", "1T"], 2,
     "--params and --tokens only ask for the loss of one run on repeated data"),
    (["--params", "7B", "--tokens", "1T", "--unique-tokens", "1T", "--flops", "1e21"], 2,
     "Error: --params N --tokens D --unique-tokens U asks for the loss of one run: drop the budget"),
    (["--params", "7B", "--tokens", "1T", "--unique-tokens", "1T", "--target-loss", "2.1"], 2,
     "Error: --params N --tokens D --unique-tokens U asks for the loss of one run: drop the budget"),
    (["--params", "7B", "--tokens", "1T", "--unique-tokens", "1T", "--preset", "kaplan2020"], 1,
     "Error: --unique-tokens needs a parametric (Chinchilla-form) law"),
    (["--flops", "1e22", "--max-params", "0"], 2, "Invalid value for '--max-params'"),
    (["--flops", "1e22", "--unique-tokens", "lots"], 2, "Invalid value for '--unique-tokens'"),
    (["--flops", "1e22", "--inference-tokens", "-1T"], 2, "Invalid value for '--inference-tokens'"),
    (["--target-loss", "nan", "--max-params", "7B"], 2, "Invalid value for '--target-loss'"),
])
def test_every_error_is_one_line_with_its_exit_code_and_no_traceback(args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


@pytest.mark.parametrize("args", [
    ("--flops", "1e21", "--max-tokens", "1e-300", "--preset", "kaplan2020"),  # C/(k·D_max) overflowed: N = 0
    ("--flops", "1e300", "--unique-tokens", "1e-10"),                       # C/(k·U) overflowed: a NaN bracket
    ("--params", "7B", "--tokens", "1T", "--unique-tokens", "1e-300"),       # D/U overflows: warnings only
    ("--params", "7B", "--tokens", "1T", "--unique-tokens", "1e300"),
])
def test_extreme_ratios_of_budget_to_caps_or_data_never_show_a_traceback(args):
    """QA: ln(C/(k·x)) overflowed to inf; taken as ln C − ln(k·x) it stays finite. numpy's overflow warnings,
    which reached stderr as several lines of code, are errors here so that they fail the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = run(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


def test_plain_params_tokens_and_target_loss_stay_the_what_if_of_issue_3():
    """Without a constraint option, --params/--tokens/--target-loss are the what-if and target loss, unchanged."""
    run_ = ok("--params", "7B", "--tokens", "2T", "--format", "json").stdout
    assert [r["plan"] for r in json.loads(run_)] == ["this run", "optimal"]
    target = json.loads(ok("--target-loss", "2.1", "--format", "json").stdout)
    assert list(target[0]) == ["preset", "target_loss", "flops", "n_params", "n_tokens", "tokens_per_param", "loss",
                               "warnings"]  # 2.1 needs 2.14e22 FLOPs, past the fitted range: the caveat rides along


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "csv", "json"])
@pytest.mark.parametrize("args", [
    HEADLINE,
    ("--flops-range", "1e21", "1e23", "--points", "2", "--max-params", "7B", "--max-tokens", "3T"),
    ("--target-loss", "2.1", "--target-loss", "2.2", "--unique-tokens", "100B", "--inference-tokens", "2T"),
    ("--params", "7B", "--tokens", "1T", "--unique-tokens", "100B"),
], ids=["headline", "caps", "targets", "loss-query"])
def test_every_format_works_for_every_constrained_command(args, fmt):
    out = ok(*args, "--format", fmt).stdout
    assert out.strip() and "Traceback" not in out


# ---------------------------------------------------------------------------------------------------------------------
# with the hardware options


def test_a_cluster_costs_each_plan_by_its_own_training_compute():
    """--gpu adds GPU-hours, days and dollars to every plan; the inference-aware plan trains past the budget, so it
    costs more to train than the others."""
    rows = json.loads(ok(*HEADLINE, "--gpu", "h100", "--gpus", "1024", "--usd-per-gpu-hour", "2.5",
                         "--format", "json").stdout)
    assert [r["plan"] for r in rows] == ["compute-optimal", "training-optimal", "inference-aware"]
    per_flop = [r["gpu_hours"] / r["training_flops"] for r in rows]
    assert per_flop == pytest.approx([per_flop[0]] * 3, rel=1e-12)
    assert rows[2]["gpu_hours"] > rows[1]["gpu_hours"]
    assert rows[1]["usd"] == pytest.approx(rows[1]["gpu_hours"] * 2.5)
    assert rows[1]["wall_clock_days"] == pytest.approx(rows[1]["gpu_hours"] / 1024 / 24)


def test_a_budget_in_days_on_a_cluster_plans_under_constraints():
    out = words(ok("--gpu", "h100", "--gpus", "512", "--days", "21", "--max-params", "7B", "--format", "markdown").stdout)
    assert "Budget: 21 days × 86400 s × 512 h100" in out and "the max-params cap binds" in out
    assert "| GPU-hours | days |" in out


def test_a_target_loss_is_costed_too():
    rows = json.loads(ok("--target-loss", "2.1", "--max-params", "7B", "--gpu", "h100", "--format", "json").stdout)
    assert all(r["gpu_hours"] > 0 for r in rows)


@pytest.mark.parametrize("args,message", [
    (["--flops", "1e22", "--max-params", "7B", "--shape"], "--shape does not combine with --unique-tokens"),
    (["--flops", "1e22", "--unique-tokens", "1T", "--hparams"], "--hparams does not combine with --unique-tokens"),
    (["--params", "7B", "--tokens", "1T", "--unique-tokens", "1T", "--gpu", "h100"],
     "asks for the loss of one run: drop the budget"),
    (["--gpu-hours", "1e6", "--gpu", "h100", "--target-loss", "2.1", "--max-params", "7B"],
     "give a budget (--flops, --flops-range, --gpu-hours, --days, --usd) or --target-loss, not both"),
    (["--days", "21", "--max-params", "7B"], "--days needs --gpu"),
])
def test_hardware_options_that_do_not_combine_with_constraints_are_usage_errors(args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""


def test_ci_with_a_constraint_is_a_usage_error():
    """Intervals bound unconstrained plans only; asking for both is refused in one line, not ignored."""
    from click.testing import CliRunner

    from planner.cli import cli

    result = CliRunner().invoke(cli, ["--flops", "1e23", "--unique-tokens", "300B", "--ci", "80"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "Error: --ci does not combine with --unique-tokens" in result.stderr
