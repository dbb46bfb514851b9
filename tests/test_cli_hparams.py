"""plan hparams (every hyperparameter law for one plan) and plan --hparams LAW."""

import csv
import io
import json
import math

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.files.presets import hparam_law_ids, load_preset

from .goldens import WIDTH, assert_one_line_error


def run(*args):
    return CliRunner().invoke(cli, list(args), env=WIDTH, catch_exceptions=False)


def rows(*args):
    result = run("hparams", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return {r["law"]: r for r in json.loads(result.stdout)}


def test_every_shipped_law_has_a_row_with_the_issue_keys():
    got = rows("--params", "70B", "--tokens", "1.4T")
    assert sorted(got) == hparam_law_ids()
    for row in got.values():
        assert {"law", "learning_rate", "batch_tokens", "learning_rate_low", "learning_rate_high",
                "batch_tokens_low", "batch_tokens_high"} <= set(row)


def test_the_rows_are_the_sources_formulas_at_the_run():
    """Step Law's mean fit, Porian et al.'s powers of N/108M and DeepSeek's power of C = 6ND, each recomputed here."""
    N, D = 7e10, 1.4e12
    got = rows("--params", "70B", "--tokens", "1.4T")
    assert got["steplaw2025"]["learning_rate"] == pytest.approx(
        math.exp(0.58631 - 0.71292 * math.log(N) + 0.30749 * math.log(D)), rel=1e-6)
    assert got["porian2024"]["batch_tokens"] == pytest.approx(2048 * 160 * (N / 108e6) ** (2 / 3), rel=1e-12)
    assert got["porian2024-olmo"]["learning_rate"] == pytest.approx(0.0047 * (N / 108e6) ** (-1 / 3) / 2, rel=1e-12)
    assert got["deepseek2024"]["batch_tokens"] == pytest.approx(0.2920 * (6 * N * D) ** 0.3271, rel=1e-12)


def test_the_batch_is_whole_sequences_and_the_warmup_follows_the_recipe():
    got = rows("--params", "1B", "--tokens", "20B", "--sequence-length", "4096", "--hparams", "porian2024,deepseek")
    p = got["porian2024"]
    assert p["batch_sequences"] == round(p["batch_tokens"] / 4096)
    assert p["batch_tokens_trainable"] == p["batch_sequences"] * 4096
    assert p["warmup_tokens"] == pytest.approx(1e9)                      # one token per parameter
    assert p["warmup_steps"] == round(1e9 / p["batch_tokens_trainable"])
    assert got["deepseek2024"]["warmup_steps"] == 2000


def test_power_of_two_rounds_the_sequences_in_log_space():
    got = rows("--params", "108M", "--tokens", "2.16B", "--hparams", "porian", "--power-of-two")
    assert got["porian2024"]["batch_sequences"] == 128    # 160 sequences: log2 160 = 7.32 → 2^7


def test_flops_alone_plans_with_the_scaling_law_and_warns_about_n():
    """--flops C takes the scaling law's optimum (besiroglu2024 counts total parameters, so a warning says the
    hyperparameter laws count N otherwise)."""
    result = run("hparams", "--flops", "1e21", "--hparams", "steplaw", "--format", "json")
    assert result.exit_code == 0
    row = json.loads(result.stdout)[0]
    law = load_preset("besiroglu2024")
    n_opt, d_opt = law.model.compute_optimal(1e21)
    assert row["n_params"] == pytest.approx(n_opt, rel=1e-9) and row["n_tokens"] == pytest.approx(d_opt, rel=1e-9)
    assert "counts N as total parameters" in result.stderr


def test_flops_with_params_gives_the_tokens():
    row = rows("--flops", "1e21", "--params", "1B", "--hparams", "steplaw")["steplaw2025"]
    assert row["n_tokens"] == pytest.approx(1e21 / 6e9, rel=1e-12)


def test_the_spread_is_one_line_in_the_footer():
    result = run("hparams", "--params", "70B", "--tokens", "1.4T", "--hparams", "steplaw,porian,deepseek")
    line = next(x for x in result.stdout.splitlines() if x.startswith("Spread across 3 laws"))
    assert "η 3.0×" in line and "B 4.9×" in line


def test_a_band_shows_where_a_law_has_samples(tmp_path):
    law = tmp_path / "sampled.toml"
    law.write_text(SAMPLED)
    row = rows("--params", "1B", "--tokens", "20B", "--hparams", str(law))["sampled"]
    assert row["learning_rate_low"] < row["learning_rate"] < row["learning_rate_high"]
    table = run("hparams", "--params", "1B", "--tokens", "20B", "--hparams", str(law)).stdout
    assert "–" in table


SAMPLED = """id = "sampled"
title = "a law with three bootstrap fits"
form = "hparams"
regime = "synthetic"
[citation]
authors = "Test"
year = 2026
title = "t"
[learning_rate]
coefficient = 0.001
exponents = { n_params = 0.0 }
[batch_tokens]
coefficient = 1e6
exponents = { tokens = 0.0 }
[uncertainty]
level = 0.9
learning_rate = [[0.0008, 0.0], [0.001, 0.0], [0.0012, 0.0]]
batch_tokens = [[0.9e6, 0.0], [1e6, 0.0], [1.1e6, 0.0]]
"""


@pytest.mark.parametrize("fmt", ["csv", "markdown", "latex", "table"])
def test_every_format(fmt):
    result = run("hparams", "--params", "7B", "--tokens", "2T", "--format", fmt)
    assert result.exit_code == 0 and "porian2024-olmo" in result.stdout
    if fmt == "csv":
        got = list(csv.DictReader(io.StringIO(result.stdout)))
        assert len(got) == len(hparam_law_ids()) and "batch_tokens_trainable" in got[0]


def test_output_file_refuses_to_overwrite(tmp_path):
    out = tmp_path / "h.json"
    assert run("hparams", "--params", "7B", "--tokens", "2T", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())[0]["law"]
    assert run("hparams", "--params", "7B", "--tokens", "2T", "-o", str(out)).exit_code != 0


def test_list():
    result = run("hparams", "--list", "--format", "json")
    assert [r["law"] for r in json.loads(result.stdout)] == hparam_law_ids()


@pytest.mark.parametrize("args, code, message", [
    ([], 2, "give a plan: --flops C"),
    (["--flops", "1e21", "--params", "1B", "--tokens", "1T"], 2, "not all three"),
    (["--params", "1B", "--tokens", "1T", "--hparams", "stepla"], 1, "did you mean 'steplaw'"),
    (["--params", "1B", "--tokens", "1T", "--sequence-length", "0"], 2, "--sequence-length"),
])
def test_errors_are_one_line(args, code, message):
    assert_one_line_error(run("hparams", *args), code, message)


# --- plan --hparams LAW ---------------------------------------------------------------------------------------------

def test_plan_gains_the_chosen_law_at_each_plans_n_and_d():
    result = run("--flops", "1e21", "--hparams", "porian2024", "--format", "json")
    row = json.loads(result.stdout)[0]
    assert row["learning_rate"] == pytest.approx(0.0047 * (row["n_params"] / 108e6) ** (-1 / 3), rel=1e-12)
    assert row["batch_tokens"] == pytest.approx(327680 * (row["n_params"] / 108e6) ** (2 / 3), rel=1e-12)


def test_plan_hparams_alone_is_still_deepseek():
    row = json.loads(run("--flops", "1e21", "--hparams", "--format", "json").stdout)[0]
    assert row["learning_rate"] == pytest.approx(0.3118 * 1e21 ** -0.1250, rel=1e-12)


def test_plan_hparams_with_an_unknown_law_is_one_line():
    assert_one_line_error(run("--flops", "1e21", "--hparams", "nope"), 1, "unknown hyperparameter law 'nope'")


def test_plan_hparams_says_when_the_plan_counts_n_otherwise():
    """besiroglu2024 counts total parameters, Step Law non-embedding ones: the footer says which N was used."""
    out = run("--flops", "1e21", "--hparams", "steplaw").stdout
    assert "besiroglu2024 counts N as total parameters and steplaw2025 as non-embedding" in out.replace("\n", " ")
    out = run("--flops", "1e21", "--hparams", "steplaw", "--preset", "kaplan2020").stdout
    assert "counts N as" not in out                      # Kaplan et al. count non-embedding parameters too
