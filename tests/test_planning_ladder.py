"""Ladders (planner.planning.ladder) and plan design's rungs: tokens of a stepped WSD ladder, how to run each rung."""

import csv
import io
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from planner.base.errors import QuantityError
from planner.cli import cli
from planner.planning.ladder import plan_ladder

from .goldens import WIDTH, assert_one_line_error

MULTIPLES = (0.5, 1, 2, 4, 8)


def run(*args):
    return CliRunner().invoke(cli, ["design", *args], env=WIDTH, catch_exceptions=False)


def test_the_stepped_ladder_saves_seven_and_a_half_horizons_per_size():
    """Multiples 0.5, 1, 2, 4, 8: separate runs train 0.5 + 1 + 2 + 4 + 8 = 15.5 horizons per size, the stepped run
    8 (its longest), so it saves 7.5 horizons, 7.5/15.5 = 48.4%."""
    D1 = {1e8: 2e9, 4e8: 8e9}
    lad = plan_ladder(list(D1), list(D1.values()), MULTIPLES, "wsd-s")
    assert lad.separate_tokens == pytest.approx(15.5 * (2e9 + 8e9))
    assert lad.trained_tokens == pytest.approx(8 * (2e9 + 8e9))
    assert lad.saved_tokens == pytest.approx(7.5 * (2e9 + 8e9))
    assert lad.saved_fraction == pytest.approx(7.5 / 15.5)


def test_wsd_s_periods_end_at_each_multiple_and_decay_over_their_last_tenth():
    """OLMo-core's periods: the first from 0 to 0.5·D₁, then each from the previous multiple to the next; the
    pre-decay checkpoint at end − 0.1·(period length)."""
    lad = plan_ladder([1e8], [2e9], MULTIPLES, "wsd-s", decay_fraction=0.1)
    ends = [0.5 * 2e9, 2e9, 4e9, 8e9, 16e9]
    starts = [0.0] + ends[:-1]
    for r, start, end in zip(lad.rungs, starts, ends):
        assert (r.period_start, r.period_end, r.run) == (start, end, 1)
        assert r.decay_start == pytest.approx(end - 0.1 * (end - start))
        assert r.new_tokens == pytest.approx(end - start)


def test_separate_runs_save_nothing_and_each_is_its_own_run():
    lad = plan_ladder([1e8], [2e9], MULTIPLES, "separate")
    assert lad.saved_tokens == 0 and [r.run for r in lad.rungs] == [1, 2, 3, 4, 5]
    assert all(r.period_start == 0 and r.decay_start == pytest.approx(0.9 * r.n_tokens) for r in lad.rungs)


@given(st.lists(st.floats(0.1, 100), min_size=1, max_size=6, unique=True), st.floats(1e8, 1e12))
def test_the_saving_is_the_sum_of_the_multiples_less_the_largest(ms, D1):
    lad = plan_ladder([1e9], [D1], ms, "wsd-s")
    assert lad.saved_tokens == pytest.approx((sum(ms) - max(ms)) * D1, rel=1e-9)
    assert sum(r.new_tokens for r in lad.rungs) == pytest.approx(lad.trained_tokens, rel=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(multiples=(1, 1)), "distinct"), (dict(multiples=(0, 1)), "> 0"), (dict(decay_fraction=0.5), "between 0"),
    (dict(schedule="cosine"), "schedule must be one of"),
])
def test_bad_ladders(kwargs, message):
    args = dict(sizes=[1e8], horizons=[2e9], multiples=(1, 2), schedule="wsd-s") | kwargs
    with pytest.raises(QuantityError, match=message):
        plan_ladder(**args)


# --- plan design ----------------------------------------------------------------------------------------------------

LADDER = ["--params", "190M,370M", "--schedule", "wsd-s", "--multiples", "0.5,1,2,4,8", "--tokens-per-param", "20"]


def test_the_ladder_json_states_the_saving():
    doc = json.loads(run(*LADDER, "--format", "json").stdout)
    D1 = 20 * (190e6 + 370e6)
    assert doc["separate_tokens"] == pytest.approx(15.5 * D1) and doc["saved_tokens"] == pytest.approx(7.5 * D1)
    assert len(doc["rungs"]) == 10


def test_the_csv_gives_a_launcher_every_rung_with_steps_and_hparams():
    """porian2024-olmo at N = 190M: η = 0.00235·(190/108)^(−1/3), batch 327,680·(190/108)^(2/3) tokens in whole
    2,048-token sequences, warm-up N tokens; steps = D / batch."""
    out = run(*LADDER, "--hparams", "porian2024-olmo", "--gpu", "h100", "--gpus", "64", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 10
    r = rows[1]                                                   # 190M at 1×: 3.8B tokens
    assert float(r["n_tokens"]) == pytest.approx(3.8e9)
    assert float(r["learning_rate"]) == pytest.approx(0.00235 * (190 / 108) ** (-1 / 3), rel=1e-12)
    seqs = round(327680 * (190 / 108) ** (2 / 3) / 2048)
    assert int(r["batch_sequences"]) == seqs
    assert int(r["steps"]) == round(3.8e9 / (seqs * 2048))
    assert int(r["warmup_steps"]) == round(190e6 / (seqs * 2048))
    assert int(r["decay_start_step"]) == round((3.8e9 - 0.1 * 1.9e9) / (seqs * 2048))
    assert float(r["gpu_hours"]) > 0 and float(r["wall_clock_days"]) > 0 and int(r["n_layer"]) > 0


def test_the_table_footer_says_what_is_saved():
    out = run(*LADDER).stdout
    assert "Tokens: 89.6B trained against 174B for separate runs" in out and "saving 84.0B (48%)" in out


def test_an_isoflop_grid_gains_hparams_and_cost():
    rows = json.loads(run("--flops", "1e19", "--models", "3", "--hparams", "deepseek", "--gpu", "h100",
                          "--format", "json").stdout)
    assert len(rows) == 3
    assert all(r["learning_rate"] == pytest.approx(0.3118 * (6 * r["n_params"] * r["n_tokens"]) ** -0.125, rel=1e-9)
               for r in rows)
    assert all(r["gpu_hours"] == pytest.approx(rows[0]["gpu_hours"]) for r in rows)    # one budget, one cost


@pytest.mark.parametrize("args, message", [
    (["--params", "1B", "--flops", "1e19"], "not both"),
    (["--flops", "1e19", "--schedule", "wsd-s"], "give its sizes with --params"),
    (["--params", "1B", "--multiples", "1,1"], "distinct"),
    (["--params", "1B,x"], "--params"),
])
def test_design_errors(args, message):
    assert_one_line_error(run(*args), 2, message)


def test_the_footer_says_when_the_ladder_counts_n_otherwise_than_the_law():
    """The default law (besiroglu2024) counts total parameters, Porian et al. non-embedding ones."""
    out = run("--params", "190M", "--hparams", "porian2024").stdout.replace("\n", " ")
    assert "besiroglu2024 counts N as total parameters and porian2024 as non-embedding" in out
    assert "counts N as" not in run("--params", "190M", "--hparams", "deepseek").stdout   # a law in C alone
