"""Ladder points from WSD runs: one (N, D, loss) point per cooldown branch or per decay of a stepped run, and the
tokens that saved. The curves are made step by step from Tissue et al.'s law (tests/test_laws_curve_laws.py's
independent implementation), so the loss at each decay's end is known; the tokens are checked by hand arithmetic.
"""

import csv
import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.base.errors import FitError
from planner.files.curve_runs import parse_curve_runs
from planner.fitting.branches import ladder_points
from planner.fitting.curve_forecast import RunCurve
from planner.planning.ladder import plan_ladder

from .test_laws_curve_laws import tissue_by_hand

TRUTH = (2.0, 0.6, 0.5, 0.3)      # L0, A, alpha, C of Tissue's law
STEP = 1000.0                      # tokens per step
PEAK, WARMUP = 1e-3, 100


def stable(T):
    """Per-step rates η_0 … η_T: linear warm-up over WARMUP steps, then the peak."""
    k = np.arange(T + 1, dtype=float)
    return np.where(k < WARMUP, PEAK * k / WARMUP, PEAK)


def cooled(T, fork):
    """The stable rates to ``fork``, then a linear decay to 0 at T (a cooldown branch)."""
    eta = stable(T)
    k = np.arange(T + 1, dtype=float)
    return np.where(k > fork, PEAK * (T - k) / (T - fork), eta)


def loss(rates, at):
    return tissue_by_hand(*TRUTH, 0.999, rates, WARMUP, np.asarray(at))


def branched_rows(name="190M", n=1.9e8, ends=(1000, 2000, 4000, 8000), cooldown=0.2, trunk_to=None, lr=True):
    """A WSD run: a trunk at the peak logged every 200 steps to ``trunk_to`` (default the last fork), and a branch
    per end in ``ends`` forking at (1 − cooldown)·end, logged every 50 steps after its fork."""
    forks = [int(round((1 - cooldown) * e)) for e in ends]
    T = trunk_to or max(forks)
    rows = []
    at = np.arange(200, T + 1, 200)
    for t, L in zip(at, loss(stable(T), at)):
        rows.append([name, "", n, t * STEP, L, stable(T)[t]])
    truth = {}
    for e, f in zip(ends, forks):
        rates = cooled(e, f)
        at = np.arange(f + 50, e + 1, 50)
        for t, L in zip(at, loss(rates, at)):
            rows.append([name, f"{e}", n, t * STEP, L, rates[t]])
        truth[e * STEP] = float(loss(rates, [e])[0])
    return rows, truth


def parse(rows, lr=True):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["run", "branch", "n_params", "tokens", "loss"] + (["learning_rate"] if lr else []))
    for r in rows:
        w.writerow(r if lr else r[:5])
    return parse_curve_runs(buf.getvalue(), source="curves.csv", fmt="csv").runs


def test_one_point_per_cooldown_branch_at_its_known_loss():
    rows, truth = branched_rows()
    result = ladder_points(parse(rows))
    got = {p.n_tokens: p.loss for p in result.points}
    assert set(got) == set(truth)
    for D, L in truth.items():
        assert got[D] == pytest.approx(L, rel=1e-12)
    # every point is a decayed branch end, none from the trunk (its rate never decays)
    assert all(p.branch for p in result.points) and all(p.learning_rate == 0 for p in result.points)


def test_tokens_saved_by_branches_against_hand_arithmetic():
    # trunk to step 6400 once, then each decay: 200 + 400 + 800 + 1600 steps; separate runs: 1000+2000+4000+8000
    rows, _ = branched_rows()
    ladder = ladder_points(parse(rows)).ladder
    trained = (6400 + 200 + 400 + 800 + 1600) * STEP
    separate = (1000 + 2000 + 4000 + 8000) * STEP
    assert ladder.trained_tokens == pytest.approx(trained, rel=1e-12)
    assert ladder.separate_tokens == pytest.approx(separate, rel=1e-12)
    assert ladder.saved_tokens == pytest.approx(separate - trained, rel=1e-12)     # 5.6M tokens
    assert ladder.saved_fraction == pytest.approx(5600 / 15000, rel=1e-12)
    assert ladder.decay_fraction == pytest.approx(0.2, rel=1e-12)


def test_a_trunk_trained_past_its_last_fork_counts_its_tail():
    # the trunk goes on at the peak to step 10000: 3600 more steps trained for no point
    rows, _ = branched_rows(trunk_to=10000)
    ladder = ladder_points(parse(rows)).ladder
    assert ladder.trained_tokens == pytest.approx((10000 + 200 + 400 + 800 + 1600) * STEP, rel=1e-12)


def stepped_rows(name="60M", n=6e7, ends=(1000, 2000, 4000), decay=0.1):
    """A stepped WSD run (OLMo-core's WSDS): each period ends at a multiple, its last ``decay`` decays to 0, then the
    rate is back at the peak; logged every 50 steps."""
    T = max(ends)
    eta = stable(T)
    start = 0
    for e in ends:
        d0 = int(round(e - decay * (e - start)))
        k = np.arange(d0 + 1, e + 1)
        eta[k] = PEAK * (e - k) / (e - d0)
        start = e
    at = np.arange(50, T + 1, 50)
    rows = [[name, "", n, t * STEP, L, eta[t]] for t, L in zip(at, loss(eta, at))]
    return rows, {e * STEP: float(loss(eta, [e])[0]) for e in ends}


def test_a_stepped_run_gives_a_point_at_each_decay_end_and_plan_designs_saving():
    rows, truth = stepped_rows()
    result = ladder_points(parse(rows))
    assert {p.n_tokens: p.loss for p in result.points} == pytest.approx(truth, rel=1e-12)
    # one run to 4000 steps instead of runs to 1000, 2000 and 4000: 3000 steps saved, as plan design's wsd-s ladder
    designed = plan_ladder([6e7], [1000 * STEP], [1, 2, 4], schedule="wsd-s")
    assert result.ladder.saved_tokens == pytest.approx(3000 * STEP, rel=1e-12)
    assert result.ladder.saved_tokens == pytest.approx(designed.saved_tokens, rel=1e-12)
    assert [r.multiple for r in result.ladder.rungs] == pytest.approx([1, 2, 4])
    assert result.ladder.decay_fraction == pytest.approx(0.1, abs=0.02)   # decay starts read off 50-step logging


def test_runs_of_two_sizes_add_up_and_a_run_without_branches_saves_nothing():
    rows_a, truth_a = branched_rows()
    rows_b, truth_b = stepped_rows()
    plain = [["plain", "", 4e8, t * STEP, 3.0 - t * 1e-5, PEAK * (1 - t / 3000)] for t in range(100, 3001, 100)]
    result = ladder_points(parse(rows_a + rows_b + plain))
    assert len(result.points) == len(truth_a) + len(truth_b) + 1
    assert result.ladder.saved_tokens == pytest.approx((5600 + 3000) * STEP, rel=1e-12)
    assert {r.run for r in result.ladder.rungs} == {1}        # the first run of each size


def test_without_a_learning_rate_a_run_ends_at_its_point_and_branches_still_count():
    rows, truth = branched_rows()
    result = ladder_points(parse(rows, lr=False))
    assert {p.n_tokens for p in result.points} == set(truth)   # the trunk (with branches) gives none
    plain = [RunCurve("a", 1e8, np.array([1e6, 2e6]), np.array([3.1, 3.0]))]
    only = ladder_points(plain)
    assert [(p.n_tokens, p.loss) for p in only.points] == [(2e6, 3.0)] and only.ladder.saved_tokens == 0


def test_a_constant_rate_run_and_an_undecayed_branch_give_no_point_and_say_so():
    rows, _ = branched_rows(ends=(1000, 2000))
    rows += [["190M", "late", 1.9e8, 1700 * STEP, 2.5, PEAK]]   # a branch still at the peak
    result = ladder_points(parse(rows))
    assert len(result.points) == 2 and any("branch late" in w and "not decayed" in w for w in result.warnings)
    flat = [RunCurve("c", 1e8, np.array([1e6, 2e6]), np.array([3.1, 3.0]), rates=np.array([PEAK, PEAK]))]
    with pytest.raises(FitError, match="no decay ends"):
        ladder_points(flat)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(2, 60), min_size=1, max_size=5, unique=True), st.floats(0.05, 0.45),
       st.integers(0, 20))
def test_saving_is_the_separate_runs_minus_trunk_and_decays(ends_k, cooldown, extra):
    """Invariant: saved = Σ D − (D_trunk + Σ (D − D_fork)), whatever the branches and the trunk's tail."""
    ends = sorted(100 * k for k in ends_k)
    forks = [math.floor((1 - cooldown) * e) for e in ends]
    trunk_end = max(forks) + extra
    trunk = RunCurve("r", 1e8, np.arange(1, trunk_end + 1, dtype=float), np.full(trunk_end, 3.0))
    branches = [RunCurve("r", 1e8, np.arange(f + 1, e + 1, dtype=float), np.full(e - f, 2.9), branch=str(e))
                for e, f in zip(ends, forks)]
    ladder = ladder_points([trunk, *branches]).ladder
    assert ladder.saved_tokens == pytest.approx(sum(ends) - (trunk_end + sum(e - f for e, f in zip(ends, forks))))
    assert sum(r.new_tokens for r in ladder.rungs) <= ladder.trained_tokens + 1e-9


def test_a_branch_of_another_size_than_its_trunk_is_refused():
    trunk = RunCurve("r", 1e8, np.array([1e6, 2e6]), np.array([3.1, 3.0]))
    branch = RunCurve("r", 2e8, np.array([2.5e6]), np.array([2.8]), branch="b")
    with pytest.raises(FitError, match="branch b has N = 2e\\+08.*give it the trunk's n_params"):
        ladder_points([trunk, branch])
